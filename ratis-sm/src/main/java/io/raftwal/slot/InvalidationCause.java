package io.raftwal.slot;

/**
 * Why a slot stopped holding back WAL. An invalidated slot never resumes incrementally: its
 * consumer must re-bootstrap from a snapshot.
 */
public enum InvalidationCause {
  /** The slot fell further behind the current LSN than the retention horizon allows. */
  HORIZON(1),
  /** The consumer was not seen for longer than the idle timeout. */
  IDLE_TIMEOUT(2),
  /** The records the consumer needs next were already pruned. */
  WAL_REMOVED(3);

  private final int code;

  InvalidationCause(int code) {
    this.code = code;
  }

  /** The stable byte this cause is written as on disk and in the Raft log. */
  public int code() {
    return code;
  }

  /** The cause for a stable code, or null when the code is unknown. */
  public static InvalidationCause fromCode(int code) {
    for (InvalidationCause c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return null;
  }
}
