package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.command.Reply;
import io.raftwal.statemachine.StateMachineOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderValidationTest {
  @TempDir Path tmp;

  @Test
  void oversizeRecordsAndFrozenWritesAreRefusedBeforeTheLog() throws Exception {
    try (LocalCluster c = LocalCluster.start(tmp, b -> b.stateMachine(StateMachineOptions.defaults().withMaxRecordBytes(1024))
        .batching(512, Duration.ofMillis(2)))) {
      RaftWal leader = c.awaitLeader();
      RaftWal follower = c.anyFollower();
      assertEquals(1, follower.append(new byte[10]).join().lsn());

      // Through the cluster client: the leader refuses, naming the limit; nothing is applied.
      RaftWalException big = assertThrows(RaftWalException.class,
          () -> unwrap(() -> follower.client().append(List.of(new byte[2048])).join()));
      assertFalse(big.retriable());
      assertTrue(big.getMessage().contains("maxRecordBytes"), big.getMessage());

      // Through the batcher: refused alone before it joins a batch; its neighbours commit.
      CompletableFuture<AppendResult> before = follower.append(new byte[10]);
      CompletableFuture<AppendResult> oversize = follower.append(new byte[2048]);
      CompletableFuture<AppendResult> after = follower.append(new byte[10]);
      CompletionException e = assertThrows(CompletionException.class, oversize::join);
      assertTrue(e.getCause() instanceof IllegalArgumentException && e.getCause().getMessage().contains("maxRecordBytes"));
      assertEquals(2, before.join().lsn());
      assertEquals(3, after.join().lsn());
      c.awaitAllApplied(3);

      // Frozen: a client that gives up quickly sees a retriable refusal...
      leader.stateMachine().writeGate().freeze("switchover in progress");
      try (RaftWalClient quick = new RaftWalClient(c.peers, RaftWalConfig.DEFAULT_GROUP_ID, Duration.ofMillis(500))) {
        RaftWalException frozen = assertThrows(RaftWalException.class,
            () -> unwrap(() -> quick.append(List.of(new byte[5])).join()));
        assertTrue(frozen.retriable());
        assertTrue(frozen.getMessage().contains("WRITES_FROZEN"), frozen.getMessage());
      }
      // ...and one that waits gets through once the gate opens, with the next LSN.
      long refusals = leader.stateMachine().frozenRefusals();
      CompletableFuture<Reply.Appended> waiting = follower.client().append(List.of(new byte[7]));
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> leader.stateMachine().frozenRefusals() > refusals);
      assertEquals(3, leader.stateMachine().lastLsn(), "nothing was applied while frozen");
      leader.stateMachine().writeGate().open();
      assertEquals(4, waiting.join().firstLsn());
      c.awaitAllApplied(4);
      c.assertIdenticalSpools(4);
    }
  }

  private interface Call {
    Object run();
  }

  private static void unwrap(Call call) {
    try {
      call.run();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }
}
