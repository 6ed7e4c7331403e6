package io.raftwal.backup;

import io.raftwal.backend.Backend;
import io.raftwal.slot.CorruptCatalogException;
import io.raftwal.spool.Spool;
import io.raftwal.spool.SpoolOptions;
import io.raftwal.spool.SpoolRecord;
import io.raftwal.statemachine.AppliedState;
import io.raftwal.statemachine.RaftWalStateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Restores a point in time from a backup into a fresh data directory. Checks the manifests
 * first, then reads every artifact once: its digest is verified while the newest snapshot at
 * or below the target and the WAL records up to the target are replayed into a staging
 * directory, which becomes the data directory's content only if every check passed (so a
 * failed restore, even a forced one, leaves the directory as it was). Nothing is written into a
 * non-empty directory unless forced.
 */
public final class Restorer {

  /** The point to restore: {@code toLsn}, or the last record at or before {@code toTimeMs}, or the latest. */
  public record Target(Long toLsn, Long toTimeMs) {
    public static Target latest() {
      return new Target(null, null);
    }
  }

  /** What was restored. */
  public record Result(long lastLsn, String snapshotKey, int segmentsReplayed, Path dataDir) {}

  private Restorer() {}

  public static Result restore(Backend b, Target target, Path dataDir, boolean force) throws IOException {
    if (Files.isDirectory(dataDir) && !force) {
      try (Stream<Path> s = Files.list(dataDir)) {
        if (s.findAny().isPresent()) {
          throw new IOException(dataDir + " is not empty: restore into an empty directory, or pass --force");
        }
      }
    }
    ChainVerifier.Report report = ChainVerifier.readManifests(b);
    refuseIfProblems(b, report);
    if (report.snapshots().isEmpty()) {
      throw new IOException("the backup in " + b.describe() + " holds no snapshot");
    }
    List<Manifests.SnapshotManifest> snaps = report.snapshots(); // oldest first
    List<Manifests.WalSegmentManifest> segs = report.segments();
    long end = Math.max(segs.isEmpty() ? 0 : segs.get(segs.size() - 1).lsnEnd(), snaps.get(snaps.size() - 1).baseLsn());
    long want = target.toLsn() != null ? target.toLsn() : end;
    if (want > end) {
      throw new IOException("the backup holds LSNs up to " + end + "; LSN " + want + " cannot be restored");
    }
    Manifests.SnapshotManifest base = snaps.get(0); // the target may lie inside the oldest snapshot's records
    for (Manifests.SnapshotManifest s : snaps) {
      if (s.baseLsn() <= want) {
        base = s;
      }
    }
    // Records come from the WAL chain wherever it reaches; the snapshot supplies only what comes
    // before the chain's first LSN (when archiving started after the first records).
    long chainStart = segs.isEmpty() ? Long.MAX_VALUE : segs.get(0).lsnStart();

    // Everything is built in a staging directory while the backup is read and verified, once;
    // it replaces the data directory's contents only when every check passed.
    Files.createDirectories(dataDir);
    Path staging = Files.createTempDirectory(dataDir, ".restoring-");
    try {
      // Forced in the background every 100 ms, so the disk writes while the replay hashes and
      // decodes, rather than all at the final sync.
      Replay replay = new Replay(base, chainStart, want, Spool.open(staging.resolve("spool"),
          SpoolOptions.defaults().withSync(0, 100)));
      try (Spool spool = replay.spool) {
        // When the chain starts at LSN 1 a snapshot gives only its state, never records that must
        // precede the WAL's: read the snapshots beside the segments.
        ChainVerifier.checkContents(b, report, replay, chainStart <= 1);
        refuseIfProblems(b, report);
        replay.flush();
        if (replay.state == null) {
          throw new IOException(base.snapshotKey() + ": the archive has no state.bin; nothing restored");
        }
        if (target.toTimeMs() != null) {
          want = lastAtOrBefore(spool, target.toTimeMs());
          spool.truncateAfter(want);
        }
        if (spool.currentLsn() != want) {
          throw new IOException("the backup yielded LSNs up to " + spool.currentLsn() + ", not " + want);
        }
        spool.sync();
      }
      AppliedState state = replay.state;
      AppliedState restored = new AppliedState(0, -1, want, Math.min(state.archivedLsn(), want),
          state.archivedLsn() <= want ? state.archivedHash() : new byte[32], state.slots());
      Files.write(staging.resolve(RaftWalStateMachine.RESTORED_STATE), restored.encode());
      try (Stream<Path> old = Files.list(dataDir)) {
        for (Path p : old.filter(p -> !p.equals(staging)).toList()) {
          Artifacts.deleteTree(p);
        }
      }
      try (Stream<Path> made = Files.list(staging)) {
        for (Path p : made.toList()) {
          Files.move(p, dataDir.resolve(p.getFileName()));
        }
      }
      return new Result(want, base.snapshotKey(), replay.segmentsReplayed, dataDir);
    } finally {
      Artifacts.deleteTree(staging);
    }
  }

