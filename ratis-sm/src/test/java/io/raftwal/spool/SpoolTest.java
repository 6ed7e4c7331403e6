package io.raftwal.spool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
  @TempDir Path tmp;

  /** Small segments so a few hundred records span several of them; no background sync. */
  static final SpoolOptions SMALL = new SpoolOptions(8192, 16, 0, 0);

  static SpoolRecord record(long lsn) {
    String s = "record-" + lsn + "-" + "x".repeat((int) (lsn * 7 % 97));
    return new SpoolRecord(1 + lsn / 100, lsn, 10 + lsn, 1_700_000_000_000L + lsn, s.getBytes(StandardCharsets.UTF_8));
  }

  static List<SpoolRecord> records(long from, long to) {
    List<SpoolRecord> out = new ArrayList<>();
    for (long l = from; l <= to; l++) {
      out.add(record(l));
    }
    return out;
  }

  static Spool filled(Path dir, SpoolOptions opts, int n) throws IOException {
    Spool s = Spool.open(dir, opts);
    for (SpoolRecord r : records(1, n)) {
      s.append(r);
    }
    s.sync();
    return s;
  }

  static List<SpoolRecord> all(Spool s) throws IOException {
    return s.readSince(0, Integer.MAX_VALUE);
  }

  static Path lastSegment(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  static void copyDir(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
  }

  static void flipBit(Path file, long offset, int bit) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, offset);
      b.put(0, (byte) (b.get(0) ^ (1 << bit)));
      b.rewind();
      ch.write(b, offset);
    }
  }

  /** Byte offset of each record's frame in the segment file that starts at {@code firstLsn}. */
  static Map<Long, long[]> frameExtents(long firstLsn, long lastLsn) {
    Map<Long, long[]> out = new TreeMap<>();
    long off = FrameCodec.SEGMENT_HEADER_BYTES;
    for (long l = firstLsn; l <= lastLsn; l++) {
      long len = FrameCodec.frameLength(record(l).payload().length);
      out.put(l, new long[] {off, off + len});
      off += len;
    }
    return out;
  }

  @Test
  void recordsSurviveReopenByteForByte() throws IOException {
    Path dir = tmp.resolve("spool");
    try (Spool s = filled(dir, SMALL, 300)) {
      assertTrue(s.segments().size() > 3, "small segments roll");
    }
    try (Spool s = Spool.open(dir, SMALL)) {
      assertEquals(records(1, 300), all(s));
      assertEquals(300, s.currentLsn());
      assertEquals(1, s.oldestLsn());
    }
  }

  @Test
  void tornTailIsCutToLastWholeRecord() throws IOException {
    Path template = tmp.resolve("template");
    SegmentInfo last;
    List<SegmentInfo> segs;
    try (Spool s = filled(template, SMALL, 300)) {
      segs = s.segments();
      last = segs.get(segs.size() - 1);
    }
    Map<Long, long[]> extents = frameExtents(last.firstLsn(), last.lastLsn());
    long fileSize = Files.size(last.path());
    assertEquals(extents.get(last.lastLsn())[1], fileSize);

    List<Long> cuts = new ArrayList<>();
    // every byte offset of the final three records...
    for (long c = extents.get(last.lastLsn() - 2)[0]; c < fileSize; c++) {
      cuts.add(c);
    }
    // ...and a sample elsewhere in the segment, the header included
    Random rnd = new Random(7);
    for (int i = 0; i < 40; i++) {
      cuts.add((long) rnd.nextInt((int) extents.get(last.lastLsn() - 2)[0]));
    }
    cuts.add(0L);
    cuts.add((long) FrameCodec.SEGMENT_HEADER_BYTES);

    int run = 0;
    for (long cut : cuts) {
      Path dir = tmp.resolve("cut-" + run++);
      copyDir(template, dir);
      try (FileChannel ch = FileChannel.open(dir.resolve(last.path().getFileName()), StandardOpenOption.WRITE)) {
        ch.truncate(cut);
      }
      long expectedLast = last.firstLsn() - 1;
      for (var e : extents.entrySet()) {
        if (e.getValue()[1] <= cut) {
          expectedLast = e.getKey();
        }
      }
      try (Spool s = Spool.open(dir, SMALL)) {
        assertEquals(records(1, expectedLast), all(s), "cut at byte " + cut);
        assertEquals(expectedLast, s.currentLsn(), "cut at byte " + cut);
        // the repaired spool takes appends again where it left off
        s.append(record(expectedLast + 1));
      }
      try (Spool s = Spool.open(dir, SMALL)) {
        assertEquals(records(1, expectedLast + 1), all(s), "reopen after repair, cut at byte " + cut);
      }
    }
  }

  @Test
  void flippedBitInMiddleRecordIsReportedNotSkipped() throws IOException {
    Path template = tmp.resolve("template");
    SegmentInfo last;
    SegmentInfo sealed;
    try (Spool s = filled(template, SMALL, 300)) {
      last = s.segments().get(s.segments().size() - 1);
      sealed = s.segments().get(1);
    }
    Map<Long, long[]> lastExtents = frameExtents(last.firstLsn(), last.lastLsn());
    long middle = (last.firstLsn() + last.lastLsn()) / 2;
    long[] m = lastExtents.get(middle);
    // a payload bit, a length bit and an LSN bit of a record with whole records after it
    long[] offsets = {m[0] + FrameCodec.FRAME_HEADER_BYTES + 3, m[0] + 6, m[0] + 20};
    int run = 0;
    for (long off : offsets) {
      Path dir = tmp.resolve("mid-" + run++);
      copyDir(template, dir);
      Path seg = dir.resolve(last.path().getFileName());
      flipBit(seg, off, 2);
      SpoolCorruptException e = assertThrows(SpoolCorruptException.class, () -> Spool.open(dir, SMALL));
      assertEquals(seg, e.segment());
      assertEquals(m[0], e.offset(), "reports the damaged record's offset");
      assertTrue(e.getMessage().contains(seg.toString()) && e.getMessage().contains("offset " + m[0]), e.getMessage());
      // refusing changed nothing on disk
      assertEquals(Files.size(template.resolve(last.path().getFileName())), Files.size(seg));
    }
    // a damaged record in a sealed (older) segment is corruption even when it is that segment's last
    Map<Long, long[]> sealedExtents = frameExtents(sealed.firstLsn(), sealed.lastLsn());
    Path dir = tmp.resolve("sealed");
    copyDir(template, dir);
    flipBit(dir.resolve(sealed.path().getFileName()), sealedExtents.get(sealed.lastLsn())[0] + 50, 0);
    SpoolCorruptException e = assertThrows(SpoolCorruptException.class, () -> Spool.open(dir, SMALL));
    assertEquals(sealedExtents.get(sealed.lastLsn())[0], e.offset());
  }

  @Test
  void flippedBitInLastRecordIsCutAsTornTail() throws IOException {
    Path dir = tmp.resolve("spool");
    SegmentInfo last;
    try (Spool s = filled(dir, SMALL, 300)) {
      last = s.segments().get(s.segments().size() - 1);
    }
    long[] ext = frameExtents(last.firstLsn(), last.lastLsn()).get(last.lastLsn());
    flipBit(last.path(), ext[0] + FrameCodec.FRAME_HEADER_BYTES + 1, 5);
    try (Spool s = Spool.open(dir, SMALL)) {
      assertEquals(records(1, 299), all(s));
    }
    assertEquals(ext[0], Files.size(last.path()), "cut at the start of the damaged record");
  }

  @Test
  void resumeFromMidSpoolSeeksInsteadOfScanning() throws IOException {
    SpoolOptions opts = new SpoolOptions(SpoolOptions.DEFAULT_SEGMENT_BYTES, 64, 0, 0);
    try (Spool s = filled(tmp.resolve("spool"), opts, 10_000)) {
      assertEquals(1, s.segments().size(), "one segment: the seek is within a file");
      SeekPosition p = s.seekPositionFor(5_000);
      assertTrue(p.offset() > FrameCodec.SEGMENT_HEADER_BYTES, "starts past the first record: " + p);
      assertTrue(p.lsn() <= 5_001 && p.lsn() > 5_001 - 64, "at most one interval before: " + p);
      assertEquals(records(5_001, 5_010), s.readSince(5_000, 10));
      assertEquals(records(9_991, 10_000), s.readSince(9_990, 1_000));
      assertEquals(List.of(), s.readSince(10_000, 10));
    }
    // the index is rebuilt on open
    try (Spool s = Spool.open(tmp.resolve("spool"), opts)) {
      assertTrue(s.seekPositionFor(5_000).offset() > FrameCodec.SEGMENT_HEADER_BYTES);
      assertEquals(records(5_001, 5_003), s.readSince(5_000, 3));
    }
  }

  @Test
  void anExportedRangeReadsBackAsTheSameRecordsAcrossSegments() throws IOException {
    try (Spool s = filled(tmp.resolve("s"), SMALL, 400)) {
      assertTrue(s.segments().size() > 3, "the range spans several segments");
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      long written = s.exportSegment(57, 333, out);
      assertEquals(out.size(), written);
      List<SpoolRecord> back = new ArrayList<>();
      assertEquals(277, Spool.readSegment(new java.io.ByteArrayInputStream(out.toByteArray()), 57, "export", back::add));
      assertEquals(records(57, 333), back);
      // the bytes are a segment file: a spool opens them as one
      Path dir = Files.createDirectories(tmp.resolve("opened"));
      Files.write(dir.resolve(String.format("%020d.seg", 57)), out.toByteArray());
      try (Spool opened = Spool.open(dir, SMALL)) {
        assertEquals(records(57, 333), opened.readSince(56, Integer.MAX_VALUE));
      }
      assertThrows(IllegalArgumentException.class, () -> s.exportSegment(300, 401, new java.io.ByteArrayOutputStream()));
    }
  }

  @Test
  void exportSizeIsExactlyWhatTheExportWritesForAnyRange() throws IOException {
    try (Spool s = filled(tmp.resolve("s"), SMALL, 400)) {
      List<SegmentInfo> segs = s.segments();
      assertTrue(segs.size() > 3, "ranges must cross segment boundaries");
      long secondFirst = segs.get(1).firstLsn();
      long[][] ranges = {
          {1, 400}, {1, 1}, {400, 400}, {57, 333}, {secondFirst, secondFirst}, {secondFirst - 1, secondFirst},
          {secondFirst, segs.get(2).firstLsn() - 1}, {2, segs.get(2).firstLsn()}, {secondFirst + 1, 400}};
      for (long[] r : ranges) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long written = s.exportSegment(r[0], r[1], out);
        assertEquals(written, s.exportSize(r[0], r[1]), "LSNs " + r[0] + ".." + r[1]);
      }
      // the newest segment still grows: the size of a range ending inside it does not move
      long before = s.exportSize(390, 400);
      s.append(records(401, 420));
      assertEquals(before, s.exportSize(390, 400));
      assertThrows(IllegalArgumentException.class, () -> s.exportSize(300, 421));
    }
  }

  @Test
  void aSegmentStreamThatArrivesInShortReadsYieldsEveryRecord() throws IOException {
    byte[] bytes = exported(filled(tmp.resolve("s"), SpoolOptions.defaults(), 2_000));
    // a network stream hands over whatever has arrived: frames straddle every read boundary
    Random sizes = new Random(11);
    java.io.InputStream trickle = new java.io.FilterInputStream(new java.io.ByteArrayInputStream(bytes)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, 1 + sizes.nextInt(300)));
      }
    };
    List<SpoolRecord> back = new ArrayList<>();
    assertEquals(2_000, Spool.readSegment(trickle, 1, "trickle", back::add));
    assertEquals(records(1, 2_000), back);
  }

  @Test
  void framesReadFromAnExportAppendToAnotherSpoolAsTheSameRecords() throws IOException {
    byte[] bytes = exported(filled(tmp.resolve("s"), SMALL, 400));
    try (Spool copy = Spool.open(tmp.resolve("copy"), SMALL)) {
      // in batches of a few frames, as a restore hands them over
      ByteBuffer batch = ByteBuffer.allocate(1_000);
      Spool.readSegmentFrames(new java.io.ByteArrayInputStream(bytes), 1, "export", (lsn, frame) -> {
        if (batch.remaining() < frame.remaining()) {
          copy.appendFrames(batch.flip());
          batch.clear();
        }
        batch.put(frame);
      });
      copy.appendFrames(batch.flip());
      assertEquals(400, copy.currentLsn());
      assertTrue(copy.segments().size() > 3, "segments roll at their size as with append");
      assertEquals(records(1, 400), all(copy));
      assertTrue(copy.seekPositionFor(300).offset() > FrameCodec.SEGMENT_HEADER_BYTES, "the seek index is kept");
    }
    try (Spool reopened = Spool.open(tmp.resolve("copy"), SMALL)) {
      assertEquals(records(1, 400), all(reopened));
    }
  }

  @Test
  void appendFramesRefusesADamagedTornOrOutOfOrderFrameAndWritesNothing() throws IOException {
    List<ByteBuffer> frames = new ArrayList<>();
    byte[] three = exported(filled(tmp.resolve("s"), SMALL, 3));
    Spool.readSegmentFrames(new java.io.ByteArrayInputStream(three), 1, "export",
        (lsn, frame) -> frames.add(ByteBuffer.allocate(frame.remaining()).put(frame).flip()));
    try (Spool target = Spool.open(tmp.resolve("target"), SMALL)) {
      ByteBuffer flipped = concat(frames.get(0), frames.get(1));
      flipped.put(frames.get(0).remaining() + 50, (byte) (flipped.get(frames.get(0).remaining() + 50) ^ 1));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> target.appendFrames(flipped));
      assertEquals("CRC32C mismatch in the frame at byte " + frames.get(0).remaining(), e.getMessage());
      ByteBuffer torn = concat(frames.get(0), frames.get(1));
      torn.limit(torn.limit() - 3);
      assertTrue(assertThrows(IllegalArgumentException.class, () -> target.appendFrames(torn)).getMessage()
          .startsWith("no whole frame at byte " + frames.get(0).remaining()));
      ByteBuffer backwards = concat(frames.get(1), frames.get(0));
      assertTrue(assertThrows(IllegalArgumentException.class, () -> target.appendFrames(backwards)).getMessage()
          .contains("holds LSN 1, not after LSN 2"));
      assertEquals(0, target.currentLsn(), "nothing was written");
      target.appendFrames(concat(frames.get(0), frames.get(1), frames.get(2)));
      assertEquals(records(1, 3), all(target));
    }
  }

  /** Every record of {@code s} as one exported segment's bytes; closes {@code s}. */
  static byte[] exported(Spool s) throws IOException {
    try (s) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      s.exportSegment(1, s.currentLsn(), out);
      return out.toByteArray();
    }
  }

  static ByteBuffer concat(ByteBuffer... parts) {
    int n = 0;
    for (ByteBuffer p : parts) {
      n += p.remaining();
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    for (ByteBuffer p : parts) {
      b.put(p.duplicate());
    }
    return b.flip();
  }

  @Test
  void readingASegmentStreamRefusesDamageInsteadOfCuttingIt() throws IOException {
    byte[] bytes = exported(filled(tmp.resolve("s"), SMALL, 50));
    byte[] torn = java.util.Arrays.copyOf(bytes, bytes.length - 3);
    IOException e = assertThrows(IOException.class,
        () -> Spool.readSegment(new java.io.ByteArrayInputStream(torn), 1, "torn", r -> { }));
    assertTrue(e.getMessage().contains("torn: damaged at byte"), e.getMessage());
    byte[] flipped = bytes.clone();
    flipped[bytes.length / 2] ^= 4;
    e = assertThrows(IOException.class,
        () -> Spool.readSegment(new java.io.ByteArrayInputStream(flipped), 1, "flipped", r -> { }));
    assertTrue(e.getMessage().contains("flipped: damaged"), e.getMessage());
    e = assertThrows(IOException.class,
        () -> Spool.readSegment(new java.io.ByteArrayInputStream(bytes), 2, "misnamed", r -> { }));
    assertTrue(e.getMessage().contains("starts at LSN 1, expected 2"), e.getMessage());
  }

  @Test
  void pruneRemovesWholeSegmentsAndNeverARecordAboveTheFloor() throws IOException {
    try (Spool s = filled(tmp.resolve("spool"), SMALL, 600)) {
      int before = s.segments().size();
      for (long floor : new long[] {0, 57, 130, 131, 299, 450, 600, 10_000}) {
        s.pruneThrough(floor);
        long oldest = s.oldestLsn();
        assertTrue(oldest <= Math.min(floor, 600) + 1, "floor " + floor + " oldest " + oldest);
        List<SpoolRecord> kept = s.readSince(oldest - 1, Integer.MAX_VALUE);
        assertEquals(records(oldest, 600), kept, "floor " + floor);
        for (SegmentInfo seg : s.segments()) {
          assertTrue(Files.exists(seg.path()));
        }
      }
      assertEquals(1, s.segments().size(), "the newest segment is always kept");
      assertTrue(before > 1);
      long oldest = s.oldestLsn();
      WalRemovedException e = assertThrows(WalRemovedException.class, () -> s.readSince(oldest - 2, 5));
      assertEquals(oldest, e.oldestLsn());
      try (Stream<Path> files = Files.list(tmp.resolve("spool"))) {
        assertEquals(1, files.filter(p -> p.toString().endsWith(".seg")).count(), "pruned files are gone");
      }
    }
  }

  @Test
  void truncateAfterDropsNewerRecordsAndLeavesSealedCopiesUntouched() throws IOException {
    Path dir = tmp.resolve("spool");
    try (Spool s = filled(dir, SMALL, 300)) {
      SegmentInfo holding = s.segments().stream().filter(g -> g.firstLsn() <= 150 && g.lastLsn() >= 150).findFirst().orElseThrow();
      Path link = tmp.resolve("link.seg");
      Files.createLink(link, holding.path());
      byte[] before = Files.readAllBytes(link);
      s.truncateAfter(150);
      assertEquals(150, s.currentLsn());
      assertEquals(records(1, 150), all(s));
      assertArrayEquals(before, Files.readAllBytes(link), "a hard link to the segment is not changed");
      s.append(records(151, 160));
      assertEquals(records(1, 160), all(s));
    }
    try (Spool s = Spool.open(dir, SMALL)) {
      assertEquals(records(1, 160), all(s));
    }
  }

  @Test
  void reopenStartsANewSegmentSoSealedFilesNeverChange() throws IOException {
    Path dir = tmp.resolve("spool");
    try (Spool s = filled(dir, new SpoolOptions(1 << 20, 16, 0, 0), 10)) {
      assertEquals(1, s.segments().size());
    }
    byte[] sealed = Files.readAllBytes(lastSegment(dir));
    try (Spool s = Spool.open(dir, SMALL)) {
      s.append(record(11));
      assertEquals(2, s.segments().size());
      assertTrue(s.segments().get(0).sealed());
    }
    assertArrayEquals(sealed, Files.readAllBytes(dir.resolve(Segment.fileName(1))));
  }

  @Test
  void badInputIsRejectedAndNothingOnDiskChanges() throws IOException {
    Path dir = tmp.resolve("spool");
    try (Spool s = filled(dir, SMALL, 20)) {
      long size = s.sizeBytes();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.append(record(20)));
      assertTrue(e.getMessage().contains("lsn 20"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> s.append(record(5)));
      assertThrows(IllegalArgumentException.class,
          () -> s.append(new SpoolRecord(1, -3, 1, 1, new byte[0])));
      assertThrows(IllegalArgumentException.class,
          () -> s.append(new SpoolRecord(1, 0, 1, 1, new byte[0])));
      // a batch with one bad record writes none of it
      assertThrows(IllegalArgumentException.class, () -> s.append(List.of(record(21), record(23), record(22))));
      assertThrows(IllegalArgumentException.class, () -> s.append(new SpoolRecord(-1, 21, 1, 1, new byte[0])));
      e = assertThrows(IllegalArgumentException.class, () -> s.readSince(0, 0));
      assertTrue(e.getMessage().contains("max"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> s.readSince(-1, 10));
      assertEquals(size, s.sizeBytes());
      assertEquals(20, s.currentLsn());
      assertEquals(records(1, 20), all(s));
    }
  }

  @Test
  void groupCommitForcesByCountAndByTime() throws IOException {
    try (Spool s = Spool.open(tmp.resolve("count"), new SpoolOptions(1 << 20, 16, 10, 0))) {
      s.append(records(1, 9));
      assertEquals(0, s.durableLsn(), "not forced before the count is reached");
      s.append(record(10));
      assertEquals(10, s.durableLsn());
      s.append(records(11, 15));
      assertEquals(10, s.durableLsn());
      s.sync();
      assertEquals(15, s.durableLsn());
    }
    try (Spool s = Spool.open(tmp.resolve("time"), new SpoolOptions(1 << 20, 16, 0, 20))) {
      s.append(records(1, 5));
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.durableLsn() == 5);
    }
  }

  @Test
  void concurrentReadersSeeOnlyWholeContiguousRecords() throws Exception {
    try (Spool s = Spool.open(tmp.resolve("spool"), SMALL)) {
      int n = 5_000;
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Thread reader = new Thread(() -> {
          Random rnd = new Random();
          try {
            while (s.currentLsn() < n && failure.get() == null) {
              long cur = s.currentLsn();
              long since = cur == 0 ? 0 : rnd.nextLong(cur);
              List<SpoolRecord> got = s.readSince(since, 50);
              for (int i = 0; i < got.size(); i++) {
                assertEquals(record(since + 1 + i), got.get(i));
              }
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        });
        reader.start();
        readers.add(reader);
      }
      for (long l = 1; l <= n; l++) {
        s.append(record(l));
      }
      for (Thread r : readers) {
        r.join();
      }
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      assertEquals(records(1, n), all(s));
    }
  }

  @Test
  void segmentFirstLsnComesFromTheFileNameAndOtherNamesAreRefused() throws IOException {
    try (Spool s = Spool.open(tmp.resolve("named"), SpoolOptions.defaults().withSegmentBytes(4096).withSync(0, 0))) {
      s.append(records(1, 200));
      List<Long> firsts = s.segments().stream().map(seg -> Spool.segmentFirstLsn(seg.path())).toList();
      assertEquals(s.segments().stream().map(SegmentInfo::firstLsn).toList(), firsts);
      assertTrue(firsts.size() > 1, "several segments, so more than LSN 1 is named");
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Spool.segmentFirstLsn(tmp.resolve("state.bin")));
    assertTrue(e.getMessage().contains("state.bin"), e.getMessage());
  }
}
