package io.raftwal.backup;

import io.raftwal.backend.Backend;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks a backup without trusting it: the head, every snapshot's digest, every WAL segment's
 * digest and records, the {@code prev_hash} chain, LSN continuity (no gap, no overlap), and that
 * {@code MANIFEST.json} agrees with the sidecars. Each problem names the key, what was expected
 * and what was found.
 */
public final class ChainVerifier {

  /** What a verification found. {@code segments} is the verified chain, oldest first. */
  public record Report(List<String> checked, List<String> problems, Manifests.BackupHead head,
      List<Manifests.SnapshotManifest> snapshots, List<Manifests.WalSegmentManifest> segments) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  private ChainVerifier() {}

  public static Report verify(Backend b, Path workDir) throws IOException {
    Files.createDirectories(workDir);
    List<String> checked = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Manifests.BackupHead head = null;
    Optional<byte[]> h = b.get(Manifests.HEAD_KEY);
    if (h.isEmpty()) {
      problems.add(Manifests.HEAD_KEY + ": missing (expected the backup head)");
    } else {
      head = Manifests.read(h.get(), Manifests.BackupHead.class, Manifests.HEAD_KEY);
      checked.add("head: snapshot " + head.snapshotKey() + ", archived through LSN " + head.lastArchivedLsn());
    }
    List<Manifests.SnapshotManifest> snaps = new ArrayList<>();
    for (String k : b.list(Manifests.SNAPSHOT_PREFIX)) {
      if (!k.endsWith(Manifests.SIDECAR)) {
        continue;
      }
      var m = Manifests.read(b.get(k).orElseThrow(), Manifests.SnapshotManifest.class, k);
      snaps.add(m);
      String found = digest(b, m.snapshotKey(), workDir, problems);
      if (found != null && !found.equals(m.snapshotSha256())) {
        problems.add(m.snapshotKey() + ": sha256 expected " + m.snapshotSha256() + ", found " + found);
      } else if (found != null) {
        checked.add("snapshot " + m.snapshotKey() + " (LSN " + m.baseLsn() + ") sha256 ok");
      }
    }
    snaps.sort(Comparator.comparingLong(Manifests.SnapshotManifest::baseLsn));
    final Manifests.BackupHead hd = head;
    if (hd != null && snaps.stream().noneMatch(s -> s.snapshotKey().equals(hd.snapshotKey()))) {
      problems.add(hd.snapshotKey() + ": the head's snapshot has no manifest (expected " + hd.snapshotKey()
          + Manifests.SIDECAR + ")");
    }

    List<Manifests.WalSegmentManifest> segs = new ArrayList<>();
    for (String k : b.list(Manifests.WAL_PREFIX)) {
      if (k.endsWith(Manifests.SIDECAR)) {
        segs.add(Manifests.read(b.get(k).orElseThrow(), Manifests.WalSegmentManifest.class, k));
      } else if (k.endsWith(".wal") && !b.exists(k + Manifests.SIDECAR)) {
        problems.add(k + ": segment without a manifest (expected " + k + Manifests.SIDECAR + ")");
      }
    }
    segs.sort(Comparator.comparingLong(Manifests.WalSegmentManifest::lsnStart));
    Manifests.WalSegmentManifest prev = null;
    for (Manifests.WalSegmentManifest s : segs) {
      if (prev != null) {
        if (s.lsnStart() != prev.lsnEnd() + 1) {
          problems.add(s.key() + ": lsn_start expected " + (prev.lsnEnd() + 1) + " (after " + prev.key() + "), found "
              + s.lsnStart() + (s.lsnStart() > prev.lsnEnd() + 1 ? " (a gap)" : " (an overlap)"));
        }
        if (!Objects.equals(s.prevHash(), prev.sha256())) {
          problems.add(s.key() + ": prev_hash expected " + prev.sha256() + " (sha256 of " + prev.key() + "), found "
              + s.prevHash());
        }
      }
      Path local = workDir.resolve("verify-" + s.lsnStart() + ".wal");
      try {
        b.download(s.key(), local);
        String found = Artifacts.sha256(local);
        if (!found.equals(s.sha256())) {
          problems.add(s.key() + ": sha256 expected " + s.sha256() + ", found " + found);
        } else {
          long[] seen = {-1, -1, 0}; // first, last, count
          Artifacts.forEachRecord(local, workDir, s.lsnStart(), r -> {
            if (seen[0] < 0) {
              seen[0] = r.lsn();
            }
            seen[1] = r.lsn();
            seen[2]++;
          });
          long first = seen[0];
          long last = seen[1];
          if (first != s.lsnStart() || last != s.lsnEnd() || seen[2] != s.lsnEnd() - s.lsnStart() + 1) {
            problems.add(s.key() + ": records expected LSN " + s.lsnStart() + ".." + s.lsnEnd() + ", found " + first
                + ".." + last + " (" + seen[2] + " records)");
          } else {
            checked.add("segment " + s.key() + " sha256 ok, prev_hash ok, LSN " + first + ".." + last);
          }
        }
      } catch (FileNotFoundException e) {
        problems.add(s.key() + ": missing (its manifest is there)");
      } catch (IOException e) {
        problems.add(s.key() + ": unreadable: " + e.getMessage());
      } finally {
        Files.deleteIfExists(local);
      }
      prev = s;
    }
    if (head != null) {
      long end = segs.isEmpty() ? 0 : segs.get(segs.size() - 1).lsnEnd();
      if (end != head.lastArchivedLsn()) {
        problems.add(Manifests.HEAD_KEY + ": last_archived_lsn expected " + end + " (the chain's end), found "
            + head.lastArchivedLsn());
      }
    }
    if (!snaps.isEmpty() && !segs.isEmpty() && segs.get(0).lsnStart() > snaps.get(0).baseLsn() + 1) {
      problems.add(segs.get(0).key() + ": the chain starts at LSN " + segs.get(0).lsnStart() + " but the oldest snapshot"
          + " ends at LSN " + snaps.get(0).baseLsn() + " (a gap)");
    }
    checkUnified(b, snaps, segs, problems, checked);
    return new Report(checked, problems, head, snaps, segs);
  }

