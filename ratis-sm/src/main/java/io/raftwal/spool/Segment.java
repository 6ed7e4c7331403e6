package io.raftwal.spool;

import java.nio.file.Path;

/** In-memory state of one segment file. Fields readers use are volatile; the appender writes them. */
final class Segment {
  final long firstLsn;
  final Path path;
  /** Bytes of whole records (plus header): readers never read past it. */
  volatile long end;
  volatile long lastLsn;
  /** Records in the segment, to space seek checkpoints; appender only. */
  int recordCount;

  Segment(long firstLsn, Path path, long end, long lastLsn, int recordCount) {
    this.firstLsn = firstLsn;
    this.path = path;
    this.end = end;
    this.lastLsn = lastLsn;
    this.recordCount = recordCount;
  }

  static String fileName(long firstLsn) {
    return String.format("%020d%s", firstLsn, Spool.SEGMENT_SUFFIX);
  }

  /** The first LSN a segment file name declares, or -1 when the name is not a segment's. */
  static long parseFileName(String name) {
    if (name.length() != 20 + Spool.SEGMENT_SUFFIX.length() || !name.endsWith(Spool.SEGMENT_SUFFIX)) {
      return -1;
    }
    for (int i = 0; i < 20; i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return -1;
      }
    }
    return Long.parseLong(name.substring(0, 20));
  }
}
