package io.raftwal.bench;

import io.raftwal.embed.BatchingAppender;
import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftSettings;
import io.raftwal.embed.RaftWal;
import io.raftwal.embed.RaftWalClient;
import io.raftwal.embed.RaftWalConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Three-JVM cluster benchmark: raftwal nodes against the floor of a no-op Ratis state machine
 * with exactly raftwal's Ratis settings, driven by the same closed-loop load.
 * <pre>
 *   server id=n1 system=raftwal|noop dir=DIR basePort=17000 maxSeconds=1800 leaderWarmup=on|off
 *   handover system=raftwal|noop method=switchover|transfer conc=16 size=128 rounds=20 coldHandovers=3 every=3 warmup=150
 *   load system=raftwal|noop batch=off|on sizes=128,1024 conc=1,16,128 prewarm=60 warmup=3 measure=12
 *   fill system=raftwal records=1000000 size=128          (then read the servers' heap with jcmd)
 * </pre>
 */
public final class ClusterBench {
  private ClusterBench() {}

  /** The floor: Ratis with raftwal's settings and a state machine that only counts. */
  static final class NoopStateMachine extends BaseStateMachine {
    private static final Message OK = Message.valueOf("ok");

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
      updateLastAppliedTermIndex(trx.getLogEntry().getTerm(), trx.getLogEntry().getIndex());
      return CompletableFuture.completedFuture(OK);
    }
  }

  static List<Peer> peers(int basePort) {
    List<Peer> out = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      out.add(new Peer("n" + i, "127.0.0.1:" + (basePort + i)));
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchArgs.parse(args, 1);
    String cmd = args.length > 0 ? args[0] : "help";
    List<Peer> peers = peers(Integer.parseInt(a.getOrDefault("basePort", "17000")));
    String system = a.getOrDefault("system", "raftwal");
    switch (cmd) {
      case "server" -> server(peers, a, system);
      case "load" -> load(peers, a, system);
      case "fill" -> fill(peers, a);
      case "handover" -> handover(peers, a);
      default -> System.out.println("usage: server|load|fill key=value ...");
    }
    System.exit(0);
  }

  static void server(List<Peer> peers, Map<String, String> a, String system) throws Exception {
    String id = a.get("id");
    RaftWalConfig.Builder builder = RaftWalConfig.builder(id, Path.of(a.getOrDefault("dir", "/tmp/raftwal-bench")).resolve(id))
        .peers(peers);
    a.forEach((k, v) -> {
      if (k.startsWith("raft.")) {
        builder.raftProperty(k, v); // e.g. raft.server.log.append-entries.compose.enabled=true
      }
    });
    if (a.containsKey("spoolSyncMs")) { // how often the spool forces its appends (0: only at snapshots)
      builder.stateMachine(io.raftwal.statemachine.StateMachineOptions.defaults().withSpool(
          io.raftwal.spool.SpoolOptions.defaults().withSync(0, Long.parseLong(a.get("spoolSyncMs")))));
    }
    // leaderWarmup=off: no start-up warm-up of the leader path (the A/B of `cluster-bench.sh warmup`)
    builder.leadershipWarmup(!a.getOrDefault("leaderWarmup", "on").equals("off"));
    RaftWalConfig cfg = builder.build();
    long maxSeconds = Long.parseLong(a.getOrDefault("maxSeconds", "1800"));
    if (system.equals("noop")) {
      RaftServer s = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(id))
          .setGroup(RaftSettings.group(peers, cfg.groupId())).setProperties(RaftSettings.server(cfg))
          .setStateMachine(new NoopStateMachine()).setOption(RaftStorage.StartupOption.FORMAT).build();
      s.start();
      System.out.println("STARTED noop " + id);
      Thread.sleep(maxSeconds * 1000);
      s.close();
    } else {
      try (RaftWal wal = RaftWal.start(cfg, null)) {
        io.raftwal.node.metrics.NodeMetrics metrics = new io.raftwal.node.metrics.NodeMetrics(wal, () -> 0);
        int adminPort = Integer.parseInt(a.getOrDefault("basePort", "17000")) + 10 + Integer.parseInt(id.substring(1));
        try (io.raftwal.node.admin.AdminServer admin =
                 new io.raftwal.node.admin.AdminServer(wal, metrics, "127.0.0.1", adminPort, ADMIN_TOKEN)) {
          System.out.println("STARTED raftwal " + id + " pid=" + ProcessHandle.current().pid() + " admin=" + admin.port());
          Thread.sleep(maxSeconds * 1000);
        }
      }
    }
  }

  static final String ADMIN_TOKEN = "bench";

  /**
   * Repeated leadership handovers under a steady unbatched load: {@code method=switchover} (the
   * guarded switchover through the leader's admin API) or {@code method=transfer} (a plain Ratis
   * transferLeadership). Prints each handover's write gap, their median and max, and failures.
   * The leadership moves round the cluster (to the member after the leader), so every member
   * leads in turn. The first {@code coldHandovers} (default 0) are run and printed but left out
   * of the median and max: a member's first leadership in a JVM loads and interprets Ratis's
   * leader and gRPC client code (about 400 classes), which costs a few hundred ms once per JVM.
   */
  static void handover(List<Peer> peers, Map<String, String> a) throws Exception {
    String method = a.getOrDefault("method", "switchover");
    int conc = Integer.parseInt(a.getOrDefault("conc", "16"));
    int rounds = Integer.parseInt(a.getOrDefault("rounds", "20"));
    int cold = Integer.parseInt(a.getOrDefault("coldHandovers", "0"));
    double every = Double.parseDouble(a.getOrDefault("every", "2"));
    double warm = Double.parseDouble(a.getOrDefault("warmup", "20"));
    int basePort = Integer.parseInt(a.getOrDefault("basePort", "17000"));
    byte[] payload = new byte[Integer.parseInt(a.getOrDefault("size", "128"))];
    boolean noop = a.getOrDefault("system", "raftwal").equals("noop");
    if (noop && !method.equals("transfer")) {
      throw new IllegalArgumentException("system=noop has no switchover: use method=transfer");
    }
    try (RaftWalClient client = new RaftWalClient(peers, RaftWalConfig.DEFAULT_GROUP_ID, Duration.ofSeconds(60));
         io.raftwal.cli.ClusterProbe probe = new io.raftwal.cli.ClusterProbe(peers, RaftWalConfig.DEFAULT_GROUP_ID)) {
      // the no-op floor: the same client, writes sent as they are to a state machine that only counts them
      Sender sender = noop ? p -> client.ratis().async().send(Message.valueOf(ByteString.copyFrom(p)))
          : p -> client.append(List.of(p));
      awaitLeader(sender);
      if (!noop) {
        awaitWarmups(peers, basePort);
      }
      // Generous: each round also spends its handover call; the load must outlast every round.
      double total = warm + (cold + rounds) * (every + 5) + 10;
      LoadGenerator[] g = new LoadGenerator[1];
      Thread load = new Thread(() -> {
        try {
          g[0] = LoadGenerator.run(seq -> sender.send(payload), conc, 0, total, 4_000_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      load.start();
      Thread.sleep((long) (warm * 1000));
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      List<long[]> events = new ArrayList<>();
      List<String> notes = new ArrayList<>();
      List<String> ids = peers.stream().map(Peer::id).toList();
      for (int r = 0; r < cold + rounds; r++) {
        String leader = probe.awaitLeader(30_000).orElseThrow();
        String target = ids.get((ids.indexOf(leader) + 1) % ids.size());
        long t0 = System.nanoTime();
        String note;
        if (method.equals("transfer")) {
          try {
            var reply = client.ratis().admin().transferLeadership(RaftPeerId.valueOf(target), 10_000);
            note = reply.isSuccess() ? "ok" : String.valueOf(reply.getException());
          } catch (java.io.IOException e) { // a refused transfer is a result of the run, not the end of it
            note = "FAILED " + e;
          }
        } else {
          String body = "{\"to\":\"" + target + "\",\"mode\":\"coordinated\",\"deadlineMs\":5000}";
          int port = basePort + 10 + Integer.parseInt(leader.substring(1));
          var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/switchover"))
              .header("Authorization", "Bearer " + ADMIN_TOKEN).POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
          note = resp.statusCode() + " " + resp.body().replaceAll(".*\"waitedMs\":(\\d+).*", "waitedMs=$1") + " "
              + resp.body().replaceAll(".*\"unavailableMs\":(\\d+).*", "unavailableMs=$1")
              + (resp.statusCode() == 200 ? "" : " " + resp.body());
        }
        long t1 = System.nanoTime();
        events.add(new long[] {t0, t1});
        notes.add(leader + "->" + target + " " + note);
        Thread.sleep((long) (every * 1000));
      }
      load.join(); // runs to its fixed end; rounds finished well before it
      long[] gaps = new long[events.size() - cold];
      List<String> coldGaps = new ArrayList<>();
      // wall-clock times, to line a gap up with the servers' logs
      long wallMinusNano = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
      var clock = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneId.systemDefault());
      for (int i = 0; i < events.size(); i++) {
        LoadGenerator.Gap gap = g[0].maxAckGap(events.get(i)[0], events.get(i)[1], 300_000_000L, 1_000_000_000L);
        if (i < cold) {
          coldGaps.add(String.format("%.1f", gap.nanos() / 1e6));
        } else {
          gaps[i - cold] = gap.nanos();
        }
        System.out.printf("HANDOVER %s %s%d gap_ms=%.1f call_ms=%.1f %s call_at=%s gap_after=%s%n", method,
            i < cold ? "cold#" : "#", i < cold ? i + 1 : i - cold + 1, gap.nanos() / 1e6, (events.get(i)[1] - events.get(i)[0]) / 1e6, notes.get(i),
            clock.format(java.time.Instant.ofEpochMilli((events.get(i)[0] + wallMinusNano) / 1_000_000L)),
            clock.format(java.time.Instant.ofEpochMilli((gap.afterNanos() + wallMinusNano) / 1_000_000L)));
      }
      java.util.Arrays.sort(gaps);
      System.out.printf("RESULT handover method=%s conc=%d size=%d rounds=%d gap_median_ms=%.1f gap_max_ms=%.1f"
              + " cold_gaps_ms=%s failed=%d %s%n",
          method, conc, payload.length, rounds, gaps[gaps.length / 2] / 1e6, gaps[gaps.length - 1] / 1e6,
          coldGaps.isEmpty() ? "-" : String.join(",", coldGaps), g[0].failed(), g[0].summary());
    }
  }

  /**
   * Waits until no server is still warming its leader path, as an operator waits for a restarted
   * node's /status to say so before switching over to it.
   */
  static void awaitWarmups(List<Peer> peers, int basePort) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    for (Peer p : peers) {
      java.net.URI status = java.net.URI.create("http://127.0.0.1:" + (basePort + 10 + Integer.parseInt(p.id().substring(1)))
          + "/status");
      while (true) {
        String body = http.send(java.net.http.HttpRequest.newBuilder(status).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        if (!body.contains("\"warmup\":\"PENDING\"") && !body.contains("\"warmup\":\"RUNNING\"")) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(p.id() + " still warming after 5 minutes: " + body);
        }
        Thread.sleep(200);
      }
    }
  }

  interface Sender {
    CompletableFuture<?> send(byte[] payload);
  }

  static void load(List<Peer> peers, Map<String, String> a, String system) throws Exception {
    boolean batch = a.getOrDefault("batch", "off").equals("on");
    String label = system + (system.equals("raftwal") ? (batch ? "-batched" : "-unbatched") : "");
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (RaftWalClient client = new RaftWalClient(peers, RaftWalConfig.DEFAULT_GROUP_ID, Duration.ofSeconds(60))) {
      BatchingAppender batcher = new BatchingAppender(client, timer, 1 << 20, TimeUnit.MILLISECONDS.toNanos(2), 4 << 20);
      Sender sender = system.equals("noop")
          ? p -> client.ratis().async().send(Message.valueOf(ByteString.copyFrom(p)))
          : batch ? batcher::append : p -> client.append(List.of(p));
      awaitLeader(sender);
      double prewarm = Double.parseDouble(a.getOrDefault("prewarm", "60"));
      if (prewarm > 0) {
        byte[] p = new byte[1024];
        LoadGenerator g = LoadGenerator.run(seq -> sender.send(p), 16, 0, prewarm, 4_000_000);
        System.out.println("PREWARM " + label + " " + g.summary());
      }
      // serverPids= (the script passes them) adds the servers' CPU and the disk's work per record.
      long[] pids = HostCounters.parsePids(a.get("serverPids"));
      HostCounters counters = pids.length == 0 ? null : new HostCounters(pids, a.getOrDefault("disk", "vda"));
      for (String sz : a.getOrDefault("sizes", "128,1024").split(",")) {
        for (String cc : a.getOrDefault("conc", "1,16,128").split(",")) {
          byte[] payload = new byte[Integer.parseInt(sz)];
          new Random(42).nextBytes(payload);
          LoadGenerator g = LoadGenerator.run(seq -> sender.send(payload), Integer.parseInt(cc),
              Double.parseDouble(a.getOrDefault("warmup", "3")), Double.parseDouble(a.getOrDefault("measure", "12")),
              4_000_000, counters);
          System.out.println("RESULT " + label + " size=" + sz + " conc=" + cc + " " + g.summary());
        }
      }
    } finally {
      timer.shutdownNow();
    }
  }

  static void fill(List<Peer> peers, Map<String, String> a) throws Exception {
    int records = Integer.parseInt(a.getOrDefault("records", "1000000"));
    byte[] payload = new byte[Integer.parseInt(a.getOrDefault("size", "128"))];
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (RaftWalClient client = new RaftWalClient(peers, RaftWalConfig.DEFAULT_GROUP_ID, Duration.ofSeconds(60))) {
      BatchingAppender batcher = new BatchingAppender(client, timer, 1 << 20, TimeUnit.MILLISECONDS.toNanos(2), 4 << 20);
      awaitLeader(batcher::append);
      LoadGenerator g = LoadGenerator.run(seq -> batcher.append(payload), 256, 0, 3600, records);
      System.out.println("FILLED " + records + " " + g.summary());
    } finally {
      timer.shutdownNow();
    }
  }

  static void awaitLeader(Sender s) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      try {
        s.send(new byte[1]).get(20, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        Thread.sleep(500);
      }
    }
    throw new IllegalStateException("no leader within 90 s");
  }
}
