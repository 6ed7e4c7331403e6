package io.raftwal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.raftwal.command.StateSummary;
import io.raftwal.embed.RaftWalClient;
import io.raftwal.slot.Slot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The cluster as each member sees it. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Leader and term; per node its role, applied LSN and index, commit index, the leader's view of"
        + " its match index, last snapshot index and oldest retained LSN; slots with their lag."
        + " Exits 2 when no member is leader.")
final class StatusCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var out = spec.commandLine().getOut();
    List<ClusterProbe.Member> members;
    try (ClusterProbe probe = new ClusterProbe(cluster.peers(), cluster.groupId())) {
      members = probe.probeAll();
    }
    String leader = members.stream().filter(ClusterProbe.Member::leader).map(ClusterProbe.Member::id).findFirst().orElse(null);
    long term = members.stream().mapToLong(ClusterProbe.Member::term).max().orElse(-1);
    Map<String, Long> match = leader == null ? Map.of() : leaderMatchIndices(leader);
    List<Map<String, Object>> nodes = new ArrayList<>();
    List<Slot> slots = List.of();
    long lastLsn = 0;
    try (RaftWalClient client = cluster.client()) {
      for (ClusterProbe.Member m : members) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("id", m.id());
        n.put("role", m.role());
        if (m.reachable()) {
          StateSummary s = null;
          try {
            s = client.status(m.id());
          } catch (Exception e) {
            n.put("error", ClusterCalls.firstLine(e.getMessage()));
          }
          n.put("appliedLsn", s == null ? null : s.lastLsn());
          n.put("appliedIndex", m.appliedIndex());
          n.put("commitIndex", m.commitIndex());
          n.put("matchIndex", m.leader() ? (Object) m.lastEntryIndex() : match.get(m.id()));
          n.put("snapshotIndex", m.snapshotIndex());
          n.put("oldestLsn", s == null ? null : s.oldestLsn());
          n.put("writesFrozen", s != null && s.writesFrozen());
          if (s != null && m.leader()) {
            lastLsn = s.lastLsn();
          }
        } else {
          n.put("error", m.error());
        }
        nodes.add(n);
      }
      if (leader != null) {
        slots = ClusterCalls.run("status", () -> client.slots(leader));
      }
    }
    List<Map<String, Object>> slotRows = new ArrayList<>();
    for (Slot s : slots) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("id", s.id());
      r.put("restartLsn", s.restartLsn());
      r.put("lagLsn", Math.max(0, lastLsn - s.restartLsn()));
      r.put("valid", s.valid());
      r.put("invalidation", s.invalidation() == null ? null : s.invalidation().name());
      slotRows.add(r);
    }
    if (cluster.json) {
      Map<String, Object> all = new LinkedHashMap<>();
      all.put("leader", leader);
      all.put("term", term);
      all.put("nodes", nodes);
      all.put("slots", slotRows);
      out.println(Output.json(all));
    } else {
      out.println(leader == null ? "no leader (term " + term + ")" : "leader " + leader + ", term " + term);
      out.printf("%-6s %-12s %11s %12s %12s %10s %13s %10s%n", "node", "role", "applied LSN", "applied idx",
          "commit idx", "match idx", "snapshot idx", "oldest LSN");
      for (Map<String, Object> n : nodes) {
        if (n.containsKey("appliedIndex")) {
          out.printf("%-6s %-12s %11s %12s %12s %10s %13s %10s%n", n.get("id"), n.get("role"), dash(n.get("appliedLsn")),
              n.get("appliedIndex"), n.get("commitIndex"), dash(n.get("matchIndex")), n.get("snapshotIndex"),
              dash(n.get("oldestLsn")));
        } else {
          out.printf("%-6s %-12s %s%n", n.get("id"), n.get("role"), n.get("error"));
        }
      }
      out.println(slotRows.isEmpty() ? "slots: none" : "slots:");
      for (Map<String, Object> r : slotRows) {
        out.printf("  %-20s restart LSN %-8s lag %-8s %s%n", r.get("id"), r.get("restartLsn"), r.get("lagLsn"),
            Boolean.TRUE.equals(r.get("valid")) ? "valid" : "invalid (" + r.get("invalidation") + ")");
      }
    }
    out.flush();
    return leader == null ? CliException.UNREACHABLE : 0;
  }

  private static Object dash(Object v) {
    return v == null ? "-" : v;
  }

  /** The leader's replicated index per follower, from its admin API when its address is known. */
  private Map<String, Long> leaderMatchIndices(String leader) {
    String admin = cluster.admins().get(leader);
    if (admin == null) {
      return Map.of();
    }
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + admin + "/status"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      JsonNode node = new ObjectMapper().readTree(r.body()).path("followerMatchIndex");
      Map<String, Long> out = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
      return out;
    } catch (Exception e) {
      return Map.of();
    }
  }
}
