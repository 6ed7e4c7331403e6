package io.raftwal.node;

import io.raftwal.embed.RaftWal;
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

  /** Starts the node and blocks until the JVM is asked to stop. */
  static void run(NodeConfig cfg) throws Exception {
    RaftWal wal = RaftWal.start(cfg.wal(), null);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("node {} stopping (signal)", cfg.wal().nodeId());
      try {
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

  private static void fail(String message) {
    System.err.println("raftwal node: " + message);
    System.exit(1);
  }
}
