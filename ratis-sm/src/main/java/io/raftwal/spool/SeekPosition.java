package io.raftwal.spool;

/**
 * Where a read resumes: the segment (by its first LSN) and the byte offset of a record at or
 * before the first wanted LSN. Exposed so callers and tests can see a resume seek instead of scan.
 *
 * @param segmentFirstLsn the first LSN of the segment the scan starts in
 * @param offset          the byte offset in that segment
 * @param lsn             the LSN of the record at that offset
 */
public record SeekPosition(long segmentFirstLsn, long offset, long lsn) {}
