package io.raftwal.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.command.Reply;
import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftWalClient;
import io.raftwal.embed.RaftWalConfig;
import io.raftwal.spool.SpoolRecord;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three node processes on loopback: SIGTERM one, keep writing, restart it from its directory. */
class NodeProcessTest {
  @TempDir Path tmp;
  final Map<String, Process> processes = new LinkedHashMap<>();
  final List<Peer> peers = new ArrayList<>();

  @AfterEach
  void killAll() {
    processes.values().forEach(Process::destroyForcibly);
  }

  Process launch(String id) throws IOException {
    Path cfg = tmp.resolve(id + ".properties");
    if (!Files.exists(cfg)) {
      StringBuilder ps = new StringBuilder();
      for (Peer p : peers) {
        ps.append(ps.length() == 0 ? "" : ",").append(p.id()).append('=').append(p.address());
      }
      Files.writeString(cfg, "node.id=" + id + "\npeers=" + ps + "\ndata.dir=" + tmp.resolve(id) + "\n");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        NodeMain.class.getName(), "--config", cfg.toString());
    File log = tmp.resolve(id + ".log").toFile();
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    Process p = pb.start();
    processes.put(id, p);
    return p;
  }

  @Test
  void nodeProcessesReplicateStopOnSigtermAndRestartClean() throws Exception {
    for (int i = 1; i <= 3; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        peers.add(new Peer("n" + i, "127.0.0.1:" + s.getLocalPort()));
      }
    }
    for (Peer p : peers) {
      launch(p.id());
    }
    try (RaftWalClient client = new RaftWalClient(peers, RaftWalConfig.DEFAULT_GROUP_ID, Duration.ofSeconds(90))) {
      append(client, 0, 200);
      String victim = peers.stream().map(Peer::id).filter(id -> !id.equals(client.leaderId())).findFirst().orElseThrow();

      Process p = processes.get(victim);
      p.destroy(); // SIGTERM
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the node exits on SIGTERM");
      String log = Files.readString(tmp.resolve(victim + ".log"));
      assertTrue(log.contains("node " + victim + " stopping (signal)") && log.contains("raftwal node " + victim + " stopped"),
          "graceful stop is logged");

      append(client, 200, 100);
      launch(victim);
      Awaitility.await("restarted node converges").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptions().until(() -> client.status(victim).lastLsn() == 300);
      List<SpoolRecord> reference = client.readSince(0, 1000, peers.get(0).id());
      assertEquals(300, reference.size());
      for (Peer peer : peers) {
        assertEquals(reference, client.readSince(0, 1000, peer.id()), peer.id() + " holds the same records");
      }
      assertTrue(Files.readString(tmp.resolve(victim + ".log")).contains("(recovered)"), "restarted from its directory");
    }
  }

  static void append(RaftWalClient client, int from, int n) {
    List<CompletableFuture<Reply.Appended>> acks = new ArrayList<>();
    for (int i = from; i < from + n; i++) {
      acks.add(client.append(List.of(("record-" + i).getBytes())));
    }
    acks.forEach(CompletableFuture::join);
  }
}
