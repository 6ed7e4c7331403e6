package io.raftwal.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftwal.replication.StallPolicy.Follower;
import io.raftwal.replication.StallPolicy.Limits;
import io.raftwal.replication.StallPolicy.Remedy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StallPolicyTest {
  static final Limits LIMITS = new Limits(10_000, 2_000, 600_000);

  @Test
  void aFollowerThatAnswersProbesButNotTheLeaderMovesTheLeadershipToOneKeepingUp() {
    List<Follower> view = List.of(new Follower("n2", 12_000, true), new Follower("n3", 150, true));
    assertEquals(List.of("n2"), StallPolicy.suspects(view, LIMITS));
    assertEquals(Optional.of(new Remedy("n2", "n3", 12_000)), StallPolicy.decide(1_000_000, view, Map.of(), LIMITS));
  }

  @Test
  void aFollowerThatIsDownIsLeftToReconnect() {
    List<Follower> view = List.of(new Follower("n2", 60_000, false), new Follower("n3", 150, true));
    assertEquals(Optional.empty(), StallPolicy.decide(1_000_000, view, Map.of(), LIMITS));
  }

  @Test
  void aFollowerBelowTheStallThresholdIsNotASuspect() {
    List<Follower> view = List.of(new Follower("n2", 9_999, true), new Follower("n3", 150, true));
    assertEquals(List.of(), StallPolicy.suspects(view, LIMITS));
    assertEquals(Optional.empty(), StallPolicy.decide(1_000_000, view, Map.of(), LIMITS));
  }

  @Test
  void withoutAFollowerKeepingUpNothingIsHandedOver() {
    List<Follower> view = List.of(new Follower("n2", 12_000, true), new Follower("n3", 2_500, true));
    assertEquals(Optional.empty(), StallPolicy.decide(1_000_000, view, Map.of(), LIMITS));
  }

  @Test
  void afterActingForAFollowerTheNodeWaitsOutTheQuietPeriod() {
    List<Follower> view = List.of(new Follower("n2", 12_000, true), new Follower("n3", 150, true));
    assertEquals(Optional.empty(), StallPolicy.decide(1_000_000, view, Map.of("n2", 500_000L), LIMITS));
    assertEquals(Optional.of(new Remedy("n2", "n3", 12_000)),
        StallPolicy.decide(1_100_000, view, Map.of("n2", 500_000L), LIMITS));
  }

  @Test
  void theLongestStalledFollowerGoesFirstAndTheFreshestFollowerTakesOver() {
    List<Follower> view = List.of(new Follower("a", 11_000, true), new Follower("b", 30_000, true),
        new Follower("c", 900, true), new Follower("d", 40, true));
    assertEquals(Optional.of(new Remedy("b", "d", 30_000)), StallPolicy.decide(0, view, Map.of(), LIMITS));
  }

  @Test
  void limitsThatCannotTellAStallFromHealthAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Limits(1_000, 2_000, 0));
    assertEquals("stallMs (1000) must exceed healthyMs (2000)", e.getMessage());
  }
}
