package io.raftwal.journal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The journal's bounded in-memory queue. Not thread-safe: the journal guards it. Full, it drops
 * the oldest event of the lowest priority present (the incoming one only when it is lower than
 * everything queued), in constant time: it sits on the Raft apply path, which must not slow
 * down however far behind the journal's disk is. Events leave in the order they came.
 */
final class EventQueue {
  private record Queued(long order, JournalEvent event) {}

  private final int capacity;
  private final ArrayDeque<Queued>[] byPriority;
  private long nextOrder;
  private int size;

  @SuppressWarnings("unchecked")
  EventQueue(int capacity) {
    this.capacity = capacity;
    int levels = 0;
    for (EventKind k : EventKind.values()) {
      levels = Math.max(levels, k.priority() + 1);
    }
    byPriority = new ArrayDeque[levels];
    for (int p = 0; p < levels; p++) {
      byPriority[p] = new ArrayDeque<>();
    }
  }

  /** Adds {@code e}; returns false when the queue was full and one event (maybe {@code e}) was dropped. */
  boolean offer(JournalEvent e) {
    int priority = e.kind().priority();
    boolean kept = true;
    if (size >= capacity) {
      kept = false;
      int lowest = lowestNonEmpty();
      if (lowest > priority) {
        return false; // everything queued matters more than the newcomer
      }
      byPriority[lowest].pollFirst();
      size--;
    }
    byPriority[priority].addLast(new Queued(nextOrder++, e));
    size++;
    return kept;
  }

  /** Removes up to {@code max} events, oldest first. */
  List<JournalEvent> poll(int max) {
    List<JournalEvent> out = new ArrayList<>(Math.min(max, size));
    while (out.size() < max && size > 0) {
      ArrayDeque<Queued> oldest = null;
      for (ArrayDeque<Queued> q : byPriority) {
        if (!q.isEmpty() && (oldest == null || q.peekFirst().order() < oldest.peekFirst().order())) {
          oldest = q;
        }
      }
      out.add(oldest.pollFirst().event());
      size--;
    }
    return out;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  private int lowestNonEmpty() {
    for (int p = 0; p < byPriority.length; p++) {
      if (!byPriority[p].isEmpty()) {
        return p;
      }
    }
    throw new IllegalStateException("a full queue has an event");
  }
}
