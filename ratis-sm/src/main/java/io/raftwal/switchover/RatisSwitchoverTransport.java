package io.raftwal.switchover;

import io.raftwal.command.Query;
import io.raftwal.command.QueryCodec;
import io.raftwal.command.StateSummary;
import io.raftwal.statemachine.RaftWalStateMachine;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/** The switchover's cluster actions on the leader, over Ratis. */
final class RatisSwitchoverTransport implements SwitchoverTransport {
  private final RaftServer.Division division;
  private final RaftWalStateMachine sm;
  private final RaftClient probe;
  private final RaftGroupId groupId;
  private final String self;
  private final String target;
  private final List<String> members;
  private final long oldTerm;
  private final long deadlineMs;
  private final String reason;
  private final long start = System.nanoTime();
  /** The question to the target in flight, if any; only the coordinator's thread touches it. */
  private CompletableFuture<StateSummary> asked;
  private Frontier frontier;

  RatisSwitchoverTransport(RaftServer.Division division, RaftWalStateMachine sm, RaftClient probe,
      String self, String target, List<String> members, long oldTerm, long deadlineMs, String reason) {
    this.division = division;
    this.sm = sm;
    this.probe = probe;
    this.groupId = division.getGroup().getGroupId();
    this.self = self;
    this.target = target;
    this.members = members;
    this.oldTerm = oldTerm;
    this.deadlineMs = deadlineMs;
    this.reason = reason;
  }

  /**
   * Closes the gate, then lets the leader apply what it had already accepted, so the frontier is
   * every LSN a client could have been acknowledged and the last command entry (slot changes
   * included) the target must have applied.
   */
  @Override
  public Frontier freeze() {
    sm.writeGate().freeze(reason);
    RaftLog log = division.getRaftLog();
    long index = log.getLastEntryTermIndex().getIndex();
    // The target is asked now, while the frontier commits here: its answer comes back once it has
    // applied the last command, one round trip sooner than asking after the leader's own apply.
    asked = ask(lastCommandAtOrBefore(log, index));
    frontier = new Frontier(sm.lastLsn(), index);
    try {
      sm.awaitApplied(index).get(Math.max(1, deadlineMs - elapsedMs()), TimeUnit.MILLISECONDS);
      frontier = new Frontier(sm.lastLsn(), sm.lastCommandIndex());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException notYet) {
      // Not applied here in time: the target is held to every entry the leader accepted.
    }
    return frontier;
  }

  /**
   * The last entry at or before {@code index} that the target's state machine applies promptly:
   * Ratis follows each commit with a metadata entry of its own, whose commit a follower learns
   * only at a later heartbeat, so waiting for one would cost up to a heartbeat interval.
   */
  static long lastCommandAtOrBefore(RaftLog log, long index) {
    for (long i = index; i > Math.max(index - 8, log.getStartIndex() - 1); i--) {
      try {
        LogEntryProto e = log.get(i);
        if (e == null || !e.hasMetadataEntry()) {
          return i;
        }
      } catch (RaftLogIOException unreadable) {
        return index;
      }
    }
    return index;
  }

  @Override
  public void resume() {
    sm.writeGate().open();
  }

  @Override
  public long elapsedMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Override
  public void pause(long ms) throws InterruptedException {
    Thread.sleep(ms);
  }

  /**
   * The target's own answer to "your status once you have applied the frontier's last command":
   * the Raft index and the LSN its state machine has applied. What a member has applied it holds
   * in its log, so the applied index stands for the replicated one too. The target holds the
   * question open until it applies that index (the first one is asked at the freeze), so a poll
   * is one round trip, not a loop of them, while writes are frozen. Held to the last command
   * (see {@link #lastCommandAtOrBefore}), the check does not wait for Ratis's metadata entries;
   * Ratis's transfer itself still waits until the target's log matches the leader's.
   */
  @Override
  public TargetProgress pollTarget() {
    if (asked == null) {
      asked = ask(frontier.raftIndex());
    }
    try {
      StateSummary s = asked.get(Math.max(1, deadlineMs - elapsedMs()), TimeUnit.MILLISECONDS);
      asked = null;
      return new TargetProgress(s.appliedIndex(), s.appliedIndex(), s.lastLsn());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return UNKNOWN;
    } catch (TimeoutException stillWaiting) {
      return UNKNOWN; // the deadline passed; the answer is no longer needed
    } catch (ExecutionException unreachable) {
      asked = null;
      return UNKNOWN;
    }
  }

  private static final TargetProgress UNKNOWN = new TargetProgress(-1, -1, -1);

  /** The longest the target holds one question open; the coordinator asks again after it. */
  static final long MAX_ASK_WAIT_MS = 1_000;

