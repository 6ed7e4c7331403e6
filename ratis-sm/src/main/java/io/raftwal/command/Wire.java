package io.raftwal.command;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/** Shared framing: {@code u8 version | u8 type | body | u32 crc32c}, and bounded readers. */
final class Wire {
  static final byte VERSION = 1;

  private Wire() {}

  static ByteBuffer begin(int bodyBytes, int type) {
    ByteBuffer b = ByteBuffer.allocate(2 + bodyBytes + 4);
    b.put(VERSION).put((byte) type);
    return b;
  }

  static byte[] seal(ByteBuffer b) {
    if (b.remaining() != 4) {
      throw new IllegalStateException("encoder sized the buffer wrong: " + (b.remaining() - 4) + " bytes left");
    }
    reseal(b.array());
    return b.array();
  }

  /** Writes the checksum of everything before the last four bytes into them. */
  static void reseal(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
  }

  /** Checks version and checksum; returns a buffer over the body, positioned after the type byte. */
  static ByteBuffer open(byte[] bytes, String what) throws MalformedCommandException {
    if (bytes.length < 6) {
      throw new MalformedCommandException(what + " of " + bytes.length + " bytes is too short to be one");
    }
    if (bytes[0] != VERSION) {
      throw new MalformedCommandException(what + " has format version " + Byte.toUnsignedInt(bytes[0])
          + ", this node understands version " + VERSION + "; upgrade this node");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
      throw new MalformedCommandException(what + " fails its CRC32C check");
    }
    b.position(2).limit(bytes.length - 4);
    return b;
  }

  static int type(byte[] bytes) {
    return Byte.toUnsignedInt(bytes[1]);
  }

  static void end(ByteBuffer b, String what) throws MalformedCommandException {
    if (b.hasRemaining()) {
      throw new MalformedCommandException(what + " has " + b.remaining() + " unexpected trailing bytes");
    }
  }

  static int strBytes(String s) {
    return 2 + s.getBytes(StandardCharsets.UTF_8).length;
  }

  static void putStr(ByteBuffer b, String s) {
    byte[] u = s.getBytes(StandardCharsets.UTF_8);
    if (u.length > 0xFFFF) {
      throw new IllegalArgumentException("string of " + u.length + " bytes is too long to encode");
    }
    b.putShort((short) u.length).put(u);
  }

  static String getStr(ByteBuffer b) {
    int len = Short.toUnsignedInt(b.getShort());
    byte[] u = new byte[len];
    b.get(u);
    return new String(u, StandardCharsets.UTF_8);
  }

  static int count(ByteBuffer b, int minBytesEach, String field) throws MalformedCommandException {
    int n = b.getInt();
    if (n < 0 || (long) n * minBytesEach > b.remaining()) {
      throw new MalformedCommandException(field + " count " + n + " does not fit the " + b.remaining() + " bytes left");
    }
    return n;
  }

  interface Body<T> {
    T read(ByteBuffer b) throws MalformedCommandException;
  }

  static <T> T read(ByteBuffer b, String what, Body<T> body) throws MalformedCommandException {
    try {
      T t = body.read(b);
      end(b, what);
      return t;
    } catch (BufferUnderflowException e) {
      throw new MalformedCommandException(what + " is truncated");
    }
  }
}
