package io.raftwal.embed;

import io.raftwal.command.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Coalesces concurrent appends into one Raft entry, so one replication round and one fsync carry
 * many records. A lone append goes at once; while a batch is in flight, later appends gather
 * until the batch reaches its byte limit or the oldest has waited the maximum delay. Each record
 * keeps its own LSN and acknowledgement; a batch commits or fails as a whole.
 */
public final class BatchingAppender {
  private final Function<List<byte[]>, CompletableFuture<Reply.Appended>> sender;
  private final ScheduledExecutorService timer;
  private final int maxBytes;
  private final long maxDelayNanos;
  private final int maxRecordBytes;

  private final Object lock = new Object();
  private List<byte[]> payloads = new ArrayList<>();
  private List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
  private long bytes;
  private ScheduledFuture<?> timeout;
  private int inFlight;
  private boolean closed;

  /**
   * @param client         the cluster to append to
   * @param timer          runs the delay timer
   * @param maxBytes       largest batch, in payload bytes (stay below the leader's entry limit)
   * @param maxDelayNanos  longest an append waits for company (0: never waits)
   * @param maxRecordBytes a larger record is refused alone, before it joins a batch
   */
  public BatchingAppender(RaftWalClient client, ScheduledExecutorService timer, int maxBytes, long maxDelayNanos,
      int maxRecordBytes) {
    this(client::append, timer, maxBytes, maxDelayNanos, maxRecordBytes);
  }

  BatchingAppender(Function<List<byte[]>, CompletableFuture<Reply.Appended>> sender, ScheduledExecutorService timer,
      int maxBytes, long maxDelayNanos, int maxRecordBytes) {
    this.sender = sender;
    this.timer = timer;
    this.maxBytes = maxBytes;
    this.maxDelayNanos = maxDelayNanos;
    this.maxRecordBytes = maxRecordBytes;
  }

  /** Queues one record; completes with its LSN and term once its batch is committed and applied. */
  public CompletableFuture<AppendResult> append(byte[] payload) {
    if (payload == null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("payload must not be null"));
    }
    if (payload.length > maxRecordBytes) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("record is " + payload.length
          + " bytes; the limit is " + maxRecordBytes + " bytes (maxRecordBytes): split it or raise the limit"));
    }
    CompletableFuture<AppendResult> f = new CompletableFuture<>();
    List<Batch> ready = new ArrayList<>(2);
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("raftwal is closed"));
      }
      if (!payloads.isEmpty() && bytes + payload.length > maxBytes) {
        ready.add(takeLocked());
      }
      payloads.add(payload);
      futures.add(f);
      bytes += payload.length;
      if (bytes >= maxBytes || inFlight == 0 || maxDelayNanos == 0) {
        ready.add(takeLocked());
      } else if (timeout == null) {
        timeout = timer.schedule(this::flushOnTimeout, maxDelayNanos, TimeUnit.NANOSECONDS);
      }
    }
    ready.forEach(this::send);
    return f;
  }

  private void flushOnTimeout() {
    Batch b;
    synchronized (lock) {
      timeout = null;
      if (payloads.isEmpty()) {
        return;
      }
      b = takeLocked();
    }
    send(b);
  }

  private record Batch(List<byte[]> payloads, List<CompletableFuture<AppendResult>> futures) {}

  private Batch takeLocked() {
    Batch b = new Batch(payloads, futures);
    payloads = new ArrayList<>();
    futures = new ArrayList<>();
    bytes = 0;
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
    inFlight++;
    return b;
  }

  private void send(Batch b) {
    CompletableFuture<Reply.Appended> sent;
    try {
      sent = sender.apply(b.payloads());
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((reply, err) -> {
      if (err == null && reply.lastLsn() - reply.firstLsn() + 1 != b.payloads().size()) {
        err = new IllegalStateException("batch of " + b.payloads().size() + " records got LSNs "
            + reply.firstLsn() + ".." + reply.lastLsn());
      }
      for (int i = 0; i < b.futures().size(); i++) {
        if (err != null) {
          b.futures().get(i).completeExceptionally(RaftWalClient.unwrap(err));
        } else {
          b.futures().get(i).complete(new AppendResult(reply.firstLsn() + i, reply.term()));
        }
      }
      Batch next = null;
      synchronized (lock) {
        inFlight--;
        if (inFlight == 0 && !payloads.isEmpty()) {
          next = takeLocked(); // nothing in flight: do not wait out the delay
        }
      }
      if (next != null) {
        send(next);
      }
    });
  }

  /** Refuses new appends; those already queued are still sent. */
  public void close() {
    Batch b = null;
    synchronized (lock) {
      closed = true;
      if (!payloads.isEmpty()) {
        b = takeLocked();
      }
    }
    if (b != null) {
      send(b);
    }
  }
}
