package io.raftwal.spool;

import java.nio.file.Path;

/**
 * A spool segment as seen from outside: its file, the LSN range it holds and its size. Sealed
 * segments never change again, which is what lets a snapshot hard-link them.
 *
 * @param firstLsn  the LSN of its first record (also its file name)
 * @param lastLsn   the LSN of its last record
 * @param path      the segment file
 * @param sizeBytes the bytes of whole records (and header) in it
 * @param sealed    true when no more records will be appended to it
 */
public record SegmentInfo(long firstLsn, long lastLsn, Path path, long sizeBytes, boolean sealed) {}
