package io.raftwal.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventQueueTest {
  static JournalEvent ev(EventKind kind, String reason) {
    return JournalEvent.of(kind, Outcome.ALLOWED, Actor.NODE, reason, Map.of());
  }

  static List<String> reasons(List<JournalEvent> events) {
    return events.stream().map(JournalEvent::reason).toList();
  }

  @Test
  void eventsLeaveInTheOrderTheyCameWhateverTheirPriority() {
    EventQueue q = new EventQueue(10);
    q.offer(ev(EventKind.SNAPSHOT_TAKEN, "a"));
    q.offer(ev(EventKind.SWITCHOVER_DONE, "b"));
    q.offer(ev(EventKind.LEADER_CHANGED, "c"));
    q.offer(ev(EventKind.SNAPSHOT_TAKEN, "d"));
    assertEquals(List.of("a", "b"), reasons(q.poll(2)));
    assertEquals(List.of("c", "d"), reasons(q.poll(10)));
    assertTrue(q.isEmpty());
  }

  @Test
  void aFullQueueDropsTheOldestEventOfTheLowestPriority() {
    EventQueue q = new EventQueue(3);
    q.offer(ev(EventKind.LEADER_CHANGED, "leader-1"));
    q.offer(ev(EventKind.SNAPSHOT_TAKEN, "snap-1"));
    q.offer(ev(EventKind.SNAPSHOT_TAKEN, "snap-2"));
    assertFalse(q.offer(ev(EventKind.BACKUP_RUN, "backup")), "full: something was dropped");
    assertEquals(3, q.size());
    assertEquals(List.of("leader-1", "snap-2", "backup"), reasons(q.poll(10)), "the oldest snapshot went");
  }

  @Test
  void aNewcomerOfTheLowestPriorityPushesOutTheOldestOfItsKind() {
    EventQueue q = new EventQueue(2);
    q.offer(ev(EventKind.SNAPSHOT_TAKEN, "snap-1"));
    q.offer(ev(EventKind.SNAPSHOT_TAKEN, "snap-2"));
    assertFalse(q.offer(ev(EventKind.SNAPSHOT_TAKEN, "snap-3")));
    assertEquals(List.of("snap-2", "snap-3"), reasons(q.poll(10)));
  }

  @Test
  void aRoutineEventNeverPushesOutOneThatMattersMore() {
    EventQueue q = new EventQueue(2);
    q.offer(ev(EventKind.SWITCHOVER_STARTED, "started"));
    q.offer(ev(EventKind.SWITCHOVER_DONE, "done"));
    assertFalse(q.offer(ev(EventKind.SNAPSHOT_TAKEN, "snap")), "the newcomer is the one dropped");
    assertEquals(List.of("started", "done"), reasons(q.poll(10)));
  }
}
