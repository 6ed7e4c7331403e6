package io.raftwal.bench;

import io.raftwal.backend.Backend;
import io.raftwal.backend.LocalFsBackend;
import io.raftwal.backend.S3Backend;
import io.raftwal.backup.BackupResult;
import io.raftwal.backup.BackupService;
import io.raftwal.backup.Restorer;
import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftWal;
import io.raftwal.embed.RaftWalConfig;
import io.raftwal.journal.Actor;
import io.raftwal.journal.EventSink;
import io.raftwal.spool.SegmentInfo;
import io.raftwal.statemachine.StateMachineOptions;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Backup and restore throughput for a spool of {@code sizeMiB}, beside a plain copy of the same
 * bytes: {@code Files.copy} for the filesystem, one SDK {@code putObject} per file for S3.
 * <pre>  backend=file|s3 sizeMiB=1024 recordBytes=65536 restores=1 dir=/tmp/x</pre>
 * With {@code restores=N} above 1, the restore and its floors (plain and forced download for S3,
 * plain and forced copy for the filesystem) then run N more times, alternating, each into a
 * fresh directory: the first restore of a JVM runs its per-frame code cold (at 128 B records the
 * C2 compiler took more CPU than anything else in a profile of this bench), and an engine that
 * restores is not measured by its first second.
 */
public final class BackupBench {
  private BackupBench() {}

