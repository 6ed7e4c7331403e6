package io.raftwal.cli;

import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftWalClient;
import io.raftwal.embed.RaftWalConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Option;

/** How a command finds the cluster: {@code --cluster FILE} or {@code --peers}, plus output options. */
final class ClusterOptions {
  @Option(names = "--cluster", paramLabel = "FILE", description = "Cluster file written by `raftwal local`.")
  Path clusterFile;

  @Option(names = "--peers", paramLabel = "id=host:port,...", description = "Raft addresses of the members.")
  String peers;

  @Option(names = "--admin", paramLabel = "id=host:port,...", description = "Admin HTTP addresses of the members.")
  String admin;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Admin bearer token (default: from the cluster file).")
  String token;

  @Option(names = "--timeout", paramLabel = "D", defaultValue = "20s",
      description = "How long to wait for the cluster: 500ms, 20s, 2m; a bare number is seconds"
          + " (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(names = "--json", description = "Machine-readable output.")
  boolean json;

  private ClusterFile file;

  ClusterFile file() {
    if (file == null && clusterFile != null) {
      file = ClusterFile.read(clusterFile);
    }
    return file;
  }

  List<Peer> peers() {
    if (peers != null) {
      try {
        return Peer.parseList(peers);
      } catch (IllegalArgumentException e) {
        throw new CliException(CliException.USAGE, "--peers: " + e.getMessage());
      }
    }
    if (file() != null) {
      return file().peers();
    }
    throw new CliException(CliException.USAGE, "say where the cluster is: --cluster FILE or --peers id=host:port,...");
  }

  UUID groupId() {
    return file() != null && file().groupId() != null ? file().groupId() : RaftWalConfig.DEFAULT_GROUP_ID;
  }

  Map<String, String> admins() {
    Map<String, String> out = new LinkedHashMap<>();
    if (file() != null) {
      out.putAll(file().admins());
    }
    if (admin != null) {
      for (Peer p : parseAdmin(admin)) {
        out.put(p.id(), p.address());
      }
    }
    return out;
  }

  private static List<Peer> parseAdmin(String spec) {
    try {
      return Peer.parseList(spec);
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "--admin: " + e.getMessage());
    }
  }

  String adminToken() {
    return token != null ? token : file() != null ? file().adminToken() : null;
  }

  Duration timeout() {
    return DurationOption.parse("--timeout", timeout, Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofHours(1));
  }

  /** The timeout as an operator typed it, for messages. */
  String timeoutText() {
    return DurationOption.human(timeout());
  }

  RaftWalClient client() {
    return new RaftWalClient(peers(), groupId(), timeout());
  }
}
