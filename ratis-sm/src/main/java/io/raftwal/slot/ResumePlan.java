package io.raftwal.slot;

/** How a consumer reconnecting through its slot is served. */
public sealed interface ResumePlan {

  /** The retained WAL covers the consumer: stream records after {@code resumeLsn}. */
  record PartialResync(long resumeLsn) implements ResumePlan {}

  /** The consumer must discard its state and re-bootstrap from a snapshot, for {@code cause}. */
  record FullRebootstrap(InvalidationCause cause) implements ResumePlan {}
}
