package io.raftwal.journal;

import io.raftwal.bench.BenchArgs;
import io.raftwal.bench.LoadGenerator;
import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftWal;
import io.raftwal.embed.RaftWalConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Does a slow journal disk slow the apply path? Three in-JVM nodes take a load of 1 KiB appends
 * mixed with slot creates and drops (each of which writes a journal event on every node's apply
 * path) and frequent snapshots (another event each), in three alternating cells:
 * <ul>
 *   <li>{@code none}: no journal at all (the floor);</li>
 *   <li>{@code sqlite}: the real SQLite journal, fsync at each batch;</li>
 *   <li>{@code slow}: the same SQLite journal on a "disk" that takes {@code delayMs} before each
 *       batch it writes.</li>
 * </ul>
 * The cells alternate round by round (this machine drifts by more than the effect in minutes);
 * the last lines give each cell's median. Per cell: throughput, latency, this JVM's CPU per
 * acknowledged operation, and the events each journal wrote and dropped.
 * It lives in the journal package because the slow disk wraps the journal's package-private store.
 * <pre>
 *   java -cp test-cluster/target/benchmarks.jar io.raftwal.journal.JournalSlowDiskBench \
 *       rounds=6 prewarm=60 conc=16 warmup=10 measure=20 delayMs=250 slotEvery=10 dir=/tmp/jbench
 * </pre>
 */
public final class JournalSlowDiskBench {
  private JournalSlowDiskBench() {}

  /** The real store behind a disk that answers each batch {@code delayMs} late. */
  static final class SlowDiskStore implements JournalStore {
    private final JournalStore real;
    private final long delayMs;

    SlowDiskStore(JournalStore real, long delayMs) {
      this.real = real;
      this.delayMs = delayMs;
    }

