package io.raftwal.journal;

import java.io.IOException;
import java.util.List;

/** Durable storage of journal events; the SQLite one is the real store, tests may wrap it. */
interface JournalStore extends AutoCloseable {
  /** Stores the events (sequence numbers already assigned) in one transaction. */
  void append(List<JournalEvent> events) throws IOException;

  /** The next sequence number to assign: never reused, across restarts and compactions. */
  long nextSeq() throws IOException;

  long count() throws IOException;

  /** Deletes events that are neither among the newest {@code keepNewest} nor newer than {@code keepSinceMs}. */
  int compact(long keepNewest, long keepSinceMs) throws IOException;

  @Override
  void close() throws IOException;
}
