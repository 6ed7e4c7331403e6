package io.raftwal.command;

import io.raftwal.slot.InvalidationCause;
import io.raftwal.slot.SlotCatalog;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of {@link Command}s in the Raft log, version 1 (big-endian):
 *
 * <pre>
 * u8 version=1 | u8 type | u64 timestampMs | body | u32 crc32c over everything before it
 * 1 APPEND          u32 count, then per record: u32 length | bytes
 * 2 SLOT_CREATE     str id | i64 initialLsn (-1: the current LSN)
 * 3 SLOT_PROGRESS   u32 count, then per slot: str id | u64 write | u64 flush | u64 apply
 * 4 SLOT_DROP       str id
 * 5 SLOT_INVALIDATE str id | u8 cause
 * 6 ARCHIVE_PROGRESS u64 lsn | 32 bytes SHA-256
 * str = u16 length | UTF-8 bytes
 * </pre>
 *
 * Decoding checks the checksum, the version, every length and every field, so bytes that are
 * not a well-formed command fail the same way on every node.
 */
public final class CommandCodec {
  static final int APPEND = 1;
  static final int SLOT_CREATE = 2;
  static final int SLOT_PROGRESS = 3;
  static final int SLOT_DROP = 4;
  static final int SLOT_INVALIDATE = 5;
  static final int ARCHIVE_PROGRESS = 6;

  private CommandCodec() {}

  public static byte[] encode(Command c) {
    ByteBuffer b;
    if (c instanceof Command.Append a) {
      int size = 8 + 4;
      for (byte[] p : a.payloads()) {
        size += 4 + p.length;
      }
      b = Wire.begin(size, APPEND).putLong(a.timestampMs()).putInt(a.payloads().size());
      for (byte[] p : a.payloads()) {
        b.putInt(p.length).put(p);
      }
    } else if (c instanceof Command.SlotCreate s) {
      b = Wire.begin(8 + Wire.strBytes(s.slotId()) + 8, SLOT_CREATE).putLong(s.timestampMs());
      Wire.putStr(b, s.slotId());
      b.putLong(s.initialLsn());
    } else if (c instanceof Command.SlotProgress s) {
      int size = 8 + 4;
      for (Command.Progress p : s.progress()) {
        size += Wire.strBytes(p.slotId()) + 24;
      }
      b = Wire.begin(size, SLOT_PROGRESS).putLong(s.timestampMs()).putInt(s.progress().size());
      for (Command.Progress p : s.progress()) {
        Wire.putStr(b, p.slotId());
        b.putLong(p.writeLsn()).putLong(p.flushLsn()).putLong(p.applyLsn());
      }
    } else if (c instanceof Command.SlotDrop s) {
      b = Wire.begin(8 + Wire.strBytes(s.slotId()), SLOT_DROP).putLong(s.timestampMs());
      Wire.putStr(b, s.slotId());
    } else if (c instanceof Command.SlotInvalidate s) {
      b = Wire.begin(8 + Wire.strBytes(s.slotId()) + 1, SLOT_INVALIDATE).putLong(s.timestampMs());
      Wire.putStr(b, s.slotId());
      b.put((byte) s.cause().code());
    } else if (c instanceof Command.ArchiveProgress a) {
      byte[] hash = a.segmentHash();
      if (hash.length != 32) {
        throw new IllegalArgumentException("segmentHash must be a 32-byte SHA-256, got " + hash.length + " bytes");
      }
      b = Wire.begin(8 + 8 + 32, ARCHIVE_PROGRESS).putLong(a.timestampMs()).putLong(a.lsn()).put(hash);
    } else {
      throw new IllegalArgumentException("unknown command " + c);
    }
    return Wire.seal(b);
  }

  /**
   * What the leader must know of an encoded command before it accepts it: whether it is an
   * APPEND and, if so, which of its records is the largest. Read after every check
   * {@link #decode} makes, so a command that passes decodes on every node.
   */
  public record Shape(boolean append, int largestRecord, int largestRecordBytes) {}

  /**
   * Checks an encoded command as {@link #decode} does, without copying an APPEND's payloads out:
   * the leader accepts or refuses on this and then stamps the same bytes ({@link #restamp}).
   */
  public static Shape inspect(byte[] bytes) throws MalformedCommandException {
    ByteBuffer b = Wire.open(bytes, "command");
    if (Wire.type(bytes) != APPEND) {
      decode(bytes); // the other commands are a few dozen bytes: decoding them is the check
      return new Shape(false, -1, 0);
    }
    return Wire.read(b, "command", in -> {
      timestamp(in);
      int n = appendCount(in);
      int largest = 0;
      int largestBytes = -1;
      for (int i = 0; i < n; i++) {
        int len = recordLength(in, i);
        if (len > largestBytes) {
          largest = i;
          largestBytes = len;
        }
        in.position(in.position() + len);
      }
      return new Shape(true, largest, largestBytes);
    });
  }

