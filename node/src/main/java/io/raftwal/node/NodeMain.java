package io.raftwal.node;

import io.raftwal.embed.RaftWal;
import io.raftwal.node.admin.AdminServer;
import io.raftwal.node.metrics.NodeMetrics;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raftwal node process: one Ratis server over gRPC running the raftwal state machine.
 * {@code NodeMain --config FILE [--set key=value ...]}. Runs until SIGTERM (or SIGINT), then
 * stops gracefully: no new appends, applied state settles, the spool is forced and closed.
 */
public final class NodeMain {
  private static final Logger LOG = LoggerFactory.getLogger(NodeMain.class);

  private NodeMain() {}

  public static void main(String[] args) {
    Path config = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--config") && i + 1 < args.length) {
        config = Path.of(args[++i]);
      } else if (a.equals("--set") && i + 1 < args.length) {
        String kv = args[++i];
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          fail("--set takes key=value, got '" + kv + "'");
        }
        overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
      } else {
        fail("unknown argument '" + a + "'; usage: NodeMain --config FILE [--set key=value ...]");
      }
    }
    NodeConfig cfg;
    try {
      cfg = NodeConfig.load(config, overrides);
    } catch (IllegalArgumentException e) {
      fail(e.getMessage());
      return;
    } catch (Exception e) {
      fail("cannot read the config: " + e.getMessage());
      return;
    }
    try {
      run(cfg);
    } catch (Exception e) {
      LOG.error("node {} failed: {}", cfg.wal().nodeId(), e.toString(), e);
      System.exit(3);
    }
  }

  /**
   * Loads the config, starts the node and blocks until the JVM is asked to stop.
   *
   * @throws IllegalArgumentException when the config is invalid (nothing was started)
   */
  public static void runForeground(Path config, Map<String, String> overrides) throws Exception {
    NodeConfig cfg;
    try {
      cfg = NodeConfig.load(config, overrides);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read config " + config + ": " + e.getMessage(), e);
    }
    run(cfg);
  }

  /** Starts the node and blocks until the JVM is asked to stop. */
  static void run(NodeConfig cfg) throws Exception {
    RaftWal wal = RaftWal.start(cfg.wal(), null);
    io.raftwal.backup.BackupService backup = null;
    java.util.concurrent.ScheduledExecutorService scheduler = null;
    if (cfg.backupBackend() != null) {
      backup = new io.raftwal.backup.BackupService(
          wal.server().getDivision(wal.server().getGroupIds().iterator().next()), wal.stateMachine(), wal.client(),
          io.raftwal.backend.Backends.open(cfg.backupBackend(), cfg.backupEndpoint(), cfg.backupRegion()),
          wal.journal().map(j -> (io.raftwal.journal.EventSink) j).orElse(io.raftwal.journal.EventSink.NONE));
      if (cfg.backupOnSnapshot()) {
        backup.publishOnSnapshot(java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "raftwal-backup-on-snapshot");
          t.setDaemon(true);
          return t;
        }));
      }
      if (cfg.backupIntervalMs() > 0) {
        io.raftwal.backup.BackupService b = backup;
        scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "raftwal-backup-scheduler");
          t.setDaemon(true);
          return t;
        });
        scheduler.scheduleWithFixedDelay(() -> {
          if (wal.isLeader()) {
            b.run(io.raftwal.journal.Actor.SCHEDULER);
          }
        }, cfg.backupIntervalMs(), cfg.backupIntervalMs(), java.util.concurrent.TimeUnit.MILLISECONDS);
      }
    }
    NodeMetrics metrics = new NodeMetrics(wal, () -> commitIndex(wal), backup);
    AdminServer admin = cfg.adminPort() > 0
        ? new AdminServer(wal, metrics, cfg.adminBind(), cfg.adminPort(), cfg.adminToken(), backup) : null;
    java.util.concurrent.ScheduledExecutorService sched = scheduler;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("node {} stopping (signal)", cfg.wal().nodeId());
      try {
        if (sched != null) {
          sched.shutdownNow();
        }
        if (admin != null) {
          admin.close();
        }
        metrics.close();
        wal.close();
      } catch (Exception e) {
        LOG.warn("node {} did not stop cleanly: {}", cfg.wal().nodeId(), e.toString());
      } finally {
        stopped.countDown();
      }
    }, "raftwal-shutdown"));
    LOG.info("node {} serving; Raft at {}", cfg.wal().nodeId(), cfg.wal().self().address());
    stopped.await();
  }

  static long commitIndex(RaftWal wal) {
    try {
      return wal.server().getDivision(wal.server().getGroupIds().iterator().next()).getRaftLog().getLastCommittedIndex();
    } catch (Exception e) {
      return -1;
    }
  }

  private static void fail(String message) {
    System.err.println("raftwal node: " + message);
    System.exit(1);
  }
}
