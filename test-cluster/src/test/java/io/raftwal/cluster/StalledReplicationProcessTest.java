package io.raftwal.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftwal.cli.ClusterProbe;
import io.raftwal.cli.ProcessCluster;
import io.raftwal.embed.RaftWalClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader's stalled-replication watchdog on real processes: a follower coming back from a
 * pause longer than the stall threshold answers a direct probe a moment before it answers the
 * leader's appends, and that moment must not be taken for a dead log appender.
 */
@Tag("cluster")
class StalledReplicationProcessTest {
  @TempDir Path tmp;
  @RegisterExtension final ClusterHarness harness = new ClusterHarness();

  @Test
  void aFollowerBackFromAPauseLongerThanTheStallThresholdDoesNotMoveTheLeadership() throws Exception {
    ProcessCluster c = harness.start(tmp, 3);
    String leader = ClusterHarness.awaitLeader(c);
    String follower = SwitchoverProcessTest.follower(c, leader);
    try (RaftWalClient client = new RaftWalClient(c.cluster().peers(), c.cluster().groupId(), Duration.ofSeconds(30));
         ClusterProbe probe = new ClusterProbe(c.cluster().peers(), c.cluster().groupId());
         RaftClient ratis = ratisClient(c)) {
      append(client, 50);
      long term = probe.probe(leader).term();
      c.pause(follower);
      try {
        // Writes go on while it is away, so the leader's appends to it time out and pile up.
        Awaitility.await("the leader has not heard from " + follower + " for 12 s").atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> {
              append(client, 5);
              return silentMs(ratis, c, leader, follower) >= 12_000;
            });
      } finally {
        c.resume(follower);
      }
      long last = append(client, 1);
      Awaitility.await(follower + " caught up").atMost(Duration.ofSeconds(120)).ignoreExceptions()
          .until(() -> client.status(follower).lastLsn() >= last);
      // Three of the watchdog's 2 s rounds after the follower is back: the leadership stays put.
      Awaitility.await("the leadership stays on " + leader + " in term " + term).during(Duration.ofSeconds(6))
          .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
          .until(() -> probe.leader().orElse("").equals(leader) && probe.probe(leader).term() == term);
      QuickStartTest.Run journal = QuickStartTest.cli("journal", "inspect", "--data",
          c.cluster().nodes().stream().filter(n -> n.id().equals(leader)).findFirst().orElseThrow().dataDir(),
          "--kind", "replication_stalled", "--json");
      assertEquals(0, journal.code(), journal.err());
      assertEquals("", journal.out().strip(), "no replication_stalled event on the leader");
    }
  }

  /** Appends {@code n} small records and returns the last LSN. */
  static long append(RaftWalClient client, int n) throws Exception {
    long last = 0;
    for (int i = 0; i < n; i++) {
      last = client.append(List.of(("r" + i).getBytes(StandardCharsets.UTF_8))).get(60, TimeUnit.SECONDS).lastLsn();
    }
    return last;
  }

  /** How long the leader says it has gone without an answer from {@code follower}. */
  static long silentMs(RaftClient ratis, ProcessCluster c, String leader, String follower) throws Exception {
    RaftGroupId group = RaftGroupId.valueOf(c.cluster().groupId());
    for (ServerRpcProto f : ratis.getGroupManagementApi(RaftPeerId.valueOf(leader)).info(group).getRoleInfoProto()
        .getLeaderInfo().getFollowerInfoList()) {
      if (f.getId().getId().toStringUtf8().equals(follower)) {
        return f.getLastRpcElapsedTimeMs();
      }
    }
    return -1;
  }

  static RaftClient ratisClient(ProcessCluster c) {
    List<RaftPeer> peers = c.cluster().peers().stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build()).toList();
    return RaftClient.newBuilder().setProperties(new RaftProperties())
        .setRaftGroup(RaftGroup.valueOf(RaftGroupId.valueOf(c.cluster().groupId()), peers))
        .setRetryPolicy(RetryPolicies.noRetry()).build();
  }
}
