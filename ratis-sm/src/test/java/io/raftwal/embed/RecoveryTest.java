package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.command.MalformedCommandException;
import io.raftwal.command.Reply;
import io.raftwal.command.ReplyCodec;
import io.raftwal.spool.SpoolRecord;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryTest {
  @TempDir Path tmp;

  /** One Raft entry per record, many in flight, through the cluster client. */
  static void appendEntries(RaftWalClient client, int from, int count) {
    appendEntries(client, from, count, 0);
  }

  /** As above, each record padded with {@code padding} extra bytes. */
  static void appendEntries(RaftWalClient client, int from, int count, int padding) {
    List<CompletableFuture<Reply.Appended>> acks = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      byte[] p = ReplicationTest.payload("e", i);
      acks.add(client.append(List.of(java.util.Arrays.copyOf(p, p.length + padding))));
    }
    acks.forEach(CompletableFuture::join);
  }

  static Path newestSegment(Path spoolDir) throws IOException {
    try (Stream<Path> s = Files.list(spoolDir)) {
      return s.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  @Test
  void restartReappliesACutSpoolTailFromTheRaftLog() throws Exception {
    // No snapshot on stop: the stop stands in for a crash, after which only the Raft log has the tail.
    try (LocalCluster c = LocalCluster.start(tmp, b -> b.raftProperty("raft.server.snapshot.trigger-when-stop.enabled", "false"))) {
      RaftWal follower = c.anyFollower();
      appendEntries(follower.client(), 0, 300);
      c.awaitAllApplied(300);
      List<SpoolRecord> before = LocalCluster.spool(follower);

      String id = follower.nodeId();
      Path spoolDir = follower.stateMachine().spoolDirectory();
      c.stop(id);
      Path seg = newestSegment(spoolDir);
      long size = Files.size(seg);
      try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
        ch.truncate(size - 777); // a torn tail: several records and a partial one gone
      }
      RaftWal restarted = c.start(id);
      c.awaitAllApplied(300);
      List<SpoolRecord> after = LocalCluster.spool(restarted);
      assertEquals(before.size(), after.size(), "every record is back");
      assertEquals(before, after, "re-applied from the Raft log to the same bytes");
      appendEntries(restarted.client(), 300, 10);
      c.awaitAllApplied(310);
      c.assertIdenticalSpools(310);
    }
  }

  @Test
  void laggingFollowerCatchesUpBySnapshotInstall() throws Exception {
    // The threshold must sit well below the 1,550 appends alone: the leader also logs a metadata entry
    // per commit-index step, but how many depends on timing, so they must not be needed to reach it.
    // Snapshots seal the spool's segment; the first one holds at least ~500 records of 12 KiB, several
    // times the 1 MiB chunk, so the install must go in chunks.
    try (LocalCluster c = LocalCluster.start(tmp, b -> b.snapshotThreshold(1_000).purgeUpToSnapshot(true)
        .raftProperty("raft.server.log.appender.snapshot.chunk.size.max", "1MB")
        .raftProperty("raft.server.log.segment.size.max", "32KB")
        .raftProperty("raft.server.log.purge.gap", "1"))) {
      RaftWal leader = c.awaitLeader();
      appendEntries(leader.client(), 0, 50);
      c.awaitAllApplied(50);
      RaftWal lagging = c.anyFollower();
      String id = lagging.nodeId();
      long laggingIndex = lagging.stateMachine().getLastAppliedTermIndex().getIndex();
      c.stop(id);

      appendEntries(leader.client(), 50, 1_500, 12 << 10);
      RaftLog log = leader.server().getDivision(leader.server().getGroupIds().iterator().next()).getRaftLog();
      org.awaitility.Awaitility.await("the leader purged its log past the stopped follower")
          .atMost(java.time.Duration.ofSeconds(60))
          .until(() -> log.getStartIndex() > laggingIndex + 1);

      RaftWal back = c.start(id);
      c.awaitAllApplied(1_550);
      assertTrue(back.status().snapshotIndex() > laggingIndex, "the follower holds an installed snapshot");
      // The installed spool may begin after LSN 1 (the leader pruned below its snapshot): compare
      // what every node still holds, which must match byte for byte.
      long oldest = c.running.values().stream().mapToLong(w -> w.stateMachine().oldestLsn()).max().orElseThrow();
      List<SpoolRecord> reference = leader.readSince(oldest - 1, Integer.MAX_VALUE);
      assertEquals(1_550 - oldest + 1, reference.size());
      for (RaftWal w : c.running.values()) {
        assertEquals(reference, w.readSince(oldest - 1, Integer.MAX_VALUE), w.nodeId() + " holds the same records");
      }
      // and it keeps applying new writes normally
      appendEntries(back.client(), 1_550, 20);
      c.awaitAllApplied(1_570);
      assertEquals(leader.readSince(1_549, 100), back.readSince(1_549, 100));
    }
  }

  @Test
  void malformedCommandInTheLogIsRejectedIdenticallyOnEveryNode() throws Exception {
    try (LocalCluster c = LocalCluster.start(tmp, b -> b.stateMachine(
        io.raftwal.statemachine.StateMachineOptions.defaults().withLeaderValidation(false)))) {
      RaftWal leader = c.awaitLeader();
      appendEntries(leader.client(), 0, 5);
      byte[][] garbage = {
          {1, 2, 3},                                  // too short
          {9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, // unknown version
          "not a command at all, just bytes".getBytes(),
      };
      for (byte[] g : garbage) {
        RaftClientReply r = leader.client().ratis().io().send(Message.valueOf(ByteString.copyFrom(g)));
        assertTrue(r.isSuccess());
        Reply reply = decode(r);
        assertTrue(reply instanceof Reply.Rejected, "rejected: " + reply);
      }
      appendEntries(leader.client(), 5, 5);
      c.awaitAllApplied(10);
      for (RaftWal w : c.running.values()) {
        assertEquals(3, w.stateMachine().rejectedCommands(), w.nodeId() + " rejected each malformed command");
        assertEquals(10, w.stateMachine().lastLsn(), w.nodeId() + " gave them no LSN");
      }
      c.assertIdenticalSpools(10);
    }
  }

  static Reply decode(RaftClientReply r) throws MalformedCommandException {
    return ReplyCodec.decode(r.getMessage().getContent().toByteArray());
  }
}
