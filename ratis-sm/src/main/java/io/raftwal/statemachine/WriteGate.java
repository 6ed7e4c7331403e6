package io.raftwal.statemachine;

/**
 * Open or frozen. While frozen, the leader refuses new appends with a distinct, retriable error,
 * so the frontier a switchover waits for cannot move.
 */
public final class WriteGate {
  /** Prefix of the refusal message clients recognise as retriable. */
  public static final String FROZEN_PREFIX = "WRITES_FROZEN";

  private volatile String frozenReason;

  /** Closes the gate; appends are refused with {@code reason} until {@link #open()}. */
  public void freeze(String reason) {
    frozenReason = reason == null || reason.isBlank() ? "writes are frozen" : reason;
  }

  public void open() {
    frozenReason = null;
  }

  public boolean isFrozen() {
    return frozenReason != null;
  }

  /** The refusal a frozen gate gives, or null when open. */
  String refusal() {
    String r = frozenReason;
    return r == null ? null : FROZEN_PREFIX + ": " + r + "; retry shortly (against the new leader if it moved)";
  }
}
