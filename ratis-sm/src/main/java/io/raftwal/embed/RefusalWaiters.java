package io.raftwal.embed;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * While the cluster refuses writes for a moment (a switchover's freeze, a leader stepping down,
 * a new leader not ready yet), one refused request keeps probing and the others wait for it.
 * Without this every request in flight polled the old leader on its own, a thousand refusals a
 * second on the same two cores the election runs on. When the probe ends, the waiting requests
 * are released in the order they were first submitted, so they are re-sent in that order.
 */
final class RefusalWaiters {
  private boolean probing;
  private final TreeMap<Long, CompletableFuture<Void>> waiting = new TreeMap<>();

  /**
   * Called by a request that was just refused. Returns null when there is no probe yet: the
   * caller becomes the probe, retries on its own, and must call {@link #probeEnded()} once it has
   * an answer that is not a refusal (or gives up). Otherwise returns what to wait on.
   */
  synchronized CompletableFuture<Void> waitOrProbe(long submitSeq) {
    if (!probing) {
      probing = true;
      return null;
    }
    return waiting.computeIfAbsent(submitSeq, s -> new CompletableFuture<>());
  }

  /** The probe has its answer: release every waiting request, oldest submission first. */
  void probeEnded() {
    List<CompletableFuture<Void>> release;
    synchronized (this) {
      probing = false;
      release = new ArrayList<>(waiting.values());
      waiting.clear();
    }
    // Outside the lock: a released request re-sends at once, and may be refused and come back here.
    for (CompletableFuture<Void> f : release) {
      f.complete(null);
    }
  }

  /** Requests waiting now, by submission sequence; for tests. */
  synchronized Map<Long, CompletableFuture<Void>> waiting() {
    return Map.copyOf(waiting);
  }
}
