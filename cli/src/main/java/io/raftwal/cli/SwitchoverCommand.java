package io.raftwal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** A planned, zero-data-loss leadership handover through the leader's admin API. */
@Command(name = "switchover", mixinStandardHelpOptions = true,
    description = {"Hand leadership to --to: freeze writes on the leader, wait until the target holds and has applied"
        + " every accepted record, then transfer. COORDINATED (default) aborts at the deadline and resumes writes;"
        + " --force hands over anyway and reports the LSNs the target lacked.",
        "Exit codes: 0 handed over; 3 nothing handed over, the old leader still serves (pre-flight refusal or"
        + " coordinated abort; the JSON says which); 2 cluster unreachable; 1 bad usage."})
final class SwitchoverCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @Spec CommandSpec spec;

  @Option(names = "--to", required = true, paramLabel = "ID") String to;
  @Option(names = "--deadline", defaultValue = "5s", paramLabel = "D",
      description = "Catch-up deadline: 500ms, 5s, 1m (default ${DEFAULT-VALUE}).") String deadline;
  @Option(names = "--force", description = "Hand over at the deadline even if the target has not caught up.") boolean force;
  @Option(names = "--max-lag", paramLabel = "LSNS", description = "Refuse a target further behind than this.") Long maxLag;
  @Option(names = "--request-id", paramLabel = "ID", description = "Retrying with the same id returns the first outcome.")
  String requestId;

  @Override
  public Integer call() throws Exception {
    long deadlineMs = DurationOption.parse("--deadline", deadline, Duration.ofMillis(1), Duration.ofMillis(1),
        Duration.ofMinutes(10)).toMillis();
    if (cluster.peers().stream().noneMatch(p -> p.id().equals(to))) {
      throw new CliException(CliException.USAGE, "--to " + to + " is not a member; members are "
          + cluster.peers().stream().map(p -> p.id()).toList());
    }
    String leader;
    try (ClusterProbe probe = new ClusterProbe(cluster.peers(), cluster.groupId())) {
      leader = probe.awaitLeader(cluster.timeout().toMillis()).orElseThrow(() -> new CliException(
          CliException.UNREACHABLE, "switchover: no leader within " + cluster.timeoutText()));
    }
    String admin = cluster.admins().get(leader);
    if (admin == null) {
      throw new CliException(CliException.USAGE, "switchover runs on the leader's admin API, and the admin address of "
          + leader + " is unknown: pass --cluster or --admin id=host:port,...");
    }
    String token = cluster.adminToken();
    if (token == null || token.isBlank()) {
      throw new CliException(CliException.USAGE, "switchover needs the admin token: pass --cluster or --token");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("to", to);
    body.put("mode", force ? "force" : "coordinated");
    body.put("deadlineMs", deadlineMs);
    body.put("maxLagLsn", maxLag);
    body.put("requestId", requestId != null ? requestId : UUID.randomUUID().toString());
    HttpResponse<String> r = ClusterCalls.run("switchover", () -> HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5)).build()
        .send(HttpRequest.newBuilder(URI.create("http://" + admin + "/switchover"))
            .timeout(Duration.ofMillis(deadlineMs * 3 + 30_000))
            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Output.json(body))).build(), HttpResponse.BodyHandlers.ofString()));
    JsonNode o = new ObjectMapper().readTree(r.body());
    if (r.statusCode() != 200 && r.statusCode() != 409) {
      throw new CliException(r.statusCode() == 401 ? CliException.USAGE : CliException.IO,
          "switchover refused by " + leader + " (HTTP " + r.statusCode() + "): " + o.path("error").asText(r.body()));
    }
    var out = spec.commandLine().getOut();
    if (cluster.json) {
      out.println(r.body());
    } else if (o.path("state").asText().equals("HANDED_OVER")) {
      out.printf("handed over: %s -> %s, term %d -> %d, frontier LSN %d, skipped %d, writes refused for %d ms%s%n",
          o.path("oldLeader").asText(), o.path("newLeader").asText(), o.path("oldTerm").asLong(), o.path("newTerm").asLong(),
          o.path("frontierLsn").asLong(), o.path("skippedLsn").asLong(), o.path("unavailableMs").asLong(),
          o.path("reason").asText().isEmpty() ? "" : " (" + o.path("reason").asText() + ")");
    } else {
      out.printf("%s: %s still leads; %s%n", o.path("refusedInPreflight").asBoolean() ? "refused in pre-flight" : "aborted",
          o.path("oldLeader").asText(), o.path("reason").asText());
    }
    out.flush();
    return o.path("state").asText().equals("HANDED_OVER") ? 0 : CliException.IO;
  }
}
