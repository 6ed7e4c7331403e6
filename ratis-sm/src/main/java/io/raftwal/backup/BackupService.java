package io.raftwal.backup;

import io.raftwal.backend.Backend;
import io.raftwal.command.Command;
import io.raftwal.command.Reply;
import io.raftwal.embed.RaftWalClient;
import io.raftwal.journal.Actor;
import io.raftwal.journal.EventKind;
import io.raftwal.journal.EventSink;
import io.raftwal.journal.JournalEvent;
import io.raftwal.journal.Outcome;
import io.raftwal.spool.Spool;
import io.raftwal.statemachine.RaftWalStateMachine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backup run on the leader: take a snapshot and upload it with its manifest (its state, and
 * only the spool segments from before the backend's WAL chain starts: the chain holds the rest);
 * upload the spool records since the archived LSN as one WAL segment whose manifest links to the
 * previous one by hash; move the backup head by compare-and-swap; refresh {@code MANIFEST.json}; then propose
 * {@code ArchiveProgress} through Raft, so every node knows the archived LSN and the chain head
 * (a new leader continues the same chain) and prunes what no slot needs. A failed upload leaves
 * the archived LSN where it was; the next run adopts a segment a failed run left behind rather
 * than writing an overlapping one.
 */
public final class BackupService {
  private static final Logger LOG = LoggerFactory.getLogger(BackupService.class);

  private final RaftServer.Division division;
  private final RaftWalStateMachine sm;
  private final RaftWalClient client;
  private final Backend backend;
  private final EventSink events;
  private final ReentrantLock running = new ReentrantLock();
  private final AtomicLong lastSuccessMs = new AtomicLong();
  private final AtomicLong bytesUploaded = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  public BackupService(RaftServer.Division division, RaftWalStateMachine sm, RaftWalClient client, Backend backend,
      EventSink events) {
    this.division = division;
    this.sm = sm;
    this.client = client;
    this.backend = backend;
    this.events = events;
  }

  /**
   * Publishes every snapshot this node's Ratis takes while it leads, with the WAL up to it: the
   * snapshot returns to Ratis first, the upload runs on {@code executor}; one run pending at most.
   */
  public void publishOnSnapshot(java.util.concurrent.ExecutorService executor) {
    java.util.concurrent.atomic.AtomicBoolean pending = new java.util.concurrent.atomic.AtomicBoolean();
    sm.setSnapshotHook(() -> {
      if (division.getInfo().isLeader() && pending.compareAndSet(false, true)) {
        executor.execute(() -> {
          pending.set(false);
          run(Actor.SCHEDULER);
        });
      }
    });
  }

  public Backend backend() {
    return backend;
  }

  public long lastSuccessMs() {
    return lastSuccessMs.get();
  }

  public long bytesUploaded() {
    return bytesUploaded.get();
  }

  public long failures() {
    return failures.get();
  }

  public BackupResult run(Actor actor) {
    long start = System.currentTimeMillis();
    if (!division.getInfo().isLeader()) {
      var leader = division.getInfo().getLeaderId();
      return finish(actor, start, new BackupResult("REFUSED", "this node is not the leader; run the backup on "
          + (leader == null ? "the leader" : leader), null, -1, sm.archivedLsn(), sm.lastLsn(), 0, 0, 0));
    }
    if (!running.tryLock()) {
      return finish(actor, start, new BackupResult("REFUSED", "a backup is already running on this node", null, -1,
          sm.archivedLsn(), sm.lastLsn(), 0, 0, 0));
    }
    try {
      return finish(actor, start, runLocked(start));
    } catch (IOException | RuntimeException e) {
      failures.incrementAndGet();
      LOG.warn("backup to {} failed: {}", backend.describe(), e.toString());
      return finish(actor, start, new BackupResult("FAILED", e.getMessage(), null, -1, sm.archivedLsn(), sm.lastLsn(),
          0, 0, 0));
    } finally {
      running.unlock();
    }
  }

  private BackupResult finish(Actor actor, long start, BackupResult r) {
    BackupResult done = new BackupResult(r.outcome(), r.reason(), r.snapshotKey(), r.snapshotId(), r.archivedLsn(),
        r.currentLsn(), r.segmentsWritten(), r.bytesUploaded(), System.currentTimeMillis() - start);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("backend", backend.describe());
    f.put("currentLsn", done.currentLsn());
    f.put("archivedLsn", done.archivedLsn());
    f.put("snapshotId", done.snapshotId());
    f.put("segments", done.segmentsWritten());
    f.put("bytes", done.bytesUploaded());
    f.put("durationMs", done.durationMs());
    events.record(JournalEvent.of(EventKind.BACKUP_RUN, Outcome.valueOf(done.outcome()), actor, done.reason(), f));
    return done;
  }

  private BackupResult runLocked(long start) throws IOException {
    RaftWalStateMachine.SnapshotView snap = snapshotAtLeast(sm.lastLsn());
    long snapshotTakenMs = System.currentTimeMillis() - start;
    // Read after the snapshot, so the WAL reaches at least its last LSN: every record the
    // snapshot leaves to the chain is in the chain.
    long current = sm.lastLsn();
    String timeline = division.getGroup().getGroupId().getUuid().toString();
    // The chain carries every record from its first LSN on, so the snapshot carries only the
    // segments before it: each record is uploaded (and restored) once, not twice.
    long chainStart = chainStart(sm.archivedLsn());
    List<Path> beforeChain = snap.segments().stream().filter(p -> Spool.segmentFirstLsn(p) < chainStart).toList();
    // The snapshot and the WAL are independent objects: upload them side by side, each streamed
    // straight to the backend and hashed on the way, never staged in a local file.
    SideTask<SnapshotUpload> snapshot = SideTask.start("backup-snapshot-upload",
        () -> uploadSnapshot(snap, beforeChain, timeline, start));
    long archived;
    String prevHash;
    int segments = 0;
    long uploaded = 0;
    try {
      archived = sm.archivedLsn();
      prevHash = hex(sm.archivedHash());
      while (archived < current) {
        Optional<Manifests.WalSegmentManifest> orphan = segmentStartingAt(archived + 1);
        if (orphan.isPresent() && orphan.get().lsnEnd() <= current && Objects.equals(orphan.get().prevHash(), prevHash)) {
          // a run that failed after uploading it: adopt it instead of writing an overlapping segment
          archived = orphan.get().lsnEnd();
          prevHash = orphan.get().sha256();
          continue;
        }
        long oldest = sm.oldestLsn();
        if (oldest > archived + 1) {
          throw new IOException("WAL gap: the last archived LSN is " + archived + " but the spool's oldest LSN is "
              + oldest + "; LSNs " + (archived + 1) + ".." + (oldest - 1) + " cannot be archived. Take a full backup"
              + " into a new prefix");
        }
        String key = Manifests.walKey(archived + 1, current);
        String sha;
        long bytes;
        // its exact length lets the backend send it in one request rather than in parts to join
        try (Backend.Upload u = backend.upload(key, true, sm.exportSize(archived + 1, current));
             OverlappedSha256.Output d = new OverlappedSha256.Output(u.out(), "backup-wal")) {
          sm.exportSegment(archived + 1, current, d);
          sha = d.hex();
          bytes = d.count();
          if (!u.commit()) {
            throw new IOException("a different WAL segment already occupies " + key + " in " + backend.describe());
          }
        }
        uploaded += bytes;
        backend.put(key + Manifests.SIDECAR, Manifests.write(new Manifests.WalSegmentManifest(key, archived + 1,
            current, bytes, System.currentTimeMillis(), sha, prevHash)));
        archived = current;
        prevHash = sha;
        segments++;
      }
    } catch (IOException | RuntimeException e) {
      snapshot.awaitQuietly(); // never leave an upload running behind a failed run
      throw e;
    }
    long walUploadedMs = System.currentTimeMillis() - start;
    SnapshotUpload snapUpload = snapshot.join();
    String snapKey = snapUpload.key();
    uploaded += snapUpload.bytes();
    if (snapUpload.manifest() != null) {
      // Published only now that the chain holds what the snapshot left out: a run whose WAL
      // upload failed leaves an unlisted object, never a snapshot a restore would miss records of.
      backend.put(snapKey + Manifests.SIDECAR, Manifests.write(snapUpload.manifest()));
    }
    // 3. the head, by compare-and-swap on its version
    Optional<Backend.Versioned> head = backend.getVersioned(Manifests.HEAD_KEY);
    backend.compareAndSet(Manifests.HEAD_KEY, Manifests.write(new Manifests.BackupHead(timeline, snapKey, snap.index(),
        start, current, archived, Manifests.WAL_PREFIX)), head.map(Backend.Versioned::etag).orElse(null));
    // 4. MANIFEST.json
    backend.put(Manifests.UNIFIED_KEY, Manifests.write(unified(current)));
    // 5. tell every node, through Raft
    if (archived > sm.archivedLsn()) {
      Reply r = await(client.submit(new Command.ArchiveProgress(archived, HexFormat.of().parseHex(prevHash), 0)));
      if (r instanceof Reply.Rejected j) {
        throw new IOException("the cluster refused the archive progress: " + j.reason());
      }
    }
    bytesUploaded.addAndGet(uploaded);
    lastSuccessMs.set(System.currentTimeMillis());
    LOG.info("backup to {}: snapshot {} (LSN {}), archived through LSN {}, {} segment(s), {} bytes in {} ms"
            + " (snapshot taken at {} ms, WAL uploaded at {} ms)", backend.describe(), snapKey, snap.lastLsn(), archived,
        segments, uploaded, System.currentTimeMillis() - start, snapshotTakenMs, walUploadedMs);
    return new BackupResult("ALLOWED", "", snapKey, snap.index(), archived, current, segments, uploaded, 0);
  }

  /** An uploaded snapshot object; {@code manifest} is null when an earlier run already published it. */
  private record SnapshotUpload(String key, long bytes, Manifests.SnapshotManifest manifest) {}

  /** Uploads the snapshot's state and {@code segments}, unless an earlier run already published it. */
  private SnapshotUpload uploadSnapshot(RaftWalStateMachine.SnapshotView snap, List<Path> segments, String timeline,
      long start) throws IOException {
    String existing = existingSnapshotKey(snap.index());
    if (existing != null) {
      return new SnapshotUpload(existing, 0, null);
    }
    String key = Manifests.snapshotKey(snap.index(), start);
    String sha;
    long bytes;
    try (Backend.Upload u = backend.upload(key, true);
         OverlappedSha256.Output d = new OverlappedSha256.Output(u.out(), "backup-snapshot")) {
      Artifacts.packSnapshot(snap.stateFile(), segments, d);
      sha = d.hex();
      bytes = d.count();
      if (!u.commit()) {
        throw new IOException("a different snapshot already occupies " + key + " in " + backend.describe());
      }
    }
    return new SnapshotUpload(key, bytes, new Manifests.SnapshotManifest(timeline, key, snap.index(), start,
        snap.lastLsn(), 1, 1, sha));
  }

  /** The first LSN of this backend's WAL chain, or where it will start when it holds none yet. */
  private long chainStart(long archivedLsn) throws IOException {
    long first = archivedLsn + 1;
    for (String k : backend.list(Manifests.WAL_PREFIX)) {
      OptionalLong start = Manifests.publishedWalStart(k);
      if (start.isPresent()) {
        first = Math.min(first, start.getAsLong());
      }
    }
    return first;
  }

  private RaftWalStateMachine.SnapshotView snapshotAtLeast(long lsn) throws IOException {
    Optional<RaftWalStateMachine.SnapshotView> v = sm.latestSnapshotView();
    if (v.isPresent() && v.get().lastLsn() >= lsn) {
      return v.get();
    }
    try (RaftClient c = RaftClient.newBuilder().setRaftGroup(division.getGroup())
        .setProperties(new org.apache.ratis.conf.RaftProperties())
        .setRetryPolicy(org.apache.ratis.retry.RetryPolicies.retryUpToMaximumCountWithFixedSleep(10,
            org.apache.ratis.util.TimeDuration.valueOf(200, TimeUnit.MILLISECONDS))).build()) {
      var reply = c.getSnapshotManagementApi(division.getId()).create(60_000);
      if (!reply.isSuccess()) {
        throw new IOException("taking a snapshot failed: " + reply.getException());
      }
    }
    return sm.latestSnapshotView().orElseThrow(() -> new IOException("no snapshot after asking for one"));
  }

  private String existingSnapshotKey(long id) throws IOException {
    String prefix = String.format("%s%012d-", Manifests.SNAPSHOT_PREFIX, id);
    for (String k : backend.list(prefix)) {
      if (k.endsWith(".snapshot") && backend.exists(k + Manifests.SIDECAR)) {
        return k;
      }
    }
    return null;
  }

  private Optional<Manifests.WalSegmentManifest> segmentStartingAt(long lsn) throws IOException {
    for (String k : backend.list(String.format("%s%012d-", Manifests.WAL_PREFIX, lsn))) {
      if (k.endsWith(Manifests.SIDECAR)) {
        return Optional.of(Manifests.read(backend.get(k).orElseThrow(), Manifests.WalSegmentManifest.class, k));
      }
    }
    return Optional.empty();
  }

  private Manifests.Unified unified(long latestLsn) throws IOException {
    List<Manifests.SnapshotEntry> snaps = new ArrayList<>();
    for (String k : backend.list(Manifests.SNAPSHOT_PREFIX)) {
      if (k.endsWith(Manifests.SIDECAR)) {
        var m = Manifests.read(backend.get(k).orElseThrow(), Manifests.SnapshotManifest.class, k);
        snaps.add(new Manifests.SnapshotEntry(m.snapshotId(), m.baseLsn(), m.snapshotTime(), 0, m.snapshotKey(),
            Manifests.prefixed(m.snapshotSha256())));
      }
    }
    snaps.sort(Comparator.comparingLong(Manifests.SnapshotEntry::id).reversed());
    List<Manifests.WalEntry> wal = new ArrayList<>();
    for (String k : backend.list(Manifests.WAL_PREFIX)) {
      if (k.endsWith(Manifests.SIDECAR)) {
        var m = Manifests.read(backend.get(k).orElseThrow(), Manifests.WalSegmentManifest.class, k);
        wal.add(new Manifests.WalEntry(m.lsnStart(), m.lsnEnd(), m.key(), m.sizeBytes(), Manifests.prefixed(m.sha256()),
            Manifests.prefixed(m.prevHash())));
      }
    }
    wal.sort(Comparator.comparingLong(Manifests.WalEntry::lsnStart));
    return new Manifests.Unified("1.0", "raftwal-0.1.0", latestLsn, snaps, wal);
  }

  private static String hex(byte[] hash) {
    for (byte b : hash) {
      if (b != 0) {
        return HexFormat.of().formatHex(hash);
      }
    }
    return null;
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws IOException {
    try {
      return f.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("proposing the archive progress failed: " + e.getMessage(), e);
    }
  }
}
