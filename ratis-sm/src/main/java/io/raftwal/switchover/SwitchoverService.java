package io.raftwal.switchover;

import io.raftwal.journal.Actor;
import io.raftwal.journal.EventKind;
import io.raftwal.journal.EventSink;
import io.raftwal.journal.JournalEvent;
import io.raftwal.journal.Outcome;
import io.raftwal.statemachine.RaftWalStateMachine;
import java.io.Closeable;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs switchovers on the leader, one at a time: pre-flight, then the {@link SwitchoverCoordinator}
 * over Ratis. A request retried with the same id gets the first outcome back. The state of the
 * running request is visible through {@link #current()}.
 */
public final class SwitchoverService implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchoverService.class);
  private static final int REMEMBERED = 64;

  private final RaftServer.Division division;
  private final RaftWalStateMachine sm;
  private final RaftClient probe;
  private final EventSink events;
  private final Map<String, SwitchoverOutcome> outcomes = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, SwitchoverOutcome> e) {
      return size() > REMEMBERED;
    }
  };
  private final AtomicLong handedOver = new AtomicLong();
  private final AtomicLong aborted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile SwitchoverOutcome last;
  private volatile Running running;

  /** The request in progress and the state it is in. */
  public record Running(SwitchoverRequest request, SwitchoverState state) {}

  public SwitchoverService(RaftServer.Division division, RaftWalStateMachine sm, EventSink events) {
    this.division = division;
    this.sm = sm;
    this.events = events;
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(2, TimeUnit.SECONDS));
    this.probe = RaftClient.newBuilder().setProperties(p).setRaftGroup(division.getGroup())
        .setRetryPolicy(RetryPolicies.noRetry()).build();
  }

  public Optional<Running> current() {
    return Optional.ofNullable(running);
  }

  public Optional<SwitchoverOutcome> lastOutcome() {
    return Optional.ofNullable(last);
  }

  public long handedOverCount() {
    return handedOver.get();
  }

  public long abortedCount() {
    return aborted.get();
  }

  public long refusedCount() {
    return refused.get();
  }

  /** Runs {@code r} for an embedding caller; see {@link #run(SwitchoverRequest, Actor)}. */
  public SwitchoverOutcome run(SwitchoverRequest r) throws InterruptedException {
    return run(r, Actor.EMBEDDER);
  }

  /** Runs {@code r} to its end (handed over or aborted); never leaves writes frozen. */
  public SwitchoverOutcome run(SwitchoverRequest r, Actor actor) throws InterruptedException {
    String self = division.getId().toString();
    long term = division.getInfo().getCurrentTerm();
    synchronized (this) {
      SwitchoverOutcome earlier = outcomes.get(r.requestId());
      if (earlier != null) {
        return earlier;
      }
      if (running != null) {
        refused.incrementAndGet();
        return SwitchoverOutcome.refused(r, self, term, "switchover " + running.request().requestId()
            + " is already running (" + running.state() + "); one at a time");
      }
      running = new Running(r, SwitchoverState.PREFLIGHT);
    }
    SwitchoverOutcome outcome;
    try {
      outcome = runChecked(r, self, term, actor);
    } catch (RuntimeException | InterruptedException e) {
      sm.writeGate().open();
      throw e;
    } finally {
      synchronized (this) {
        running = null;
      }
    }
    synchronized (this) {
      outcomes.put(r.requestId(), outcome);
    }
    last = outcome;
    (outcome.handedOver() ? handedOver : outcome.refusedInPreflight() ? refused : aborted).incrementAndGet();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("requestId", r.requestId());
    f.put("to", r.target());
    f.put("mode", r.mode());
    f.put("oldLeader", String.valueOf(outcome.oldLeader()));
    f.put("newLeader", String.valueOf(outcome.newLeader()));
    f.put("oldTerm", outcome.oldTerm());
    f.put("newTerm", outcome.newTerm());
    f.put("frontierLsn", outcome.frontierLsn());
    f.put("reachedLsn", outcome.reachedLsn());
    f.put("skippedLsn", outcome.skippedLsn());
    f.put("unavailableMs", outcome.unavailableMs());
    events.record(JournalEvent.of(outcome.handedOver() ? EventKind.SWITCHOVER_DONE : EventKind.SWITCHOVER_ABORTED,
        outcome.handedOver() ? Outcome.ALLOWED : outcome.refusedInPreflight() ? Outcome.REFUSED : Outcome.FAILED,
        actor, outcome.reason(), f));
    LOG.info("switchover {} to {} ({}): {} leader {} -> {}, term {} -> {}, frontier LSN {}, skipped {}, writes"
            + " refused for {} ms{}", r.requestId(), r.target(), r.mode(), outcome.state(), outcome.oldLeader(),
        outcome.newLeader(), outcome.oldTerm(), outcome.newTerm(), outcome.frontierLsn(), outcome.skippedLsn(),
        outcome.unavailableMs(), outcome.reason().isEmpty() ? "" : "; " + outcome.reason());
    return outcome;
  }

  private SwitchoverOutcome runChecked(SwitchoverRequest r, String self, long term, Actor actor)
      throws InterruptedException {
    if (!division.getInfo().isLeader()) {
      RaftPeerId leader = division.getInfo().getLeaderId();
      return SwitchoverOutcome.refused(r, leader == null ? null : leader.toString(), term,
          "this node (" + self + ") is not the leader; send the request to " + (leader == null ? "the leader" : leader));
    }
    Optional<String> refusal = Preflight.check(r, view(r.target()));
    if (refusal.isPresent()) {
      return SwitchoverOutcome.refused(r, self, term, refusal.get());
    }
    LOG.info("switchover {} to {} ({}, deadline {} ms): pre-flight passed, freezing writes", r.requestId(),
        r.target(), r.mode(), r.deadlineMs());
    events.record(JournalEvent.of(EventKind.SWITCHOVER_STARTED, Outcome.ALLOWED, actor, "pre-flight passed",
        Map.of("requestId", r.requestId(), "to", r.target(), "mode", r.mode(), "deadlineMs", r.deadlineMs(),
            "leader", self, "term", term)));
    List<String> members = division.getGroup().getPeers().stream().map(p -> p.getId().toString()).toList();
    RatisSwitchoverTransport tx = new RatisSwitchoverTransport(division, sm, probe, self, r.target(), members, term,
        r.deadlineMs(), "switchover " + r.requestId() + " to " + r.target() + " in progress");
    return SwitchoverCoordinator.run(r, self, term, tx, s -> running = new Running(r, s));
  }

  private Preflight.ClusterView view(String target) {
    RaftConfiguration conf = division.getRaftConf();
    Map<String, Preflight.Member> members = new LinkedHashMap<>();
    for (RaftPeer peer : conf.getAllPeers()) {
      String id = peer.getId().toString();
      boolean voter = conf.getPeer(peer.getId(), RaftPeerRole.FOLLOWER) != null;
      boolean reachable = id.equals(division.getId().toString());
      boolean installing = false;
      long applied = -1;
      if (id.equals(target)) {
        try {
          GroupInfoReply info = probe.getGroupManagementApi(peer.getId()).info(division.getGroup().getGroupId());
          LogInfoProto log = info.getLogInfoProto();
          reachable = true;
          // Behind the leader's log start it can only catch up by a snapshot install.
          installing = log.getApplied().getIndex() + 1 < division.getRaftLog().getStartIndex();
          applied = RatisSwitchoverTransport.appliedLsn(probe, peer.getId());
        } catch (IOException | RuntimeException e) {
          reachable = false;
        }
      }
      members.put(id, new Preflight.Member(id, voter, reachable, installing, applied));
    }
    return new Preflight.ClusterView(division.getId().toString(), sm.lastLsn(), members,
        !conf.getPreviousPeers().isEmpty());
  }

  @Override
  public void close() throws IOException {
    probe.close();
  }
}
