package io.raftwal.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.backend.Backend;
import io.raftwal.backend.LocalFsBackend;
import io.raftwal.backend.S3Server;
import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftWal;
import io.raftwal.embed.RaftWalConfig;
import io.raftwal.journal.Actor;
import io.raftwal.journal.EventSink;
import io.raftwal.spool.Spool;
import io.raftwal.spool.SpoolOptions;
import io.raftwal.spool.SpoolRecord;
import io.raftwal.statemachine.StateMachineOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupRestoreTest {
  @TempDir Path tmp;

  /** Three real nodes in this JVM with archiving on (unarchived WAL is retained). */
  final class Cluster implements AutoCloseable {
    final List<Peer> peers = new ArrayList<>();
    final Map<String, RaftWal> running = new LinkedHashMap<>();

    Cluster() throws IOException {
      for (int i = 1; i <= 3; i++) {
        try (ServerSocket s = new ServerSocket(0)) {
          peers.add(new Peer("n" + i, "127.0.0.1:" + s.getLocalPort()));
        }
      }
      for (Peer p : peers) {
        start(p.id());
      }
    }

    void start(String id) throws IOException {
      running.put(id, RaftWal.start(RaftWalConfig.builder(id, tmp.resolve("cluster").resolve(id)).peers(peers)
          .snapshotThreshold(150).stateMachine(StateMachineOptions.defaults().withArchiving(true)).build(), null));
    }

    RaftWal leader() {
      RaftWal[] l = new RaftWal[1];
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
        l[0] = running.values().stream().filter(RaftWal::isLeader).findFirst().orElse(null);
        return l[0] != null;
      });
      return l[0];
    }

    void append(int from, int n) {
      List<CompletableFuture<?>> acks = new ArrayList<>();
      RaftWal via = running.values().iterator().next();
      for (int i = from; i < from + n; i++) {
        acks.add(via.client().append(List.of(("record-" + i).getBytes())));
      }
      acks.forEach(CompletableFuture::join);
    }

    List<SpoolRecord> records(long fromExclusive) throws IOException {
      RaftWal w = leader();
      return w.readSince(fromExclusive, Integer.MAX_VALUE);
    }

    @Override
    public void close() throws IOException {
      for (RaftWal w : running.values()) {
        w.close();
      }
    }
  }

  BackupService service(RaftWal leader, Backend b) throws IOException {
    return new BackupService(leader.server().getDivision(leader.server().getGroupIds().iterator().next()),
        leader.stateMachine(), leader.client(), b, EventSink.NONE);
  }

  static List<SpoolRecord> restoredRecords(Path dataDir) throws IOException {
    try (Spool s = Spool.open(dataDir.resolve("spool"), SpoolOptions.defaults().withSync(0, 0))) {
      return s.readSince(s.oldestLsn() - 1, Integer.MAX_VALUE);
    }
  }

  /** Writes, backs up twice, verifies and restores (latest and mid-segment); returns the cluster's records. */
  List<SpoolRecord> backupAndRestore(Backend b) throws Exception {
    try (Cluster c = new Cluster()) {
      c.append(0, 300);
      // read before the backups: archiving lets the cluster prune what is archived and snapshotted
      List<SpoolRecord> all = new ArrayList<>(c.records(0));
      BackupResult first = service(c.leader(), b).run(Actor.CLI);
      assertTrue(first.ok(), first.reason());
      assertEquals(300, first.archivedLsn());
      c.append(300, 200);
      all.addAll(c.records(300));
      BackupResult second = service(c.leader(), b).run(Actor.CLI);
      assertTrue(second.ok(), second.reason());
      assertEquals(500, second.archivedLsn());
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> c.running.values().stream().allMatch(w -> w.stateMachine().archivedLsn() == 500));
      ChainVerifier.Report r = ChainVerifier.verify(b);
      assertTrue(r.ok(), String.join("\n", r.problems()));
      assertEquals(2, r.segments().size());
      assertEquals(500, all.size());
      for (String snapshot : snapshotObjects(b)) {
        assertEquals(List.of("state.bin"), archiveEntries(b, snapshot),
            snapshot + ": the chain starts at LSN 1, so the snapshot carries no records of its own");
      }

      Restorer.Result latest = Restorer.restore(b, Restorer.Target.latest(), tmp.resolve("restored-latest"), false);
      assertEquals(500, latest.lastLsn());
      assertEquals(all, restoredRecords(tmp.resolve("restored-latest")), "byte for byte");
      Restorer.Result mid = Restorer.restore(b, new Restorer.Target(420L, null), tmp.resolve("restored-420"), false);
      assertEquals(420, mid.lastLsn());
      assertEquals(all.subList(0, 420), restoredRecords(tmp.resolve("restored-420")));
      IOException notEmpty = assertThrows(IOException.class,
          () -> Restorer.restore(b, Restorer.Target.latest(), tmp.resolve("restored-420"), false));
      assertTrue(notEmpty.getMessage().contains("not empty"), notEmpty.getMessage());
      return all;
    }
  }

  @Test
  void backupAndPointInTimeRestoreOnTheFilesystem() throws Exception {
    try (LocalFsBackend b = new LocalFsBackend(tmp.resolve("backups"))) {
      backupAndRestore(b);
    }
    // a new single-node group starts from the restored directory and continues the LSNs
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RaftWalConfig cfg = RaftWalConfig.builder("r1", tmp.resolve("restored-420"))
        .peers(List.of(new Peer("r1", "127.0.0.1:" + port))).build();
    try (RaftWal w = RaftWal.start(cfg, null)) {
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(w::isLeader);
      assertEquals(421, w.append("after restore".getBytes()).join().lsn());
      assertEquals(421, w.readSince(0, 10_000).size());
    }
  }

  static List<String> snapshotObjects(Backend b) throws IOException {
    return b.list(Manifests.SNAPSHOT_PREFIX).stream().filter(k -> k.endsWith(".snapshot")).toList();
  }

  static List<String> archiveEntries(Backend b, String key) throws IOException {
    List<String> names = new ArrayList<>();
    try (java.io.InputStream in = b.openStream(key)) {
      Artifacts.readSnapshot(in, key, (name, size, body) -> names.add(name));
    }
    return names;
  }

  @Test
  void aBackupIntoANewBackendCarriesTheRecordsBeforeItsChainInTheSnapshot() throws Exception {
    try (Cluster c = new Cluster(); LocalFsBackend first = new LocalFsBackend(tmp.resolve("first"));
         LocalFsBackend second = new LocalFsBackend(tmp.resolve("second"))) {
      c.append(0, 300);
      List<SpoolRecord> all = new ArrayList<>(c.records(0));
      assertTrue(service(c.leader(), first).run(Actor.CLI).ok());
      c.append(300, 200);
      all.addAll(c.records(300));
      BackupResult r = service(c.leader(), second).run(Actor.CLI);
      assertTrue(r.ok(), r.reason());
      ChainVerifier.Report report = ChainVerifier.verify(second);
      assertTrue(report.ok(), String.join("\n", report.problems()));
      assertEquals(301, report.segments().get(0).lsnStart(), "this backend's chain starts after what the first holds");
      List<String> entries = archiveEntries(second, snapshotObjects(second).get(0));
      assertTrue(entries.size() > 1, "the snapshot carries the segments from before the chain: " + entries);
      for (String e : entries.subList(1, entries.size())) {
        long firstLsn = Spool.segmentFirstLsn(Path.of(e));
        assertTrue(firstLsn < 301, e + " starts inside the chain");
      }
      Restorer.restore(second, Restorer.Target.latest(), tmp.resolve("restored"), false);
      List<SpoolRecord> restored = restoredRecords(tmp.resolve("restored"));
      long from = restored.get(0).lsn();
      assertTrue(from < 301, "records before the chain came from the snapshot, first LSN " + from);
      assertEquals(all.subList((int) from - 1, 500), restored);
    }
  }

  @Test
  void backupAndPointInTimeRestoreOnS3() throws Exception {
    try (S3Server server = new S3Server(tmp.resolve("s3")); Backend b = server.backend("cluster-a")) {
      backupAndRestore(b);
    }
  }

  static String sha256(Path file) throws IOException {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  interface Attack {
    void apply(Path root) throws IOException;
  }

  @Test
  void everyChainAttackIsRefusedByVerifyAndRestoreWithTheNamedProblem() throws Exception {
    Path good = tmp.resolve("good");
    try (LocalFsBackend b = new LocalFsBackend(good)) {
      try (Cluster c = new Cluster()) {
        RaftWal leader = c.leader();
        for (int round = 0; round < 3; round++) {
          c.append(round * 100, 100);
          assertTrue(service(leader, b).run(Actor.CLI).ok());
        }
      }
    }
    List<String> segs;
    try (Stream<Path> s = Files.list(good.resolve("wal"))) {
      segs = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wal")).sorted().toList();
    }
    assertEquals(3, segs.size());
    String s1 = "wal/" + segs.get(0);
    String s2 = "wal/" + segs.get(1);
    String s3 = "wal/" + segs.get(2);
    Map<String, Attack> attacks = new LinkedHashMap<>();
    attacks.put(s2 + ": missing", root -> Files.delete(root.resolve(s2)));
    attacks.put(s1 + ": sha256 expected", root -> { // two segments swapped
      Path t = root.resolve("swap");
      Files.move(root.resolve(s1), t);
      Files.move(root.resolve(s2), root.resolve(s1));
      Files.move(t, root.resolve(s2));
    });
    attacks.put(s3 + ": sha256 expected", root -> { // truncated
      byte[] b = Files.readAllBytes(root.resolve(s3));
      Files.write(root.resolve(s3), java.util.Arrays.copyOf(b, b.length - 10));
    });
    attacks.put(s2 + ": sha256 expected ", root -> { // one byte flipped
      byte[] b = Files.readAllBytes(root.resolve(s2));
      b[b.length / 2] ^= 1;
      Files.write(root.resolve(s2), b);
    });
    attacks.put(s3 + ": prev_hash expected", root -> { // tampered segment with a sidecar rewritten to match
      byte[] b = Files.readAllBytes(root.resolve(s2));
      b[b.length / 2] ^= 1;
      Files.write(root.resolve(s2), b);
      Path side = root.resolve(s2 + Manifests.SIDECAR);
      var m = Manifests.read(Files.readAllBytes(side), Manifests.WalSegmentManifest.class, s2);
      Files.write(side, Manifests.write(new Manifests.WalSegmentManifest(m.key(), m.lsnStart(), m.lsnEnd(), m.sizeBytes(),
          m.createdAt(), sha256(root.resolve(s2)), m.prevHash())));
    });
    attacks.put(".snapshot: sha256 expected", root -> { // a snapshot replaced
      try (Stream<Path> s = Files.list(root.resolve("snapshots"))) {
        Path snap = s.filter(p -> p.toString().endsWith(".snapshot")).findFirst().orElseThrow();
        byte[] b = Files.readAllBytes(snap);
        b[b.length - 1] ^= 1;
        Files.write(snap, b);
      }
    });
    attacks.put("(a gap)", root -> { // a segment and its manifest gone: a hole in the LSNs
      Files.delete(root.resolve(s2));
      Files.delete(root.resolve(s2 + Manifests.SIDECAR));
    });
    int n = 0;
    for (Map.Entry<String, Attack> a : attacks.entrySet()) {
      Path root = tmp.resolve("attack-" + n++);
      copyTree(good, root);
      a.getValue().apply(root);
      try (LocalFsBackend b = new LocalFsBackend(root)) {
        ChainVerifier.Report r = ChainVerifier.verify(b);
        assertTrue(r.problems().stream().anyMatch(p -> p.contains(a.getKey().trim())),
            a.getKey() + " not reported; problems: " + r.problems());
        IOException e = assertThrows(IOException.class,
            () -> Restorer.restore(b, Restorer.Target.latest(), tmp.resolve("r-" + root.getFileName()), false));
        assertTrue(e.getMessage().contains(a.getKey().trim()), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("r-" + root.getFileName()).resolve("spool")), "nothing restored");
      }
    }
    // a forced restore from a damaged backup over a good directory leaves that directory as it was
    Path existing = tmp.resolve("existing");
    try (LocalFsBackend g = new LocalFsBackend(good)) {
      assertEquals(300, Restorer.restore(g, Restorer.Target.latest(), existing, false).lastLsn());
    }
    List<SpoolRecord> before = restoredRecords(existing);
    try (LocalFsBackend b = new LocalFsBackend(tmp.resolve("attack-3"))) { // one byte flipped
      assertThrows(IOException.class, () -> Restorer.restore(b, Restorer.Target.latest(), existing, true));
    }
    assertEquals(before, restoredRecords(existing));
    try (Stream<Path> left = Files.list(existing)) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".restoring")), "no staging left behind");
    }
  }

  @Test
  void aLeaderChangeBetweenBackupsContinuesOneChain() throws Exception {
    try (LocalFsBackend b = new LocalFsBackend(tmp.resolve("backups")); Cluster c = new Cluster()) {
      RaftWal first = c.leader();
      c.append(0, 100);
      assertTrue(service(first, b).run(Actor.CLI).ok());
      String old = first.nodeId();
      first.close();
      c.running.remove(old);
      RaftWal second = c.leader();
      BackupResult refused = service(c.running.values().stream().filter(w -> w != second).findFirst().orElseThrow(), b)
          .run(Actor.CLI);
      assertEquals("REFUSED", refused.outcome());
      assertTrue(refused.reason().contains("not the leader"), refused.reason());
      c.append(100, 100);
      BackupResult next = service(second, b).run(Actor.CLI);
      assertTrue(next.ok(), next.reason());
      ChainVerifier.Report r = ChainVerifier.verify(b);
      assertTrue(r.ok(), String.join("\n", r.problems()));
      assertEquals(2, r.segments().size());
      assertEquals(r.segments().get(0).sha256(), r.segments().get(1).prevHash(), "the new leader chained to the old head");
    }
  }

  @Test
  void aBackupDuringAFailingBackendFailsCleanlyAndTheNextRunCompletesTheChain() throws Exception {
    try (S3Server server = new S3Server(tmp.resolve("s3")); Backend b = server.backend("p"); Cluster c = new Cluster()) {
      RaftWal leader = c.leader();
      c.append(0, 100);
      assertTrue(service(leader, b).run(Actor.CLI).ok());
      c.append(100, 100);
      server.stop();
      BackupResult failed = service(leader, b).run(Actor.CLI);
      assertEquals("FAILED", failed.outcome(), failed.toString());
      assertEquals(100, leader.stateMachine().archivedLsn(), "the archived LSN stays where it was");
      server.start();
      BackupResult next = service(leader, b).run(Actor.CLI);
      assertTrue(next.ok(), next.reason());
      assertEquals(200, next.archivedLsn());
      ChainVerifier.Report r = ChainVerifier.verify(b);
      assertTrue(r.ok(), String.join("\n", r.problems()));
    }
  }

  @Test
  void theSnapshotHookPublishesEachLeaderSnapshotWithItsWal() throws Exception {
    try (LocalFsBackend b = new LocalFsBackend(tmp.resolve("backups")); Cluster c = new Cluster()) {
      java.util.concurrent.ExecutorService uploads = java.util.concurrent.Executors.newSingleThreadExecutor();
      try {
        RaftWal leader = c.leader();
        service(leader, b).publishOnSnapshot(uploads);
        c.append(0, 400); // one entry each: past the 150-entry snapshot threshold
        Awaitility.await("a backup published from the snapshot hook").atMost(Duration.ofSeconds(120))
            .until(() -> leader.stateMachine().archivedLsn() > 0);
        ChainVerifier.Report r = ChainVerifier.verify(b);
        assertTrue(r.ok(), String.join("\n", r.problems()));
        assertTrue(!r.snapshots().isEmpty() && r.head() != null);
      } finally {
        uploads.shutdownNow();
      }
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> w = Files.walk(from)) {
      for (Path p : w.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
