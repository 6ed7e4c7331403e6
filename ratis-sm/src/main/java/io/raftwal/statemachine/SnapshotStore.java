package io.raftwal.statemachine;

import io.raftwal.slot.CorruptCatalogException;
import io.raftwal.spool.SegmentInfo;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots as directories {@code sm/snapshots/<term>_<index>/} holding {@code state.bin} and
 * {@code spool/<segment>.seg} hard links, each written in a temp directory and moved into place
 * atomically. Ratis sends the file list to a lagging follower and replaces the follower's
 * {@code sm/snapshots} with it; the state machine then rebuilds its live spool from the files.
 */
final class SnapshotStore implements StateMachineStorage {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
  private static final Pattern NAME = Pattern.compile("(\\d+)_(\\d+)");
  static final String STATE_FILE = "state.bin";
  static final String SPOOL_DIR = "spool";

  private final int keep;
  private volatile File snapshotsDir;
  private volatile File tmpDir;
  private volatile FileListSnapshotInfo latest;

  /** A snapshot read back: its applied state and its segment files. */
  record Loaded(AppliedState state, List<Path> segments, TermIndex termIndex) {}

  SnapshotStore(int keep) {
    this.keep = keep;
  }

  @Override
  public void init(RaftStorage raftStorage) throws IOException {
    File sm = raftStorage.getStorageDir().getStateMachineDir();
    snapshotsDir = new File(sm, "snapshots");
    tmpDir = new File(sm, "tmp");
    Files.createDirectories(snapshotsDir.toPath());
    Files.createDirectories(tmpDir.toPath());
    reload();
  }

  /** Re-reads the directory (after Ratis installed a snapshot into it). */
  void reload() throws IOException {
    latest = null;
    Path dir = newestDir();
    if (dir != null) {
      latest = describe(dir);
    }
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return latest;
  }

  @Override
  public File getSnapshotDir() {
    return snapshotsDir;
  }

  @Override
  public File getTmpDir() {
    return tmpDir;
  }

  @Override
  public void format() {}

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    int retain = Math.max(keep, policy == null ? 0 : policy.getNumSnapshotsRetained());
    List<Path> dirs = snapshotDirs();
    for (int i = retain; i < dirs.size(); i++) {
      deleteTree(dirs.get(i));
      LOG.info("deleted old snapshot {}", dirs.get(i).getFileName());
    }
  }

  /** The newest snapshot's directory, or null. */
  Path latestDir() {
    FileListSnapshotInfo info = latest;
    return info == null ? null : snapshotsDir.toPath().resolve(dirName(info.getTermIndex()));
  }

  /** Reads the newest snapshot; null when there is none. A damaged newest snapshot is an error. */
  Loaded loadLatest() throws IOException {
    FileListSnapshotInfo info = latest;
    if (info == null) {
      return null;
    }
    Path dir = snapshotsDir.toPath().resolve(dirName(info.getTermIndex()));
    Path stateFile = dir.resolve(STATE_FILE);
    AppliedState state;
    try {
      state = AppliedState.decode(Files.readAllBytes(stateFile), stateFile.toString());
    } catch (CorruptCatalogException e) {
      throw new IOException("snapshot " + dir + " cannot be used: " + e.getMessage()
          + ". The Raft log before it may be purged, so this node will not start from an older one;"
          + " move the snapshot directory aside and let the leader install a fresh snapshot", e);
    }
    if (state.term() != info.getTerm() || state.index() != info.getIndex()) {
      throw new IOException("snapshot " + dir + " holds state for " + state.term() + "_" + state.index()
          + ", not for its directory name; move it aside and let the leader install a fresh snapshot");
    }
    return new Loaded(state, segmentFiles(dir), info.getTermIndex());
  }

  /**
   * Writes a snapshot: the state file and a hard link per sealed segment, in a temp directory
   * that is then moved into place, so a crash leaves either no snapshot or a whole one.
   */
  void write(AppliedState state, List<SegmentInfo> segments) throws IOException {
    TermIndex ti = TermIndex.valueOf(state.term(), state.index());
    Path target = snapshotsDir.toPath().resolve(dirName(ti));
    if (Files.exists(target)) {
      return;
    }
    Path tmp = tmpDir.toPath().resolve("snapshot-" + dirName(ti) + "-" + System.nanoTime());
    Path spoolDir = tmp.resolve(SPOOL_DIR);
    Files.createDirectories(spoolDir);
    Path stateFile = tmp.resolve(STATE_FILE);
    Files.write(stateFile, state.encode(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    fsync(stateFile);
    for (SegmentInfo s : segments) {
      if (!s.sealed()) {
        throw new IllegalStateException("segment " + s.path() + " is still being written; seal the spool first");
      }
      Files.createLink(spoolDir.resolve(s.path().getFileName()), s.path());
    }
    fsync(spoolDir);
    fsync(tmp);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    fsync(snapshotsDir.toPath());
    latest = describe(target);
  }

  private FileListSnapshotInfo describe(Path dir) throws IOException {
    Matcher m = NAME.matcher(dir.getFileName().toString());
    if (!m.matches()) {
      throw new IOException("not a snapshot directory: " + dir);
    }
    List<FileInfo> files = new ArrayList<>();
    files.add(new FileInfo(dir.resolve(STATE_FILE).toAbsolutePath(), null));
    for (Path seg : segmentFiles(dir)) {
      files.add(new FileInfo(seg.toAbsolutePath(), null));
    }
    return new FileListSnapshotInfo(files, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
  }

  private static List<Path> segmentFiles(Path dir) throws IOException {
    Path spool = dir.resolve(SPOOL_DIR);
    if (!Files.isDirectory(spool)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(spool)) {
      // Ratis leaves a .md5 file beside each installed file; only segments count.
      return s.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
    }
  }

  private Path newestDir() throws IOException {
    List<Path> dirs = snapshotDirs();
    return dirs.isEmpty() ? null : dirs.get(0);
  }

  /** Snapshot directories, newest (highest index) first. */
  private List<Path> snapshotDirs() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshotsDir.toPath())) {
      for (Path p : ds) {
        if (Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches()
            && Files.exists(p.resolve(STATE_FILE))) {
          out.add(p);
        }
      }
    }
    out.sort(Comparator.comparingLong((Path p) -> index(p)).reversed());
    return out;
  }

  private static long index(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalStateException(p.toString());
    }
    return Long.parseLong(m.group(2));
  }

  static String dirName(TermIndex ti) {
    return ti.getTerm() + "_" + ti.getIndex();
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  static void fsync(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
