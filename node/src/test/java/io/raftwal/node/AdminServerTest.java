package io.raftwal.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftWal;
import io.raftwal.embed.RaftWalConfig;
import io.raftwal.node.admin.AdminServer;
import io.raftwal.node.metrics.NodeMetrics;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminServerTest {
  @TempDir Path tmp;
  static final ObjectMapper JSON = new ObjectMapper();
  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> call(String method, int port, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void adminApiServesStatusMetricsHealthAndGuardsMutations() throws Exception {
    List<Peer> peers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        peers.add(new Peer("n" + i, "127.0.0.1:" + s.getLocalPort()));
      }
    }
    List<RaftWal> wals = new ArrayList<>();
    List<AdminServer> admins = new ArrayList<>();
    List<NodeMetrics> metrics = new ArrayList<>();
    try {
      for (Peer p : peers) {
        RaftWal w = RaftWal.start(RaftWalConfig.builder(p.id(), tmp.resolve(p.id())).peers(peers).build(), null);
        wals.add(w);
        NodeMetrics m = new NodeMetrics(w, () -> NodeMain.commitIndex(w));
        metrics.add(m);
        admins.add(new AdminServer(w, m, "127.0.0.1", 0, "s3cret"));
      }
      for (int i = 0; i < 20; i++) {
        wals.get(0).append(("r" + i).getBytes()).join();
      }
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> wals.stream().allMatch(w -> w.stateMachine().lastLsn() == 20));
      int leaderIdx = 0;
      for (int i = 0; i < 3; i++) {
        if (wals.get(i).isLeader()) {
          leaderIdx = i;
        }
      }
      int port = admins.get(leaderIdx).port();

      JsonNode status = JSON.readTree(call("GET", port, "/status", null, null).body());
      assertEquals("LEADER", status.get("role").asText());
      assertEquals(20, status.get("appliedLsn").asLong());
      assertTrue(status.get("commitIndex").asLong() >= status.get("appliedIndex").asLong() - 1);
      Awaitility.await("per-follower match index").atMost(Duration.ofSeconds(30)).until(() ->
          JSON.readTree(call("GET", port, "/status", null, null).body()).get("followerMatchIndex").size() == 2);

      Awaitility.await("healthy").atMost(Duration.ofSeconds(30)).until(() -> call("GET", port, "/health", null, null).statusCode() == 200);
      String prom = call("GET", port, "/metrics", null, null).body();
      assertTrue(prom.contains("raftwal_applied_lsn 20"), prom.substring(0, Math.min(400, prom.length())));
      assertTrue(prom.contains("raftwal_write_gate_frozen 0"));
      assertTrue(prom.contains("raftwal_replication_stall_handovers_total 0"), "no stall handed the leadership over");
      assertTrue(prom.lines().anyMatch(l -> l.startsWith("ratis_")), "Ratis's own metrics are bridged");

      String body = "{\"id\":\"consumer-1\"}";
      assertEquals(401, call("POST", port, "/slots", null, body).statusCode());
      assertEquals(401, call("POST", port, "/slots", "wrong", body).statusCode());
      assertEquals(0, wals.get(leaderIdx).slots().size(), "a refused call changes nothing");
      HttpResponse<String> bad = call("POST", port, "/slots", "s3cret", "{\"id\":\"c\",\"colour\":1}");
      assertEquals(400, bad.statusCode());
      assertTrue(bad.body().contains("colour"), bad.body());
      assertEquals(400, call("POST", port, "/slots", "s3cret", "{not json").statusCode());
      assertEquals(400, call("POST", port, "/slots", "s3cret", "{\"id\":\"\"}").statusCode());
      HttpResponse<String> noLsn = call("POST", port, "/slots/ack", "s3cret", body);
      assertEquals(400, noLsn.statusCode());
      assertTrue(noLsn.body().contains("lsn"), noLsn.body());

      assertEquals(200, call("POST", port, "/slots", "s3cret", "{\"id\":\"consumer-1\",\"lsn\":0}").statusCode());
      assertEquals(202, call("POST", port, "/slots/ack", "s3cret", "{\"id\":\"consumer-1\",\"lsn\":15}").statusCode());
      Awaitility.await("slot acked everywhere").atMost(Duration.ofSeconds(30)).until(() -> wals.stream()
          .allMatch(w -> w.slots().size() == 1 && w.slots().get(0).restartLsn() == 15));
      assertTrue(call("GET", port, "/metrics", null, null).body().contains("raftwal_slot_lag_lsn{slot=\"consumer-1\",valid=\"true\"} 5"));
      assertEquals(200, call("DELETE", port, "/slots/consumer-1", "s3cret", null).statusCode());
      assertEquals(409, call("DELETE", port, "/slots/consumer-1", "s3cret", null).statusCode());
      assertEquals(404, call("GET", port, "/nope", null, null).statusCode());

      assertEquals(401, call("GET", port, "/journal", null, null).statusCode(), "the journal needs the token");
      Awaitility.await("journal has the slot drop").atMost(Duration.ofSeconds(30)).until(() ->
          call("GET", port, "/journal?kind=slot_dropped&limit=5", "s3cret", null).body().contains("consumer-1"));
      JsonNode events = JSON.readTree(call("GET", port, "/journal?limit=200", "s3cret", null).body());
      assertTrue(events.size() >= 3);
      assertTrue(events.get(0).get("seq").asLong() > events.get(1).get("seq").asLong(), "newest first");
      JsonNode leaderChange = JSON.readTree(call("GET", port, "/journal?kind=leader_changed&limit=1", "s3cret", null)
          .body()).get(0).get("fields");
      assertTrue(leaderChange.get("term").asLong() >= 1, "a leader change names its term: " + leaderChange);
      assertTrue(leaderChange.has("oldLeader") && leaderChange.has("leader"), leaderChange.toString());
      assertEquals(400, call("GET", port, "/journal?kind=nonsense", "s3cret", null).statusCode());
      assertEquals(400, call("GET", port, "/journal?colour=1", "s3cret", null).statusCode());
      assertTrue(call("GET", port, "/metrics", null, null).body().contains("raftwal_journal_events_written_total"));
    } finally {
      admins.forEach(AdminServer::close);
      metrics.forEach(NodeMetrics::close);
      for (RaftWal w : wals) {
        w.close();
      }
    }
  }
}
