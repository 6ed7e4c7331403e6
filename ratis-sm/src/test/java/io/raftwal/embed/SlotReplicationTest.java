package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.command.Reply;
import io.raftwal.slot.InvalidationCause;
import io.raftwal.slot.ResumePlan;
import io.raftwal.slot.Slot;
import io.raftwal.spool.SpoolOptions;
import io.raftwal.statemachine.StateMachineOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlotReplicationTest {
  @TempDir Path tmp;

  static StateMachineOptions smallSegments() {
    return StateMachineOptions.defaults().withSpool(SpoolOptions.defaults().withSegmentBytes(4096).withSync(0, 0));
  }

  @Test
  void slotsReplicateHoldBackPruningAndSurviveLeaderChange() throws Exception {
    try (LocalCluster c = LocalCluster.start(tmp, b -> b.stateMachine(smallSegments()).snapshotThreshold(50))) {
      RaftWal leader = c.awaitLeader();
      RaftWal follower = c.anyFollower();
      assertTrue(follower.createSlot("c1").join() instanceof Reply.Done);
      RecoveryTest.appendEntries(follower.client(), 0, 500);
      c.awaitAllApplied(500);
      Awaitility.await("snapshots past LSN 300").atMost(Duration.ofSeconds(60))
          .until(() -> c.running.values().stream().allMatch(w -> w.status().retentionFloor() == 0));
      for (RaftWal w : c.running.values()) {
        assertEquals(1, w.stateMachine().oldestLsn(), w.nodeId() + ": the slot at LSN 0 holds every record");
      }

      follower.ackSlot("c1", 120);
      follower.ackSlot("c1", 300); // coalesced with the one before: one command
      follower.ackSlot("c1", 200); // an older ack never moves the slot back
      follower.flushSlotAcks();
      Awaitility.await("slot progress everywhere").atMost(Duration.ofSeconds(30)).until(() ->
          c.running.values().stream().allMatch(w -> w.slots().stream().anyMatch(s -> s.restartLsn() == 300)));
      RecoveryTest.appendEntries(follower.client(), 500, 60); // more snapshots, so the floor reaches the slot
      c.awaitAllApplied(560);
      follower.ackSlot("c1", 300);
      follower.flushSlotAcks();
      Awaitility.await("pruned up to the slot").atMost(Duration.ofSeconds(30)).until(() ->
          c.running.values().stream().allMatch(w -> w.stateMachine().oldestLsn() > 1));
      for (RaftWal w : c.running.values()) {
        long oldest = w.stateMachine().oldestLsn();
        assertTrue(oldest <= 301, w.nodeId() + ": nothing the slot needs was pruned (oldest " + oldest + ")");
        assertEquals(300 - oldest + 1 + 260, w.readSince(oldest - 1, 10_000).size());
        Slot s = w.slots().get(0);
        assertEquals(300, s.restartLsn());
        assertEquals(300, s.confirmedFlushLsn());
      }

      c.stop(leader.nodeId());
      RaftWal newLeader = c.awaitLeader();
      assertEquals(new ResumePlan.PartialResync(300), newLeader.planResume("c1", 0),
          "the consumer resumes on the new leader where it left off");
    }
  }

  @Test
  void leaderInvalidatesASlotPastTheHorizonOnEveryNode() throws Exception {
    try (LocalCluster c = LocalCluster.start(tmp, b -> b.slotLimits(Duration.ofMillis(100), 100, Duration.ZERO))) {
      RaftWal leader = c.awaitLeader();
      leader.createSlot("lagger").join();
      leader.createSlot("keeper").join();
      RecoveryTest.appendEntries(leader.client(), 0, 90);
      leader.ackSlot("keeper", 90);
      leader.flushSlotAcks();
      RecoveryTest.appendEntries(leader.client(), 90, 60);
      c.awaitAllApplied(150);
      Awaitility.await("horizon invalidation applied everywhere").atMost(Duration.ofSeconds(30)).until(() ->
          c.running.values().stream().allMatch(w -> w.slots().stream()
              .anyMatch(s -> s.id().equals("lagger") && s.invalidation() == InvalidationCause.HORIZON)));
      for (RaftWal w : c.running.values()) {
        Slot keeper = w.slots().stream().filter(s -> s.id().equals("keeper")).findFirst().orElseThrow();
        assertTrue(keeper.valid(), "a slot within the horizon stays valid");
        assertEquals(new ResumePlan.FullRebootstrap(InvalidationCause.HORIZON), w.planResume("lagger", 0));
      }
    }
  }
}
