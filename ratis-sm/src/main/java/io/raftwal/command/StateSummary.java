package io.raftwal.command;

/**
 * One node's applied state as its state machine sees it.
 *
 * @param lastLsn        the last LSN applied
 * @param appliedTerm    the term of the last applied Raft entry
 * @param appliedIndex   the index of the last applied Raft entry
 * @param oldestLsn      the oldest LSN still in the spool (0 when empty)
 * @param retentionFloor WAL at or below this LSN may be pruned
 * @param archivedLsn    the last LSN archived to the backup store (0 when none)
 * @param snapshotIndex  the Raft index of the latest snapshot (-1 when none)
 * @param writesFrozen   true while the write gate rejects appends
 * @param spoolBytes     bytes in the spool's segments
 * @param spoolSegments  number of spool segments
 * @param slots          number of slots in the catalog
 */
public record StateSummary(long lastLsn, long appliedTerm, long appliedIndex, long oldestLsn, long retentionFloor,
    long archivedLsn, long snapshotIndex, boolean writesFrozen, long spoolBytes, int spoolSegments, int slots) {}
