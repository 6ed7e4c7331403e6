package io.raftwal.cli;

import io.raftwal.command.Reply;
import io.raftwal.embed.RaftWalClient;
import io.raftwal.spool.SpoolRecord;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** A scripted tour on a fresh local cluster; exits 0 when every step held. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start a local 3-node cluster and tour it: append, read from a follower, status, kill -9 the leader"
        + " and keep writing, restart it, show that it converged. Exits 0 when every step held.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", description = "Directory for the demo cluster (default: a new temp directory).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path root = dir != null ? dir : Files.createTempDirectory("raftwal-demo");
    try (ProcessCluster cluster = ProcessCluster.open(root, 3, LocalCommand.nodeJvmOptions())) {
      cluster.startAll();
      String leader = cluster.awaitLeader(120_000).orElseThrow(
          () -> new CliException(CliException.UNREACHABLE, "no leader within 120 s; logs in " + root));
      say(out, "1. three node processes are up in " + root + "; the leader is " + leader);
      try (RaftWalClient client = new RaftWalClient(cluster.cluster().peers(), cluster.cluster().groupId(),
          java.time.Duration.ofSeconds(60))) {
        appendFive(out, client, "before");
        String follower = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        say(out, "2. reading from follower " + follower + " (its own spool):");
        // A follower serves what it has applied, and it learns that the leader committed the last
        // records with the next heartbeat: wait for them, briefly, rather than show an empty read.
        long appliedBy = System.nanoTime() + 10_000_000_000L;
        while (client.status(follower).lastLsn() < 5 && System.nanoTime() < appliedBy) {
          Thread.sleep(50);
        }
        for (SpoolRecord r : client.readSince(0, 100, follower)) {
          say(out, "     lsn=" + r.lsn() + " term=" + r.term() + " " + new String(r.payload(), StandardCharsets.UTF_8));
        }
        say(out, "3. status:");
        printStatus(out, cluster);

        say(out, "4. kill -9 the leader " + leader + ", and keep writing");
        cluster.kill(leader);
        appendFive(out, client, "after");
        say(out, "   new leader: " + cluster.awaitLeader(60_000).orElse("?"));

        say(out, "5. restart " + leader + " from its directory");
        cluster.start(leader);
        long deadline = System.nanoTime() + 120_000_000_000L;
        long applied = -1;
        while (System.nanoTime() < deadline) {
          try {
            applied = client.status(leader).lastLsn();
            if (applied >= 10) {
              break;
            }
          } catch (Exception starting) {
            // not up yet
          }
          Thread.sleep(200);
        }
        if (applied < 10) {
          throw new CliException(CliException.UNREACHABLE, leader + " did not catch up within 120 s (at LSN " + applied + ")");
        }
        List<SpoolRecord> reference = client.readSince(0, 100, cluster.ids().get(0));
        for (String id : cluster.ids()) {
          List<SpoolRecord> records = client.readSince(0, 100, id);
          if (!records.equals(reference)) {
            throw new CliException(CliException.IO, "node " + id + " holds different records than " + cluster.ids().get(0));
          }
        }
        say(out, "   converged: every node holds LSN 1.." + reference.size() + " with the same terms and bytes");
        printStatus(out, cluster);
      }
      say(out, "demo done; stopping the nodes");
    }
    return 0;
  }

  private static void appendFive(PrintWriter out, RaftWalClient client, String tag) throws Exception {
    List<CompletableFuture<Reply.Appended>> acks = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      acks.add(client.append(List.of(("demo record " + tag + " #" + i).getBytes(StandardCharsets.UTF_8))));
    }
    StringBuilder sb = new StringBuilder("   appended:");
    for (CompletableFuture<Reply.Appended> f : acks) {
      Reply.Appended a = ClusterCalls.run("append", () -> ClusterCalls.await(f, Duration.ofMinutes(1)));
      sb.append(" lsn=").append(a.firstLsn()).append("/term=").append(a.term());
    }
    say(out, sb.toString());
  }

  private static void printStatus(PrintWriter out, ProcessCluster cluster) throws Exception {
    try (ClusterProbe probe = new ClusterProbe(cluster.cluster().peers(), cluster.cluster().groupId())) {
      for (ClusterProbe.Member m : probe.probeAll()) {
        say(out, String.format("     %-3s %-10s term %-3s applied idx %-5s commit idx %s", m.id(), m.role(),
            m.term(), m.appliedIndex(), m.commitIndex()));
      }
    }
  }

  private static void say(PrintWriter out, String line) {
    out.println(line);
    out.flush();
  }
}