  public static void main(String[] args) throws Exception {
    java.util.Map<String, String> a = BenchArgs.parse(args, 0);
    String kind = a.getOrDefault("backend", "file");
    int sizeMiB = Integer.parseInt(a.getOrDefault("sizeMiB", "1024"));
    int recordBytes = Integer.parseInt(a.getOrDefault("recordBytes", "65536"));
    int restores = Integer.parseInt(a.getOrDefault("restores", "1"));
    Path root = Files.createTempDirectory(Path.of(a.getOrDefault("dir", "/tmp")), "backup-bench");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RaftWalConfig cfg = RaftWalConfig.builder("b1", root.resolve("node")).peers(List.of(new Peer("b1", "127.0.0.1:" + port)))
        .snapshotThreshold(10_000_000).stateMachine(StateMachineOptions.defaults().withArchiving(true)).journal(null)
        .leadershipWarmup(false).build(); // nothing in the background while backups are timed
    S3Proxy proxy = null;
    try (RaftWal wal = RaftWal.start(cfg, null)) {
      while (!wal.isLeader()) {
        Thread.sleep(50);
      }
      byte[] payload = new byte[recordBytes];
      new java.util.Random(7).nextBytes(payload);
      List<CompletableFuture<?>> acks = new ArrayList<>();
      for (long i = 0; i < ((long) sizeMiB << 20) / recordBytes; i++) {
        acks.add(wal.append(payload));
        if (acks.size() >= 256) {
          acks.remove(0).join();
        }
      }
      acks.forEach(CompletableFuture::join);
      long spoolBytes = wal.status().spoolBytes();
      System.out.printf("FILLED %d MiB spool, %d records%n", spoolBytes >> 20, wal.stateMachine().lastLsn());

      Backend backend;
      S3Client raw = null;
      if (kind.equals("s3")) {
        int s3port;
        try (ServerSocket s = new ServerSocket(0)) {
          s3port = s.getLocalPort();
        }
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", root.resolve("s3").toString());
        Files.createDirectories(root.resolve("s3"));
        String endpoint = "http://127.0.0.1:" + s3port;
        proxy = S3Proxy.builder().blobStore(BlobStores.create("filesystem", p)).endpoint(URI.create(endpoint))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "a", "s").build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
          Thread.sleep(20);
        }
        raw = S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "s"))).build();
        raw.createBucket(b -> b.bucket("bench"));
        backend = new S3Backend("bench", "raftwal", endpoint, "us-east-1", "a", "s");
      } else {
        backend = new LocalFsBackend(root.resolve("backups"));
      }
      // floor: the same bytes copied plainly
      long floorBytes = 0;
      settleDisk();
      long t0 = System.nanoTime();
      int n = 0;
      for (SegmentInfo seg : wal.stateMachine().spoolSegments()) {
        if (raw != null) {
          S3Client c = raw;
          String key = "plain/" + n++;
          c.putObject(b -> b.bucket("bench").key(key), RequestBody.fromFile(seg.path()));
        } else {
          Files.createDirectories(root.resolve("plain"));
          Files.copy(seg.path(), root.resolve("plain").resolve(seg.path().getFileName()));
        }
        floorBytes += Files.size(seg.path());
      }
      double floorS = (System.nanoTime() - t0) / 1e9;
      // a durable plain copy: the same, each file forced to disk as the backup forces its objects;
      // for S3, the plain download of those objects (the floor of a restore), then the same forced
      double durableS = Double.NaN;
      double downloadS = floorS;
      double durableDownloadS = Double.NaN;
      if (raw != null) {
        Path down = Files.createDirectories(root.resolve("plain-download"));
        settleDisk();
        t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          String key = "plain/" + i;
          raw.getObject(b -> b.bucket("bench").key(key), down.resolve(String.valueOf(i)));
        }
        downloadS = (System.nanoTime() - t0) / 1e9;
        // and a durable download, each file forced as a restore forces its spool
        Path downDurable = Files.createDirectories(root.resolve("plain-download-durable"));
        settleDisk();
        t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          String key = "plain/" + i;
          Path to = downDurable.resolve(String.valueOf(i));
          raw.getObject(b -> b.bucket("bench").key(key), to);
          force(to);
        }
        durableDownloadS = (System.nanoTime() - t0) / 1e9;
      } else {
        Path durable = Files.createDirectories(root.resolve("plain-durable"));
        settleDisk();
        t0 = System.nanoTime();
        for (SegmentInfo seg : wal.stateMachine().spoolSegments()) {
          Path to = durable.resolve(seg.path().getFileName());
          Files.copy(seg.path(), to);
          force(to);
        }
        durableS = (System.nanoTime() - t0) / 1e9;
      }
      BackupService svc = new BackupService(wal.server().getDivision(wal.server().getGroupIds().iterator().next()),
          wal.stateMachine(), wal.client(), backend, EventSink.NONE);
      settleDisk();
      t0 = System.nanoTime();
      long backupCpu0 = processCpuNanos();
      BackupResult r = svc.run(Actor.CLI);
      double backupS = (System.nanoTime() - t0) / 1e9;
      double backupCpuS = (processCpuNanos() - backupCpu0) / 1e9;
      if (!r.ok()) {
        throw new IllegalStateException("backup failed: " + r.reason());
      }
      settleDisk();
      t0 = System.nanoTime();
      long cpu0 = processCpuNanos();
      Restorer.Result restored = Restorer.restore(backend, Restorer.Target.latest(), root.resolve("restored"), false);
      double restoreS = (System.nanoTime() - t0) / 1e9;
      double restoreCpuS = (processCpuNanos() - cpu0) / 1e9;
      System.out.printf("RESULT backup-bench backend=%s spool_MiB=%d uploaded_MiB=%d backup_MBps=%.1f plain_copy_MBps=%.1f"
              + " ratio=%.2f durable_copy_MBps=%.1f ratio_durable=%.2f restore_s=%.1f restore_MBps=%.1f"
              + " plain_download_MBps=%.1f durable_download_MBps=%.1f restore_ratio=%.2f restore_ratio_durable=%.2f restore_read_MBps=%.1f"
              + " restore_read_ratio=%.2f backup_cpu_s=%.2f restore_cpu_s=%.2f (restore reads and verifies the whole"
              + " backup once while it replays, and forces what it wrote; LSN %d)%n",
          kind, spoolBytes >> 20, r.bytesUploaded() >> 20, r.bytesUploaded() / 1e6 / backupS, floorBytes / 1e6 / floorS,
          (floorBytes / floorS) / (r.bytesUploaded() / backupS), floorBytes / 1e6 / durableS,
          (floorBytes / durableS) / (r.bytesUploaded() / backupS), restoreS, spoolBytes / 1e6 / restoreS,
          floorBytes / 1e6 / downloadS, floorBytes / 1e6 / durableDownloadS, (floorBytes / downloadS) / (spoolBytes / restoreS),
          (floorBytes / (raw != null ? durableDownloadS : durableS)) / (spoolBytes / restoreS),
          r.bytesUploaded() / 1e6 / restoreS, (floorBytes / downloadS) / (r.bytesUploaded() / restoreS),
          backupCpuS, restoreCpuS, restored.lastLsn());
      if (restores > 1) {
        // The backup pruned the spool behind it: the filesystem floor copies the first floor's copies.
        List<Path> sources;
        try (Stream<Path> f = raw != null ? Stream.empty() : Files.list(root.resolve("plain"))) {
          sources = f.sorted().toList();
        }
        warmRestores(restores, backend, raw, n, sources, root, spoolBytes, floorBytes);
      }
      backend.close();
      if (raw != null) {
        raw.close();
      }
    } finally {
      if (proxy != null) {
        proxy.stop();
      }
      try (Stream<Path> w = Files.walk(root)) {
        w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(0);
  }

  /** Restores again and again beside the floor of each, alternating; prints each and the medians. */
  static void warmRestores(int reps, Backend backend, S3Client raw, int objects, List<Path> segments, Path root,
      long spoolBytes, long floorBytes) throws Exception {
    double[] ratio = new double[reps];
    double[] ratioDurable = new double[reps];
    for (int k = 0; k < reps; k++) {
      Path plain = Files.createDirectories(root.resolve("warm-plain-" + k));
      Path durable = Files.createDirectories(root.resolve("warm-durable-" + k));
      Path restored = root.resolve("warm-restored-" + k);
      // The three phases take turns going first: on this VM a write of a few hundred MiB into new
      // files runs at page-cache speed only until the kernel starts throttling the writer to the
      // disk's, and a sync does not reset that, so whichever phase ran third always paid for it.
      double plainS = 0;
      double durableS = 0;
      double restoreS = 0;
      long wrote = 0;
      for (int phase = 0; phase < 3; phase++) {
        int which = (phase + k) % 3;
        settleDisk();
        long written0 = writtenBytes();
        long t0 = System.nanoTime();
        if (which == 0) {
          copyOut(raw, objects, segments, plain, false);
          plainS = (System.nanoTime() - t0) / 1e9;
        } else if (which == 1) {
          copyOut(raw, objects, segments, durable, true);
          durableS = (System.nanoTime() - t0) / 1e9;
        } else {
          Restorer.restore(backend, Restorer.Target.latest(), restored, false);
          restoreS = (System.nanoTime() - t0) / 1e9;
          wrote = writtenBytes() - written0;
        }
      }
      System.out.printf("RESTORE rep=%d first=%s wrote_MiB=%d (this process, as the kernel counts it)%n", k + 1,
          List.of("plain", "durable", "restore").get(k % 3), wrote >> 20);
      ratio[k] = (floorBytes / plainS) / (spoolBytes / restoreS);
      ratioDurable[k] = (floorBytes / durableS) / (spoolBytes / restoreS);
      System.out.printf("RESTORE rep=%d restore_s=%.2f plain_s=%.2f durable_s=%.2f restore_ratio=%.2f"
          + " restore_ratio_durable=%.2f%n", k + 1, restoreS, plainS, durableS, ratio[k], ratioDurable[k]);
      for (Path d : List.of(plain, durable, restored)) {
        try (Stream<Path> w = Files.walk(d)) {
          w.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
      }
    }
    java.util.Arrays.sort(ratio);
    java.util.Arrays.sort(ratioDurable);
    System.out.printf("RESULT warm-restores reps=%d median restore_ratio=%.2f restore_ratio_durable=%.2f%n", reps,
        ratio[reps / 2], ratioDurable[reps / 2]);
  }

  /** The restore's floor: the same bytes downloaded (S3) or copied (filesystem), optionally forced. */
  static void copyOut(S3Client raw, int objects, List<Path> segments, Path to, boolean forced) throws Exception {
    if (raw != null) {
      for (int i = 0; i < objects; i++) {
        String key = "plain/" + i;
        Path file = to.resolve(String.valueOf(i));
        raw.getObject(b -> b.bucket("bench").key(key), file);
        if (forced) {
          force(file);
        }
      }
    } else {
      for (Path seg : segments) {
        Path file = to.resolve(seg.getFileName());
        Files.copy(seg, file);
        if (forced) {
          force(file);
        }
      }
    }
  }

  static void force(Path file) throws java.io.IOException {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** CPU time of this whole JVM (the S3 server included, when it runs in it). */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * Waits until the disk has written back what earlier phases left dirty in the page cache, so
   * each timed phase pays for its own writes only (a restore forces its spool, and would
   * otherwise also wait on the writeback of the upload before it).
   */
  /** Bytes this process has caused to be written to storage so far (Linux /proc/self/io), or 0 elsewhere. */
  static long writtenBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
        if (line.startsWith("write_bytes:")) {
          return Long.parseLong(line.substring("write_bytes:".length()).trim());
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux: the figure is left out
    }
    return 0;
  }

  static void settleDisk() throws Exception {
    new ProcessBuilder("sync").inheritIO().start().waitFor();
  }
}
