package io.raftwal.switchover;

/**
 * A planned leadership handover.
 *
 * @param requestId  names the request: retrying with the same id returns the first outcome
 * @param target     the node to hand leadership to
 * @param force      false: COORDINATED (abort and resume writes at the deadline); true: FORCE
 *                   (hand over anyway at the deadline and report the LSNs the target lacked)
 * @param deadlineMs how long the target may take to catch up (and the handover to complete)
 * @param maxLagLsn  pre-flight refuses a target further behind than this (null: no limit)
 */
public record SwitchoverRequest(String requestId, String target, boolean force, long deadlineMs, Long maxLagLsn) {
  public SwitchoverRequest {
    if (requestId == null || requestId.isBlank() || requestId.length() > 128) {
      throw new IllegalArgumentException("requestId must be 1 to 128 characters, got '" + requestId + "'");
    }
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException("to (the target node id) is required");
    }
    if (deadlineMs < 1 || deadlineMs > 600_000) {
      throw new IllegalArgumentException("deadlineMs must be between 1 and 600000, got " + deadlineMs);
    }
    if (maxLagLsn != null && maxLagLsn < 0) {
      throw new IllegalArgumentException("maxLagLsn must not be negative, got " + maxLagLsn);
    }
  }

  public String mode() {
    return force ? "FORCE" : "COORDINATED";
  }
}
