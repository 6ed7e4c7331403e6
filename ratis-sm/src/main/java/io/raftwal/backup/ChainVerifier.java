package io.raftwal.backup;

import io.raftwal.backend.Backend;
import io.raftwal.spool.Spool;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
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

  /**
   * Sees each artifact's bytes while they are hashed, so a restore reads every object once. What
   * it does with them is provisional: the artifact's digest is only known after it returns.
   */
  interface Visitor {
    Visitor NONE = new Visitor() {};

    /** The archive of snapshot {@code m}; read as much as needed (the rest is drained and hashed). */
    default void snapshot(Manifests.SnapshotManifest m, InputStream archive) throws IOException {}

    /**
     * One record of segment {@code s}, in LSN order, as its stored frame (valid during the call),
     * after the frame's checksum passed.
     */
    default void frame(Manifests.WalSegmentManifest s, long lsn, java.nio.ByteBuffer frame) throws IOException {}
  }

  private ChainVerifier() {}

  /** Verifies everything: the manifests and their links, then every artifact's bytes. */
  public static Report verify(Backend b) throws IOException {
    Report r = readManifests(b);
    checkContents(b, r, Visitor.NONE, true);
    return r;
  }

  /**
   * The manifests alone, without downloading an artifact: the head, the sidecars, the
   * {@code prev_hash} links between them, LSN continuity, and {@code MANIFEST.json}.
   */
  static Report readManifests(Backend b) throws IOException {
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
      if (k.endsWith(Manifests.SIDECAR)) {
        snaps.add(Manifests.read(b.get(k).orElseThrow(), Manifests.SnapshotManifest.class, k));
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

  /**
   * Reads every artifact once, snapshots (oldest first) and segments in LSN order: recomputes
   * each digest and, for segments, checks every frame and the LSN range. Adds to {@code r}.
   * With {@code concurrently}, the snapshots are read on a second thread while the segments are
   * read on this one (SHA-256 is the bottleneck and one stream cannot use two cores); only for a
   * visitor that needs nothing from a snapshot before it sees the segments' records.
   */
  static void checkContents(Backend b, Report r, Visitor visitor, boolean concurrently) throws IOException {
    if (!concurrently) {
      checkSnapshots(b, r.snapshots(), visitor, r.checked(), r.problems());
      checkSegments(b, r.segments(), visitor, r.checked(), r.problems());
      return;
    }
    List<String> snapChecked = new ArrayList<>();
    List<String> snapProblems = new ArrayList<>();
    SideTask<Void> snaps = SideTask.start("verify-snapshots", () -> {
      checkSnapshots(b, r.snapshots(), visitor, snapChecked, snapProblems);
      return null;
    });
    List<String> segChecked = new ArrayList<>();
    List<String> segProblems = new ArrayList<>();
    try {
      checkSegments(b, r.segments(), visitor, segChecked, segProblems);
    } catch (IOException | RuntimeException e) {
      snaps.awaitQuietly();
      throw e;
    }
    snaps.join();
    r.checked().addAll(snapChecked);
    r.checked().addAll(segChecked);
    r.problems().addAll(snapProblems);
    r.problems().addAll(segProblems);
  }

  private static void checkSnapshots(Backend b, List<Manifests.SnapshotManifest> snapshots, Visitor visitor,
      List<String> checked, List<String> problems) throws IOException {
    for (Manifests.SnapshotManifest m : snapshots) {
      if (read(b, m.snapshotKey(), m.snapshotSha256(), problems, in -> visitor.snapshot(m, in))) {
        checked.add("snapshot " + m.snapshotKey() + " (LSN " + m.baseLsn() + ") sha256 ok");
      }
    }
  }

  private static void checkSegments(Backend b, List<Manifests.WalSegmentManifest> segments, Visitor visitor,
      List<String> checked, List<String> problems) throws IOException {
    for (Manifests.WalSegmentManifest s : segments) {
      long[] seen = {-1, -1, 0}; // first, last, count
      boolean ok = read(b, s.key(), s.sha256(), problems, in -> Spool.readSegmentFrames(in, s.lsnStart(), s.key(),
          (lsn, frame) -> {
            if (seen[0] < 0) {
              seen[0] = lsn;
            }
            seen[1] = lsn;
            seen[2]++;
            visitor.frame(s, lsn, frame);
          }));
      if (!ok) {
        continue;
      }
      if (seen[0] != s.lsnStart() || seen[1] != s.lsnEnd() || seen[2] != s.lsnEnd() - s.lsnStart() + 1) {
        problems.add(s.key() + ": records expected LSN " + s.lsnStart() + ".." + s.lsnEnd() + ", found " + seen[0]
            + ".." + seen[1] + " (" + seen[2] + " records)");
      } else {
        checked.add("segment " + s.key() + " sha256 ok, prev_hash ok, LSN " + seen[0] + ".." + seen[1]);
      }
    }
  }

  private interface Body {
    void read(InputStream in) throws IOException;
  }

  /**
   * Streams {@code key} through SHA-256 and {@code body}, then drains what the body left. True
   * when the digest is {@code expectedSha} and the body read it without complaint; otherwise
   * records one problem: a wrong digest first, since that names the problem best.
   */
  private static boolean read(Backend b, String key, String expectedSha, List<String> problems, Body body)
      throws IOException {
    try (OverlappedSha256.Input in = new OverlappedSha256.Input(b.openStream(key), "verify")) {
      IOException bodyFailure = null;
      try {
        body.read(in);
      } catch (FileNotFoundException e) {
        throw e;
      } catch (IOException e) {
        bodyFailure = e;
      }
      String found = in.hex(); // over every byte, whatever the body left unread
      if (!found.equals(expectedSha)) {
        problems.add(key + ": sha256 expected " + expectedSha + ", found " + found);
        return false;
      }
      if (bodyFailure != null) {
        problems.add(key + ": unreadable: " + bodyFailure.getMessage());
        return false;
      }
      return true;
    } catch (FileNotFoundException e) {
      problems.add(key + ": missing (its manifest is there)");
      return false;
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
