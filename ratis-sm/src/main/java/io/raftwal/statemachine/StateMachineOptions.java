package io.raftwal.statemachine;

import io.raftwal.spool.SpoolOptions;

/**
 * Tuning of the state machine.
 *
 * @param maxRecordBytes   largest single record an append may carry (default 4 MiB)
 * @param maxEntryBytes    largest command the leader accepts into the log; must stay below
 *                         Ratis's appender byte limit, or the leader steps down
 * @param archivingEnabled when true, WAL is retained until it is archived
 * @param snapshotsToKeep  snapshots kept on disk (at least 1)
 * @param spool            options of the live spool
 * @param leaderValidation when false, the leader puts commands in the log unchecked; only tests
 *                         use it, to prove every node rejects a malformed command the same way
 */
public record StateMachineOptions(int maxRecordBytes, int maxEntryBytes, boolean archivingEnabled, int snapshotsToKeep,
    SpoolOptions spool, boolean leaderValidation) {
  public static final int DEFAULT_MAX_RECORD_BYTES = 4 << 20;

  public StateMachineOptions {
    if (maxRecordBytes < 1) {
      throw new IllegalArgumentException("maxRecordBytes must be positive, got " + maxRecordBytes);
    }
    if (maxEntryBytes < maxRecordBytes + 64) {
      throw new IllegalArgumentException("maxEntryBytes (" + maxEntryBytes + ") must exceed maxRecordBytes ("
          + maxRecordBytes + ") by at least 64 bytes of framing");
    }
    if (snapshotsToKeep < 1) {
      throw new IllegalArgumentException("snapshotsToKeep must be at least 1, got " + snapshotsToKeep);
    }
  }

  /**
   * 4 MiB records, entries up to 4 MiB + 64 KiB, no archiving, two snapshots, spool forced every
   * 100 ms. The Raft log, not the spool, is what makes an applied record durable (a restart
   * re-applies what the spool lost), so the spool is forced only to bound that replay; but how
   * often matters to the Raft log's own fsyncs on the same disk: forcing a second of spool writes
   * at once held them up (unbatched 1 KiB writes at 16 in flight, interleaved over four
   * repetitions: 0.59-0.74x of the no-op floor forced every second, 0.86-1.05x every 100 ms).
   */
  public static StateMachineOptions defaults() {
    return new StateMachineOptions(DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_RECORD_BYTES + (64 << 10), false, 2,
        SpoolOptions.defaults().withSync(0, DEFAULT_SPOOL_SYNC_MS), true);
  }

  /** How often the state machine's spool forces its appends by default. */
  public static final long DEFAULT_SPOOL_SYNC_MS = 100;

  public StateMachineOptions withMaxRecordBytes(int bytes) {
    return new StateMachineOptions(bytes, Math.max(maxEntryBytes, bytes + (64 << 10)), archivingEnabled,
        snapshotsToKeep, spool, leaderValidation);
  }

  public StateMachineOptions withSpool(SpoolOptions s) {
    return new StateMachineOptions(maxRecordBytes, maxEntryBytes, archivingEnabled, snapshotsToKeep, s, leaderValidation);
  }

  public StateMachineOptions withArchiving(boolean on) {
    return new StateMachineOptions(maxRecordBytes, maxEntryBytes, on, snapshotsToKeep, spool, leaderValidation);
  }

  public StateMachineOptions withLeaderValidation(boolean on) {
    return new StateMachineOptions(maxRecordBytes, maxEntryBytes, archivingEnabled, snapshotsToKeep, spool, on);
  }
}
