package io.raftwal.switchover;

/**
 * What a switchover did.
 *
 * @param state          {@link SwitchoverState#HANDED_OVER} or {@link SwitchoverState#ABORTED}
 * @param refusedInPreflight true when pre-flight refused it (nothing was frozen)
 * @param oldTerm        the term before; {@code newTerm} is the one Raft elected, read back
 * @param frontierLsn    the last LSN the old leader accepted before the freeze
 * @param reachedLsn     the last LSN the target had applied when it was handed over (or at abort)
 * @param skippedLsn     LSNs of the frontier the target lacked at handover (FORCE only; else 0)
 * @param waitedMs       time spent waiting for the target to catch up
 * @param unavailableMs  how long writes were refused: from the freeze to the new leader (or resume)
 * @param reason         why it aborted or what forcing did; empty on a clean handover
 */
public record SwitchoverOutcome(String requestId, String mode, SwitchoverState state, boolean refusedInPreflight,
    String oldLeader, String newLeader, long oldTerm, long newTerm, long frontierLsn, long reachedLsn,
    long skippedLsn, boolean forced, long waitedMs, long unavailableMs, String reason) {

  public boolean handedOver() {
    return state == SwitchoverState.HANDED_OVER;
  }

  static SwitchoverOutcome refused(SwitchoverRequest r, String leader, long term, String reason) {
    return new SwitchoverOutcome(r.requestId(), r.mode(), SwitchoverState.ABORTED, true, leader, leader, term, term,
        -1, -1, 0, false, 0, 0, reason);
  }
}
