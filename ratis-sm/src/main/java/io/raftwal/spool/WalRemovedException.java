package io.raftwal.spool;

/**
 * A read asked for records that were pruned from the spool. The reader cannot resume
 * incrementally; it needs a full re-bootstrap from a snapshot.
 */
public final class WalRemovedException extends IllegalStateException {
  private final long requestedSinceLsn;
  private final long oldestLsn;

  public WalRemovedException(long requestedSinceLsn, long oldestLsn) {
    super("records after LSN " + requestedSinceLsn + " are no longer in the spool: the oldest retained LSN is "
        + oldestLsn + "; re-bootstrap the reader from a snapshot");
    this.requestedSinceLsn = requestedSinceLsn;
    this.oldestLsn = oldestLsn;
  }

  public long requestedSinceLsn() {
    return requestedSinceLsn;
  }

  public long oldestLsn() {
    return oldestLsn;
  }
}
