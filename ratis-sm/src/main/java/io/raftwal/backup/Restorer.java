package io.raftwal.backup;

import io.raftwal.backend.Backend;
import io.raftwal.slot.CorruptCatalogException;
import io.raftwal.spool.Spool;
import io.raftwal.spool.SpoolOptions;
import io.raftwal.spool.SpoolRecord;
import io.raftwal.statemachine.AppliedState;
import io.raftwal.statemachine.RaftWalStateMachine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Restores a point in time from a backup into a fresh data directory: verifies the whole backup
 * (and refuses on any problem), unpacks the newest snapshot at or below the target, replays the
 * WAL segments' records up to the target LSN into the spool, and writes the restored state a
 * node starts from. Nothing is written into a non-empty directory unless forced.
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
    Path work = Files.createTempDirectory("raftwal-restore");
    try {
      ChainVerifier.Report report = ChainVerifier.verify(b, work);
      if (!report.ok()) {
        throw new IOException("the backup in " + b.describe() + " fails verification; nothing restored:\n  "
            + String.join("\n  ", report.problems()));
      }
      if (report.snapshots().isEmpty()) {
        throw new IOException("the backup in " + b.describe() + " holds no snapshot");
      }
      long end = report.segments().isEmpty() ? report.snapshots().get(report.snapshots().size() - 1).baseLsn()
          : Math.max(report.segments().get(report.segments().size() - 1).lsnEnd(),
              report.snapshots().get(report.snapshots().size() - 1).baseLsn());
      long want = target.toLsn() != null ? target.toLsn() : end;
      if (want > end) {
        throw new IOException("the backup holds LSNs up to " + end + "; LSN " + want + " cannot be restored");
      }
      Manifests.SnapshotManifest base = null;
      for (Manifests.SnapshotManifest s : report.snapshots()) { // oldest first
        if (s.baseLsn() <= want) {
          base = s;
        }
      }
      if (base == null) {
        base = report.snapshots().get(0); // the target is inside the oldest snapshot's records
      }
      if (Files.exists(dataDir) && force) {
        Artifacts.deleteTree(dataDir);
      }
      Files.createDirectories(dataDir);
      Path archive = work.resolve("snapshot");
      b.download(base.snapshotKey(), archive);
      if (!Artifacts.sha256(archive).equals(base.snapshotSha256())) {
        throw new IOException(base.snapshotKey() + " changed while restoring (sha256); nothing restored");
      }
      Path unpacked = work.resolve("unpacked");
      Artifacts.unpackSnapshot(archive, unpacked);
      AppliedState state;
      try {
        state = AppliedState.decode(Files.readAllBytes(unpacked.resolve("state.bin")), base.snapshotKey());
      } catch (CorruptCatalogException e) {
        throw new IOException(e.getMessage(), e);
      }
      // Records come from the WAL chain wherever it reaches; the snapshot supplies only what comes
      // before the chain's first LSN (when archiving started after the first records).
      long chainStart = report.segments().isEmpty() ? Long.MAX_VALUE : report.segments().get(0).lsnStart();
      Path spoolDir = dataDir.resolve("spool");
      int replayed = 0;
      try (Spool spool = Spool.open(spoolDir, SpoolOptions.defaults().withSync(0, 0))) {
        Path snapSpool = unpacked.resolve("spool");
        if (Files.isDirectory(snapSpool)) {
          try (Spool from = Spool.open(snapSpool, Artifacts.ONE_SEGMENT)) {
            long since = from.oldestLsn() - 1;
            while (since >= 0 && since < from.currentLsn()) {
              List<SpoolRecord> page = from.readSince(since, Artifacts.PAGE);
              if (page.isEmpty()) {
                break;
              }
              for (SpoolRecord r : page) {
                if (r.lsn() < chainStart && r.lsn() <= want) {
                  spool.append(r);
                }
              }
              since = page.get(page.size() - 1).lsn();
            }
          }
        }
        for (Manifests.WalSegmentManifest s : report.segments()) {
          if (s.lsnEnd() <= spool.currentLsn() || spool.currentLsn() >= want) {
            continue;
          }
          Path local = work.resolve("seg.wal");
          b.download(s.key(), local);
          if (!Artifacts.sha256(local).equals(s.sha256())) {
            throw new IOException(s.key() + " changed while restoring (sha256); nothing restored");
          }
          final long limit = want;
          Artifacts.forEachRecord(local, work, s.lsnStart(), r -> {
            if (r.lsn() > spool.currentLsn() && r.lsn() <= limit) {
              if (spool.currentLsn() != 0 && r.lsn() != spool.currentLsn() + 1) {
                throw new IOException(s.key() + ": LSN " + r.lsn() + " does not follow " + spool.currentLsn());
              }
              spool.append(r);
            }
          });
          Files.delete(local);
          replayed++;
        }
        if (target.toTimeMs() != null) {
          long last = 0;
          for (long since = 0; ; ) {
            List<SpoolRecord> page = spool.readSince(Math.max(since, spool.oldestLsn() - 1), Artifacts.PAGE);
            if (page.isEmpty()) {
              break;
            }
            for (SpoolRecord r : page) {
              if (r.timestampMs() <= target.toTimeMs()) {
                last = r.lsn();
              }
            }
            since = page.get(page.size() - 1).lsn();
          }
          if (last == 0) {
            throw new IOException("no record in the backup is at or before " + java.time.Instant.ofEpochMilli(target.toTimeMs()));
          }
          spool.truncateAfter(last);
          want = last;
        }
        if (spool.currentLsn() != want) {
          throw new IOException("the backup yielded LSNs up to " + spool.currentLsn() + ", not " + want);
        }
        spool.sync();
      }
      AppliedState restored = new AppliedState(0, -1, want, Math.min(state.archivedLsn(), want),
          state.archivedLsn() <= want ? state.archivedHash() : new byte[32], state.slots());
      Files.write(dataDir.resolve(RaftWalStateMachine.RESTORED_STATE), restored.encode());
      return new Result(want, base.snapshotKey(), replayed, dataDir);
    } finally {
      Artifacts.deleteTree(work);
    }
  }
}
