package io.raftwal.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SwitchoverCoordinatorTest {

  /** A scripted cluster: the target applies LSNs from a list, one reading per poll; time moves only by pause. */
  static final class FakeTransport implements SwitchoverTransport {
    final Frontier frontier;
    final Deque<Long> readings;
    long stuckAt;
    long now;
    boolean frozen;
    boolean resumed;
    int transfers;
    int stepDowns;
    boolean transferSucceeds = true;
    Handover failedTransfer = new Handover(false, null, 6, "TIMED_OUT");
    Handover stepDownResult = new Handover(true, "n3", 8, "");

    FakeTransport(long frontierLsn, Long... readings) {
      this.frontier = new Frontier(frontierLsn, frontierLsn + 1000);
      this.readings = new ArrayDeque<>(List.of(readings));
      this.stuckAt = readings.length == 0 ? 0 : readings[readings.length - 1];
    }

    @Override
    public Frontier freeze() {
      frozen = true;
      return frontier;
    }

    @Override
    public void resume() {
      resumed = true;
    }

    @Override
    public long elapsedMs() {
      return now;
    }

    @Override
    public void pause(long ms) {
      now += ms;
    }

    @Override
    public TargetProgress pollTarget() {
      long lsn = readings.isEmpty() ? stuckAt : readings.poll();
      return new TargetProgress(lsn + 1000, lsn + 1000, lsn);
    }

    @Override
    public Handover transferTo(long timeoutMs) {
      transfers++;
      now += 20;
      return transferSucceeds ? new Handover(true, "n2", 7, "") : failedTransfer;
    }

    @Override
    public Handover stepDown(long timeoutMs) {
      stepDowns++;
      return stepDownResult;
    }
  }

  static SwitchoverRequest coordinated(long deadline) {
    return new SwitchoverRequest("r1", "n2", false, deadline, null);
  }

  static SwitchoverRequest force(long deadline) {
    return new SwitchoverRequest("r1", "n2", true, deadline, null);
  }

  static SwitchoverOutcome run(SwitchoverRequest r, FakeTransport tx, List<SwitchoverState> states) throws InterruptedException {
    return SwitchoverCoordinator.run(r, "n1", 6, tx, states::add);
  }

  @Test
  void fastPathWhenTheTargetIsAlreadyAtTheFrontier() throws Exception {
    FakeTransport tx = new FakeTransport(100, 100L);
    List<SwitchoverState> states = new ArrayList<>();
    SwitchoverOutcome o = run(coordinated(5_000), tx, states);
    assertEquals(SwitchoverState.HANDED_OVER, o.state());
    assertEquals(0, o.waitedMs());
    assertEquals(0, o.skippedLsn());
    assertEquals("n2", o.newLeader());
    assertEquals(7, o.newTerm(), "the term Raft elected, as the transport read it back");
    assertEquals(List.of(SwitchoverState.FROZEN, SwitchoverState.CAUGHT_UP, SwitchoverState.HANDED_OVER), states);
    assertFalse(tx.resumed);
  }

  @Test
  void waitsForTheTargetThenHandsOver() throws Exception {
    FakeTransport tx = new FakeTransport(100, 10L, 50L, 99L, 100L);
    SwitchoverOutcome o = run(coordinated(5_000), tx, new ArrayList<>());
    assertTrue(o.handedOver());
    assertEquals(3 * SwitchoverCoordinator.POLL_INTERVAL_MS, o.waitedMs());
    assertEquals(100, o.reachedLsn());
    assertEquals(0, o.skippedLsn());
    assertEquals(1, tx.transfers);
  }

  @Test
  void appliedButNotReplicatedIsNotCaughtUp() {
    SwitchoverTransport.Frontier f = new SwitchoverTransport.Frontier(100, 500);
    assertFalse(SwitchoverCoordinator.caughtUp(new SwitchoverTransport.TargetProgress(499, 499, 100), f));
    assertFalse(SwitchoverCoordinator.caughtUp(new SwitchoverTransport.TargetProgress(500, 480, 99), f));
    assertTrue(SwitchoverCoordinator.caughtUp(new SwitchoverTransport.TargetProgress(500, 500, 100), f));
  }

  @Test
  void coordinatedAbortsAtTheDeadlineResumesWritesAndHandsNothingOver() throws Exception {
    FakeTransport tx = new FakeTransport(100, 40L);
    List<SwitchoverState> states = new ArrayList<>();
    SwitchoverOutcome o = run(coordinated(50), tx, states);
    assertEquals(SwitchoverState.ABORTED, o.state());
    assertTrue(tx.resumed);
    assertEquals(0, tx.transfers, "nothing handed over");
    assertEquals("n1", o.newLeader());
    assertEquals(6, o.newTerm());
    assertEquals(40, o.reachedLsn());
    assertTrue(o.waitedMs() >= 50);
    assertTrue(o.reason().contains("reached LSN 40 of 100"), o.reason());
    assertEquals(List.of(SwitchoverState.FROZEN, SwitchoverState.ABORTED), states);
  }

  @Test
  void forceHandsOverAtTheDeadlineAndReportsTheSkippedLsns() throws Exception {
    FakeTransport tx = new FakeTransport(100, 40L);
    SwitchoverOutcome o = run(force(50), tx, new ArrayList<>());
    assertTrue(o.handedOver());
    assertTrue(o.forced());
    assertEquals(60, o.skippedLsn());
    assertEquals(40, o.reachedLsn());
    assertFalse(tx.resumed);
  }

  @Test
  void forceThatCatchesUpInTimeSkipsNothing() throws Exception {
    FakeTransport tx = new FakeTransport(100, 40L, 70L, 100L);
    SwitchoverOutcome o = run(force(5_000), tx, new ArrayList<>());
    assertTrue(o.handedOver());
    assertFalse(o.forced());
    assertEquals(0, o.skippedLsn());
  }

  @Test
  void coordinatedTransferFailureResumesWritesAndSaysWhy() throws Exception {
    FakeTransport tx = new FakeTransport(100, 100L);
    tx.transferSucceeds = false;
    SwitchoverOutcome o = run(coordinated(5_000), tx, new ArrayList<>());
    assertEquals(SwitchoverState.ABORTED, o.state());
    assertTrue(tx.resumed);
    assertEquals(0, tx.stepDowns);
    assertTrue(o.reason().contains("TIMED_OUT"), o.reason());
  }

  @Test
  void transferReportedFailedWhileAnotherMemberWasElectedSaysWhoLeads() throws Exception {
    FakeTransport tx = new FakeTransport(100, 100L);
    tx.transferSucceeds = false;
    tx.failedTransfer = new SwitchoverTransport.Handover(false, "n3", 7, "TIMED_OUT; the election that followed chose n3");
    List<SwitchoverState> states = new ArrayList<>();
    SwitchoverOutcome o = run(coordinated(5_000), tx, states);
    assertEquals(SwitchoverState.HANDED_OVER, o.state());
    assertEquals("n3", o.newLeader());
    assertEquals(7, o.newTerm());
    assertFalse(tx.resumed, "the old leader no longer leads: nothing to resume there");
    assertEquals(0, tx.stepDowns);
    assertEquals(0, o.skippedLsn());
    assertTrue(o.reason().contains("n3 leads in term 7"), o.reason());
    assertEquals(List.of(SwitchoverState.FROZEN, SwitchoverState.CAUGHT_UP, SwitchoverState.HANDED_OVER), states);
  }

  @Test
  void transferFailureAfterWhichTheOldLeaderWasReElectedReportsTheNewTerm() throws Exception {
    FakeTransport tx = new FakeTransport(100, 100L);
    tx.transferSucceeds = false;
    tx.failedTransfer = new SwitchoverTransport.Handover(false, "n1", 7, "TIMED_OUT; the election that followed chose n1");
    SwitchoverOutcome o = run(coordinated(5_000), tx, new ArrayList<>());
    assertEquals(SwitchoverState.ABORTED, o.state());
    assertEquals("n1", o.newLeader());
    assertEquals(7, o.newTerm(), "the term moved even though the leader did not");
    assertTrue(tx.resumed);
  }

  @Test
  void forcedTransferFailureStepsTheLeaderDownAndReportsTheWinner() throws Exception {
    FakeTransport tx = new FakeTransport(100, 40L);
    tx.transferSucceeds = false;
    SwitchoverOutcome o = run(force(50), tx, new ArrayList<>());
    assertEquals(1, tx.stepDowns);
    assertTrue(o.handedOver());
    assertEquals("n3", o.newLeader());
    assertEquals(8, o.newTerm());
    assertEquals(0, o.skippedLsn(), "the winner was not the lagging target");
    assertTrue(o.reason().contains("election chose n3"), o.reason());
  }

  static Preflight.ClusterView view(boolean confChange, Preflight.Member... members) {
    Map<String, Preflight.Member> m = new java.util.TreeMap<>();
    m.put("n1", new Preflight.Member("n1", true, true, false, 100));
    for (Preflight.Member x : members) {
      m.put(x.id(), x);
    }
    return new Preflight.ClusterView("n1", 100, m, confChange);
  }

  @Test
  void preflightRefusesBeforeAnythingIsFrozen() {
    Preflight.Member ok = new Preflight.Member("n2", true, true, false, 90);
    assertEquals(Optional.empty(), Preflight.check(coordinated(100), view(false, ok)));
    assertTrue(Preflight.check(new SwitchoverRequest("r", "n9", false, 100, null), view(false, ok)).orElseThrow().contains("unknown node"));
    assertTrue(Preflight.check(new SwitchoverRequest("r", "n1", false, 100, null), view(false, ok)).orElseThrow().contains("already the leader"));
    assertTrue(Preflight.check(coordinated(100), view(false, new Preflight.Member("n2", false, true, false, 90))).orElseThrow().contains("listener"));
    assertTrue(Preflight.check(coordinated(100), view(false, new Preflight.Member("n2", true, false, false, 90))).orElseThrow().contains("does not answer"));
    assertTrue(Preflight.check(coordinated(100), view(false, new Preflight.Member("n2", true, true, true, 90))).orElseThrow().contains("snapshot"));
    assertTrue(Preflight.check(coordinated(100), view(true, ok)).orElseThrow().contains("membership change"));
    assertTrue(Preflight.check(new SwitchoverRequest("r", "n2", false, 100, 5L), view(false, ok)).orElseThrow().contains("10 LSNs behind"));
    assertEquals(Optional.empty(), Preflight.check(new SwitchoverRequest("r", "n2", false, 100, 10L), view(false, ok)));
  }
}
