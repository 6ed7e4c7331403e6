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
  static final Limits LIMITS = new Limits(10_000, 2_000, 10_000, 600_000);
  /** A follower that has answered probes, silent to the leader, since long before any test's clock. */
  static final Map<String, Long> CONFIRMED = Map.of("n2", -1_000_000L, "a", -1_000_000L, "b", -1_000_000L);

  @Test
  void aFollowerThatAnswersProbesButNotTheLeaderMovesTheLeadershipToOneKeepingUp() {
    List<Follower> view = List.of(new Follower("n2", 12_000, true), new Follower("n3", 150, true));
    assertEquals(List.of("n2"), StallPolicy.suspects(view, LIMITS));
    assertEquals(Optional.of(new Remedy("n2", "n3", 12_000)), StallPolicy.decide(1_000_000, view, CONFIRMED, Map.of(), LIMITS));
  }

  @Test
  void aFollowerThatIsDownIsLeftToReconnect() {
    List<Follower> view = List.of(new Follower("n2", 60_000, false), new Follower("n3", 150, true));
    assertEquals(Optional.empty(), StallPolicy.decide(1_000_000, view, CONFIRMED, Map.of(), LIMITS));
  }

  @Test
  void aFollowerBelowTheStallThresholdIsNotASuspect() {
    List<Follower> view = List.of(new Follower("n2", 9_999, true), new Follower("n3", 150, true));
    assertEquals(List.of(), StallPolicy.suspects(view, LIMITS));
    assertEquals(Optional.empty(), StallPolicy.decide(1_000_000, view, CONFIRMED, Map.of(), LIMITS));
  }

  @Test
  void withoutAFollowerKeepingUpNothingIsHandedOver() {
    List<Follower> view = List.of(new Follower("n2", 12_000, true), new Follower("n3", 2_500, true));
    assertEquals(Optional.empty(), StallPolicy.decide(1_000_000, view, CONFIRMED, Map.of(), LIMITS));
  }

  @Test
  void afterActingForAFollowerTheNodeWaitsOutTheQuietPeriod() {
    List<Follower> view = List.of(new Follower("n2", 12_000, true), new Follower("n3", 150, true));
    assertEquals(Optional.empty(), StallPolicy.decide(1_000_000, view, CONFIRMED, Map.of("n2", 500_000L), LIMITS));
    assertEquals(Optional.of(new Remedy("n2", "n3", 12_000)),
        StallPolicy.decide(1_100_000, view, CONFIRMED, Map.of("n2", 500_000L), LIMITS));
  }

  @Test
  void theLongestStalledFollowerGoesFirstAndTheFreshestFollowerTakesOver() {
    List<Follower> view = List.of(new Follower("a", 11_000, true), new Follower("b", 30_000, true),
        new Follower("c", 900, true), new Follower("d", 40, true));
    assertEquals(Optional.of(new Remedy("b", "d", 30_000)), StallPolicy.decide(0, view, CONFIRMED, Map.of(), LIMITS));
  }

  @Test
  void limitsThatCannotTellAStallFromHealthAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Limits(1_000, 2_000, 0, 0));
    assertEquals("stallMs (1000) must exceed healthyMs (2000)", e.getMessage());
  }

  @Test
  void aFollowerComingBackFromAPauseIsNotMistakenForAStalledOne() {
    // n2 was paused 16 s; resumed, it answers the probe at once, and the leader's appends a moment later.
    List<Follower> resumed = List.of(new Follower("n2", 16_600, true), new Follower("n3", 150, true));
    Map<String, Long> since = StallPolicy.answeringSince(100_000, resumed, Map.of(), LIMITS);
    assertEquals(Map.of("n2", 100_000L), since);
    assertEquals(Optional.empty(), StallPolicy.decide(100_000, resumed, since, Map.of(), LIMITS));

    List<Follower> caughtUp = List.of(new Follower("n2", 40, true), new Follower("n3", 150, true));
    since = StallPolicy.answeringSince(102_000, caughtUp, since, LIMITS);
    assertEquals(Map.of(), since, "answering the leader again starts the count over");
    assertEquals(Optional.empty(), StallPolicy.decide(102_000, caughtUp, since, Map.of(), LIMITS));
  }

  @Test
  void aStallThatOutlastsTheConfirmationPeriodMovesTheLeadership() {
    Map<String, Long> since = Map.of();
    for (long now = 100_000, silent = 12_000; now < 110_000; now += 2_000, silent += 2_000) {
      List<Follower> view = List.of(new Follower("n2", silent, true), new Follower("n3", 150, true));
      since = StallPolicy.answeringSince(now, view, since, LIMITS);
      assertEquals(Optional.empty(), StallPolicy.decide(now, view, since, Map.of(), LIMITS), "still confirming at " + now);
    }
    List<Follower> view = List.of(new Follower("n2", 22_000, true), new Follower("n3", 150, true));
    since = StallPolicy.answeringSince(110_000, view, since, LIMITS);
    assertEquals(Optional.of(new Remedy("n2", "n3", 22_000)), StallPolicy.decide(110_000, view, since, Map.of(), LIMITS));
  }

  @Test
  void aSuspectThatStopsAnsweringProbesStartsItsConfirmationOver() {
    List<Follower> answering = List.of(new Follower("n2", 12_000, true), new Follower("n3", 150, true));
    List<Follower> down = List.of(new Follower("n2", 14_000, false), new Follower("n3", 150, true));
    Map<String, Long> since = StallPolicy.answeringSince(100_000, answering, Map.of(), LIMITS);
    since = StallPolicy.answeringSince(102_000, down, since, LIMITS);
    assertEquals(Map.of(), since);
    since = StallPolicy.answeringSince(110_000, answering, since, LIMITS);
    assertEquals(Optional.empty(), StallPolicy.decide(110_000, answering, since, Map.of(), LIMITS),
        "answering since 110 s, not since 100 s");
  }
}