  /**
   * Asks the target for its status once it has applied {@code index}, on a thread of its own:
   * Ratis's blocking call gives each question a gRPC stream of its own, where its async stale
   * read queues it in the client's ordered window for that member, behind which a question held
   * open would hold back the next.
   */
  private CompletableFuture<StateSummary> ask(long index) {
    long maxWaitMs = Math.max(0, Math.min(MAX_ASK_WAIT_MS, deadlineMs - elapsedMs()));
    Message question = Message.valueOf(ByteString.copyFrom(QueryCodec.encode(new Query.StatusAfter(index, maxWaitMs))));
    RaftPeerId to = RaftPeerId.valueOf(target);
    return CompletableFuture.supplyAsync(() -> {
      try {
        return summary(probe, to, question);
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    }, r -> {
      Thread t = new Thread(r, "switchover-ask-" + target);
      t.setDaemon(true);
      t.start();
    });
  }

  private static final Message STATUS = Message.valueOf(ByteString.copyFrom(QueryCodec.encode(new Query.Status())));

  /** The last LSN member {@code id} has applied, read from its own state machine. */
  static long appliedLsn(RaftClient probe, RaftPeerId id) throws IOException {
    return summary(probe, id, STATUS).lastLsn();
  }

  private static StateSummary summary(RaftClient probe, RaftPeerId id, Message question) throws IOException {
    RaftClientReply r = probe.io().sendStaleRead(question, 0, id);
    if (!r.isSuccess()) {
      throw new IOException(id + " refused a status read: " + r.getException());
    }
    try {
      return QueryCodec.decodeSummary(r.getMessage().getContent().toByteArray());
    } catch (io.raftwal.command.MalformedCommandException e) {
      throw new IOException(id + " answered an unreadable status: " + e.getMessage(), e);
    }
  }

  @Override
  public Handover transferTo(long timeoutMs) {
    try {
      RaftClientReply r = transferLeadership(RaftPeerId.valueOf(target), timeoutMs);
      if (!r.isSuccess()) {
        return settleFailedTransfer(String.valueOf(r.getException()), timeoutMs);
      }
    } catch (IOException e) {
      return settleFailedTransfer(firstLine(e), timeoutMs);
    }
    return awaitLeader(List.of(target), timeoutMs);
  }

  private static final ClientId SELF_CLIENT = ClientId.randomId();
  private static final AtomicLong CALL_IDS = new AtomicLong();

  /**
   * Asks this member's own Raft server, in process, to hand its leadership to {@code newLeader}
   * (or, when null, to step down). Through a client it was a gRPC call to ourselves on a channel
   * built for each switchover, which cost 10-15 ms of connection setup while writes were frozen.
   */
  private RaftClientReply transferLeadership(RaftPeerId newLeader, long timeoutMs) throws IOException {
    TransferLeadershipRequest request = new TransferLeadershipRequest(SELF_CLIENT, division.getId(), groupId,
        CALL_IDS.incrementAndGet(), newLeader, timeoutMs);
    try {
      // Ratis completes the request itself at timeoutMs; the slack only guards against a lost reply.
      return division.getRaftServer().transferLeadershipAsync(request).get(timeoutMs + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while transferring leadership", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof IOException io ? io : new IOException(String.valueOf(c), c);
    } catch (TimeoutException e) {
      throw new IOException("no answer to the leadership transfer within " + (timeoutMs + 5_000) + " ms", e);
    }
  }

  /**
   * How long a transfer Ratis called failed is watched before the failure is believed: long
   * enough for a target that got StartLeaderElection to campaign and depose this leader.
   */
  static final long FAILED_TRANSFER_GRACE_MS = 1_000;

  /**
   * Ratis 3.2 can answer "failed" for a transfer that goes through: the timeout an earlier
   * transfer on this server scheduled completes whichever transfer is pending when it fires (the
   * handover benchmark saw TIMED_OUT(4.950s) 250 ms into a transfer, with the election already
   * under way), and a reply sent before this server has heard from the new leader names none. A
   * switchover that then reopened the gate here would report the old leader serving while
   * another member leads. So the failure stands only if this member still leads in the old term
   * a grace period later; otherwise the outcome is whoever the election chose.
   */
  private Handover settleFailedTransfer(String cause, long timeoutMs) {
    long graceEnd = elapsedMs() + FAILED_TRANSFER_GRACE_MS;
    while (division.getInfo().isLeader() && division.getInfo().getCurrentTerm() == oldTerm) {
      if (elapsedMs() >= graceEnd) {
        return new Handover(false, null, oldTerm, cause);
      }
      if (!sleepQuietly(10)) {
        return new Handover(false, null, oldTerm, cause);
      }
    }
    Handover elected = awaitLeader(members, timeoutMs);
    if (!elected.succeeded() || elected.newLeader().equals(target)) {
      return elected;
    }
    return new Handover(false, elected.newLeader(), elected.newTerm(),
        cause + "; the election that followed chose " + elected.newLeader());
  }

  @Override
  public Handover stepDown(long timeoutMs) {
    try {
      transferLeadership(null, timeoutMs);
    } catch (IOException e) {
      return new Handover(false, null, oldTerm, firstLine(e));
    }
    // An election after a step-down takes at least one election timeout (1-2 s here), however
    // little of the request's deadline is left.
    return awaitLeader(members, Math.max(timeoutMs, STEP_DOWN_ELECTION_WAIT_MS));
  }

  static final long STEP_DOWN_ELECTION_WAIT_MS = 15_000;

  /** Reads back which member leads in a term above the old one (the term is Raft's, not computed). */
  private Handover awaitLeader(List<String> candidates, long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(timeoutMs, 1000));
    while (System.nanoTime() < deadline) {
      for (String id : candidates) {
        try {
          RoleInfoProto role = probe.getGroupManagementApi(RaftPeerId.valueOf(id)).info(groupId).getRoleInfoProto();
          if (role.getRole() == RaftPeerRole.LEADER && role.getLeaderInfo().getTerm() > oldTerm) {
            sm.writeGate().open(); // this node follows now; if it is elected again it must take writes
            return new Handover(true, id, role.getLeaderInfo().getTerm(), "");
          }
        } catch (IOException | RuntimeException notYet) {
          // keep polling
        }
      }
      if (!sleepQuietly(10)) {
        break;
      }
    }
    return new Handover(false, null, oldTerm, "no member of " + candidates + " became leader in a term above "
        + oldTerm + " within " + timeoutMs + " ms");
  }

  /** Sleeps; false when interrupted (the flag is set again). */
  private static boolean sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    return e.getClass().getSimpleName() + ": " + m.lines().findFirst().orElse(m);
  }
}
