package io.raftwal.cli;

import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftSettings;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/**
 * Asks each member for its Raft view (role, term, applied / committed / last index, snapshot)
 * with a client that never retries, so a dead member answers "unreachable" at once.
 */
public final class ClusterProbe implements Closeable {
  /** One member's Raft view; {@code error} is set when it did not answer. */
  public record Member(String id, String role, long term, long appliedIndex, long commitIndex, long lastEntryIndex,
      long snapshotIndex, String leaderId, String error) {
    public boolean reachable() {
      return error == null;
    }

    public boolean leader() {
      return "LEADER".equals(role);
    }
  }

  private final RaftClient client;
  private final RaftGroup group;
  private final List<Peer> peers;

  public ClusterProbe(List<Peer> peers, UUID groupId) {
    this.peers = peers;
    this.group = RaftSettings.group(peers, groupId);
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    this.client = RaftClient.newBuilder().setProperties(p).setRaftGroup(group)
        .setRetryPolicy(RetryPolicies.noRetry()).build();
  }

  public Member probe(String id) {
    try {
      GroupInfoReply r = client.getGroupManagementApi(RaftPeerId.valueOf(id)).info(group.getGroupId());
      RoleInfoProto role = r.getRoleInfoProto();
      LogInfoProto log = r.getLogInfoProto();
      long term = log.hasLastEntry() ? log.getLastEntry().getTerm() : 0;
      String leader = null;
      if (role.getRole() == RaftPeerRole.LEADER) {
        leader = id;
        term = Math.max(term, role.getLeaderInfo().getTerm());
      } else if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()) {
        leader = role.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8();
      }
      return new Member(id, role.getRole().name(), term, log.getApplied().getIndex(), log.getCommitted().getIndex(),
          log.getLastEntry().getIndex(), log.hasLastSnapshot() ? log.getLastSnapshot().getIndex() : -1,
          leader == null || leader.isEmpty() ? null : leader, null);
    } catch (IOException | RuntimeException e) {
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return new Member(id, "UNREACHABLE", -1, -1, -1, -1, -1, null, msg.lines().findFirst().orElse(msg));
    }
  }

  public List<Member> probeAll() {
    List<Member> out = new ArrayList<>();
    for (Peer p : peers) {
      out.add(probe(p.id()));
    }
    return out;
  }

  /** The member that says it is leader, if one does. */
  public Optional<String> leader() {
    return probeAll().stream().filter(Member::leader).map(Member::id).findFirst();
  }

  /** Polls until a member is leader, or {@code timeoutMs} passes. */
  public Optional<String> awaitLeader(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (System.nanoTime() < deadline) {
      Optional<String> l = leader();
      if (l.isPresent()) {
        return l;
      }
      Thread.sleep(200);
    }
    return Optional.empty();
  }

  @Override
  public void close() throws IOException {
    client.close();
  }
}
