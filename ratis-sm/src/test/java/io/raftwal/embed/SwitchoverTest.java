package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.spool.SpoolRecord;
import io.raftwal.statemachine.RecordListener;
import io.raftwal.switchover.SwitchoverOutcome;
import io.raftwal.switchover.SwitchoverRequest;
import io.raftwal.switchover.SwitchoverState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SwitchoverTest {
  @TempDir Path tmp;

  /** Steady appends through every running node's batcher; acknowledged payloads by LSN. */
  static final class Load implements AutoCloseable {
    private boolean closed;
    final Map<Long, String> acked = new ConcurrentHashMap<>();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicBoolean stop = new AtomicBoolean();
    final Thread thread;

    Load(LocalCluster c) {
      thread = new Thread(() -> {
        Semaphore inFlight = new Semaphore(32);
        int i = 0;
        while (!stop.get()) {
          List<RaftWal> nodes = List.copyOf(c.running.values());
          RaftWal via = nodes.get(i % nodes.size());
          String payload = "w-" + i++;
          inFlight.acquireUninterruptibly();
          via.append(payload.getBytes(StandardCharsets.UTF_8)).whenComplete((r, e) -> {
            if (e == null) {
              acked.put(r.lsn(), payload);
            } else {
              failed.incrementAndGet();
            }
            inFlight.release();
          });
        }
        inFlight.acquireUninterruptibly(32);
      }, "switchover-load");
      thread.start();
    }

    void awaitMore(int n) {
      int target = acked.size() + n;
      Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> acked.size() >= target);
    }

    @Override
    public void close() throws InterruptedException {
      if (closed) {
        return;
      }
      closed = true;
      stop.set(true);
      thread.join(120_000);
    }
  }

  /**
   * Blocks one node's apply thread through its record listener (the embedding API), so it keeps
   * replicating but cannot apply: a target that cannot catch up.
   */
  static final class Staller {
    final AtomicBoolean stall = new AtomicBoolean();
    final CountDownLatch release = new CountDownLatch(1);
    volatile String target;

    LocalCluster cluster(Path dir) throws java.io.IOException {
      return new LocalCluster(dir, 3, b -> b, id -> (RecordListener) r -> {
        if (stall.get() && id.equals(target)) {
          try {
            release.await(120, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      });
    }

    /** Starts the cluster and picks a follower as the target to stall; returns the leader. */
    RaftWal start(LocalCluster c) throws java.io.IOException {
      c.startAll();
      RaftWal leader = c.awaitLeader();
      target = c.anyFollower().nodeId();
      return leader;
    }

    /** Starts a load, then stalls the target's apply thread once writes flow. */
    Load stallUnderLoad(LocalCluster c) {
      Load load = new Load(c);
      load.awaitMore(100);
      stall.set(true);
      load.awaitMore(100);
      return load;
    }

    void releaseAll() {
      stall.set(false);
      release.countDown();
    }
  }

  static void assertNothingLostOrDoubled(LocalCluster c, Load load) throws Exception {
    long max = load.acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
    c.awaitAllApplied(max);
    long last = c.running.values().iterator().next().stateMachine().lastLsn();
    c.awaitAllApplied(last);
    c.assertIdenticalSpools(last);
    List<SpoolRecord> records = LocalCluster.spool(c.running.values().iterator().next());
    Set<String> seen = new HashSet<>();
    for (SpoolRecord r : records) {
      assertTrue(seen.add(new String(r.payload(), StandardCharsets.UTF_8)), "a retried write landed twice: LSN " + r.lsn());
    }
    load.acked.forEach((lsn, p) -> assertEquals(p, new String(records.get((int) (lsn - 1)).payload(), StandardCharsets.UTF_8)));
  }

  @Test
  void coordinatedSwitchoversRoundTheClusterUnderLoadLoseNothingAndFailNoWriter() throws Exception {
    try (LocalCluster c = LocalCluster.start(tmp, b -> b)) {
      c.awaitLeader();
      Load load = new Load(c);
      try (load) {
        load.awaitMore(200);
        for (int round = 0; round < 3; round++) {
          RaftWal leader = c.awaitLeader();
          String target = c.anyFollower().nodeId();
          SwitchoverOutcome o = leader.switchover().run(new SwitchoverRequest("round-" + round, target, false, 10_000, null));
          assertEquals(SwitchoverState.HANDED_OVER, o.state(), o.reason());
          assertEquals(target, o.newLeader());
          assertTrue(o.newTerm() > o.oldTerm(), "a higher term, as Raft elected it");
          assertEquals(0, o.skippedLsn());
          assertTrue(o.reachedLsn() >= o.frontierLsn());
          assertFalse(leader.stateMachine().writeGate().isFrozen(), "the old leader's gate reopened");
          assertEquals(target, c.awaitLeader().nodeId());
          load.awaitMore(200); // writes continue against the new leader
          // the same request id again: the first outcome, and the leader does not move
          assertEquals(o, leader.switchover().run(new SwitchoverRequest("round-" + round, target, false, 10_000, null)));
        }
      }
      assertEquals(0, load.failed.get(), "no writer saw a failure");
      assertNothingLostOrDoubled(c, load);
    }
  }

  @Test
  void coordinatedSwitchoverToAStalledTargetAbortsAtTheDeadlineAndTheOldLeaderKeepsWriting() throws Exception {
    Staller staller = new Staller();
    try (LocalCluster c = staller.cluster(tmp)) {
      RaftWal leader = staller.start(c);
      RaftWal target = c.node(staller.target);
      Load load = staller.stallUnderLoad(c);
      try (load) {
        long termBefore = leader.server().getDivision(leader.server().getGroupIds().iterator().next()).getInfo().getCurrentTerm();
        SwitchoverOutcome o = leader.switchover().run(new SwitchoverRequest("abort-1", target.nodeId(), false, 300, null));
        assertEquals(SwitchoverState.ABORTED, o.state(), o.toString());
        assertFalse(o.refusedInPreflight());
        assertEquals(leader.nodeId(), o.newLeader());
        assertEquals(termBefore, o.newTerm(), "the term is unchanged");
        assertTrue(o.reachedLsn() < o.frontierLsn(), o.toString());
        assertTrue(o.reason().contains("writes resumed"), o.reason());
        assertFalse(leader.stateMachine().writeGate().isFrozen());
        assertTrue(leader.isLeader(), "the old leader still leads");
        load.awaitMore(100); // and keeps accepting writes
        staller.releaseAll();
      }
      assertNothingLostOrDoubled(c, load);
    }
  }

  @Test
  void forceHandsOverToALaggingTargetAndReportsWhatItLacked() throws Exception {
    Staller staller = new Staller();
    try (LocalCluster c = staller.cluster(tmp)) {
      RaftWal leader = staller.start(c);
      RaftWal target = c.node(staller.target);
      Load load = staller.stallUnderLoad(c);
      try (load) {
        Thread releaser = new Thread(() -> {
          Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !leader.isLeader());
          staller.releaseAll(); // the new leader may apply again
        });
        releaser.start();
        SwitchoverOutcome o = leader.switchover().run(new SwitchoverRequest("force-1", target.nodeId(), true, 300, null));
        releaser.join(60_000);
        assertEquals(SwitchoverState.HANDED_OVER, o.state(), o.toString());
        assertTrue(o.forced());
        assertEquals(o.frontierLsn() - o.reachedLsn(), o.skippedLsn());
        assertTrue(o.skippedLsn() > 0, o.toString());
        load.awaitMore(100);
      }
      assertNothingLostOrDoubled(c, load);
    }
  }

  @Test
  void preflightRefusalsFreezeNothing() throws Exception {
    try (LocalCluster c = LocalCluster.start(tmp, b -> b)) {
      RaftWal leader = c.awaitLeader();
      RaftWal follower = c.anyFollower();
      leader.append(new byte[3]).join();
      SwitchoverOutcome self = leader.switchover().run(new SwitchoverRequest("a", leader.nodeId(), false, 1000, null));
      assertTrue(self.refusedInPreflight() && self.reason().contains("already the leader"), self.reason());
      SwitchoverOutcome unknown = leader.switchover().run(new SwitchoverRequest("b", "n9", false, 1000, null));
      assertTrue(unknown.refusedInPreflight() && unknown.reason().contains("unknown node"), unknown.reason());
      SwitchoverOutcome notLeader = follower.switchover().run(new SwitchoverRequest("c", leader.nodeId(), false, 1000, null));
      assertTrue(notLeader.refusedInPreflight() && notLeader.reason().contains("not the leader"), notLeader.reason());
      String down = follower.nodeId();
      c.stop(down);
      SwitchoverOutcome dead = leader.switchover().run(new SwitchoverRequest("d", down, false, 1000, null));
      assertTrue(dead.refusedInPreflight() && dead.reason().contains("does not answer"), dead.reason());
      assertEquals(0, leader.stateMachine().frozenRefusals());
      assertFalse(leader.stateMachine().writeGate().isFrozen());
      assertEquals(2, leader.append(new byte[3]).join().lsn(), "writes never stopped");
    }
  }
}
