package io.raftwal.embed;

import io.raftwal.command.Command;
import io.raftwal.command.CommandCodec;
import io.raftwal.command.MalformedCommandException;
import io.raftwal.command.Query;
import io.raftwal.command.QueryCodec;
import io.raftwal.command.Reply;
import io.raftwal.command.ReplyCodec;
import io.raftwal.command.StateSummary;
import io.raftwal.slot.Slot;
import io.raftwal.slot.SlotCatalogCodec;
import io.raftwal.spool.SpoolRecord;
import io.raftwal.statemachine.WriteGate;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.ExceptionDependentRetry;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

/**
 * A client of a raftwal cluster over Ratis gRPC: submits commands to the leader and reads from
 * any node. Requests refused before they reached the log (writes frozen by a switchover, a
 * leader stepping down, a full queue) are retried until the request timeout, one of them probing
 * while the others wait for it; a request whose fate is unknown (a timeout) is never re-sent,
 * since it may have been committed.
 */
public final class RaftWalClient implements Closeable {
  private final RaftClient client;
  private final RaftGroup group;
  private final Duration timeout;
  private static final long RETRY_SLEEP_MS = 25;
  private static final long HANDOVER_POLL_FAST_MS = 10;
  private static final long HANDOVER_POLL_MAX_MS = 100;
  private static final long PROBE_POLL_MAX_MS = 10;
  private final RefusalWaiters refusals = new RefusalWaiters();
  private final AtomicLong submitted = new AtomicLong();

