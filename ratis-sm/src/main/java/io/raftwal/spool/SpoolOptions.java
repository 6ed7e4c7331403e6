package io.raftwal.spool;

/**
 * Tuning of a spool.
 *
 * @param segmentBytes     roll to a new segment once the active one reaches this size
 * @param indexInterval    one seek-index checkpoint every this many records
 * @param syncEveryRecords force after this many unforced records (0: never by count)
 * @param syncEveryMillis  force unforced records this often from a background thread (0: never by time)
 */
public record SpoolOptions(long segmentBytes, int indexInterval, int syncEveryRecords, long syncEveryMillis) {
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

  public SpoolOptions {
    if (segmentBytes < 4096) {
      throw new IllegalArgumentException("segmentBytes must be at least 4096, got " + segmentBytes);
    }
    if (indexInterval < 1) {
      throw new IllegalArgumentException("indexInterval must be at least 1, got " + indexInterval);
    }
    if (syncEveryRecords < 0) {
      throw new IllegalArgumentException("syncEveryRecords must be 0 (off) or positive, got " + syncEveryRecords);
    }
    if (syncEveryMillis < 0) {
      throw new IllegalArgumentException("syncEveryMillis must be 0 (off) or positive, got " + syncEveryMillis);
    }
  }

  /** 64 MiB segments, a checkpoint every 128 records, group commit every 1,024 records or 100 ms. */
  public static SpoolOptions defaults() {
    return new SpoolOptions(DEFAULT_SEGMENT_BYTES, 128, 1024, 100);
  }

  public SpoolOptions withSegmentBytes(long bytes) {
    return new SpoolOptions(bytes, indexInterval, syncEveryRecords, syncEveryMillis);
  }

  public SpoolOptions withIndexInterval(int interval) {
    return new SpoolOptions(segmentBytes, interval, syncEveryRecords, syncEveryMillis);
  }

  public SpoolOptions withSync(int everyRecords, long everyMillis) {
    return new SpoolOptions(segmentBytes, indexInterval, everyRecords, everyMillis);
  }
}
