package io.raftwal.spool;

import java.util.Arrays;

/**
 * The sparse seek index: strictly LSN-ascending checkpoints {@code (lsn, segment, offset)}, one
 * every N records plus one at the start of every segment, so a read at any LSN starts at most N
 * records before it. Lives on the heap (the only thing of the spool that grows with it): about
 * 24 bytes per N records. Guarded by its own monitor; readers and the appender share it.
 */
final class SeekIndex {
  private long[] lsns = new long[256];
  private long[] segments = new long[256];
  private long[] offsets = new long[256];
  private int size;

  synchronized void add(long lsn, long segmentFirstLsn, long offset) {
    if (size > 0 && lsns[size - 1] >= lsn) {
      return; // keeps the binary search total even if a caller repeats itself
    }
    if (size == lsns.length) {
      int n = size * 2;
      lsns = Arrays.copyOf(lsns, n);
      segments = Arrays.copyOf(segments, n);
      offsets = Arrays.copyOf(offsets, n);
    }
    lsns[size] = lsn;
    segments[size] = segmentFirstLsn;
    offsets[size] = offset;
    size++;
  }

  /** The last checkpoint at or before {@code lsn}, or the first one; null when empty. */
  synchronized SeekPosition floor(long lsn) {
    if (size == 0) {
      return null;
    }
    int i = Arrays.binarySearch(lsns, 0, size, lsn);
    if (i < 0) {
      i = Math.max(0, -i - 2);
    }
    return new SeekPosition(segments[i], offsets[i], lsns[i]);
  }

  /** Drops checkpoints in segments that start before {@code segmentFirstLsn}. */
  synchronized void dropSegmentsBefore(long segmentFirstLsn) {
    int keepFrom = 0;
    while (keepFrom < size && segments[keepFrom] < segmentFirstLsn) {
      keepFrom++;
    }
    compact(keepFrom, size);
  }

  /** Drops checkpoints of records above {@code lsn}. */
  synchronized void dropAfter(long lsn) {
    int keep = 0;
    while (keep < size && lsns[keep] <= lsn) {
      keep++;
    }
    size = keep;
  }

  private void compact(int from, int to) {
    int n = to - from;
    System.arraycopy(lsns, from, lsns, 0, n);
    System.arraycopy(segments, from, segments, 0, n);
    System.arraycopy(offsets, from, offsets, 0, n);
    size = n;
  }
}
