package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.spool.SpoolRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicationTest {
  @TempDir Path tmp;

  static byte[] payload(String tag, int i) {
    return (tag + "-" + i + "-" + "p".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
  }

  /** Appends {@code n} records through {@code via}, all in flight at once; returns the acks. */
  static Map<Long, byte[]> appendAll(RaftWal via, String tag, int n) {
    List<CompletableFuture<AppendResult>> acks = new ArrayList<>();
    List<byte[]> sent = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] p = payload(tag, i);
      sent.add(p);
      acks.add(via.append(p));
    }
    Map<Long, byte[]> byLsn = new HashMap<>();
    for (int i = 0; i < n; i++) {
      AppendResult r = acks.get(i).join();
      assertTrue(byLsn.put(r.lsn(), sent.get(i)) == null, "LSN " + r.lsn() + " acknowledged twice");
    }
    return byLsn;
  }

  @Test
  void appendsReplicateIdenticallyAndSurviveLosingTheLeader() throws Exception {
    try (LocalCluster c = LocalCluster.start(tmp, b -> b)) {
      RaftWal leader = c.awaitLeader();
      RaftWal follower = c.anyFollower();
      Map<Long, byte[]> acked = new HashMap<>(appendAll(follower, "a", 1_000));
      assertEquals(1_000, acked.size());
      c.awaitAllApplied(1_000);
      c.assertIdenticalSpools(1_000);

      String oldLeader = leader.nodeId();
      long oldTerm = c.spool(leader).get(999).term();
      c.stop(oldLeader);
      RaftWal newLeader = c.awaitLeader();
      assertTrue(!newLeader.nodeId().equals(oldLeader));
      acked.putAll(appendAll(newLeader, "b", 1_000));
      assertEquals(2_000, acked.size());

      c.start(oldLeader);
      c.awaitAllApplied(2_000);
      c.assertIdenticalSpools(2_000);
      for (RaftWal w : c.running.values()) {
        List<SpoolRecord> records = LocalCluster.spool(w);
        for (SpoolRecord r : records) {
          assertTrue(java.util.Arrays.equals(acked.get(r.lsn()), r.payload()),
              w.nodeId() + " holds the acknowledged bytes at LSN " + r.lsn());
        }
        assertTrue(records.get(1_999).term() > oldTerm, "writes after the failover carry a newer term");
      }
    }
  }
}
