package io.raftwal.cli;

import io.raftwal.embed.RaftWalClient;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** A plain Ratis leadership transfer (no write freeze, no catch-up check). */
@Command(name = "transfer-leader", mixinStandardHelpOptions = true,
    description = "Move leadership to --to with Ratis's leadership transfer (bounded by --timeout).")
final class TransferLeaderCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @Spec CommandSpec spec;

  @Option(names = "--to", required = true, paramLabel = "ID") String to;

  @Override
  public Integer call() throws Exception {
    if (cluster.peers().stream().noneMatch(p -> p.id().equals(to))) {
      throw new CliException(CliException.USAGE, "--to " + to + " is not a member; members are "
          + cluster.peers().stream().map(p -> p.id()).toList());
    }
    try (RaftWalClient c = cluster.client(); ClusterProbe probe = new ClusterProbe(cluster.peers(), cluster.groupId())) {
      long timeoutMs = cluster.timeout().toMillis();
      RaftClientReply r = ClusterCalls.run("transfer-leader",
          () -> c.ratis().admin().transferLeadership(RaftPeerId.valueOf(to), timeoutMs));
      if (!r.isSuccess()) {
        throw new CliException(CliException.UNREACHABLE, "transfer-leader failed: " + r.getException());
      }
      String leader = probe.awaitLeader(timeoutMs).orElse(null);
      Output.line(spec.commandLine().getOut(), cluster.json, Map.of("leader", String.valueOf(leader)),
          "leader is now " + leader);
      return to.equals(leader) ? 0 : CliException.UNREACHABLE;
    }
  }
}
