package io.raftwal.cluster;

import io.raftwal.cli.ProcessCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension around {@link ProcessCluster}: node processes started through it print their
 * logs when a test fails, and are always stopped after the test.
 */
final class ClusterHarness implements AfterEachCallback {
  /** Small heaps and the C1 compiler only: three node JVMs and a client share 2 cores. */
  static final List<String> NODE_JVM = List.of("-Xms64m", "-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private final List<ProcessCluster> clusters = new ArrayList<>();

  ProcessCluster start(Path dir, int nodes) throws IOException, InterruptedException {
    return start(dir, nodes, java.util.Map.of());
  }

  ProcessCluster start(Path dir, int nodes, java.util.Map<String, String> config) throws IOException, InterruptedException {
    ProcessCluster c = ProcessCluster.open(dir, nodes, NODE_JVM, config);
    clusters.add(c);
    c.startAll();
    return c;
  }

  static String awaitLeader(ProcessCluster c) throws IOException, InterruptedException {
    Optional<String> leader = c.awaitLeader(180_000);
    if (leader.isEmpty()) {
      throw new AssertionError("no leader within 180 s");
    }
    return leader.get();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    boolean failed = context.getExecutionException().isPresent();
    for (ProcessCluster c : clusters) {
      if (failed) {
        for (String id : c.ids()) {
          System.err.println("===== log of node " + id + " (last 80 lines) =====\n" + c.logTail(id, 80));
        }
      }
      c.close();
    }
    clusters.clear();
  }
}
