package io.raftwal.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.embed.AppendResult;
import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftWalConfig;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvEngineTest {
  @TempDir Path tmp;

  @Test
  void writesThroughOneNodeReadConsistentlyOnAllThree() throws Exception {
    List<Peer> peers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        peers.add(new Peer("n" + i, "127.0.0.1:" + s.getLocalPort()));
      }
    }
    List<KvEngine> engines = new ArrayList<>();
    try {
      for (Peer p : peers) {
        engines.add(KvEngine.start(RaftWalConfig.builder(p.id(), tmp.resolve(p.id())).peers(peers).build()));
      }
      KvEngine writer = engines.get(1);
      List<CompletableFuture<AppendResult>> acks = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        acks.add(writer.put("key-" + (i % 100), "value-" + i)); // later puts overwrite earlier ones
      }
      acks.add(writer.delete("key-7"));
      long last = 0;
      for (CompletableFuture<AppendResult> a : acks) {
        last = Math.max(last, a.join().lsn());
      }
      assertEquals(301, last);
      Map<String, String> reference = null;
      for (KvEngine e : engines) {
        e.awaitApplied(last, 60_000);
        Map<String, String> m = e.snapshot();
        assertEquals(99, m.size());
        assertEquals(Optional.of("value-299"), e.get("key-99"), "the last write wins, in LSN order");
        assertTrue(e.get("key-7").isEmpty(), "deleted everywhere");
        if (reference == null) {
          reference = m;
        } else {
          assertEquals(reference, m, e.wal().nodeId() + " reads the same values");
        }
      }
    } finally {
      for (KvEngine e : engines) {
        e.close();
      }
    }
  }
}