    @Override
    public void append(List<JournalEvent> events) throws IOException {
      try {
        Thread.sleep(delayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      real.append(events);
    }

    @Override
    public long nextSeq() throws IOException {
      return real.nextSeq();
    }

    @Override
    public long count() throws IOException {
      return real.count();
    }

    @Override
    public int compact(long keepNewest, long keepSinceMs) throws IOException {
      return real.compact(keepNewest, keepSinceMs);
    }

    @Override
    public void close() throws IOException {
      real.close();
    }
  }

  public static void main(String[] args) throws Exception {
    java.util.Map<String, String> a = BenchArgs.parse(args, 0);
    int rounds = Integer.parseInt(a.getOrDefault("rounds", "6"));
    double prewarm = Double.parseDouble(a.getOrDefault("prewarm", "60"));
    int conc = Integer.parseInt(a.getOrDefault("conc", "16"));
    double warmup = Double.parseDouble(a.getOrDefault("warmup", "10"));
    double measure = Double.parseDouble(a.getOrDefault("measure", "20"));
    long delayMs = Long.parseLong(a.getOrDefault("delayMs", "250"));
    int slotEvery = Integer.parseInt(a.getOrDefault("slotEvery", "10"));
    Path dir = Path.of(a.getOrDefault("dir", "/tmp/jbench"));
    System.out.printf("# rounds=%d prewarm=%.0fs conc=%d warmup=%.0fs measure=%.0fs delayMs=%d slotEvery=%d size=1024%n",
        rounds, prewarm, conc, warmup, measure, delayMs, slotEvery);
    // The JIT first, on a throwaway cluster, so that no cell pays for compiling Ratis.
    System.out.printf("prewarm %s%n", cell("slow", dir.resolve("prewarm"), conc, prewarm, 1, delayMs, slotEvery).line());
    java.util.Map<String, List<Result>> byCell = new java.util.LinkedHashMap<>();
    for (int round = 1; round <= rounds; round++) {
      for (String kind : List.of("none", "sqlite", "slow")) {
        Result r = cell(kind, dir.resolve(round + "-" + kind), conc, warmup, measure, delayMs, slotEvery);
        byCell.computeIfAbsent(kind, k -> new ArrayList<>()).add(r);
        System.out.printf("round=%d cell=%s %s%n", round, kind, r.line());
      }
    }
    for (var e : byCell.entrySet()) {
      List<Result> rs = e.getValue();
      System.out.printf("RESULT cell=%s median ops/s=%.0f p99_ms=%.1f cpu_us_per_op=%.0f (ops/s per round: %s)%n",
          e.getKey(), median(rs, Result::opsPerSec), median(rs, Result::p99Ms), median(rs, Result::cpuUsPerOp),
          rs.stream().map(r -> String.format("%.0f", r.opsPerSec())).toList());
    }
  }

  /** One cell's figures; {@code line} is the load generator's own summary. */
  record Result(double opsPerSec, double p99Ms, double cpuUsPerOp, String summary, long written, long dropped) {
    String line() {
      return String.format("%s cpu_us_per_op=%.0f journal_written=%d journal_dropped=%d", summary, cpuUsPerOp,
          written, dropped);
    }
  }

  static double median(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
    double[] v = rs.stream().mapToDouble(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static Result cell(String kind, Path dir, int conc, double warmup, double measure, long delayMs, int slotEvery)
      throws Exception {
    List<Peer> peers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        peers.add(new Peer("n" + i, "127.0.0.1:" + s.getLocalPort()));
      }
    }
    List<Journal> journals = new ArrayList<>();
    List<RaftWal> wals = new ArrayList<>();
    try {
      for (Peer p : peers) {
        Path d = dir.resolve(p.id());
        Files.createDirectories(d);
        RaftWalConfig cfg = RaftWalConfig.builder(p.id(), d).peers(peers).snapshotThreshold(2_000).journal(null)
            .leadershipWarmup(false).build(); // nothing in the background while the apply rate is timed
        Journal j = null;
        if (!kind.equals("none")) {
          Journal.Options o = Journal.Options.defaults();
          JournalStore store = new SqliteJournalStore(d.resolve("journal.db"), o.durability());
          j = new Journal(kind.equals("slow") ? new SlowDiskStore(store, delayMs) : store, o, Clock.systemUTC());
          journals.add(j);
        }
        wals.add(RaftWal.start(cfg, null, j == null ? EventSink.NONE : j));
      }
      RaftWal leader = awaitLeader(wals);
      byte[] payload = new byte[1024];
      com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      long cpuAtStart = os.getProcessCpuTime();
      LoadGenerator g = LoadGenerator.run(i -> {
        if (i % slotEvery == 0) {
          // Alternate create and drop of one slot per pair: a journal event on each node's apply path.
          int pair = i / (2 * slotEvery);
          return (i / slotEvery) % 2 == 0 ? leader.createSlot("s" + pair) : leader.dropSlot("s" + pair);
        }
        return leader.append(payload);
      }, conc, warmup, measure, 3_000_000);
      long written = 0;
      long dropped = 0;
      for (Journal j : journals) {
        written += j.written();
        dropped += j.dropped();
      }
      LoadGenerator.Figures f = g.figures();
      // CPU over warm-up and measurement alike, per operation acknowledged in the measured window
      // scaled to the whole run: a per-op cost to compare cells, not an absolute one.
      double cpuUs = (os.getProcessCpuTime() - cpuAtStart) / 1e3;
      double ops = f.opsPerSec() * (warmup + measure);
      return new Result(f.opsPerSec(), f.p99Ms(), ops == 0 ? 0 : cpuUs / ops, g.summary(), written, dropped);
    } finally {
      for (RaftWal w : wals) {
        w.close();
      }
      for (Journal j : journals) {
        j.close();
      }
    }
  }

  private static RaftWal awaitLeader(List<RaftWal> wals) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (RaftWal w : wals) {
        if (w.isLeader()) {
          return w;
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no leader within 60 s");
  }
}
