package io.raftwal.spool;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The on-disk framing of spool records and segment headers, version 1. All integers are
 * big-endian.
 *
 * <pre>
 * segment header (20 bytes): magic "RWSG" | u16 version=1 | u16 reserved=0 | u64 firstLsn | u32 crc32c(bytes 0..16)
 * record frame (44 + n bytes):
 *   u8 version=1 | u8 flags=0 | u16 reserved=0 | u32 payloadLength n
 *   u64 term | u64 lsn | u64 raftIndex | u64 timestampMs | n payload bytes
 *   u32 crc32c over everything before it
 * </pre>
 *
 * The checksum covers the header as well as the payload, so a flipped bit in the LSN or the
 * length is caught, not just one in the payload.
 */
final class FrameCodec {
  static final int SEGMENT_MAGIC = 0x52575347; // "RWSG"
  static final short SEGMENT_VERSION = 1;
  static final int SEGMENT_HEADER_BYTES = 20;

  static final byte FRAME_VERSION = 1;
  static final int FRAME_HEADER_BYTES = 40;
  static final int FRAME_TRAILER_BYTES = 4;
  static final int FRAME_OVERHEAD = FRAME_HEADER_BYTES + FRAME_TRAILER_BYTES;
  /** Hard ceiling of the format; the state machine enforces a much smaller limit. */
  static final int MAX_PAYLOAD_BYTES = 256 << 20;

  private FrameCodec() {}

  static int frameLength(int payloadLength) {
    return FRAME_OVERHEAD + payloadLength;
  }

  /** Writes one whole frame at the buffer's position; the caller made room for it. */
  static void encode(SpoolRecord r, ByteBuffer out) {
    int start = out.position();
    out.put(FRAME_VERSION).put((byte) 0).putShort((short) 0).putInt(r.payload().length)
        .putLong(r.term()).putLong(r.lsn()).putLong(r.raftIndex()).putLong(r.timestampMs())
        .put(r.payload());
    CRC32C crc = new CRC32C();
    ByteBuffer covered = out.duplicate();
    covered.position(start).limit(out.position());
    crc.update(covered);
    out.putInt((int) crc.getValue());
  }

  static ByteBuffer encodeSegmentHeader(long firstLsn) {
    ByteBuffer b = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
    b.putInt(SEGMENT_MAGIC).putShort(SEGMENT_VERSION).putShort((short) 0).putLong(firstLsn);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 16);
    b.putInt((int) crc.getValue());
    return b.flip();
  }

  /** Returns the first LSN the header declares, or -1 when the header is not a valid v1 header. */
  static long decodeSegmentHeader(ByteBuffer b) {
    if (b.remaining() < SEGMENT_HEADER_BYTES) {
      return -1;
    }
    int p = b.position();
    CRC32C crc = new CRC32C();
    ByteBuffer covered = b.duplicate();
    covered.limit(p + 16);
    crc.update(covered);
    if (b.getInt(p) != SEGMENT_MAGIC || b.getShort(p + 4) != SEGMENT_VERSION
        || b.getInt(p + 16) != (int) crc.getValue()) {
      return -1;
    }
    return b.getLong(p + 8);
  }

  /**
   * Checks a frame's header at {@code p} without reading the payload: the version and the
   * reserved bits, and that the declared length is within the format. Returns the whole frame
   * length, or -1 when the header cannot start a valid frame.
   */
  static int plausibleFrameLength(ByteBuffer b, int p) {
    if (b.limit() - p < FRAME_HEADER_BYTES) {
      return -1;
    }
    if (b.get(p) != FRAME_VERSION || b.get(p + 1) != 0 || b.getShort(p + 2) != 0) {
      return -1;
    }
    int len = b.getInt(p + 4);
    if (len < 0 || len > MAX_PAYLOAD_BYTES) {
      return -1;
    }
    return frameLength(len);
  }

  static long lsnAt(ByteBuffer b, int p) {
    return b.getLong(p + 16);
  }

  /** True when the frame at {@code p}, of {@code frameLength} bytes all in the buffer, has a matching checksum. */
  static boolean checksumMatches(ByteBuffer b, int p, int frameLength) {
    CRC32C crc = new CRC32C();
    ByteBuffer covered = b.duplicate();
    covered.position(p).limit(p + frameLength - FRAME_TRAILER_BYTES);
    crc.update(covered);
    return b.getInt(p + frameLength - FRAME_TRAILER_BYTES) == (int) crc.getValue();
  }

  /** Decodes a frame already checked by {@link #checksumMatches}. */
  static SpoolRecord decode(ByteBuffer b, int p) {
    int len = b.getInt(p + 4);
    byte[] payload = new byte[len];
    b.get(p + FRAME_HEADER_BYTES, payload);
    return new SpoolRecord(b.getLong(p + 8), b.getLong(p + 16), b.getLong(p + 24), b.getLong(p + 32), payload);
  }
}
