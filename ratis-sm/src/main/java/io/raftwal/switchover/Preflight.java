package io.raftwal.switchover;

import java.util.Map;
import java.util.Optional;

/** Checks a switchover before anything is frozen. A refusal says why; nothing changes. */
public final class Preflight {

  /** A member as the leader sees it. */
  public record Member(String id, boolean voter, boolean reachable, boolean installingSnapshot, long appliedLsn) {}

  /**
   * @param leaderId           the leader (this node)
   * @param leaderLsn          the leader's last LSN
   * @param members            every member by id
   * @param confChangeInFlight whether a membership change is in progress
   */
  public record ClusterView(String leaderId, long leaderLsn, Map<String, Member> members, boolean confChangeInFlight) {}

  private Preflight() {}

  public static Optional<String> check(SwitchoverRequest r, ClusterView v) {
    Member target = v.members().get(r.target());
    if (target == null) {
      return Optional.of("unknown node '" + r.target() + "'; members are " + v.members().keySet());
    }
    if (r.target().equals(v.leaderId())) {
      return Optional.of("'" + r.target() + "' is already the leader");
    }
    if (!target.voter()) {
      return Optional.of("'" + r.target() + "' is not a voting member (a listener cannot lead)");
    }
    if (v.confChangeInFlight()) {
      return Optional.of("a membership change is in progress; retry when it completes");
    }
    if (!target.reachable()) {
      return Optional.of("'" + r.target() + "' does not answer; it cannot take over");
    }
    if (target.installingSnapshot()) {
      return Optional.of("'" + r.target() + "' is installing a snapshot; retry when it has caught up");
    }
    long lag = Math.max(0, v.leaderLsn() - target.appliedLsn());
    if (r.maxLagLsn() != null && lag > r.maxLagLsn()) {
      return Optional.of("'" + r.target() + "' is " + lag + " LSNs behind, more than maxLagLsn " + r.maxLagLsn());
    }
    return Optional.empty();
  }
}