  private static String digest(Backend b, String key, Path workDir, List<String> problems) throws IOException {
    Path local = workDir.resolve("verify-snapshot.tmp");
    try {
      b.download(key, local);
      return Artifacts.sha256(local);
    } catch (FileNotFoundException e) {
      problems.add(key + ": missing (its manifest is there)");
      return null;
    } finally {
      Files.deleteIfExists(local);
    }
  }

  private static void checkUnified(Backend b, List<Manifests.SnapshotManifest> snaps,
      List<Manifests.WalSegmentManifest> segs, List<String> problems, List<String> checked) throws IOException {
    Optional<byte[]> raw = b.get(Manifests.UNIFIED_KEY);
    if (raw.isEmpty()) {
      problems.add(Manifests.UNIFIED_KEY + ": missing");
      return;
    }
    Manifests.Unified u = Manifests.read(raw.get(), Manifests.Unified.class, Manifests.UNIFIED_KEY);
    Map<String, String> listed = new HashMap<>();
    u.walSegments().forEach(w -> listed.put(w.key(), w.checksum()));
    u.snapshots().forEach(s -> listed.put(s.key(), s.checksum()));
    Map<String, String> sidecars = new HashMap<>();
    segs.forEach(s -> sidecars.put(s.key(), Manifests.prefixed(s.sha256())));
    snaps.forEach(s -> sidecars.put(s.snapshotKey(), Manifests.prefixed(s.snapshotSha256())));
    for (var e : sidecars.entrySet()) {
      if (!listed.containsKey(e.getKey())) {
        problems.add(Manifests.UNIFIED_KEY + ": does not list " + e.getKey());
      } else if (!Objects.equals(listed.get(e.getKey()), e.getValue())) {
        problems.add(Manifests.UNIFIED_KEY + ": checksum of " + e.getKey() + " expected " + e.getValue() + ", found "
            + listed.get(e.getKey()));
      }
    }
    for (String k : listed.keySet()) {
      if (!sidecars.containsKey(k)) {
        problems.add(Manifests.UNIFIED_KEY + ": lists " + k + ", which has no manifest");
      }
    }
    checked.add(Manifests.UNIFIED_KEY + " agrees with " + sidecars.size() + " sidecar(s)");
  }
}
