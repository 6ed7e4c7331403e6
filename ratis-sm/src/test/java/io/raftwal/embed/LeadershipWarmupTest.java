package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeadershipWarmupTest {
  @TempDir Path tmp;

  static RaftWalConfig config(Path dir) {
    return RaftWalConfig.builder("n1", dir).peers(List.of(new Peer("n1", "127.0.0.1:1"))).build();
  }

  /** How many Ratis metric registries name a warm-up member. */
  static long warmupRegistries() {
    return org.apache.ratis.metrics.MetricRegistries.global().getMetricRegistries().stream()
        .filter(r -> String.valueOf(r.getMetricRegistryInfo().getPrefix()).contains("warmup-")).count();
  }

  static void awaitWarmupEnded(RaftWal wal) {
    org.awaitility.Awaitility.await("the warm-up ended").atMost(java.time.Duration.ofSeconds(120))
        .until(() -> wal.warmup() != WarmupState.PENDING && wal.warmup() != WarmupState.RUNNING);
  }

  @Test
  void bothThrowawayMembersLeadAndTakeWritesThenNothingIsLeftBehind() throws Exception {
    RaftWalConfig cfg = config(tmp.resolve("node"));
    Path scratch = LeadershipWarmup.scratchDir(cfg);
    LeadershipWarmup.Report r = LeadershipWarmup.run(cfg, scratch);
    assertEquals(3, r.leaderships(), "the first leader, the other member, then the first again");
    assertEquals(450, r.appends());
    assertFalse(Files.exists(scratch), "the scratch directory is removed");
    assertEquals(0, warmupRegistries(), "the throwaway members' Ratis metrics are unregistered");
  }

  @Test
  void whatAnEarlierWarmupLeftBehindIsClearedFirst() throws Exception {
    RaftWalConfig cfg = config(tmp.resolve("node"));
    Path scratch = LeadershipWarmup.scratchDir(cfg);
    Files.createDirectories(scratch.resolve("warmup-a").resolve("raft"));
    Files.writeString(scratch.resolve("warmup-a").resolve("raft").resolve("leftover"), "from a node killed mid-warm-up");
    LeadershipWarmup.Report r = LeadershipWarmup.run(cfg, scratch);
    assertEquals(450, r.appends(), "a leftover storage directory does not stop the throwaway group from formatting");
    assertFalse(Files.exists(scratch));
  }

  @Test
  void aNodeKeepsServingAndTheWarmupRunsOncePerJvm() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RaftWalConfig cfg = RaftWalConfig.builder("n1", tmp.resolve("n1")).peers(List.of(new Peer("n1", "127.0.0.1:" + port)))
        .build();
    try (RaftWal wal = RaftWal.start(cfg, null)) {
      assertEquals(1, wal.append("first".getBytes()).get(60, java.util.concurrent.TimeUnit.SECONDS).lsn());
      awaitWarmupEnded(wal);
      assertEquals(2, wal.append("second".getBytes()).get(60, java.util.concurrent.TimeUnit.SECONDS).lsn());
      assertFalse(Files.exists(LeadershipWarmup.scratchDir(cfg)));
      assertTrue(wal.warmup() == WarmupState.DONE || wal.warmup() == WarmupState.SHARED, wal.warmup().name());
      assertFalse(LeadershipWarmup.claim(), "the first node of this JVM claimed the warm-up; later ones skip it");
    }
    try (RaftWal off = RaftWal.start(RaftWalConfig.builder("n1", tmp.resolve("n1")).peers(cfg.peers())
        .leadershipWarmup(false).build(), null)) {
      assertEquals(WarmupState.OFF, off.warmup());
    }
  }
}
