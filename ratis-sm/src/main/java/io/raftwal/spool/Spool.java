package io.raftwal.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable logical WAL spool: an append-only, segmented log of {@link SpoolRecord}s.
 *
 * <p>Segments are files named by the LSN of their first record and rolled at a size limit;
 * pruning deletes whole segments. Each record is one CRC32C-framed write. Appends go to the page
 * cache at once (readers see them) and are forced in groups: by {@link #sync()}, every N records
 * or every T ms ({@link SpoolOptions}). A segment is forced when it is sealed, so only the newest
 * segment can ever hold a torn tail, and {@link #open} cuts it back to the longest valid prefix;
 * damage anywhere else refuses to open.
 *
 * <p>After {@code open}, appends always start a new segment: existing files are never written
 * again, so a snapshot may hard-link any sealed segment.
 *
 * <p>Thread safety: one appender thread (append, sync, roll, truncate, prune) and any number of
 * concurrent readers.
 */
public final class Spool implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
  static final String SEGMENT_SUFFIX = ".seg";
  private static final int READ_BUFFER_BYTES = 64 << 10;
  private static final int RECOVERY_BUFFER_BYTES = 1 << 20;

  private final Path dir;
  private final SpoolOptions options;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final SeekIndex index;
  private final AtomicLong durableLsn = new AtomicLong();
  private final ScheduledExecutorService syncer;

  private volatile List<Segment> segments;
  private volatile long currentLsn;
  private volatile boolean closed;

  // Appender state, guarded by writeLock.
  private Segment active;
  private FileChannel activeChannel;
  private int unsynced;
  private ByteBuffer writeBuffer = ByteBuffer.allocate(256 << 10);
  private IOException failure;

  private Spool(Path dir, SpoolOptions options, List<Segment> recovered, SeekIndex index) {
    this.dir = dir;
    this.index = index;
    this.options = options;
    this.segments = List.copyOf(recovered);
    this.currentLsn = recovered.isEmpty() ? 0 : recovered.get(recovered.size() - 1).lastLsn;
    this.durableLsn.set(currentLsn);
    if (options.syncEveryMillis() > 0) {
      syncer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "raftwal-spool-sync");
        t.setDaemon(true);
        return t;
      });
      syncer.scheduleWithFixedDelay(this::backgroundSync, options.syncEveryMillis(),
          options.syncEveryMillis(), TimeUnit.MILLISECONDS);
    } else {
      syncer = null;
    }
  }

  /**
   * Opens (creating if needed) the spool in {@code dir}, repairing a torn tail.
   *
   * @throws SpoolCorruptException when a record other than the tail is damaged
   */
  public static Spool open(Path dir, SpoolOptions options) throws IOException {
    Files.createDirectories(dir);
    TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        long first = Segment.parseFileName(p.getFileName().toString());
        if (first >= 0) {
          files.put(first, p);
        }
      }
    }
    List<Segment> recovered = new ArrayList<>();
    SeekIndex index = new SeekIndex();
    long prevLsn = 0;
    int n = 0;
    for (var e : files.entrySet()) {
      boolean last = ++n == files.size();
      Segment seg = recoverSegment(e.getKey(), e.getValue(), last, prevLsn, options, index);
      if (seg == null) {
        continue; // a torn, empty newest segment: removed
      }
      recovered.add(seg);
      prevLsn = seg.lastLsn;
    }
    fsyncDirectory(dir);
    Spool spool = new Spool(dir, options, recovered, index);
    LOG.info("spool {} opened: {} segment(s), LSN {}..{}", dir, recovered.size(),
        spool.oldestLsn(), spool.currentLsn());
    return spool;
  }

  private static Segment recoverSegment(long nameLsn, Path path, boolean last, long prevLsn,
      SpoolOptions options, SeekIndex index) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      ByteBuffer header = ByteBuffer.allocate(FrameCodec.SEGMENT_HEADER_BYTES);
      while (header.hasRemaining() && ch.read(header, header.position()) >= 0) {
        // read the whole header or hit the end
      }
      header.flip();
      long headerLsn = FrameCodec.decodeSegmentHeader(header);
      if (headerLsn != nameLsn) {
        if (last && size <= FrameCodec.SEGMENT_HEADER_BYTES) {
          LOG.warn("spool: removing newest segment {} with a torn header ({} bytes): it holds no record", path, size);
          Files.delete(path);
          return null;
        }
        throw new SpoolCorruptException(path, 0, headerLsn < 0
            ? "segment header is missing or damaged"
            : "segment header says first LSN " + headerLsn + " but the file name says " + nameLsn);
      }
      FrameReader reader = new FrameReader(ch, FrameCodec.SEGMENT_HEADER_BYTES, size, RECOVERY_BUFFER_BYTES);
      long lastLsn = prevLsn;
      int count = 0;
      List<long[]> checkpoints = new ArrayList<>();
      while (true) {
        FrameReader.Step step = reader.next();
        if (step == FrameReader.Step.END) {
          break;
        }
        if (step == FrameReader.Step.BAD) {
          long bad = reader.offset();
          if (!last) {
            throw new SpoolCorruptException(path, bad, reader.badReason() + " in a sealed segment");
          }
          long next = FrameReader.findValidFrameAfter(ch, bad + 1, size, lastLsn);
          if (next >= 0) {
            throw new SpoolCorruptException(path, bad, reader.badReason()
                + ", and a valid record follows at byte offset " + next + " (not a torn tail)");
          }
          LOG.warn("spool: cut torn tail of {} at byte offset {} ({} bytes dropped): {}",
              path, bad, size - bad, reader.badReason());
          ch.truncate(bad);
          ch.force(true);
          break;
        }
        long lsn = reader.currentLsn();
        if (count == 0 && lsn != nameLsn) {
          throw new SpoolCorruptException(path, reader.currentOffset(),
              "first record has LSN " + lsn + " but the segment is named for LSN " + nameLsn);
        }
        if (lsn <= lastLsn) {
          throw new SpoolCorruptException(path, reader.currentOffset(),
              "record LSN " + lsn + " does not follow LSN " + lastLsn);
        }
        if (count % options.indexInterval() == 0) {
          checkpoints.add(new long[] {lsn, reader.currentOffset()});
        }
        lastLsn = lsn;
        count++;
      }
      if (count == 0) {
        if (last) {
          LOG.warn("spool: removing newest segment {}: it holds no whole record", path);
          Files.delete(path);
          return null;
        }
        throw new SpoolCorruptException(path, FrameCodec.SEGMENT_HEADER_BYTES,
            "sealed segment holds no record but newer segments follow it");
      }
      for (long[] c : checkpoints) {
        index.add(c[0], nameLsn, c[1]);
      }
      return new Segment(nameLsn, path, reader.offset(), lastLsn, count);
    }
  }

  // ---------------------------------------------------------------------------------- appends

  /** Appends one record; see {@link #append(List)}. */
  public void append(SpoolRecord record) throws IOException {
    append(List.of(record));
  }

  /**
   * Appends records in order, each as one contiguous frame; a batch is written with as few
   * writes as segment boundaries allow. Nothing is forced unless the sync policy says so.
   *
   * @throws IllegalArgumentException when an LSN is not positive and strictly increasing, or a
   *     term, index or timestamp is negative; nothing is written then
   * @throws IOException when the write fails: the spool then refuses further appends, and the
   *     next {@link #open} cuts whatever was partly written
   */
  public void append(List<SpoolRecord> records) throws IOException {
    if (records.isEmpty()) {
      return;
    }
    writeLock.lock();
    try {
      ensureWritable();
      long prev = currentLsn;
      for (SpoolRecord r : records) {
        validate(r, prev);
        prev = r.lsn();
      }
      long[] lsns = new long[records.size()];
      int[] lengths = new int[records.size()];
      writeBuffer.clear();
      for (int k = 0; k < lsns.length; k++) {
        SpoolRecord r = records.get(k);
        lsns[k] = r.lsn();
        lengths[k] = FrameCodec.frameLength(r.payload().length);
        ensureBufferRoom(lengths[k]);
        FrameCodec.encode(r, writeBuffer);
      }
      writeBuffer.flip();
      writeRuns(writeBuffer, lsns, lengths, lsns.length);
      afterAppend(records.size());
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Appends frames exactly as a segment stores them (as {@link #exportSegment} writes them and
   * {@link #readSegmentFrames} hands them out): a restore copies verified bytes instead of
   * decoding and re-encoding every record. Each frame is checked again (header, CRC32C, an LSN
   * above the last) before anything is written; a batch with a bad frame writes nothing.
   *
   * @param frames whole frames from its position to its limit; read, not modified
   * @throws IllegalArgumentException naming the byte of the first frame that is not whole,
   *     damaged, or out of LSN order
   */
  public void appendFrames(ByteBuffer frames) throws IOException {
    ByteBuffer b = frames.slice();
    if (!b.hasRemaining()) {
      return;
    }
    writeLock.lock();
    try {
      ensureWritable();
      long[] lsns = new long[16];
      int[] lengths = new int[16];
      int n = 0;
      long prev = currentLsn;
      for (int p = 0; p < b.limit(); ) {
        int len = FrameCodec.plausibleFrameLength(b, p);
        if (len < 0 || p + len > b.limit()) {
          throw new IllegalArgumentException("no whole frame at byte " + p + " of the " + b.limit() + " given");
        }
        if (!FrameCodec.checksumMatches(b, p, len)) {
          throw new IllegalArgumentException("CRC32C mismatch in the frame at byte " + p);
        }
        long lsn = FrameCodec.lsnAt(b, p);
        if (lsn <= prev) {
          throw new IllegalArgumentException("the frame at byte " + p + " holds LSN " + lsn + ", not after LSN " + prev
              + "; appends must have strictly increasing LSNs");
        }
        if (n == lsns.length) {
          lsns = java.util.Arrays.copyOf(lsns, n * 2);
          lengths = java.util.Arrays.copyOf(lengths, n * 2);
        }
        lsns[n] = lsn;
        lengths[n++] = len;
        prev = lsn;
        p += len;
      }
      writeRuns(b, lsns, lengths, n); // straight from the caller's buffer: the frames are what the file holds
      afterAppend(n);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Writes {@code n} whole frames from {@code frames} (from position 0), each run in one write,
   * starting a new segment wherever the active one has reached its size.
   */
  private void writeRuns(ByteBuffer frames, long[] lsns, int[] lengths, int n) throws IOException {
    int i = 0;
    int offset = 0;
    while (i < n) {
      if (active == null || active.end >= options.segmentBytes()) {
        startSegment(lsns[i]);
      }
      int first = i;
      int start = offset;
      long segmentEnd = active.end;
      do {
        offset += lengths[i++];
      } while (i < n && segmentEnd + (offset - start) < options.segmentBytes());
      ByteBuffer run = frames.duplicate();
      run.position(start).limit(offset);
      writeFrames(run, lsns, lengths, first, i);
    }
  }

  private void afterAppend(int records) throws IOException {
    unsynced += records;
    if (options.syncEveryRecords() > 0 && unsynced >= options.syncEveryRecords()) {
      forceActive();
    }
  }

  private static void validate(SpoolRecord r, long prevLsn) {
    if (r.lsn() <= 0) {
      throw new IllegalArgumentException("lsn must be positive, got " + r.lsn());
    }
    if (r.lsn() <= prevLsn) {
      throw new IllegalArgumentException("lsn " + r.lsn() + " is not after LSN " + prevLsn
          + "; appends must have strictly increasing LSNs");
    }
    if (r.term() < 0 || r.raftIndex() < 0 || r.timestampMs() < 0) {
      throw new IllegalArgumentException("term, raftIndex and timestampMs must not be negative, got term="
          + r.term() + " raftIndex=" + r.raftIndex() + " timestampMs=" + r.timestampMs() + " at lsn " + r.lsn());
    }
    if (r.payload().length > FrameCodec.MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException("payload of " + r.payload().length + " bytes at lsn " + r.lsn()
          + " exceeds the spool's limit of " + FrameCodec.MAX_PAYLOAD_BYTES + " bytes");
    }
  }

  private void ensureBufferRoom(int frameBytes) {
    if (writeBuffer.remaining() < frameBytes) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(writeBuffer.capacity() * 2, writeBuffer.position() + frameBytes));
      writeBuffer.flip();
      bigger.put(writeBuffer);
      writeBuffer = bigger;
    }
  }

  /** Writes {@code data} (frames {@code from..to-1}) at the active segment's end and publishes them. */
  private void writeFrames(ByteBuffer data, long[] lsns, int[] lengths, int from, int to) throws IOException {
    long start = active.end;
    try {
      long pos = start;
      while (data.hasRemaining()) {
        pos += activeChannel.write(data, pos);
      }
    } catch (IOException e) {
      failure = e;
      throw new IOException("spool write to " + active.path + " at byte offset " + start + " failed", e);
    }
    // Publish the new end before the checkpoints: a reader using an older checkpoint only scans more.
    long offset = start;
    long[] offsets = new long[to - from];
    for (int i = from; i < to; i++) {
      offsets[i - from] = offset;
      offset += lengths[i];
    }
    long lastLsn = lsns[to - 1];
    active.lastLsn = lastLsn;
    active.end = offset;
    currentLsn = lastLsn;
    for (int i = from; i < to; i++) {
      if (active.recordCount % options.indexInterval() == 0) {
        index.add(lsns[i], active.firstLsn, offsets[i - from]);
      }
      active.recordCount++;
    }
  }

  private void startSegment(long firstLsn) throws IOException {
    sealActive();
    Path path = dir.resolve(Segment.fileName(firstLsn));
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        StandardOpenOption.READ);
    try {
      ByteBuffer header = FrameCodec.encodeSegmentHeader(firstLsn);
      while (header.hasRemaining()) {
        ch.write(header, header.position());
      }
      ch.force(true);
      fsyncDirectory(dir);
    } catch (IOException e) {
      ch.close();
      failure = e;
      throw e;
    }
    Segment seg = new Segment(firstLsn, path, FrameCodec.SEGMENT_HEADER_BYTES, firstLsn - 1, 0);
    List<Segment> next = new ArrayList<>(segments);
    next.add(seg);
    segments = Collections.unmodifiableList(next);
    active = seg;
    activeChannel = ch;
  }

  /**
   * Forces and closes the active segment so that every segment is sealed (immutable) until the
   * next append, which starts a new one. Snapshots call this before hard-linking segments.
   */
  public void sealActive() throws IOException {
    writeLock.lock();
    try {
      if (active == null) {
        return;
      }
      ensureWritable();
      forceActive();
      activeChannel.close();
      active = null;
      activeChannel = null;
    } finally {
      writeLock.unlock();
    }
  }

  /** Forces every appended record to disk; the group-commit point the caller controls. */
  public void sync() throws IOException {
    FileChannel ch;
    long lsn;
    writeLock.lock();
    try {
      ensureWritable();
      lsn = currentLsn;
      if (active == null) {
        durableLsn.accumulateAndGet(lsn, Math::max);
        return;
      }
      ch = activeChannel;
      unsynced = 0;
    } finally {
      writeLock.unlock();
    }
    try {
      ch.force(false); // outside the lock: appends go on while the disk flushes
    } catch (ClosedChannelException sealed) {
      // The segment was sealed meanwhile, and sealing forced it.
    }
    durableLsn.accumulateAndGet(lsn, Math::max);
  }

  private void forceActive() throws IOException {
    if (active != null) {
      activeChannel.force(false);
    }
    unsynced = 0;
    durableLsn.accumulateAndGet(currentLsn, Math::max);
  }

  private void backgroundSync() {
    if (closed || durableLsn.get() >= currentLsn) {
      return;
    }
    try {
      sync();
    } catch (IOException | RuntimeException e) {
      LOG.warn("spool {}: background sync failed: {}", dir, e.toString());
    }
  }

  private void ensureWritable() throws IOException {
    if (closed) {
      throw new IllegalStateException("spool " + dir + " is closed");
    }
    if (failure != null) {
      throw new IOException("spool " + dir + " failed earlier and takes no more writes; reopen it to repair", failure);
    }
  }

  // ------------------------------------------------------------------------------ reads

  /**
   * Reads up to {@code max} records with LSN above {@code sinceLsn}, in LSN order, starting from
   * the nearest seek-index checkpoint rather than the start of the spool.
   *
   * @throws WalRemovedException when records right after {@code sinceLsn} were pruned
   */
  public List<SpoolRecord> readSince(long sinceLsn, int max) throws IOException {
    if (sinceLsn < 0) {
      throw new IllegalArgumentException("sinceLsn must not be negative, got " + sinceLsn);
    }
    if (max <= 0) {
      throw new IllegalArgumentException("max must be positive, got " + max);
    }
    List<Segment> segs = segments;
    if (segs.isEmpty() || sinceLsn >= currentLsn) {
      return List.of();
    }
    long oldest = segs.get(0).firstLsn;
    if (sinceLsn + 1 < oldest) {
      throw new WalRemovedException(sinceLsn, oldest);
    }
    SeekPosition seek = index.floor(sinceLsn + 1);
    List<SpoolRecord> out = new ArrayList<>(Math.min(max, 1024));
    for (Segment seg : segs) {
      if (out.size() >= max) {
        break;
      }
      long limit = seg.end;
      if (seg.lastLsn <= sinceLsn || limit <= FrameCodec.SEGMENT_HEADER_BYTES) {
        continue;
      }
      long start = scanStart(seek, seg);
      try (FileChannel ch = FileChannel.open(seg.path, StandardOpenOption.READ)) {
        FrameReader reader = new FrameReader(ch, start, limit, READ_BUFFER_BYTES);
        FrameReader.Step step;
        while (out.size() < max && (step = reader.next()) != FrameReader.Step.END) {
          if (step == FrameReader.Step.BAD) {
            throw new SpoolCorruptException(seg.path, reader.offset(), reader.badReason());
          }
          if (reader.currentLsn() > sinceLsn) {
            out.add(reader.currentRecord());
          }
        }
      } catch (NoSuchFileException pruned) {
        throw new WalRemovedException(sinceLsn, oldestLsn());
      }
    }
    return out;
  }

  /**
   * The first LSN a segment file holds, from its name (segments are named by their first LSN).
   *
   * @throws IllegalArgumentException when the name is not a spool segment's
   */
  public static long segmentFirstLsn(Path segment) {
    long first = Segment.parseFileName(segment.getFileName().toString());
    if (first < 0) {
      throw new IllegalArgumentException(segment + " is not a spool segment file (expected <20 digits>"
          + SEGMENT_SUFFIX + ")");
    }
    return first;
  }

  /** Receives records one at a time. */
  public interface RecordConsumer {
    void accept(SpoolRecord r) throws IOException;
  }

  /**
   * Writes LSNs {@code fromLsn..toLsn} as the bytes of one segment file (a header, then the
   * frames exactly as stored), checking each frame's checksum and that the LSNs follow one
   * another: a backup ships verified bytes without decoding and re-encoding every record.
   *
   * @return the bytes written
   * @throws WalRemovedException when {@code fromLsn} was pruned
   */
  public long exportSegment(long fromLsn, long toLsn, java.io.OutputStream out) throws IOException {
    List<Segment> segs = segmentsHolding(fromLsn, toLsn);
    ByteBuffer header = FrameCodec.encodeSegmentHeader(fromLsn);
    out.write(header.array(), 0, header.remaining());
    long written = header.remaining();
    long next = fromLsn;
    SeekPosition seek = index.floor(fromLsn);
    for (Segment seg : segs) {
      if (next > toLsn) {
        break;
      }
      if (seg.lastLsn < next) {
        continue;
      }
      long start = scanStart(seek, seg);
      try (FileChannel ch = FileChannel.open(seg.path, StandardOpenOption.READ)) {
        FrameReader reader = new FrameReader(ch, start, seg.end, READ_BUFFER_BYTES);
        FrameReader.Step step;
        while (next <= toLsn && (step = reader.next()) != FrameReader.Step.END) {
          if (step == FrameReader.Step.BAD) {
            throw new SpoolCorruptException(seg.path, reader.offset(), reader.badReason());
          }
          long lsn = reader.currentLsn();
          if (lsn < next) {
            continue;
          }
          if (lsn != next) {
            throw new SpoolCorruptException(seg.path, reader.currentOffset(), "LSN " + lsn + " where " + next + " belongs");
          }
          reader.keepCurrent(out);
          written += reader.currentLength();
          next++;
        }
        reader.flushKept();
      } catch (NoSuchFileException pruned) {
        throw new WalRemovedException(next - 1, oldestLsn());
      }
    }
    if (next != toLsn + 1) {
      throw new IOException("spool " + dir + " ended at LSN " + (next - 1) + " while exporting up to " + toLsn);
    }
    return written;
  }

  /** The segments, once {@code fromLsn..toLsn} is known to be a range this spool still holds. */
  private List<Segment> segmentsHolding(long fromLsn, long toLsn) {
    if (fromLsn < 1 || toLsn < fromLsn || toLsn > currentLsn) {
      throw new IllegalArgumentException("LSNs " + fromLsn + ".." + toLsn + " are not a range of this spool (1.."
          + currentLsn + ")");
    }
    List<Segment> segs = segments;
    if (segs.isEmpty() || fromLsn < segs.get(0).firstLsn) {
      throw new WalRemovedException(fromLsn - 1, oldestLsn());
    }
    return segs;
  }

  /** Where a scan of {@code seg} starts: the seek checkpoint when it lies in that segment, else its first frame. */
  private static long scanStart(SeekPosition seek, Segment seg) {
    return seek != null && seek.segmentFirstLsn() == seg.firstLsn ? seek.offset() : FrameCodec.SEGMENT_HEADER_BYTES;
  }

  /**
   * The number of bytes {@link #exportSegment} writes for LSNs {@code fromLsn..toLsn}, found from
   * segment sizes and the frames next to the two ends (located through the seek index), not by
   * reading the range: an upload can declare its exact length before the first byte goes out.
   *
   * @throws WalRemovedException when {@code fromLsn} was pruned
   */
  public long exportSize(long fromLsn, long toLsn) throws IOException {
    List<Segment> segs = segmentsHolding(fromLsn, toLsn);
    long size = FrameCodec.SEGMENT_HEADER_BYTES;
    for (int i = 0; i < segs.size(); i++) {
      Segment seg = segs.get(i);
      // A segment holds LSNs up to the next one's first; only the newest may still grow, so its
      // end is read from the frame of toLsn rather than from its (moving) size.
      long last = i + 1 < segs.size() ? segs.get(i + 1).firstLsn - 1 : Long.MAX_VALUE;
      if (last < fromLsn || seg.firstLsn > toLsn || last < seg.firstLsn) {
        continue;
      }
      long start = fromLsn > seg.firstLsn ? locate(seg, fromLsn)[0] : FrameCodec.SEGMENT_HEADER_BYTES;
      long end;
      if (toLsn < last) {
        long[] frame = locate(seg, toLsn);
        end = frame[0] + frame[1];
      } else {
        end = seg.end;
      }
      size += end - start;
    }
    return size;
  }

  /** The offset and length of LSN {@code lsn}'s frame in {@code seg}, scanning from the nearest checkpoint. */
  private long[] locate(Segment seg, long lsn) throws IOException {
    SeekPosition seek = index.floor(lsn);
    long start = scanStart(seek, seg);
    try (FileChannel ch = FileChannel.open(seg.path, StandardOpenOption.READ)) {
      FrameReader reader = new FrameReader(ch, start, seg.end, READ_BUFFER_BYTES);
      FrameReader.Step step;
      while ((step = reader.next()) != FrameReader.Step.END) {
        if (step == FrameReader.Step.BAD) {
          throw new SpoolCorruptException(seg.path, reader.offset(), reader.badReason());
        }
        if (reader.currentLsn() == lsn) {
          return new long[] {reader.currentOffset(), reader.currentLength()};
        }
      }
    } catch (NoSuchFileException pruned) {
      throw new WalRemovedException(lsn - 1, oldestLsn());
    }
    throw new IOException("spool " + dir + ": LSN " + lsn + " is not in segment " + seg.path.getFileName());
  }

  /** Receives frames one at a time: {@code frame} holds exactly the stored bytes and is valid during the call. */
  public interface FrameConsumer {
    void accept(long lsn, ByteBuffer frame) throws IOException;
  }

  /**
   * Reads the records of one segment's bytes (as {@link #exportSegment} writes them), checking
   * the header's first LSN, every frame's checksum and that LSNs follow one another. Unlike
   * opening a spool, nothing is repaired: a torn or damaged frame anywhere is an error.
   *
   * @return the number of records read
   */
  public static long readSegment(java.io.InputStream in, long expectedFirstLsn, String name, RecordConsumer consumer)
      throws IOException {
    return readSegmentFrames(in, expectedFirstLsn, name, (lsn, frame) -> consumer.accept(FrameCodec.decode(frame, 0)));
  }

  /**
   * As {@link #readSegment}, handing out each checked frame as it is stored instead of a decoded
   * record, for a consumer that only copies them ({@link #appendFrames}).
   *
   * @return the number of records read
   */
  public static long readSegmentFrames(java.io.InputStream in, long expectedFirstLsn, String name,
      FrameConsumer consumer) throws IOException {
    byte[] h = in.readNBytes(FrameCodec.SEGMENT_HEADER_BYTES);
    long first = FrameCodec.decodeSegmentHeader(ByteBuffer.wrap(h));
    if (first < 0) {
      throw new IOException(name + ": not a version 1 spool segment (bad header)");
    }
    if (first != expectedFirstLsn) {
      throw new IOException(name + ": starts at LSN " + first + ", expected " + expectedFirstLsn);
    }
    FrameReader reader = new FrameReader(in, FrameCodec.SEGMENT_HEADER_BYTES, READ_BUFFER_BYTES);
    long next = first;
    FrameReader.Step step;
    while ((step = reader.next()) != FrameReader.Step.END) {
      if (step == FrameReader.Step.BAD) {
        throw new IOException(name + ": damaged at byte " + reader.offset() + ": " + reader.badReason());
      }
      if (reader.currentLsn() != next) {
        throw new IOException(name + ": LSN " + reader.currentLsn() + " at byte " + reader.currentOffset()
            + " where " + next + " belongs");
      }
      consumer.accept(next, reader.currentFrame());
      next++;
    }
    return next - first;
  }

  /** Where a read of records after {@code sinceLsn} starts; null for an empty spool. */
  public SeekPosition seekPositionFor(long sinceLsn) {
    return index.floor(sinceLsn + 1);
  }

  /** The LSN of the newest record, 0 when the spool is empty. */
  public long currentLsn() {
    return currentLsn;
  }

  /** The LSN of the oldest retained record, from segment metadata; 0 when the spool is empty. */
  public long oldestLsn() {
    List<Segment> segs = segments;
    return segs.isEmpty() ? 0 : segs.get(0).firstLsn;
  }

  /** Every record at or below this LSN has been forced to disk. */
  public long durableLsn() {
    return Math.min(durableLsn.get(), currentLsn);
  }

  /** The segments, oldest first. */
  public List<SegmentInfo> segments() {
    List<Segment> segs = segments;
    Segment act = active;
    List<SegmentInfo> out = new ArrayList<>(segs.size());
    for (Segment s : segs) {
      out.add(new SegmentInfo(s.firstLsn, s.lastLsn, s.path, s.end, s != act));
    }
    return out;
  }

  /** Bytes on disk in all segments. */
  public long sizeBytes() {
    long total = 0;
    for (Segment s : segments) {
      total += s.end;
    }
    return total;
  }

  public Path directory() {
    return dir;
  }

  // ------------------------------------------------------------------------ truncate, prune

  /**
   * Removes every record above {@code lsn} (restart recovery, point-in-time restore). Whole
   * newer segments are deleted newest first; the segment holding {@code lsn} is rewritten to
   * its prefix through a temp file and a rename, so a hard link a snapshot holds is untouched.
   * Not to be run while readers are active.
   */
  public void truncateAfter(long lsn) throws IOException {
    if (lsn < 0) {
      throw new IllegalArgumentException("lsn must not be negative, got " + lsn);
    }
    writeLock.lock();
    try {
      ensureWritable();
      if (lsn >= currentLsn) {
        return;
      }
      sealActive();
      List<Segment> keep = new ArrayList<>(segments);
      while (!keep.isEmpty() && keep.get(keep.size() - 1).firstLsn > lsn) {
        Files.deleteIfExists(keep.remove(keep.size() - 1).path);
      }
      if (!keep.isEmpty()) {
        cutSegmentAfter(keep.get(keep.size() - 1), lsn);
      }
      fsyncDirectory(dir);
      index.dropAfter(lsn);
      segments = Collections.unmodifiableList(keep);
      currentLsn = keep.isEmpty() ? 0 : keep.get(keep.size() - 1).lastLsn;
      durableLsn.accumulateAndGet(currentLsn, Math::min);
      LOG.info("spool {} truncated after LSN {}", dir, lsn);
    } finally {
      writeLock.unlock();
    }
  }

  private void cutSegmentAfter(Segment seg, long lsn) throws IOException {
    if (seg.lastLsn <= lsn) {
      return;
    }
    long cut = -1;
    long lastKept = seg.firstLsn - 1;
    int kept = 0;
    try (FileChannel ch = FileChannel.open(seg.path, StandardOpenOption.READ)) {
      FrameReader reader = new FrameReader(ch, FrameCodec.SEGMENT_HEADER_BYTES, seg.end, RECOVERY_BUFFER_BYTES);
      FrameReader.Step step;
      while ((step = reader.next()) == FrameReader.Step.RECORD) {
        if (reader.currentLsn() > lsn) {
          cut = reader.currentOffset();
          break;
        }
        lastKept = reader.currentLsn();
        kept++;
      }
      if (step == FrameReader.Step.BAD) {
        throw new SpoolCorruptException(seg.path, reader.offset(), reader.badReason());
      }
      if (cut < 0) {
        return;
      }
      Path tmp = seg.path.resolveSibling(seg.path.getFileName() + ".tmp");
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE)) {
        long done = 0;
        while (done < cut) {
          done += ch.transferTo(done, cut - done, out);
        }
        out.force(true);
      }
      Files.move(tmp, seg.path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    seg.end = cut;
    seg.lastLsn = lastKept;
    seg.recordCount = kept;
  }

  /**
   * Deletes whole segments whose records are all at or below {@code lsn}, oldest first. The
   * newest segment is always kept, so the spool remembers its current LSN. Never removes a
   * record above {@code lsn}.
   *
   * @return the number of segments deleted
   */
  public int pruneThrough(long lsn) throws IOException {
    writeLock.lock();
    try {
      ensureWritable();
      List<Segment> segs = segments;
      int drop = 0;
      while (drop < segs.size() - 1 && segs.get(drop + 1).firstLsn - 1 <= lsn) {
        drop++;
      }
      if (drop == 0) {
        return 0;
      }
      // Publish first, so no new reader starts in a segment about to go.
      segments = Collections.unmodifiableList(new ArrayList<>(segs.subList(drop, segs.size())));
      index.dropSegmentsBefore(segs.get(drop).firstLsn);
      for (int i = 0; i < drop; i++) {
        Files.deleteIfExists(segs.get(i).path);
      }
      fsyncDirectory(dir);
      LOG.info("spool {} pruned {} segment(s) through LSN {}; oldest retained LSN is now {}",
          dir, drop, lsn, segs.get(drop).firstLsn);
      return drop;
    } finally {
      writeLock.unlock();
    }
  }

  /** Forces what was appended and releases the files. */
  @Override
  public void close() throws IOException {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      if (syncer != null) {
        syncer.shutdown();
      }
      if (active != null && failure == null) {
        forceActive();
      }
      if (activeChannel != null) {
        activeChannel.close();
      }
      active = null;
      activeChannel = null;
      closed = true;
    } finally {
      writeLock.unlock();
    }
  }

  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
