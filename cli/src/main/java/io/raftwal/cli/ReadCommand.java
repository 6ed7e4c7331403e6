package io.raftwal.cli;

import io.raftwal.embed.RaftWalClient;
import io.raftwal.spool.SpoolRecord;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Reads records after an LSN from one node's spool. */
@Command(name = "read", mixinStandardHelpOptions = true,
    description = "Read records after an LSN: JSON lines {\"lsn\",\"term\",\"raftIndex\",\"timestampMs\",\"payload\"} (payload base64).")
final class ReadCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @Spec CommandSpec spec;

  @Option(names = "--since", required = true, paramLabel = "LSN", description = "Records after this LSN (0: from the start).")
  long since;

  @Option(names = "--max", defaultValue = "100", paramLabel = "N", description = "At most N records (default ${DEFAULT-VALUE}).")
  int max;

  @Option(names = "--node", paramLabel = "ID", description = "Read from this node (default: the leader).")
  String node;

  @Option(names = "--text", description = "Print payloads as UTF-8 text instead of base64 (human output).")
  boolean text;

  @Override
  public Integer call() {
    if (since < 0) {
      throw new CliException(CliException.USAGE, "--since must be 0 or a positive LSN, got " + since);
    }
    if (max < 1 || max > 100_000) {
      throw new CliException(CliException.USAGE, "--max must be between 1 and 100000, got " + max);
    }
    if (node != null && cluster.peers().stream().noneMatch(p -> p.id().equals(node))) {
      throw new CliException(CliException.USAGE, "--node " + node + " is not a member; members are "
          + cluster.peers().stream().map(p -> p.id()).toList());
    }
    var out = spec.commandLine().getOut();
    try (RaftWalClient client = cluster.client()) {
      List<SpoolRecord> records = ClusterCalls.run("read", () -> client.readSince(since, max, node));
      for (SpoolRecord r : records) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lsn", r.lsn());
        m.put("term", r.term());
        m.put("raftIndex", r.raftIndex());
        m.put("timestampMs", r.timestampMs());
        m.put("payload", text ? new String(r.payload(), StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(r.payload()));
        out.println(Output.json(m));
      }
      out.flush();
    } catch (java.io.IOException e) {
      throw new CliException(CliException.IO, "read: " + e.getMessage(), e);
    }
    return 0;
  }
}
