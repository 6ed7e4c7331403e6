package io.raftwal.replication;

import io.raftwal.journal.Actor;
import io.raftwal.journal.EventKind;
import io.raftwal.journal.EventSink;
import io.raftwal.journal.JournalEvent;
import io.raftwal.journal.Outcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link StallPolicy} on a leader: every few seconds it reads how long each follower has
 * gone without answering the leader, probes the silent ones directly, and when one answers the
 * probe while the leader's replication to it has stopped, hands the leadership to a follower
 * that keeps up, so that a new leader replicates to it afresh. Runs on a thread of its own: a
 * probe of an unreachable member may take a request timeout.
 */
public final class ReplicationWatchdog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicationWatchdog.class);
  static final long TRANSFER_TIMEOUT_MS = 5_000;
  static final long RETRY_AFTER_FAILURE_MS = 60_000;

  private final RaftServer.Division division;
  private final EventSink events;
  private final StallPolicy.Limits limits;
  private final RaftClient client;
  private final ScheduledExecutorService timer;
  private final Map<String, Long> lastActedMs = new ConcurrentHashMap<>();
  /** Only the timer thread reads and replaces it. */
  private Map<String, Long> answeringSinceMs = Map.of();
  private final java.util.concurrent.atomic.AtomicLong handovers = new java.util.concurrent.atomic.AtomicLong();

  /**
   * Checks {@code division} every {@code periodMs} with the default limits (10 s silent, then 10 s
   * more answering probes; 2 s fresh; 10 min quiet).
   */
  public ReplicationWatchdog(RaftServer.Division division, EventSink events, long periodMs) {
    this(division, events, StallPolicy.Limits.defaults(), periodMs);
  }

  ReplicationWatchdog(RaftServer.Division division, EventSink events, StallPolicy.Limits limits, long periodMs) {
    this.division = division;
    this.events = events;
    this.limits = limits;
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    // One attempt per question: the next round asks again, and a hung probe must not pile up.
    this.client = RaftClient.newBuilder().setRaftGroup(division.getGroup()).setProperties(p)
        .setRetryPolicy(RetryPolicies.noRetry()).build();
    String name = "raftwal-" + division.getId() + "-replication-watchdog";
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::checkQuietly, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  private void checkQuietly() {
    try {
      check();
    } catch (RuntimeException e) {
      LOG.warn("replication check on {} failed: {}", division.getId(), e.toString());
    }
  }

  void check() {
    RoleInfoProto role = division.getInfo().isLeader() ? division.getInfo().getRoleInfoProto() : null;
    if (role == null || !role.hasLeaderInfo()) {
      // What a past leadership saw confirms nothing for a later one: its count starts over.
      answeringSinceMs = Map.of();
      return;
    }
    List<StallPolicy.Follower> quick = new ArrayList<>();
    for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
      quick.add(new StallPolicy.Follower(f.getId().getId().toStringUtf8(), f.getLastRpcElapsedTimeMs(), false));
    }
    List<String> suspects = StallPolicy.suspects(quick, limits);
    if (suspects.isEmpty()) {
      answeringSinceMs = Map.of();
      return;
    }
    List<StallPolicy.Follower> view = new ArrayList<>();
    for (StallPolicy.Follower f : quick) {
      view.add(suspects.contains(f.id()) ? new StallPolicy.Follower(f.id(), f.msSinceLastResponse(), answers(f.id()))
          : f);
    }
    long now = TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    answeringSinceMs = StallPolicy.answeringSince(now, view, answeringSinceMs, limits);
    Optional<StallPolicy.Remedy> remedy = StallPolicy.decide(now, view, answeringSinceMs, lastActedMs, limits);
    if (remedy.isEmpty()) {
      return;
    }
    StallPolicy.Remedy r = remedy.get();
    LOG.warn("{} has not answered leader {} for {} ms although it has answered direct probes for {} ms: the leader's"
            + " replication to it has stopped (a Ratis 3.2 log appender that failed is not restarted); handing the"
            + " leadership to {} so that a new leader replicates to {} afresh", r.stalled(), division.getId(),
        r.silentMs(), now - answeringSinceMs.get(r.stalled()), r.transferTo(), r.stalled());
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("follower", r.stalled());
    fields.put("silentMs", r.silentMs());
    fields.put("leader", division.getId().toString());
    fields.put("transferTo", r.transferTo());
    fields.put("term", division.getInfo().getCurrentTerm());
    String outcome;
    try {
      var reply = client.admin().transferLeadership(RaftPeerId.valueOf(r.transferTo()), division.getId(),
          TRANSFER_TIMEOUT_MS);
      outcome = reply.isSuccess() ? "" : String.valueOf(reply.getException());
    } catch (IOException | RuntimeException e) {
      outcome = e.toString();
    }
    if (outcome.isEmpty()) {
      handovers.incrementAndGet();
      lastActedMs.put(r.stalled(), now);
    } else {
      // Refused (a membership change in flight, the target no longer keeping up): try again
      // soon rather than after the whole quiet period, but not every round.
      lastActedMs.put(r.stalled(), now - limits.quietMs() + RETRY_AFTER_FAILURE_MS);
      LOG.warn("handing the leadership from {} to {} failed: {}", division.getId(), r.transferTo(), outcome);
    }
    events.record(JournalEvent.of(EventKind.REPLICATION_STALLED, outcome.isEmpty() ? Outcome.ALLOWED : Outcome.FAILED,
        Actor.LEADER_SWEEP, outcome.isEmpty() ? "leadership handed over to restart replication" : outcome, fields));
  }

  /** Leaderships this node handed over because its replication to a follower had stalled. */
  public long handovers() {
    return handovers.get();
  }

  private boolean answers(String id) {
    try {
      client.getGroupManagementApi(RaftPeerId.valueOf(id)).info(division.getGroup().getGroupId());
      return true;
    } catch (IOException | RuntimeException down) {
      return false;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      client.close();
    } catch (IOException e) {
      LOG.debug("closing the watchdog's client: {}", e.toString());
    }
  }
}
