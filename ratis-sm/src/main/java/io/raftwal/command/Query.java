package io.raftwal.command;

/** A read-only question to one node's state machine, answered without going through the log. */
public sealed interface Query {

  /** Up to {@code max} records after {@code sinceLsn}. */
  record ReadSince(long sinceLsn, int max) implements Query {}

  /** The slot catalog. */
  record ListSlots() implements Query {}

  /** The node's applied state: see {@link StateSummary}. */
  record Status() implements Query {}
}
