package io.raftwal.command;

/** What applying a command answers, the same on every node. */
public sealed interface Reply {

  /** The records of an {@link Command.Append} got LSNs {@code firstLsn..lastLsn} in Raft term {@code term}. */
  record Appended(long firstLsn, long lastLsn, long term, long raftIndex) implements Reply {}

  /** The command was applied; {@code detail} says what it did. */
  record Done(String detail) implements Reply {}

  /** The command was applied as a rejection: nothing changed, for {@code reason}. */
  record Rejected(String reason) implements Reply {}
}
