package io.raftwal.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.raftwal.cli.ClusterProbe;
import io.raftwal.cli.ProcessCluster;
import io.raftwal.embed.RaftWalClient;
import io.raftwal.spool.SpoolRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Tag("cluster")
class SwitchoverProcessTest {
  @TempDir Path tmp;
  @RegisterExtension final ClusterHarness harness = new ClusterHarness();
  static final ObjectMapper JSON = new ObjectMapper();

  /** Several clients appending steadily; what each got acknowledged. */
  static final class Writers implements AutoCloseable {
    final Map<Long, byte[]> acked = new ConcurrentHashMap<>();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Thread> threads = new ArrayList<>();
    final List<RaftWalClient> clients = new ArrayList<>();

    Writers(ProcessCluster c, int writers) {
      for (int w = 0; w < writers; w++) {
        RaftWalClient client = new RaftWalClient(c.cluster().peers(), c.cluster().groupId(), Duration.ofSeconds(30));
        clients.add(client);
        int id = w;
        Thread t = new Thread(() -> {
          Semaphore inFlight = new Semaphore(8);
          for (int i = 0; !stop.get(); i++) {
            try {
              if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                continue;
              }
            } catch (InterruptedException e) {
              return;
            }
            byte[] p = ("writer-" + id + "-" + i).getBytes(StandardCharsets.UTF_8);
            client.append(List.of(p)).whenComplete((r, e) -> {
              if (e == null) {
                acked.put(r.firstLsn(), p);
              } else {
                failed.incrementAndGet();
              }
              inFlight.release();
            });
          }
          inFlight.acquireUninterruptibly(8);
        }, "writer-" + w);
        t.start();
        threads.add(t);
      }
    }

    void awaitMore(int n) {
      int target = acked.size() + n;
      Awaitility.await().atMost(Duration.ofSeconds(180)).until(() -> acked.size() >= target);
    }

