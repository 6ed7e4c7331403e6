package io.raftwal.bench;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Closed-loop load: keeps {@code concurrency} requests outstanding for warm-up plus measurement,
 * bounded in time and in count. Throughput counts acknowledgements inside the measured window;
 * latency covers requests started inside it. The same semantics as the floors' generator.
 */
public final class LoadGenerator {
  private final long[] start;
  private final long[] end;
  private final byte[] outcome; // 0 pending, 1 ok, 2 failed
  private volatile int issued;
  private long measureStart;
  private long measureEnd;
  private HostCounters.Sample countersAtStart;
  private HostCounters.Sample countersAtEnd;

  private LoadGenerator(int capacity) {
    start = new long[capacity];
    end = new long[capacity];
    outcome = new byte[capacity];
  }

  public static LoadGenerator run(IntFunction<CompletableFuture<?>> send, int concurrency, double warmupS, double measureS,
      int maxOps) throws InterruptedException {
    return run(send, concurrency, warmupS, measureS, maxOps, null);
  }

  /** As above, reading {@code counters} (when not null) as the measured window opens and closes. */
  static LoadGenerator run(IntFunction<CompletableFuture<?>> send, int concurrency, double warmupS, double measureS,
      int maxOps, HostCounters counters) throws InterruptedException {
    LoadGenerator g = new LoadGenerator(maxOps);
    Semaphore inFlight = new Semaphore(concurrency);
    long t0 = System.nanoTime();
    g.measureStart = t0 + (long) (warmupS * 1e9);
    g.measureEnd = g.measureStart + (long) (measureS * 1e9);
    int i = 0;
    while (i < maxOps && System.nanoTime() < g.measureEnd) {
      if (counters != null && g.countersAtStart == null && System.nanoTime() >= g.measureStart) {
        g.countersAtStart = counters.sample();
      }
      if (!inFlight.tryAcquire(200, TimeUnit.MILLISECONDS)) {
        continue;
      }
      int seq = i++;
      g.issued = i;
      g.start[seq] = System.nanoTime();
      CompletableFuture<?> f;
      try {
        f = send.apply(seq);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete((r, e) -> {
        g.end[seq] = System.nanoTime();
        g.outcome[seq] = (byte) (e == null ? 1 : 2);
        inFlight.release();
      });
    }
    if (g.countersAtStart != null) {
      g.countersAtEnd = counters.sample();
    }
    if (!inFlight.tryAcquire(concurrency, 60, TimeUnit.SECONDS)) {
      System.out.println("WARN: requests still outstanding after 60 s");
    }
    return g;
  }

  /** What the measured window yielded; {@link #summary} prints it. */
  public record Figures(double opsPerSec, double p50Ms, double p99Ms, double p999Ms, int acked, int failed,
      int issued) {}

  public Figures figures() {
    int n = issued;
    int acked = 0;
    int failed = 0;
    int nl = 0;
    long[] lat = new long[n];
    for (int k = 0; k < n; k++) {
      if (outcome[k] == 2) {
        failed++;
      } else if (outcome[k] == 1) {
        if (end[k] >= measureStart && end[k] <= measureEnd) {
          acked++;
        }
        if (start[k] >= measureStart && start[k] <= measureEnd) {
          lat[nl++] = end[k] - start[k];
        }
      }
    }
    lat = Arrays.copyOf(lat, nl);
    Arrays.sort(lat);
    double secs = (measureEnd - measureStart) / 1e9;
    return new Figures(acked / secs, pct(lat, 0.50), pct(lat, 0.99), pct(lat, 0.999), acked, failed, n);
  }

  public String summary() {
    Figures f = figures();
    String out = String.format("ops/s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f acked=%d failed=%d issued=%d",
        f.opsPerSec(), f.p50Ms(), f.p99Ms(), f.p999Ms(), f.acked(), f.failed(), f.issued());
    if (countersAtEnd != null) {
      // The counters' window is the loop's own, a few ms off the measured one: fine for a per-op cost.
      out += " " + HostCounters.describe(countersAtStart, countersAtEnd, f.acked());
    }
    return out;
  }

  /** Requests that failed (client-visible errors). */
  public int failed() {
    int n = 0;
    for (int k = 0; k < issued; k++) {
      if (outcome[k] == 2) {
        n++;
      }
    }
    return n;
  }

  /** The longest stretch without an acknowledgement: its length and the acknowledgement it follows (nanoTime). */
  record Gap(long nanos, long afterNanos) {}

  /**
   * Write unavailability around an event {@code [from, to]} (nanoTime): the largest gap between
   * consecutive successful acknowledgements that overlaps {@code [from - before, to + after]}.
   */
  Gap maxAckGap(long from, long to, long before, long after) {
    long[] acks = new long[issued];
    int m = 0;
    for (int k = 0; k < issued; k++) {
      if (outcome[k] == 1) {
        acks[m++] = end[k];
      }
    }
    acks = Arrays.copyOf(acks, m);
    Arrays.sort(acks);
    long lo = from - before;
    long hi = to + after;
    Gap best = new Gap(0, from);
    for (int k = 1; k < m; k++) {
      if (acks[k] >= lo && acks[k - 1] <= hi && acks[k] - acks[k - 1] > best.nanos()) {
        best = new Gap(acks[k] - acks[k - 1], acks[k - 1]);
      }
    }
    return best;
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int idx = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, idx)] / 1e6;
  }
}
