package io.raftwal.journal;

/** Where the rest of the system reports control events. Never blocks. */
@FunctionalInterface
public interface EventSink {
  void record(JournalEvent event);

  EventSink NONE = e -> {};
}