    @Override
    public void close() throws Exception {
      stop.set(true);
      for (Thread t : threads) {
        t.join(120_000);
      }
      for (RaftWalClient c : clients) {
        c.close();
      }
    }
  }

  static JsonNode switchover(ProcessCluster c, int expectedExit, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("switchover", "--cluster", c.clusterFilePath().toString(), "--json"));
    args.addAll(List.of(extra));
    QuickStartTest.Run r = QuickStartTest.cli(args.toArray(String[]::new));
    assertEquals(expectedExit, r.code(), r.out() + r.err());
    return r.out().isBlank() ? null : JSON.readTree(r.out());
  }

  static void verify(ProcessCluster c, Writers w) throws Exception {
    try (RaftWalClient client = new RaftWalClient(c.cluster().peers(), c.cluster().groupId(), Duration.ofSeconds(30))) {
      long max = w.acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
      Awaitility.await("every node applied everything").atMost(Duration.ofSeconds(180)).ignoreExceptions()
          .pollInterval(Duration.ofMillis(250))
          .until(() -> c.ids().stream().allMatch(id -> KillLeaderUnderLoadTest.statusLsn(client, id) >= max));
      List<SpoolRecord> reference = KillLeaderUnderLoadTest.readAll(client, c.ids().get(0));
      for (int i = 0; i < reference.size(); i++) {
        assertEquals(i + 1, reference.get(i).lsn(), "contiguous LSNs");
      }
      for (String id : c.ids()) {
        assertEquals(reference, KillLeaderUnderLoadTest.readAll(client, id), id + " holds the same records");
      }
      Set<String> seen = new HashSet<>();
      for (SpoolRecord r : reference) {
        if (r.payload().length > 1024) {
          continue; // the bulk backlog records are all zeros
        }
        assertTrue(seen.add(new String(r.payload(), StandardCharsets.UTF_8)), "a retried write landed twice at LSN " + r.lsn());
      }
      w.acked.forEach((lsn, p) -> assertArrayEquals(p, reference.get((int) (lsn - 1)).payload(), "acknowledged LSN " + lsn));
    }
  }

  /** Appends {@code n} records of {@code size} bytes, 16 in flight, and waits for all of them. */
  static void bulkAppend(ProcessCluster c, int n, int size) throws Exception {
    try (RaftWalClient client = new RaftWalClient(c.cluster().peers(), c.cluster().groupId(), Duration.ofSeconds(60))) {
      Semaphore inFlight = new Semaphore(16);
      List<CompletableFuture<?>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        inFlight.acquire();
        all.add(client.append(List.of(new byte[size])).whenComplete((r, e) -> inFlight.release()));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
    }
  }

  /** Waits until every node's /status says its start-up warm-up is DONE. */
  static void awaitWarmedUp(ProcessCluster c) {
    HttpClient http = HttpClient.newHttpClient();
    for (String id : c.ids()) {
      URI status = URI.create("http://" + c.cluster().admins().get(id) + "/status");
      Awaitility.await(id + " warmed its leader path").atMost(Duration.ofSeconds(180)).ignoreExceptions()
          .pollInterval(Duration.ofMillis(250))
          .until(() -> JSON.readTree(http.send(HttpRequest.newBuilder(status).build(),
              HttpResponse.BodyHandlers.ofString()).body()).path("warmup").asText(), "DONE"::equals);
    }
  }

  static String follower(ProcessCluster c, String leader) {
    return c.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
  }

  @Test
  void coordinatedSwitchoversRoundTheClusterUnderLoadFromSeveralClients() throws Exception {
    // As in production, each node warms its leader path at start; the handovers begin once all have.
    ProcessCluster c = harness.start(tmp, 3, Map.of("warmup.leadership", "true"));
    String leader = ClusterHarness.awaitLeader(c);
    awaitWarmedUp(c);
    try (Writers w = new Writers(c, 3)) {
      w.awaitMore(300);
      for (int round = 0; round < 3; round++) {
        String target = follower(c, leader);
        JsonNode o = switchover(c, 0, "--to", target, "--deadline", "10s");
        assertEquals("HANDED_OVER", o.get("state").asText(), o.toString());
        assertEquals(leader, o.get("oldLeader").asText());
        assertEquals(target, o.get("newLeader").asText());
        assertTrue(o.get("newTerm").asLong() > o.get("oldTerm").asLong(), o.toString());
        assertEquals(0, o.get("skippedLsn").asLong());
        leader = target;
        w.awaitMore(300); // writes go on against the new leader
      }
      w.close();
      assertEquals(0, w.failed.get(), "no writer saw a failure: the freeze is retried, not surfaced");
      verify(c, w);
    }
  }

  @Test
  void preflightRefusesAPausedTargetAnUnknownIdAndTheLeaderItself() throws Exception {
    ProcessCluster c = harness.start(tmp, 3);
    String leader = ClusterHarness.awaitLeader(c);
    String target = follower(c, leader);
    JsonNode self = switchover(c, 3, "--to", leader);
    assertTrue(self.get("refusedInPreflight").asBoolean());
    assertTrue(self.get("reason").asText().contains("already the leader"), self.toString());
    QuickStartTest.Run unknown = QuickStartTest.cli("switchover", "--cluster", c.clusterFilePath().toString(), "--to", "n9");
    assertEquals(1, unknown.code());
    assertTrue(unknown.err().contains("not a member"), unknown.err());
    c.pause(target);
    try {
      JsonNode paused = switchover(c, 3, "--to", target);
      assertTrue(paused.get("refusedInPreflight").asBoolean());
      assertTrue(paused.get("reason").asText().contains("does not answer"), paused.toString());
    } finally {
      c.resume(target);
    }
    try (ClusterProbe probe = new ClusterProbe(c.cluster().peers(), c.cluster().groupId())) {
      assertEquals(leader, probe.leader().orElseThrow(), "nothing moved");
    }
  }

  /** The outcome of a switchover to a stalled target, and the leader and term it started from. */
  record Stalled(String leader, long termBefore, JsonNode outcome) {}

  /**
   * A switchover to a target that cannot catch up: it is paused while 128 MiB is written (a
   * backlog it cannot replay within the deadline), resumed so pre-flight passes, and paused again
   * as soon as the leader reports the freeze. The target is left paused. The leader is read after
   * the backlog: on 2 busy cores a node can stall long enough for an election, and the switchover
   * must start from whoever leads then.
   */
  static Stalled switchoverToAStalledTarget(ProcessCluster c, String target, int expectedExit, String... options)
      throws Exception {
    c.pause(target);
    bulkAppend(c, 2000, 64 << 10);
    c.resume(target);
    String leader = ClusterHarness.awaitLeader(c);
    assertTrue(!leader.equals(target), "the paused target cannot have been elected: " + leader);
    long termBefore;
    try (ClusterProbe probe = new ClusterProbe(c.cluster().peers(), c.cluster().groupId())) {
      termBefore = probe.probe(leader).term();
    }
    CompletableFuture<Void> pauser = pauseWhenFrozen(c, leader, target);
    List<String> args = new ArrayList<>(List.of("--to", target));
    args.addAll(List.of(options));
    JsonNode o = switchover(c, expectedExit, args.toArray(String[]::new));
    pauser.get(60, TimeUnit.SECONDS);
    return new Stalled(leader, termBefore, o);
  }

  static void resumeIfPaused(ProcessCluster c, String target) {
    try {
      c.resume(target);
    } catch (IllegalStateException | java.io.IOException ignored) {
      // not running, or already resumed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Pauses {@code target} as soon as the leader reports the freeze, so it cannot catch up. */
  static CompletableFuture<Void> pauseWhenFrozen(ProcessCluster c, String leader, String target) {
    String admin = c.cluster().admins().get(leader);
    HttpClient http = HttpClient.newHttpClient();
    return CompletableFuture.runAsync(() -> {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        try {
          String body = http.send(HttpRequest.newBuilder(URI.create("http://" + admin + "/status")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          JsonNode s = JSON.readTree(body).path("switchover");
          if (s.path("state").asText().equals("FROZEN")) {
            c.pause(target);
            return;
          }
        } catch (Exception e) {
          // keep polling
        }
      }
    });
  }

  @Test
  void coordinatedSwitchoverAbortsAtItsDeadlineAndTheOldLeaderKeepsServing() throws Exception {
    ProcessCluster c = harness.start(tmp, 3);
    String target = follower(c, ClusterHarness.awaitLeader(c));
    try (Writers w = new Writers(c, 2)) {
      w.awaitMore(200);
      Stalled s = switchoverToAStalledTarget(c, target, 3, "--deadline", "300ms");
      JsonNode o = s.outcome();
      assertEquals("ABORTED", o.get("state").asText(), o.toString());
      assertTrue(!o.get("refusedInPreflight").asBoolean(), "pre-flight passed; the deadline aborted it: " + o);
      assertTrue(o.get("reachedLsn").asLong() < o.get("frontierLsn").asLong(), o.toString());
      assertTrue(o.get("reason").asText().contains("within the 300 ms deadline"), o.toString());
      assertEquals(s.termBefore(), o.get("newTerm").asLong(), "the term is unchanged");
      try (ClusterProbe probe = new ClusterProbe(c.cluster().peers(), c.cluster().groupId())) {
        assertEquals(s.leader(), probe.leader().orElseThrow(), "the old leader still leads");
      }
      w.awaitMore(200); // and takes writes
      c.resume(target);
      w.close();
      verify(c, w);
    } finally {
      resumeIfPaused(c, target);
    }
  }

  @Test
  void forceWithAPausedTargetCompletesReportsAndLosesNothing() throws Exception {
    ProcessCluster c = harness.start(tmp, 3);
    String target = follower(c, ClusterHarness.awaitLeader(c));
    try (Writers w = new Writers(c, 2)) {
      w.awaitMore(200);
      // it returns within the CLI's own bounded request timeout: the outcome it reports is checked below
      JsonNode o = switchoverToAStalledTarget(c, target, 0, "--deadline", "2s", "--force").outcome();
      assertTrue(o.get("forced").asBoolean(), o.toString());
      assertEquals("HANDED_OVER", o.get("state").asText(), o.toString());
      assertTrue(o.get("newTerm").asLong() > o.get("oldTerm").asLong(), o.toString());
      assertTrue(!o.get("reason").asText().isEmpty(), "it says what it did: " + o);
      w.awaitMore(200); // a leader serves writes
      c.resume(target);
      w.close();
      verify(c, w);
    } finally {
      resumeIfPaused(c, target);
    }
  }
}
