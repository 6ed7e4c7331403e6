package io.raftwal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.raftwal.backend.Backend;
import io.raftwal.backend.Backends;
import io.raftwal.backup.ChainVerifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Runs a backup on the leader; {@code backup verify} checks a backup. */
@Command(name = "backup", mixinStandardHelpOptions = true,
    description = {"Run a backup now on the leader (its node needs backup.backend): snapshot, WAL since the last"
        + " archived LSN as one hash-chained segment, head, MANIFEST.json, archive progress through Raft.",
        "Exit codes: 0 done, 3 refused or failed (the message says which), 2 unreachable."},
    subcommands = {BackupCommand.Verify.class})
final class BackupCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String leader;
    try (ClusterProbe probe = new ClusterProbe(cluster.peers(), cluster.groupId())) {
      leader = probe.awaitLeader(cluster.timeout().toMillis()).orElseThrow(() -> new CliException(
          CliException.UNREACHABLE, "backup: no leader within " + cluster.timeoutText()));
    }
    String admin = cluster.admins().get(leader);
    String token = cluster.adminToken();
    if (admin == null || token == null) {
      throw new CliException(CliException.USAGE, "backup runs on the leader's admin API: pass --cluster, or --admin and --token");
    }
    HttpResponse<String> r = ClusterCalls.run("backup", () -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .build().send(HttpRequest.newBuilder(URI.create("http://" + admin + "/backup")).timeout(Duration.ofMinutes(30))
            .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString()));
    JsonNode o = new ObjectMapper().readTree(r.body());
    var out = spec.commandLine().getOut();
    if (r.statusCode() == 200) {
      if (cluster.json) {
        out.println(r.body());
      } else {
        out.printf("backup done on %s: snapshot %s, archived through LSN %d, %d segment(s), %d bytes in %d ms%n",
            leader, o.path("snapshotKey").asText(), o.path("archivedLsn").asLong(), o.path("segmentsWritten").asInt(),
            o.path("bytesUploaded").asLong(), o.path("durationMs").asLong());
      }
      out.flush();
      return 0;
    }
    throw new CliException(CliException.IO, "backup " + o.path("outcome").asText("failed").toLowerCase() + " on " + leader
        + ": " + o.path("reason").asText(o.path("error").asText(r.body())));
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Check a backup without trusting it: every digest, the prev_hash chain, LSN continuity, the head"
          + " and MANIFEST.json.", "Exit 0 when everything holds, 4 with each problem named otherwise."})
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--backend", required = true, paramLabel = "URI", description = "file:/DIR or s3://bucket/prefix")
    String backend;
    @Option(names = "--endpoint", paramLabel = "URL", description = "S3-compatible endpoint") String endpoint;
    @Option(names = "--region", defaultValue = "us-east-1") String region;

    @Override
    public Integer call() throws Exception {
      Backend b;
      try {
        b = Backends.open(backend, endpoint, region);
      } catch (IllegalArgumentException e) {
        throw new CliException(CliException.USAGE, "--backend: " + e.getMessage());
      }
      try (b) {
        ChainVerifier.Report r = ChainVerifier.verify(b);
        var out = spec.commandLine().getOut();
        r.checked().forEach(c -> out.println("ok    " + c));
        r.problems().forEach(p -> out.println("FAIL  " + p));
        out.println(r.ok() ? "backup verified: " + r.checked().size() + " check(s) passed"
            : r.problems().size() + " problem(s) found");
        out.flush();
        return r.ok() ? 0 : 4;
      }
    }
  }
}
