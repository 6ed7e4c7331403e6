package io.raftwal.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Walks the frames of one segment file from a start offset up to a limit, verifying each
 * frame's header and checksum. Reads in large chunks: the common case is a sequential scan.
 * Not thread-safe; one reader per scan.
 */
final class FrameReader {
  enum Step { RECORD, END, BAD }

  /** Where frames come from: a file read at offsets, or a stream read in order (offsets only grow). */
  interface Source {
    int read(ByteBuffer dst, long offset) throws IOException;
  }

  private final Source channel;
  private final long limit;
  private boolean eof;
  private byte[] array;
  private ByteBuffer view;
  private long base;   // file offset of array[0]
  private int pos;     // next frame, as an index into array
  private int end;     // valid bytes in array
  private int currentPos;
  private int currentLength;
  private String badReason;
  private java.io.OutputStream keptSink;
  private int keptStart = -1;
  private int keptEnd;

  FrameReader(FileChannel channel, long start, long limit, int bufferBytes) {
    this((dst, offset) -> channel.read(dst, offset), start, limit, bufferBytes);
  }

  /** Frames from a stream positioned at {@code start}, up to its end. */
  FrameReader(java.io.InputStream in, long start, int bufferBytes) {
    this((dst, offset) -> {
      int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
      if (n > 0) {
        dst.position(dst.position() + n);
      }
      return n;
    }, start, Long.MAX_VALUE, bufferBytes);
  }

  private FrameReader(Source channel, long start, long limit, int bufferBytes) {
    this.array = new byte[bufferBytes];
    this.view = ByteBuffer.wrap(array);
    this.channel = channel;
    this.base = start;
    this.limit = limit;
  }

  /** Moves to the next frame. On {@link Step#BAD}, {@link #offset()} is where the bad frame starts. */
  Step next() throws IOException {
    if (base + pos >= limit) {
      return Step.END;
    }
    if (!ensure(FrameCodec.FRAME_HEADER_BYTES)) {
      if (eof && end == pos) {
        return Step.END; // a stream that ends on a frame boundary
      }
      return bad("incomplete frame header: " + (limit - base - pos) + " bytes before the end");
    }
    view.limit(end);
    int len = FrameCodec.plausibleFrameLength(view, pos);
    if (len < 0) {
      return bad("invalid frame header (version, reserved bits or length)");
    }
    if (!ensure(len)) {
      return bad("frame of " + len + " bytes runs past the end (" + (limit - base - pos) + " bytes left)");
    }
    if (!FrameCodec.checksumMatches(view, pos, len)) {
      return bad("CRC32C mismatch in a frame of " + len + " bytes");
    }
    currentPos = pos;
    currentLength = len;
    pos += len;
    return Step.RECORD;
  }

  /** File offset of the next frame to read, or of the bad frame after {@link Step#BAD}. */
  long offset() {
    return base + pos;
  }

  long currentOffset() {
    return base + currentPos;
  }

  int currentLength() {
    return currentLength;
  }

  long currentLsn() {
    return FrameCodec.lsnAt(view, currentPos);
  }

  /**
   * Writes the current frame's bytes, exactly as stored, to {@code out}: frames kept one after
   * another go out in one write when the buffer is about to move, or at {@link #flushKept}, not
   * one call per frame (small records made the per-frame calls most of an export's cost).
   */
  void keepCurrent(java.io.OutputStream out) throws IOException {
    if (keptStart >= 0 && (keptSink != out || keptEnd != currentPos)) {
      flushKept();
    }
    if (keptStart < 0) {
      keptStart = currentPos;
      keptSink = out;
    }
    keptEnd = currentPos + currentLength;
  }

  /** Writes the frames kept and not yet written. */
  void flushKept() throws IOException {
    if (keptStart >= 0) {
      keptSink.write(array, keptStart, keptEnd - keptStart);
      keptStart = -1;
    }
  }

  /** The current frame's bytes, read-only, valid until the next call to {@link #next}. */
  ByteBuffer currentFrame() {
    return ByteBuffer.wrap(array, currentPos, currentLength).slice().asReadOnlyBuffer();
  }

  SpoolRecord currentRecord() {
    return FrameCodec.decode(view, currentPos);
  }

  String badReason() {
    return badReason;
  }

  private Step bad(String reason) {
    badReason = reason;
    return Step.BAD;
  }

  private boolean ensure(int n) throws IOException {
    if (end - pos >= n) {
      return true;
    }
    flushKept(); // the buffer's bytes are about to move
    if (pos > 0) {
      System.arraycopy(array, pos, array, 0, end - pos);
      base += pos;
      end -= pos;
      pos = 0;
    }
    if (n > array.length) {
      byte[] bigger = new byte[Math.max(n, array.length * 2)];
      System.arraycopy(array, 0, bigger, 0, end);
      array = bigger;
      view = ByteBuffer.wrap(array);
    }
    while (end < n) {
      long fileOffset = base + end;
      long available = limit - fileOffset;
      if (available <= 0) {
        return false;
      }
      int want = (int) Math.min(array.length - end, available);
      int read = channel.read(ByteBuffer.wrap(array, end, want), fileOffset);
      if (read < 0) {
        eof = true;
        return false;
      }
      end += read;
      // A frame's checks read the buffer through the view: it must cover every byte read so far.
      view.limit(end);
    }
    return true;
  }

  /**
   * Looks for any whole, checksummed frame with an LSN above {@code minLsn} starting anywhere in
   * {@code [from, size)}. Used only after a bad frame, to tell a torn tail (nothing valid after
   * it) from corruption in the middle (valid records follow).
   */
  static long findValidFrameAfter(FileChannel channel, long from, long size, long minLsn) throws IOException {
    long tail = size - from;
    if (tail <= 0) {
      return -1;
    }
    if (tail > Integer.MAX_VALUE - 16) {
      // Too large to search in memory: assume the worst, which refuses to open.
      return from;
    }
    byte[] bytes = new byte[(int) tail];
    ByteBuffer dst = ByteBuffer.wrap(bytes);
    while (dst.hasRemaining()) {
      if (channel.read(dst, from + dst.position()) < 0) {
        break;
      }
    }
    ByteBuffer b = ByteBuffer.wrap(bytes, 0, dst.position());
    for (int p = 0; p + FrameCodec.FRAME_OVERHEAD <= b.limit(); p++) {
      int len = FrameCodec.plausibleFrameLength(b, p);
      if (len < 0 || p + len > b.limit()) {
        continue;
      }
      if (FrameCodec.lsnAt(b, p) > minLsn && FrameCodec.checksumMatches(b, p, len)) {
        return from + p;
      }
    }
    return -1;
  }
}