  private static void refuseIfProblems(Backend b, ChainVerifier.Report report) throws IOException {
    if (!report.ok()) {
      throw new IOException("the backup in " + b.describe() + " fails verification; nothing restored:\n  "
          + String.join("\n  ", report.problems()));
    }
  }

  /**
   * Builds the restored spool from the artifacts as the verifier streams them past. Frames are
   * copied as stored (checked, never decoded and re-encoded) and reach the spool in batches of
   * about {@link #BATCH_BYTES}: one write per batch rather than per record, which for small
   * records is what bounds a restore.
   */
  private static final class Replay implements ChainVerifier.Visitor {
    static final int BATCH_BYTES = 1 << 20;
    final Manifests.SnapshotManifest base;
    final long chainStart;
    final long want;
    final Spool spool;
    volatile AppliedState state;
    int segmentsReplayed;
    private Manifests.WalSegmentManifest lastSegment;
    private ByteBuffer pending = ByteBuffer.allocate(BATCH_BYTES);
    /** The last LSN appended or waiting in {@link #pending}. */
    private long last;

    Replay(Manifests.SnapshotManifest base, long chainStart, long want, Spool spool) {
      this.base = base;
      this.chainStart = chainStart;
      this.want = want;
      this.spool = spool;
      this.last = spool.currentLsn();
    }

    @Override
    public void snapshot(Manifests.SnapshotManifest m, InputStream archive) throws IOException {
      if (m != base) {
        return; // only hashed
      }
      Artifacts.readSnapshot(archive, m.snapshotKey(), (name, size, body) -> {
        if (name.equals("state.bin")) {
          try {
            state = AppliedState.decode(body.readAllBytes(), m.snapshotKey());
          } catch (CorruptCatalogException e) {
            throw new IOException(e.getMessage(), e);
          }
        } else {
          long first = Spool.segmentFirstLsn(Path.of(name));
          if (first < chainStart && first <= want) {
            Spool.readSegmentFrames(body, first, m.snapshotKey() + ":" + name, this::fromSnapshot);
          }
        }
      });
    }

    private synchronized void fromSnapshot(long lsn, ByteBuffer frame) throws IOException {
      if (lsn < chainStart && lsn <= want && lsn > last) {
        add(lsn, frame);
      }
    }

    @Override
    public synchronized void frame(Manifests.WalSegmentManifest s, long lsn, ByteBuffer frame) throws IOException {
      if (lsn <= last || lsn > want) {
        return;
      }
      if (last != 0 && lsn != last + 1) {
        throw new IOException(s.key() + ": LSN " + lsn + " does not follow " + last);
      }
      add(lsn, frame);
      if (s != lastSegment) {
        lastSegment = s;
        segmentsReplayed++;
      }
    }

    private void add(long lsn, ByteBuffer frame) throws IOException {
      if (pending.remaining() < frame.remaining()) {
        flush();
        if (pending.capacity() < frame.remaining()) {
          pending = ByteBuffer.allocate(frame.remaining());
        }
      }
      pending.put(frame);
      last = lsn;
    }

    /** Writes what is pending; called once more when the whole backup has been read. */
    synchronized void flush() throws IOException {
      if (pending.position() > 0) {
        pending.flip();
        spool.appendFrames(pending);
        pending.clear();
      }
    }
  }

  /** The last LSN whose leader timestamp is at or before {@code timeMs}. */
  private static long lastAtOrBefore(Spool spool, long timeMs) throws IOException {
    long last = 0;
    for (long since = spool.oldestLsn() - 1; since >= 0; ) {
      List<SpoolRecord> page = spool.readSince(since, Artifacts.PAGE);
      if (page.isEmpty()) {
        break;
      }
      for (SpoolRecord r : page) {
        if (r.timestampMs() <= timeMs) {
          last = r.lsn();
        }
      }
      since = page.get(page.size() - 1).lsn();
    }
    if (last == 0) {
      throw new IOException("no record in the backup is at or before " + java.time.Instant.ofEpochMilli(timeMs));
    }
    return last;
  }
}
