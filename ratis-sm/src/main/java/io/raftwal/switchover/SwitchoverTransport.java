package io.raftwal.switchover;

/**
 * The cluster actions and the clock a switchover needs, so the coordinator itself is a plain
 * function tested with a scripted fake. The Ratis implementation runs on the leader.
 */
public interface SwitchoverTransport {

  /**
   * What the target must hold before it may lead: the last LSN the leader accepted before its
   * gate closed, and the Raft index of the last command entry (appends and slot changes alike).
   */
  record Frontier(long lsn, long raftIndex) {}

  /** How far the target has replicated (its log) and applied (its state machine). */
  record TargetProgress(long replicatedIndex, long appliedIndex, long appliedLsn) {}

  /** The result of a leadership transfer or step-down. */
  record Handover(boolean succeeded, String newLeader, long newTerm, String cause) {}

  /** Closes the write gate and returns the frontier. */
  Frontier freeze();

  /** Reopens the write gate on the old leader. */
  void resume();

  /** Milliseconds since the switchover started. */
  long elapsedMs();

  /** Waits before the next poll (the fake advances its clock instead). */
  void pause(long ms) throws InterruptedException;

  TargetProgress pollTarget();

  /** Transfers leadership to the target within {@code timeoutMs}; confirms the new leader and term. */
  Handover transferTo(long timeoutMs);

  /** Steps the old leader down so an election picks a leader; reports who won. */
  Handover stepDown(long timeoutMs);
}
