package io.raftwal.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.cli.ProcessCluster;
import io.raftwal.embed.RaftWalClient;
import io.raftwal.spool.SpoolRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
class KillLeaderUnderLoadTest {
  @TempDir Path tmp;
  @RegisterExtension final ClusterHarness harness = new ClusterHarness();

  @Test
  void killNineOfTheLeaderMidLoadLosesNoAcknowledgedRecord() throws Exception {
    ProcessCluster c = harness.start(tmp, 3);
    String leader = ClusterHarness.awaitLeader(c);
    Map<Long, byte[]> acked = new ConcurrentHashMap<>();
    AtomicInteger failures = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    try (RaftWalClient client = new RaftWalClient(c.cluster().peers(), c.cluster().groupId(), Duration.ofSeconds(30))) {
      Thread load = new Thread(() -> {
        Semaphore inFlight = new Semaphore(16);
        int i = 0;
        while (!stop.get()) {
          try {
            if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
              continue;
            }
          } catch (InterruptedException e) {
            return;
          }
          byte[] payload = ("load-" + i++).getBytes(StandardCharsets.UTF_8);
          client.append(List.of(payload)).whenComplete((r, e) -> {
            if (e == null) {
              acked.put(r.firstLsn(), payload);
            } else {
              failures.incrementAndGet();
            }
            inFlight.release();
          });
        }
        inFlight.acquireUninterruptibly(16);
      }, "load");
      load.start();
      Awaitility.await("acks before the kill").atMost(Duration.ofSeconds(120)).until(() -> acked.size() >= 300);
      c.kill(leader); // SIGKILL mid-load
      int atKill = acked.size();
      Awaitility.await("acks after the kill").atMost(Duration.ofSeconds(180)).until(() -> acked.size() >= atKill + 300);
      c.start(leader);
      Awaitility.await("more acks with the old leader back").atMost(Duration.ofSeconds(120))
          .until(() -> acked.size() >= atKill + 450);
      stop.set(true);
      load.join(60_000);

      long maxAcked = acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
      Awaitility.await("all three nodes applied everything").atMost(Duration.ofSeconds(180)).ignoreExceptions()
          .pollInterval(Duration.ofMillis(250))
          .until(() -> c.ids().stream().allMatch(id -> statusLsn(client, id) >= maxAcked));
      long last = statusLsn(client, c.ids().get(0));
      List<SpoolRecord> reference = readAll(client, c.ids().get(0));
      assertEquals(last, reference.size(), "LSNs are contiguous from 1");
      for (int i = 0; i < reference.size(); i++) {
        assertEquals(i + 1, reference.get(i).lsn());
      }
      for (String id : c.ids()) {
        assertEquals(reference, readAll(client, id), id + " holds the same records");
      }
      for (Map.Entry<Long, byte[]> e : acked.entrySet()) {
        assertArrayEquals(e.getValue(), reference.get((int) (e.getKey() - 1)).payload(), "acknowledged LSN " + e.getKey());
      }
      assertTrue(acked.size() >= atKill + 450);
    }
  }

  static long statusLsn(RaftWalClient client, String id) {
    try {
      return client.status(id).lastLsn();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static List<SpoolRecord> readAll(RaftWalClient client, String id) throws Exception {
    List<SpoolRecord> out = new ArrayList<>();
    while (true) {
      List<SpoolRecord> page = client.readSince(out.size(), 5_000, id); // the node caps a reply at 4 MiB
      if (page.isEmpty()) {
        return out;
      }
      out.addAll(page);
    }
  }
}
