package io.raftwal.replication;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides when a leader must hand its leadership away because it has stopped replicating to a
 * follower that is up. Ratis 3.2 can lose the log appender of one follower for good: when the
 * follower's reply moves its next index below the leader's purged log between the appender's
 * "install a snapshot?" check and its read of the entries (a follower rejoining after the
 * leader purged past it), the read fails, the appender thread dies, and its restart is skipped
 * because the appender is no longer in a running state. The leader then never sends to that
 * follower again: the cluster runs one replica short, silently, until the leadership moves. A
 * new leader starts fresh appenders, so the remedy is a leadership transfer to a follower that
 * is keeping up.
 *
 * <p>A follower that comes back from an absence (a restart, a long pause, a healed partition)
 * answers a direct probe before its first reply to the leader's appends arrives, so for a moment it
 * looks exactly like a stalled one. Only a stall that outlasts a confirmation period, with the
 * follower answering probes all along, moves the leadership: a returning follower answers the
 * leader within seconds, a follower whose appender died never does.
 *
 * <p>Plain functions of what the leader sees, with the time passed in; no thread or socket.
 */
final class StallPolicy {
  /** A follower as the leader sees it. */
  record Follower(String id, long msSinceLastResponse, boolean answersProbe) {}

  /** Hand the leadership to {@code transferTo} so that a new leader replicates to {@code stalled}. */
  record Remedy(String stalled, String transferTo, long silentMs) {}

  /**
   * @param stallMs   how long a follower that answers a direct probe may go without answering the
   *                  leader's appends before its replication counts as stalled (well above the
   *                  heartbeat interval and a snapshot chunk's round trip)
   * @param healthyMs a transfer target must have answered the leader this recently
   * @param confirmMs how long a suspect must go on answering probes, and stay silent to the leader,
   *                  before its stall counts (a returning follower answers the leader well within it)
   * @param quietMs   after acting for a follower, this node leaves it alone this long, so a
   *                  follower stalled for another reason (a wedged disk) moves the leadership at
   *                  most once per node and period, not back and forth
   */
  record Limits(long stallMs, long healthyMs, long confirmMs, long quietMs) {
    Limits {
      if (stallMs <= healthyMs) {
        throw new IllegalArgumentException("stallMs (" + stallMs + ") must exceed healthyMs (" + healthyMs + ")");
      }
      if (confirmMs < 0) {
        throw new IllegalArgumentException("confirmMs (" + confirmMs + ") must not be negative");
      }
    }

    static Limits defaults() {
      return new Limits(10_000, 2_000, 10_000, 600_000);
    }
  }

  private StallPolicy() {}

  /** Followers whose silence warrants a direct probe (the probe decides whether they are up). */
  static List<String> suspects(List<Follower> followers, Limits limits) {
    return followers.stream().filter(f -> f.msSinceLastResponse() >= limits.stallMs()).map(Follower::id).toList();
  }

  /**
   * Since when each follower has been silent to the leader while answering probes, carried over
   * from the previous check: a follower that answers the leader again, or stops answering probes,
   * starts over.
   *
   * @param before the answer of the previous check (empty at first)
   */
  static Map<String, Long> answeringSince(long nowMs, List<Follower> followers, Map<String, Long> before,
      Limits limits) {
    Map<String, Long> since = new HashMap<>();
    for (Follower f : followers) {
      if (f.answersProbe() && f.msSinceLastResponse() >= limits.stallMs()) {
        since.put(f.id(), before.getOrDefault(f.id(), nowMs));
      }
    }
    return since;
  }

  /**
   * The remedy for the longest-stalled follower that has answered probes for the confirmation
   * period, if another follower is keeping up and this node has not acted for the stalled one
   * within the quiet period.
   *
   * @param answeringSinceMs from {@link #answeringSince}, including this check's view
   * @param lastActedMs      when this node last acted for each follower (absent: never)
   */
  static Optional<Remedy> decide(long nowMs, List<Follower> followers, Map<String, Long> answeringSinceMs,
      Map<String, Long> lastActedMs, Limits limits) {
    Optional<Follower> target = followers.stream()
        .filter(f -> f.msSinceLastResponse() <= limits.healthyMs())
        .min(Comparator.comparingLong(Follower::msSinceLastResponse));
    if (target.isEmpty()) {
      return Optional.empty(); // handing over to a member that is not keeping up would cost a quorum
    }
    return followers.stream()
        .filter(f -> f.answersProbe() && f.msSinceLastResponse() >= limits.stallMs())
        .filter(f -> {
          Long since = answeringSinceMs.get(f.id());
          return since != null && nowMs - since >= limits.confirmMs();
        })
        .filter(f -> {
          Long acted = lastActedMs.get(f.id());
          return acted == null || nowMs - acted >= limits.quietMs();
        })
        .max(Comparator.comparingLong(Follower::msSinceLastResponse))
        .map(f -> new Remedy(f.id(), target.get().id(), f.msSinceLastResponse()));
  }
}
