package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.command.Query;
import io.raftwal.command.QueryCodec;
import io.raftwal.command.StateSummary;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Questions to one node's state machine, among them the one a switchover asks its target: "your
 * status once you have applied index N".
 */
class NodeQueryTest {
  @TempDir static Path tmp;
  static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.start(tmp, b -> b);
    cluster.awaitLeader().append(new byte[8]).get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static StateSummary answer(CompletableFuture<byte[]> f) throws Exception {
    return QueryCodec.decodeSummary(f.get(60, TimeUnit.SECONDS));
  }

  @Test
  void aFollowerAnswersOnlyOnceItHasAppliedTheIndexAskedFor() throws Exception {
    RaftWal leader = cluster.awaitLeader();
    RaftWal follower = cluster.anyFollower();
    long applied = follower.stateMachine().getLastAppliedTermIndex().getIndex();
    long wanted = applied + 3;

    CompletableFuture<byte[]> f = leader.client().query(new Query.StatusAfter(wanted, Query.StatusAfter.MAX_WAIT_MS),
        follower.nodeId());
    for (int i = 0; i < 3; i++) {
      leader.append(new byte[8]).get(60, TimeUnit.SECONDS);
    }

    StateSummary s = answer(f);
    assertTrue(s.appliedIndex() >= wanted, "answered at index " + s.appliedIndex() + ", asked for " + wanted);
  }

  @Test
  void anIndexNotReachedInTimeIsAnsweredWithWhatTheNodeHasAndLeavesOtherWaitersWaiting() throws Exception {
    RaftWal leader = cluster.awaitLeader();
    RaftWal follower = cluster.anyFollower();
    long wanted = follower.stateMachine().getLastAppliedTermIndex().getIndex() + 1_000;
    CompletableFuture<Void> other = follower.stateMachine().awaitApplied(wanted);

    StateSummary s = answer(leader.client().query(new Query.StatusAfter(wanted, 200), follower.nodeId()));

    assertTrue(s.appliedIndex() < wanted, "nothing wrote 1,000 entries, yet it answered at " + s.appliedIndex());
    assertFalse(other.isDone(), "the question's timeout must not wake another waiter on the same index");
  }

  @Test
  void anIndexFarPastTheAppliedOneIsRefusedNamingTheField() throws Exception {
    RaftWal leader = cluster.awaitLeader();
    RaftWal follower = cluster.anyFollower();
    long wanted = follower.stateMachine().getLastAppliedTermIndex().getIndex() + (4L << 20);

    ExecutionException e = assertThrows(ExecutionException.class, () -> leader.client()
        .query(new Query.StatusAfter(wanted, 100), follower.nodeId()).get(60, TimeUnit.SECONDS));
    RaftWalException r = assertInstanceOf(RaftWalException.class, e.getCause());
    assertTrue(r.getMessage().contains("raftIndex " + wanted) && r.getMessage().contains("applied index"),
        r.getMessage());
    assertTrue(leader.client().status(follower.nodeId()).appliedIndex() > 0, "the node still answers");
  }

  @Test
  void aMalformedQueryIsRefusedWithItsReasonInsteadOfRetried() throws Exception {
    RaftWal leader = cluster.awaitLeader();
    RaftWal follower = cluster.anyFollower();

    ExecutionException e = assertThrows(ExecutionException.class, () -> leader.client()
        .query(new Query.ReadSince(1, 0), follower.nodeId()).get(30, TimeUnit.SECONDS));
    RaftWalException r = assertInstanceOf(RaftWalException.class, e.getCause());
    assertTrue(r.getMessage().startsWith("max 0 must be positive"), r.getMessage());
    assertFalse(r.retriable(), "a bad question is not worth asking again");
  }
}
