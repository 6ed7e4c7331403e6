package io.raftwal.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftWal;
import io.raftwal.embed.RaftWalConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
  @TempDir Path tmp;

  static final Journal.Options SMALL = new Journal.Options(Journal.Durability.IMMEDIATE, 1_000, 100_000, 50_000,
      Duration.ofDays(30));

  static JournalEvent ev(EventKind kind, int i) {
    return JournalEvent.of(kind, Outcome.ALLOWED, Actor.CLI, "event " + i, Map.of("i", i));
  }

  static List<JournalEvent> all(Path file) throws JournalException {
    return Journal.inspect(file, new Journal.Filter(null, 0, 100_000));
  }

  @Test
  void eventsRoundTripNewestFirstWithSecretsRedacted() throws Exception {
    Path file = tmp.resolve("journal.db");
    try (Journal j = Journal.open(file, SMALL)) {
      j.record(JournalEvent.of(EventKind.BACKUP_RUN, Outcome.REFUSED, Actor.ADMIN_API, "not the leader",
          Map.of("archivedLsn", 42, "adminToken", "s3cret", "endpointSecretKey", "abc", "leader", "n2")));
      j.record(ev(EventKind.SLOT_CREATED, 1));
      assertTrue(j.flush(Duration.ofSeconds(30)));
      assertEquals(2, j.written());
    }
    List<JournalEvent> events = all(file);
    assertEquals(2, events.size());
    assertEquals(2, events.get(0).seq(), "newest first");
    JournalEvent backup = events.get(1);
    assertEquals(1, backup.seq());
    assertEquals(EventKind.BACKUP_RUN, backup.kind());
    assertEquals(Outcome.REFUSED, backup.outcome());
    assertEquals(Actor.ADMIN_API, backup.actor());
    assertEquals("not the leader", backup.reason());
    assertEquals(42, backup.fields().get("archivedLsn"));
    assertEquals("n2", backup.fields().get("leader"));
    assertEquals(JournalEvent.REDACTED, backup.fields().get("adminToken"));
    assertEquals(JournalEvent.REDACTED, backup.fields().get("endpointSecretKey"));
    assertTrue(!new String(Files.readAllBytes(file)).contains("s3cret"), "the secret never reached the disk");
  }

  @Test
  void theKindFilterIsAppliedBeforeTheLimit() throws Exception {
    Path file = tmp.resolve("journal.db");
    try (Journal j = Journal.open(file, SMALL)) {
      for (int i = 0; i < 20; i++) {
        j.record(ev(i % 5 == 0 ? EventKind.SWITCHOVER_DONE : EventKind.LEADER_CHANGED, i));
      }
      j.flush(Duration.ofSeconds(30));
    }
    List<JournalEvent> got = Journal.inspect(file, new Journal.Filter(EventKind.SWITCHOVER_DONE, 0, 3));
    assertEquals(List.of(16L, 11L, 6L), got.stream().map(JournalEvent::seq).toList(),
        "the three newest switchovers, not the switchovers among the three newest events");
    assertEquals(List.of(20L, 19L), Journal.inspect(file, new Journal.Filter(null, 19, 10)).stream().map(JournalEvent::seq).toList());
  }

  @Test
  void sequenceNumbersSurviveRestartAndCompaction() throws Exception {
    Path file = tmp.resolve("journal.db");
    Journal.Options compacting = new Journal.Options(Journal.Durability.EVENTUAL, 1_000, 20, 10, Duration.ZERO);
    try (Journal j = Journal.open(file, compacting)) {
      for (int i = 0; i < 30; i++) {
        j.record(ev(EventKind.SLOT_CREATED, i));
        j.flush(Duration.ofSeconds(30)); // one batch each, so compaction runs as the count passes 20
      }
      assertTrue(j.lastCompactionMs() > 0);
    }
    List<JournalEvent> after = all(file);
    assertTrue(after.size() <= 20, "compacted: " + after.size());
    assertEquals(30, after.get(0).seq());
    try (Journal j = Journal.open(file, compacting)) {
      j.record(ev(EventKind.SLOT_DROPPED, 99));
      j.flush(Duration.ofSeconds(30));
    }
    assertEquals(31, all(file).get(0).seq(), "no number reused after a restart and a compaction");
  }

  @Test
  void compactionKeepsTheNewestAndTheRecent() throws Exception {
    long now = System.currentTimeMillis();
    try (SqliteJournalStore store = new SqliteJournalStore(tmp.resolve("j.db"), Journal.Durability.EVENTUAL)) {
      List<JournalEvent> batch = new ArrayList<>();
      long seq = 1;
      for (int i = 0; i < 10; i++) { // old, then recent, then old again (clock skew must not matter)
        batch.add(new JournalEvent(seq++, now - Duration.ofDays(40).toMillis(), EventKind.LEADER_CHANGED, Outcome.ALLOWED, Actor.RAFT, "", Map.of()));
      }
      for (int i = 0; i < 5; i++) {
        batch.add(new JournalEvent(seq++, now - Duration.ofDays(1).toMillis(), EventKind.LEADER_CHANGED, Outcome.ALLOWED, Actor.RAFT, "", Map.of()));
      }
      for (int i = 0; i < 5; i++) {
        batch.add(new JournalEvent(seq++, now - Duration.ofDays(40).toMillis(), EventKind.LEADER_CHANGED, Outcome.ALLOWED, Actor.RAFT, "", Map.of()));
      }
      store.append(batch);
      int removed = store.compact(3, now - Duration.ofDays(30).toMillis());
      assertEquals(10 + 2, removed, "old events outside the newest 3 go");
      List<Long> kept = store.query(null, 0, 100).stream().map(JournalEvent::seq).toList();
      assertEquals(List.of(20L, 19L, 18L, 15L, 14L, 13L, 12L, 11L), kept, "the newest 3 and every recent one stay");
    }
  }

  @Test
  void anotherProcessInspectsWhileTheNodeWrites() throws Exception {
    Path file = tmp.resolve("journal.db");
    try (Journal j = Journal.open(file, SMALL)) {
      j.record(ev(EventKind.NODE_STARTED, 0));
      j.flush(Duration.ofSeconds(30));
      CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
        for (int i = 1; i <= 2_000; i++) {
          j.record(ev(EventKind.SLOT_CREATED, i));
          if (i % 50 == 0) {
            try {
              j.flush(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      });
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), InspectMain.class.getName(),
          file.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.startsWith("events "), out);
      assertTrue(Long.parseLong(out.trim().split(" ")[1]) >= 1, out);
      writing.get(60, TimeUnit.SECONDS);
    }
  }

  /** Reads a journal from a separate process, as `raftwal journal inspect` does. */
  public static final class InspectMain {
    public static void main(String[] args) throws Exception {
      List<JournalEvent> e = Journal.inspect(Path.of(args[0]), new Journal.Filter(null, 0, 100_000));
      System.out.println("events " + e.size() + " newest " + (e.isEmpty() ? 0 : e.get(0).seq()));
    }
  }

  @Test
  void aCorruptJournalIsAClearErrorAndTheNodeStartsAFreshOneBesideIt() throws Exception {
    Path file = tmp.resolve("journal.db");
    Files.write(file, "this is not a database, just bytes that happen to be here".repeat(100).getBytes());
    JournalException e = assertThrows(JournalException.class, () -> all(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    JournalException missing = assertThrows(JournalException.class, () -> all(tmp.resolve("nope.db")));
    assertTrue(missing.getMessage().contains("no journal"), missing.getMessage());

    Path dir = tmp.resolve("node");
    Files.createDirectories(dir);
    Files.copy(file, dir.resolve("journal.db"));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RaftWalConfig cfg = RaftWalConfig.builder("n1", dir).peers(List.of(new Peer("n1", "127.0.0.1:" + port))).build();
    try (RaftWal wal = RaftWal.start(cfg, null)) {
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(wal::isLeader);
      assertEquals(1, wal.append(new byte[5]).join().lsn(), "the node serves");
      wal.journal().orElseThrow().flush(Duration.ofSeconds(30));
      assertTrue(all(dir.resolve("journal.db")).stream().anyMatch(x -> x.kind() == EventKind.NODE_STARTED));
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("journal.db.corrupt-")), "the bad file is kept");
    }
  }

  /** A store whose disk never answers until released. */
  static final class StalledStore implements JournalStore {
    final CountDownLatch release = new CountDownLatch(1);
    volatile int appended;

    @Override
    public void append(List<JournalEvent> events) {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      appended += events.size();
    }

    @Override
    public long nextSeq() {
      return 1;
    }

    @Override
    public long count() {
      return appended;
    }

    @Override
    public int compact(long keepNewest, long keepSinceMs) {
      return 0;
    }

    @Override
    public void close() {
      release.countDown();
    }
  }

  @Test
  void aStalledJournalDiskNeitherBlocksRecordingNorTheApplyPath() throws Exception {
    List<Peer> peers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        peers.add(new Peer("n" + i, "127.0.0.1:" + s.getLocalPort()));
      }
    }
    List<StalledStore> stores = new ArrayList<>();
    List<Journal> journals = new ArrayList<>();
    List<RaftWal> wals = new ArrayList<>();
    try {
      for (Peer p : peers) {
        StalledStore store = new StalledStore();
        stores.add(store);
        Journal j = new Journal(store, new Journal.Options(Journal.Durability.IMMEDIATE, 50, 100_000, 10, Duration.ZERO),
            Clock.systemUTC());
        journals.add(j);
        wals.add(RaftWal.start(RaftWalConfig.builder(p.id(), tmp.resolve(p.id())).peers(peers).snapshotThreshold(200)
            .build(), null, j));
      }
      // Every node's journal disk is stuck; slot changes, snapshots and a leader change all emit events.
      RaftWal via = wals.get(0);
      via.createSlot("s1").join();
      List<CompletableFuture<?>> acks = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        acks.add(via.append(("r" + i).getBytes()));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      via.dropSlot("s1").join();
      for (int i = 0; i < 500; i++) { // more than the queue holds: recording drops, it never waits
        journals.get(0).record(ev(EventKind.SNAPSHOT_TAKEN, i));
      }
      assertTrue(journals.get(0).dropped() > 0, "a full queue drops instead of blocking");
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> wals.stream().allMatch(w -> w.stateMachine().lastLsn() == 2_000));
    } finally {
      stores.forEach(StalledStore::close);
      for (RaftWal w : wals) {
        w.close();
      }
      for (Journal j : journals) {
        j.close();
      }
    }
  }
}
