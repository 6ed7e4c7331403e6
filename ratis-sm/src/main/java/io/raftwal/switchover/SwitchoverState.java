package io.raftwal.switchover;

/** Where a switchover is; an operator always sees one of these, never "unknown". */
public enum SwitchoverState {
  /** Checking the target before anything is frozen. */
  PREFLIGHT,
  /** Writes are frozen on the leader; waiting for the target to reach the frontier. */
  FROZEN,
  /** The target holds and has applied the frontier; leadership is being transferred. */
  CAUGHT_UP,
  /** Finished: a new leader serves. */
  HANDED_OVER,
  /** Finished: nothing was handed over and the old leader serves writes again. */
  ABORTED
}
