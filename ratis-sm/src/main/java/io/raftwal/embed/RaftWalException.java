package io.raftwal.embed;

/**
 * A request the cluster refused or could not answer. {@link #retriable()} says whether the same
 * request may simply be sent again (it certainly did not take effect).
 */
public final class RaftWalException extends RuntimeException {
  private final boolean retriable;

  public RaftWalException(String message, boolean retriable, Throwable cause) {
    super(message, cause);
    this.retriable = retriable;
  }

  public boolean retriable() {
    return retriable;
  }
}
