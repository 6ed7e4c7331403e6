package io.raftwal.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Three node processes on loopback, until Ctrl-C. */
@Command(name = "local", mixinStandardHelpOptions = true,
    description = "Start a local cluster of node processes on loopback, wait for a leader, and run until Ctrl-C."
        + " Reusing a --dir restarts the same cluster with its data.")
final class LocalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Directory for the nodes' data, configs and logs.")
  Path dir;

  @Option(names = "--nodes", defaultValue = "3", description = "Number of nodes for a new cluster (default ${DEFAULT-VALUE}).")
  int nodes;

  static List<String> nodeJvmOptions() {
    String env = System.getenv("RAFTWAL_NODE_JAVA_OPTS");
    return env != null && !env.isBlank() ? List.of(env.trim().split("\\s+"))
        : List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  }

  @Override
  public Integer call() throws Exception {
    var out = spec.commandLine().getOut();
    ProcessCluster cluster;
    try {
      cluster = ProcessCluster.open(dir, nodes, nodeJvmOptions());
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "--nodes: " + e.getMessage());
    }
    cluster.startAll();
    out.println("starting " + cluster.ids().size() + " nodes in " + dir.toAbsolutePath() + " ...");
    out.flush();
    Optional<String> leader = cluster.awaitLeader(120_000);
    if (leader.isEmpty()) {
      for (String id : cluster.ids()) {
        System.err.println("--- " + id + " log ---\n" + cluster.logTail(id, 20));
      }
      cluster.close();
      throw new CliException(CliException.UNREACHABLE, "no leader within 120 s; the nodes' logs are in " + dir);
    }
    Path file = cluster.clusterFilePath().toAbsolutePath();
    out.println("cluster up: leader is " + leader.get());
    out.println("cluster file: " + file);
    out.println("logs: " + dir.toAbsolutePath() + "/<node>.log");
    out.println();
    out.println("next, in another terminal:");
    out.println("  ./raftwal append --cluster " + file + " --data 'hello'");
    out.println("  ./raftwal read   --cluster " + file + " --since 0 --text");
    out.println("  ./raftwal status --cluster " + file);
    out.println("  ./raftwal slot create --cluster " + file + " --id my-consumer");
    out.println();
    out.println("Ctrl-C stops all nodes.");
    out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("stopping the nodes ...")));
    Thread.currentThread().join();
    return 0;
  }
}