  /**
   * Sets the timestamp of an encoded command in place and seals its checksum again: the
   * leader's stamp, which every node then stores byte for byte, without re-encoding a payload.
   */
  public static void restamp(byte[] bytes, long timestampMs) {
    if (timestampMs < 0) {
      throw new IllegalArgumentException("timestampMs " + timestampMs + " is negative");
    }
    ByteBuffer.wrap(bytes).putLong(2, timestampMs); // after u8 version | u8 type, in every command
    Wire.reseal(bytes);
  }

  public static Command decode(byte[] bytes) throws MalformedCommandException {
    ByteBuffer b = Wire.open(bytes, "command");
    int type = Wire.type(bytes);
    return Wire.read(b, "command", in -> {
      long ts = timestamp(in);
      switch (type) {
        case APPEND: {
          int n = appendCount(in);
          List<byte[]> payloads = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            byte[] p = new byte[recordLength(in, i)];
            in.get(p);
            payloads.add(p);
          }
          return new Command.Append(payloads, ts);
        }
        case SLOT_CREATE: {
          String id = slotId(in);
          long initial = in.getLong();
          if (initial < Command.SlotCreate.AT_CURRENT_LSN) {
            throw new MalformedCommandException("SLOT_CREATE initialLsn " + initial + " is negative");
          }
          return new Command.SlotCreate(id, initial, ts);
        }
        case SLOT_PROGRESS: {
          int n = Wire.count(in, 2 + 24, "SLOT_PROGRESS slot");
          List<Command.Progress> progress = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            String id = slotId(in);
            long w = nonNegative(in.getLong(), "writeLsn");
            long f = nonNegative(in.getLong(), "flushLsn");
            long a = nonNegative(in.getLong(), "applyLsn");
            progress.add(new Command.Progress(id, w, f, a));
          }
          return new Command.SlotProgress(progress, ts);
        }
        case SLOT_DROP:
          return new Command.SlotDrop(slotId(in), ts);
        case SLOT_INVALIDATE: {
          String id = slotId(in);
          int code = Byte.toUnsignedInt(in.get());
          InvalidationCause cause = InvalidationCause.fromCode(code);
          if (cause == null) {
            throw new MalformedCommandException("SLOT_INVALIDATE cause code " + code + " is unknown");
          }
          return new Command.SlotInvalidate(id, cause, ts);
        }
        case ARCHIVE_PROGRESS: {
          long lsn = nonNegative(in.getLong(), "archived lsn");
          byte[] hash = new byte[32];
          in.get(hash);
          return new Command.ArchiveProgress(lsn, hash, ts);
        }
        default:
          throw new MalformedCommandException("command type " + type + " is unknown to this node; upgrade it");
      }
    });
  }

  private static long timestamp(ByteBuffer in) throws MalformedCommandException {
    long ts = in.getLong();
    if (ts < 0) {
      throw new MalformedCommandException("command timestamp " + ts + " is negative");
    }
    return ts;
  }

  private static int appendCount(ByteBuffer in) throws MalformedCommandException {
    int n = Wire.count(in, 4, "APPEND record");
    if (n == 0) {
      throw new MalformedCommandException("APPEND has no records; send at least one");
    }
    return n;
  }

  private static int recordLength(ByteBuffer in, int i) throws MalformedCommandException {
    int len = in.getInt();
    if (len < 0 || len > in.remaining()) {
      throw new MalformedCommandException("APPEND record " + i + " length " + len + " exceeds the "
          + in.remaining() + " bytes left");
    }
    return len;
  }

  private static String slotId(ByteBuffer in) throws MalformedCommandException {
    String id = Wire.getStr(in);
    try {
      SlotCatalog.validateId(id);
    } catch (IllegalArgumentException e) {
      throw new MalformedCommandException(e.getMessage());
    }
    return id;
  }

  private static long nonNegative(long v, String field) throws MalformedCommandException {
    if (v < 0) {
      throw new MalformedCommandException(field + " " + v + " is negative");
    }
    return v;
  }
}
