package io.raftwal.switchover;

import java.util.function.Consumer;

/**
 * The switchover state machine: freeze writes, capture the frontier, wait for the target to
 * replicate and apply it, hand leadership over. COORDINATED aborts at the deadline and resumes
 * writes; FORCE hands over anyway and reports the LSNs the target lacked. No clock, thread or
 * socket of its own: everything goes through the {@link SwitchoverTransport}.
 */
public final class SwitchoverCoordinator {
  /** How often the target is polled while frozen: briskly, since the freeze is write unavailability. */
  public static final long POLL_INTERVAL_MS = 2;

  private SwitchoverCoordinator() {}

  /**
   * Runs a request whose pre-flight passed.
   *
   * @param states told each state as it is entered (for {@code /status})
   */
  public static SwitchoverOutcome run(SwitchoverRequest r, String oldLeader, long oldTerm, SwitchoverTransport tx,
      Consumer<SwitchoverState> states) throws InterruptedException {
    long start = tx.elapsedMs();
    SwitchoverTransport.Frontier frontier = tx.freeze();
    states.accept(SwitchoverState.FROZEN);
    SwitchoverTransport.TargetProgress p = tx.pollTarget();
    while (!caughtUp(p, frontier) && tx.elapsedMs() - start < r.deadlineMs()) {
      tx.pause(POLL_INTERVAL_MS);
      p = tx.pollTarget();
    }
    long waited = tx.elapsedMs() - start;
    boolean caughtUp = caughtUp(p, frontier);
    long reached = Math.min(p.appliedLsn(), frontier.lsn());
    if (!caughtUp && !r.force()) {
      tx.resume();
      states.accept(SwitchoverState.ABORTED);
      return new SwitchoverOutcome(r.requestId(), r.mode(), SwitchoverState.ABORTED, false, oldLeader, oldLeader,
          oldTerm, oldTerm, frontier.lsn(), reached, 0, false, waited, tx.elapsedMs() - start,
          "target reached LSN " + reached + " of " + frontier.lsn() + " within the " + r.deadlineMs()
              + " ms deadline; writes resumed on " + oldLeader + ", no write lost");
    }
    if (caughtUp) {
      states.accept(SwitchoverState.CAUGHT_UP);
    }
    long budget = Math.max(1_000, r.deadlineMs() - waited);
    SwitchoverTransport.Handover h = tx.transferTo(budget);
    if (h.succeeded()) {
      states.accept(SwitchoverState.HANDED_OVER);
      long skipped = caughtUp ? 0 : frontier.lsn() - reached;
      return new SwitchoverOutcome(r.requestId(), r.mode(), SwitchoverState.HANDED_OVER, false, oldLeader,
          h.newLeader(), oldTerm, h.newTerm(), frontier.lsn(), reached, skipped, !caughtUp, waited,
          tx.elapsedMs() - start, caughtUp ? "" : "forced at the deadline: the target lacked " + skipped + " LSN(s)"
              + " when it took over; Raft's election rules keep every committed record");
    }
    if (h.newLeader() != null && !h.newLeader().equals(oldLeader)) {
      // Reported failed, yet another member leads in a newer term: the old leader cannot resume,
      // so the outcome says where the leadership went. Every frontier LSN the old leader acknowledged
      // was committed, and Raft elects only a member holding every committed entry.
      states.accept(SwitchoverState.HANDED_OVER);
      return new SwitchoverOutcome(r.requestId(), r.mode(), SwitchoverState.HANDED_OVER, false, oldLeader,
          h.newLeader(), oldTerm, h.newTerm(), frontier.lsn(), reached, 0, false, waited, tx.elapsedMs() - start,
          "transfer to " + r.target() + " failed (" + h.cause() + "); " + h.newLeader() + " leads in term "
              + h.newTerm());
    }
    if (!r.force()) {
      tx.resume();
      states.accept(SwitchoverState.ABORTED);
      return new SwitchoverOutcome(r.requestId(), r.mode(), SwitchoverState.ABORTED, false, oldLeader, oldLeader,
          oldTerm, h.newTerm(), frontier.lsn(), reached, 0, false, waited, tx.elapsedMs() - start,
          "leadership transfer failed (" + h.cause() + "); writes resumed on " + oldLeader);
    }
    SwitchoverTransport.Handover down = tx.stepDown(budget);
    if (!down.succeeded()) {
      tx.resume();
    }
    states.accept(down.succeeded() ? SwitchoverState.HANDED_OVER : SwitchoverState.ABORTED);
    String winner = down.newLeader() == null ? oldLeader : down.newLeader();
    long skipped = winner.equals(r.target()) && !caughtUp ? frontier.lsn() - reached : 0;
    return new SwitchoverOutcome(r.requestId(), r.mode(),
        down.succeeded() ? SwitchoverState.HANDED_OVER : SwitchoverState.ABORTED, false, oldLeader, winner, oldTerm,
        down.succeeded() ? down.newTerm() : oldTerm, frontier.lsn(), reached, skipped, true, waited,
        tx.elapsedMs() - start, "transfer to " + r.target() + " failed (" + h.cause() + "); the old leader stepped down"
            + (down.succeeded() ? " and the election chose " + winner : " but no new leader was seen: " + down.cause()));
  }

  static boolean caughtUp(SwitchoverTransport.TargetProgress p, SwitchoverTransport.Frontier f) {
    return p.replicatedIndex() >= f.raftIndex() && p.appliedLsn() >= f.lsn();
  }
}
