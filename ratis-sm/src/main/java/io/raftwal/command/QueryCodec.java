package io.raftwal.command;

import io.raftwal.spool.SpoolRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary form of {@link Query} and of its answers, framed like commands
 * ({@code u8 version | u8 type | body | u32 crc32c}).
 */
public final class QueryCodec {
  private static final int READ_SINCE = 1;
  private static final int LIST_SLOTS = 2;
  private static final int STATUS = 3;
  private static final int STATUS_AFTER = 4;
  private static final int RECORDS = 10;
  private static final int SUMMARY = 11;

  private QueryCodec() {}

  public static byte[] encode(Query q) {
    if (q instanceof Query.ReadSince r) {
      return Wire.seal(Wire.begin(12, READ_SINCE).putLong(r.sinceLsn()).putInt(r.max()));
    }
    if (q instanceof Query.StatusAfter s) {
      return Wire.seal(Wire.begin(16, STATUS_AFTER).putLong(s.raftIndex()).putLong(s.maxWaitMs()));
    }
    return Wire.seal(Wire.begin(0, q instanceof Query.ListSlots ? LIST_SLOTS : STATUS));
  }

  public static Query decode(byte[] bytes) throws MalformedCommandException {
    ByteBuffer b = Wire.open(bytes, "query");
    int type = Wire.type(bytes);
    return Wire.read(b, "query", in -> switch (type) {
      case READ_SINCE -> {
        long since = in.getLong();
        int max = in.getInt();
        if (since < 0) {
          throw new MalformedCommandException("sinceLsn " + since + " is negative");
        }
        if (max <= 0) {
          throw new MalformedCommandException("max " + max + " must be positive");
        }
        yield new Query.ReadSince(since, max);
      }
      case LIST_SLOTS -> new Query.ListSlots();
      case STATUS -> new Query.Status();
      case STATUS_AFTER -> {
        long index = in.getLong();
        long maxWaitMs = in.getLong();
        if (index < 0) {
          throw new MalformedCommandException("raftIndex " + index + " is negative");
        }
        if (maxWaitMs < 0 || maxWaitMs > Query.StatusAfter.MAX_WAIT_MS) {
          throw new MalformedCommandException("maxWaitMs " + maxWaitMs + " is out of range: give 0 to "
              + Query.StatusAfter.MAX_WAIT_MS);
        }
        yield new Query.StatusAfter(index, maxWaitMs);
      }
      default -> throw new MalformedCommandException("query type " + type + " is unknown");
    });
  }

  public static byte[] encodeRecords(List<SpoolRecord> records) {
    int size = 4;
    for (SpoolRecord r : records) {
      size += 36 + r.payload().length;
    }
    ByteBuffer b = Wire.begin(size, RECORDS).putInt(records.size());
    for (SpoolRecord r : records) {
      b.putLong(r.term()).putLong(r.lsn()).putLong(r.raftIndex()).putLong(r.timestampMs())
          .putInt(r.payload().length).put(r.payload());
    }
    return Wire.seal(b);
  }

  public static List<SpoolRecord> decodeRecords(byte[] bytes) throws MalformedCommandException {
    ByteBuffer b = Wire.open(bytes, "records");
    expectType(bytes, RECORDS, "records");
    return Wire.read(b, "records", in -> {
      int n = Wire.count(in, 36, "record");
      List<SpoolRecord> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        long term = in.getLong();
        long lsn = in.getLong();
        long index = in.getLong();
        long ts = in.getLong();
        int len = in.getInt();
        if (len < 0 || len > in.remaining()) {
          throw new MalformedCommandException("record " + i + " length " + len + " is out of range");
        }
        byte[] p = new byte[len];
        in.get(p);
        out.add(new SpoolRecord(term, lsn, index, ts, p));
      }
      return out;
    });
  }

  public static byte[] encodeSummary(StateSummary s) {
    return Wire.seal(Wire.begin(8 * 8 + 1 + 4 + 4, SUMMARY)
        .putLong(s.lastLsn()).putLong(s.appliedTerm()).putLong(s.appliedIndex()).putLong(s.oldestLsn())
        .putLong(s.retentionFloor()).putLong(s.archivedLsn()).putLong(s.snapshotIndex())
        .put((byte) (s.writesFrozen() ? 1 : 0)).putLong(s.spoolBytes()).putInt(s.spoolSegments()).putInt(s.slots()));
  }

  public static StateSummary decodeSummary(byte[] bytes) throws MalformedCommandException {
    ByteBuffer b = Wire.open(bytes, "status");
    expectType(bytes, SUMMARY, "status");
    return Wire.read(b, "status", in -> new StateSummary(in.getLong(), in.getLong(), in.getLong(), in.getLong(),
        in.getLong(), in.getLong(), in.getLong(), in.get() != 0, in.getLong(), in.getInt(), in.getInt()));
  }

  private static void expectType(byte[] bytes, int type, String what) throws MalformedCommandException {
    if (Wire.type(bytes) != type) {
      throw new MalformedCommandException(what + " has type " + Wire.type(bytes) + ", expected " + type);
    }
  }
}
