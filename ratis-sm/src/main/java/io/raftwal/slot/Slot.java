package io.raftwal.slot;

/**
 * A replication slot: a consumer's durable position in the logical WAL, which holds back
 * pruning until the consumer has confirmed it.
 *
 * @param id                the slot's name (1..128 UTF-8 bytes, no control characters)
 * @param restartLsn        the consumer resumes after this LSN; WAL above it is retained
 * @param confirmedWriteLsn the highest LSN the consumer has received
 * @param confirmedFlushLsn the highest LSN the consumer has made durable
 * @param confirmedApplyLsn the highest LSN the consumer has applied
 * @param createdAtMs       when the slot was created (leader clock)
 * @param lastSeenAtMs      when the consumer was last heard from (leader clock)
 * @param invalidation      why the slot was invalidated, or null while it is valid
 * @param invalidatedAtMs   when it was invalidated, 0 while valid
 */
public record Slot(String id, long restartLsn, long confirmedWriteLsn, long confirmedFlushLsn,
    long confirmedApplyLsn, long createdAtMs, long lastSeenAtMs, InvalidationCause invalidation,
    long invalidatedAtMs) {

  /** True while the slot holds back WAL and can resume incrementally. */
  public boolean valid() {
    return invalidation == null;
  }

  Slot withProgress(long write, long flush, long apply, long nowMs) {
    long newFlush = Math.max(confirmedFlushLsn, flush);
    long newRestart = Math.max(restartLsn, newFlush);
    return new Slot(id, newRestart, Math.max(confirmedWriteLsn, Math.max(write, newFlush)), newFlush,
        Math.max(confirmedApplyLsn, apply), createdAtMs, Math.max(lastSeenAtMs, nowMs), invalidation,
        invalidatedAtMs);
  }

  Slot seenAt(long nowMs) {
    return new Slot(id, restartLsn, confirmedWriteLsn, confirmedFlushLsn, confirmedApplyLsn, createdAtMs,
        Math.max(lastSeenAtMs, nowMs), invalidation, invalidatedAtMs);
  }

  Slot invalidated(InvalidationCause cause, long nowMs) {
    return new Slot(id, restartLsn, confirmedWriteLsn, confirmedFlushLsn, confirmedApplyLsn, createdAtMs,
        lastSeenAtMs, cause, nowMs);
  }
}