  public RaftWalClient(List<Peer> peers, UUID groupId, Duration requestTimeout) {
    this.group = RaftSettings.group(peers, groupId);
    this.timeout = requestTimeout;
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 512);
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.min(requestTimeout.toMillis(), 10_000),
        TimeUnit.MILLISECONDS));
    RaftSettings.grpcMessageSize(p);
    ClientId id = ClientId.randomId();
    this.client = RaftClient.newBuilder().setProperties(p).setRaftGroup(group).setClientId(id)
        .setClientRpc(new ReopeningClientRpc(id, p)).setRetryPolicy(retryPolicy(requestTimeout)).build();
  }

  /**
   * Ratis's own retries (same call id, so its retry cache de-duplicates them). A new leader
   * refuses writes as not ready only until its first entry commits, one commit round, and a
   * member that has just stepped down names no leader only until the new one's first heartbeat:
   * both usually end within tens of milliseconds, so they are polled on the schedule of
   * {@link #handoverPollMs}: every few ms for about a commit round, then less and less often up
   * to {@value #HANDOVER_POLL_MAX_MS} ms, so that a writer resumes soon after the new leader can
   * take it, yet an election after a crash (1-2 s without a leader) is not flooded by every
   * request in flight asking every few ms. A NotLeader that names the leader is retried at once
   * by Ratis whatever the policy says. A closed stream is the other face of a step-down: the
   * leader's NotLeader replies close the client's stream to it, so the request sent next on it
   * fails as already closed; it is polled like a NotLeader (waiting the fixed sleep there added
   * 25 ms to every handover the client saw). Everything else (timeouts, a member down) waits
   * {@value #RETRY_SLEEP_MS} ms.
   */
  static RetryPolicy retryPolicy(Duration requestTimeout) {
    // Each kind of failure may use up the request timeout on its own; no more.
    int polls = (int) Math.max(40, requestTimeout.toMillis() / HANDOVER_POLL_MAX_MS + HANDOVER_FAST_POLLS);
    int sleeps = (int) Math.max(40, requestTimeout.toMillis() / RETRY_SLEEP_MS);
    // Inside ExceptionDependentRetry, a policy's attempt count is the count of its own kind of failure.
    RetryPolicy poll = event -> event.getAttemptCount() >= polls ? RetryPolicy.NO_RETRY_ACTION
        : () -> TimeDuration.valueOf(jittered(handoverPollMs(event.getAttemptCount())), TimeUnit.MICROSECONDS);
    return ExceptionDependentRetry.newBuilder()
        .setExceptionToPolicy(LeaderNotReadyException.class, poll)
        .setExceptionToPolicy(NotLeaderException.class, poll)
        .setExceptionToPolicy(AlreadyClosedException.class, poll)
        .setDefaultPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(sleeps,
            TimeDuration.valueOf(RETRY_SLEEP_MS, TimeUnit.MILLISECONDS)))
        .setMaxAttempts(polls + sleeps)
        .build();
  }

  /** Polls at the short interval before backing off: about 150 ms of them, a commit round or a few. */
  static final int HANDOVER_FAST_POLLS = 16;

  /**
   * The sleep before the {@code n}th retry (from 1) of one kind of handover refusal: 2, 4, 8 ms,
   * then {@value #HANDOVER_POLL_FAST_MS} ms up to the {@value #HANDOVER_FAST_POLLS}th, then
   * doubling to {@value #HANDOVER_POLL_MAX_MS} ms. A plain doubling from 3 ms (6, 12, 24, 48)
   * could ask a new leader again up to 40 ms after it became ready, since its readiness falls
   * 30-80 ms into the refusals; a cap of 10 ms for good would flood a leader that needs seconds to replay.
   */
  static long handoverPollMs(int n) {
    if (n <= HANDOVER_FAST_POLLS) {
      return Math.min(HANDOVER_POLL_FAST_MS, 1L << Math.max(1, Math.min(n, 4)));
    }
    return Math.min(HANDOVER_POLL_MAX_MS, HANDOVER_POLL_FAST_MS << Math.min(n - HANDOVER_FAST_POLLS, 4));
  }

  /** {@code ms} as microseconds, times 0.5 to 1.5, so that refused requests do not retry in lockstep. */
  private static long jittered(long ms) {
    return (long) (ms * 1000 * (0.5 + ThreadLocalRandom.current().nextDouble()));
  }

  /** Submits a command to the leader; completes with the reply every node applied. */
  public CompletableFuture<Reply> submit(Command command) {
    // A fresh array nobody else holds: wrapped, not copied again.
    return attempt(UnsafeByteOperations.unsafeWrap(CommandCodec.encode(command)), System.nanoTime() + timeout.toNanos(),
        submitted.incrementAndGet(), 0, false);
  }

  /** Appends records as one entry (all or nothing); fails with {@link RaftWalException} when refused. */
  public CompletableFuture<Reply.Appended> append(List<byte[]> payloads) {
    return submit(new Command.Append(payloads, 0)).thenApply(r -> {
      if (r instanceof Reply.Appended a) {
        return a;
      }
      throw new RaftWalException(r instanceof Reply.Rejected j ? j.reason() : "unexpected reply " + r, false, null);
    });
  }

  private CompletableFuture<Reply> attempt(ByteString bytes, long deadline, long seq, int attempt, boolean probe) {
    return client.async().send(Message.valueOf(bytes)).handle((reply, err) -> {
      Throwable failure = err != null ? unwrap(err) : reply.isSuccess() ? null : reply.getException();
      if (failure != null && retriable(failure) && System.nanoTime() < deadline) {
        return retryRefused(bytes, deadline, seq, attempt, probe, failure);
      }
      if (probe) {
        refusals.probeEnded();
      }
      if (failure == null) {
        return CompletableFuture.completedFuture(decodeReply(reply));
      }
      return CompletableFuture.<Reply>failedFuture(toRaftWalException(failure));
    }).thenCompose(f -> f);
  }

  /** A refusal that guarantees the request never reached the log: probe, or wait for the probe. */
  private CompletableFuture<Reply> retryRefused(ByteString bytes, long deadline, long seq, int attempt, boolean probe,
      Throwable failure) {
    CompletableFuture<Void> wait = probe ? null : refusals.waitOrProbe(seq);
    if (wait != null) {
      long remainingNs = deadline - System.nanoTime();
      return wait.orTimeout(Math.max(1, remainingNs), TimeUnit.NANOSECONDS).handle((x, e) -> null)
          .thenCompose(x -> System.nanoTime() < deadline
              ? attempt(bytes, deadline, seq, 0, false)
              : CompletableFuture.<Reply>failedFuture(toRaftWalException(failure)));
    }
    // The probe: a freeze lasts one to a few hundred ms, and every ms past the new leader's
    // first commit is added to every waiting writer's gap, so it polls briskly. It is one
    // request, not one per writer, so the refusals stay cheap.
    long backoffMs = Math.min(PROBE_POLL_MAX_MS, 2L << Math.min(attempt, 3));
    return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(backoffMs, TimeUnit.MILLISECONDS))
        .thenCompose(x -> attempt(bytes, deadline, seq, attempt + 1, true));
  }

  private static Reply decodeReply(RaftClientReply reply) {
    try {
      return ReplyCodec.decode(reply.getMessage().getContent().toByteArray());
    } catch (MalformedCommandException e) {
      throw new RaftWalException("unreadable reply from " + reply.getServerId() + ": " + e.getMessage(), false, e);
    }
  }

  /** Runs a read-only query: on the leader when {@code peerId} is null, else on that node's local state. */
  public CompletableFuture<byte[]> query(Query q, String peerId) {
    Message m = Message.valueOf(ByteString.copyFrom(QueryCodec.encode(q)));
    CompletableFuture<RaftClientReply> f = peerId == null
        ? client.async().sendReadOnly(m)
        : client.async().sendStaleRead(m, 0, RaftPeerId.valueOf(peerId));
    return f.handle((reply, err) -> {
      Throwable failure = err != null ? unwrap(err) : reply.isSuccess() ? null : reply.getException();
      if (failure != null) {
        throw toRaftWalException(failure);
      }
      return reply.getMessage().getContent().toByteArray();
    });
  }

  public List<SpoolRecord> readSince(long sinceLsn, int max, String peerId) throws IOException {
    return decode(() -> QueryCodec.decodeRecords(get(query(new Query.ReadSince(sinceLsn, max), peerId))));
  }

  public List<Slot> slots(String peerId) throws IOException {
    return decode(() -> SlotCatalogCodec.decode(get(query(new Query.ListSlots(), peerId)), "slot list reply"));
  }

  public StateSummary status(String peerId) throws IOException {
    return decode(() -> QueryCodec.decodeSummary(get(query(new Query.Status(), peerId))));
  }

  /** The leader as this client last learned it, or null. */
  public String leaderId() {
    RaftPeerId id = client.getLeaderId();
    return id == null ? null : id.toString();
  }

  public RaftGroup group() {
    return group;
  }

  /** The underlying Ratis client, for admin calls (leadership transfer, group info). */
  public RaftClient ratis() {
    return client;
  }

  @Override
  public void close() throws IOException {
    client.close();
  }

  private byte[] get(CompletableFuture<byte[]> f) throws IOException {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = unwrap(e);
      if (c instanceof RaftWalException r) {
        throw r;
      }
      throw new IOException(c.getMessage(), c);
    } catch (TimeoutException e) {
      throw new IOException("no answer within " + timeout.toMillis() + " ms", e);
    }
  }

  private interface Decoder<T> {
    T decode() throws IOException, MalformedCommandException;
  }

  private static <T> T decode(Decoder<T> d) throws IOException {
    try {
      return d.decode();
    } catch (MalformedCommandException e) {
      throw new IOException("unreadable answer: " + e.getMessage(), e);
    }
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * True only for refusals that guarantee the request never entered the Raft log, so sending it
   * again (as a new call) cannot apply it twice: a frozen gate (refused in startTransaction), a
   * leader stepping down or transferring, a full queue, a leader not ready. NotLeaderException is
   * not one of them: it can come after the entry was appended, and Ratis already retries it with
   * the same call id, which its retry cache de-duplicates.
   */
  static boolean retriable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof LeaderSteppingDownException
          || c instanceof TransferLeadershipException || c instanceof ResourceUnavailableException
          || c instanceof LeaderNotReadyException
          || (c.getMessage() != null && c.getMessage().contains(WriteGate.FROZEN_PREFIX))) {
        return true;
      }
    }
    return false;
  }

  static RaftWalException toRaftWalException(Throwable t) {
    if (t instanceof RaftWalException r) {
      return r;
    }
    String msg = String.valueOf(t.getMessage());
    int rejected = msg.indexOf("REJECTED: ");
    if (rejected >= 0) {
      return new RaftWalException(msg.substring(rejected + "REJECTED: ".length()), false, t);
    }
    return new RaftWalException(t.getClass().getSimpleName() + ": " + msg, retriable(t), t);
  }
}
