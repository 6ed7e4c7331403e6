package io.raftwal.command;

/** A read-only question to one node's state machine, answered without going through the log. */
public sealed interface Query {

  /** Up to {@code max} records after {@code sinceLsn}. */
  record ReadSince(long sinceLsn, int max) implements Query {}

  /** The slot catalog. */
  record ListSlots() implements Query {}

  /** The node's applied state: see {@link StateSummary}. */
  record Status() implements Query {}

  /**
   * The node's applied state once it has applied Raft index {@code raftIndex}, or after
   * {@code maxWaitMs}, whichever comes first (the asker compares). One request instead of a
   * poll loop: a switchover asks its target this while writes are frozen.
   */
  record StatusAfter(long raftIndex, long maxWaitMs) implements Query {
    /** The longest a node holds the question open. */
    public static final long MAX_WAIT_MS = 60_000;
  }
}
