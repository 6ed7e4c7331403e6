package io.raftwal.journal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The control-event journal: an append-only record of what the node and the cluster did, in an
 * embedded SQLite database beside the node's data. {@link #record} never blocks: events are
 * queued and written by the journal's own thread in batches; when the queue is full the oldest
 * event of the lowest-priority kind is dropped and counted. Sequence numbers never repeat, across
 * restarts and compactions. {@link #inspect} reads a journal file, live or offline, newest first.
 */
public final class Journal implements EventSink, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);

  /** {@code IMMEDIATE}: each batch is fsynced before it counts as written; {@code EVENTUAL}: the OS decides. */
  public enum Durability { IMMEDIATE, EVENTUAL }

  /**
   * @param queueCapacity        events held in memory before the lowest-priority ones are dropped
   * @param compactionThreshold  compact once the journal holds more events than this
   * @param keepNewest           compaction keeps at least this many of the newest events
   * @param keepRecent           compaction keeps every event younger than this
   */
  public record Options(Durability durability, int queueCapacity, long compactionThreshold, long keepNewest,
      Duration keepRecent) {
    public Options {
      if (queueCapacity < 1 || compactionThreshold < 1 || keepNewest < 0 || keepRecent.isNegative()) {
        throw new IllegalArgumentException("journal options must be positive: queueCapacity=" + queueCapacity
            + " compactionThreshold=" + compactionThreshold + " keepNewest=" + keepNewest + " keepRecent=" + keepRecent);
      }
    }

    /** IMMEDIATE, 10,000 queued, compaction past 100,000 keeping the newest 50,000 and the last 30 days. */
    public static Options defaults() {
      return new Options(Durability.IMMEDIATE, 10_000, 100_000, 50_000, Duration.ofDays(30));
    }
  }

  /** What {@link #inspect} returns. */
  public record Filter(EventKind kind, long sinceSeq, int limit) {
    public Filter {
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be positive, got " + limit);
      }
      if (sinceSeq < 0) {
        throw new IllegalArgumentException("sinceSeq must not be negative, got " + sinceSeq);
      }
    }
  }

  private final JournalStore store;
  private final Options options;
  private final Clock clock;
  private final EventQueue queue;
  private final Thread writer;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong lastCompactionMs = new AtomicLong();
  private long nextSeq;
  private boolean closing;
  private int inFlight;

  Journal(JournalStore store, Options options, Clock clock) throws IOException {
    this.store = store;
    this.options = options;
    this.clock = clock;
    this.queue = new EventQueue(options.queueCapacity());
    this.nextSeq = store.nextSeq();
    this.writer = new Thread(this::writeLoop, "raftwal-journal");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Opens the journal at {@code file}. A damaged file is moved aside (kept, renamed
   * {@code <file>.corrupt-<time>}) and a fresh journal started, so the node keeps serving.
   */
  public static Journal open(Path file, Options options) throws IOException {
    SqliteJournalStore store;
    try {
      store = new SqliteJournalStore(file, options.durability());
    } catch (JournalException e) {
      Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + System.currentTimeMillis());
      LOG.warn("{}; keeping it as {} and starting a fresh journal", e.getMessage(), aside);
      Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      for (String suffix : new String[] {"-wal", "-shm"}) {
        Path side = file.resolveSibling(file.getFileName() + suffix);
        if (Files.exists(side)) {
          Files.move(side, aside.resolveSibling(aside.getFileName() + suffix), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      store = new SqliteJournalStore(file, options.durability());
    }
    return new Journal(store, options, Clock.systemUTC());
  }

  @Override
  public void record(JournalEvent event) {
    synchronized (queue) {
      if (closing) {
        return;
      }
      if (!queue.offer(event)) {
        dropped.incrementAndGet();
      }
      queue.notifyAll();
    }
  }

  private void writeLoop() {
    while (true) {
      List<JournalEvent> batch = new ArrayList<>();
      synchronized (queue) {
        while (queue.isEmpty() && !closing) {
          try {
            queue.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (queue.isEmpty()) {
          return;
        }
        for (JournalEvent e : queue.poll(512)) {
          batch.add(e.withSeq(nextSeq++));
        }
        inFlight = batch.size();
      }
      try {
        store.append(batch);
        written.addAndGet(batch.size());
        maybeCompact();
      } catch (IOException | RuntimeException e) {
        failed.addAndGet(batch.size());
        synchronized (queue) {
          nextSeq -= batch.size(); // nothing was stored: the numbers are free again
        }
        LOG.warn("journal: {} event(s) not written: {}", batch.size(), e.toString());
      } finally {
        synchronized (queue) {
          inFlight = 0;
          queue.notifyAll();
        }
      }
    }
  }

  private void maybeCompact() throws IOException {
    if (store.count() <= options.compactionThreshold()) {
      return;
    }
    long now = clock.millis();
    int removed = store.compact(options.keepNewest(), now - options.keepRecent().toMillis());
    lastCompactionMs.set(now);
    LOG.info("journal compacted: {} old event(s) removed", removed);
  }

  /** Waits until everything recorded so far is written (or failed), at most {@code timeout}. */
  public boolean flush(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (queue) {
      while (!queue.isEmpty() || inFlight > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        queue.wait(Math.max(1, left / 1_000_000));
      }
    }
    return true;
  }

  public long written() {
    return written.get();
  }

  public long dropped() {
    return dropped.get();
  }

  public long failed() {
    return failed.get();
  }

  /** When compaction last ran (ms since the epoch), 0 if never. */
  public long lastCompactionMs() {
    return lastCompactionMs.get();
  }

  /** This journal's own events, newest first (for the admin API). */
  public List<JournalEvent> query(Filter f) throws IOException {
    if (store instanceof SqliteJournalStore s) {
      return s.query(f.kind(), f.sinceSeq(), f.limit());
    }
    throw new IOException("this journal's store cannot be queried");
  }

  /** Writes what is queued (bounded), then stops the writer and closes the store. */
  @Override
  public void close() throws IOException {
    try {
      flush(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (queue) {
      closing = true;
      queue.notifyAll();
    }
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    store.close();
  }

  /**
   * Reads a journal file, newest first, filter before limit; works while a node writes to it.
   *
   * @throws JournalException when the file is missing or is not a raftwal journal
   */
  public static List<JournalEvent> inspect(Path file, Filter filter) throws JournalException {
    if (!Files.isRegularFile(file)) {
      throw new JournalException("no journal at " + file + " (a node keeps it at <data dir>/journal.db)", null);
    }
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setReadOnly(true);
    cfg.setBusyTimeout(5_000);
    try (Connection c = cfg.createConnection("jdbc:sqlite:" + file.toAbsolutePath())) {
      SqliteJournalStore.meta(c, "schema_version", file);
      return SqliteJournalStore.query(c, filter.kind(), filter.sinceSeq(), filter.limit());
    } catch (JournalException e) {
      throw e;
    } catch (SQLException | IOException | RuntimeException e) {
      throw new JournalException(file + " is not a readable raftwal journal: " + e.getMessage(), e);
    }
  }
}
