package io.raftwal.node.admin;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.raftwal.command.Reply;
import io.raftwal.command.StateSummary;
import io.raftwal.embed.RaftWal;
import io.raftwal.embed.RaftWalException;
import io.raftwal.node.metrics.NodeMetrics;
import io.raftwal.slot.Slot;
import io.raftwal.slot.SlotCatalog;
import io.raftwal.switchover.SwitchoverOutcome;
import io.raftwal.switchover.SwitchoverRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's admin HTTP API, bound to 127.0.0.1 unless told otherwise.
 * <ul>
 *   <li>{@code GET /status}: this node's view (JSON)</li>
 *   <li>{@code GET /metrics}: Prometheus text</li>
 *   <li>{@code GET /health}: 200 when it knows a leader and has applied to its commit index, else 503</li>
 *   <li>{@code GET /slots}: the slot catalog</li>
 *   <li>{@code POST /slots} {@code {"id":..,"lsn":..}}, {@code POST /slots/ack} {@code {"id":..,"lsn":..}},
 *       {@code DELETE /slots/<id>}, {@code POST /switchover} {@code {"to":..,"mode":"coordinated"|"force",
 *       "deadlineMs":..,"maxLagLsn":..,"requestId":..}} (200 with the outcome when handed over, else 409),
 *       {@code GET /journal?kind=..&limit=..&sinceSeq=..} (newest first), {@code POST /backup}:
 *       need {@code Authorization: Bearer <admin.token>}</li>
 * </ul>
 * Bad bodies get 400 naming the problem; a missing or wrong token 401; nothing changes then.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
  static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private final RaftWal wal;
  private final NodeMetrics metrics;
  private final byte[] token;
  private final HttpServer http;
  private final ExecutorService pool;
  private final io.raftwal.backup.BackupService backup;

  /** A slot request body. */
  record SlotRequest(String id, Long lsn) {}

  /** A switchover request body: {@code mode} is "coordinated" (default) or "force". */
  record SwitchoverBody(String to, String mode, Long deadlineMs, Long maxLagLsn, String requestId) {}

  public AdminServer(RaftWal wal, NodeMetrics metrics, String bindHost, int port, String token) throws IOException {
    this(wal, metrics, bindHost, port, token, null);
  }

  /** With {@code backup} (null: the node has no backup backend), {@code POST /backup} runs one. */
  public AdminServer(RaftWal wal, NodeMetrics metrics, String bindHost, int port, String token,
      io.raftwal.backup.BackupService backup) throws IOException {
    this.backup = backup;
    this.wal = wal;
    this.metrics = metrics;
    this.token = token == null ? new byte[0] : token.getBytes(StandardCharsets.UTF_8);
    this.http = HttpServer.create(new InetSocketAddress(bindHost, port), 16);
    this.pool = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "raftwal-admin");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(pool);
    http.createContext("/", this::handle);
    http.start();
    LOG.info("admin API for node {} at http://{}:{}/", wal.nodeId(), bindHost, port());
  }

  public int port() {
    return http.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      try {
        switch (method + " " + path) {
          case "GET /status" -> send(ex, 200, JSON.writeValueAsBytes(status()));
          case "GET /metrics" -> send(ex, 200, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
          case "GET /health" -> health(ex);
          case "GET /slots" -> send(ex, 200, JSON.writeValueAsBytes(wal.slots()));
          case "POST /slots" -> authorized(ex, () -> createSlot(ex));
          case "POST /slots/ack" -> authorized(ex, () -> ackSlot(ex));
          case "POST /switchover" -> authorized(ex, () -> switchover(ex));
          case "GET /journal" -> authorized(ex, () -> journal(ex));
          case "POST /backup" -> authorized(ex, () -> backup(ex));
          default -> {
            if (method.equals("DELETE") && path.startsWith("/slots/")) {
              authorized(ex, () -> dropSlot(ex, path.substring("/slots/".length())));
            } else {
              error(ex, 404, "no such endpoint " + method + " " + path + "; try GET /status, /metrics, /health,"
                  + " /slots, /journal, POST /slots, POST /slots/ack, DELETE /slots/<id>, POST /switchover");
            }
          }
        }
      } catch (BadRequest e) {
        error(ex, 400, e.getMessage());
      } catch (RaftWalException e) {
        error(ex, e.retriable() ? 503 : 409, e.getMessage());
      } catch (Exception e) {
        LOG.warn("admin {} {} failed: {}", method, path, e.toString());
        error(ex, 500, e.toString());
      }
    }
  }

  private interface Action {
    void run() throws Exception;
  }

  private void authorized(HttpExchange ex, Action action) throws Exception {
    if (token.length == 0) {
      error(ex, 403, "mutating admin calls are disabled: set admin.token in the node's config");
      return;
    }
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    byte[] given = auth != null && auth.startsWith("Bearer ")
        ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
    if (!MessageDigest.isEqual(given, token)) {
      error(ex, 401, "missing or wrong bearer token: send Authorization: Bearer <admin.token>");
      return;
    }
    action.run();
  }

  private SlotRequest body(HttpExchange ex, boolean lsnRequired) throws IOException, BadRequest {
    SlotRequest r = parse(ex, SlotRequest.class, "id and lsn");
    if (r == null || r.id() == null) {
      throw new BadRequest("field id is required: send {\"id\": \"<slot>\"}");
    }
    try {
      SlotCatalog.validateId(r.id());
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    if (lsnRequired && r.lsn() == null) {
      throw new BadRequest("field lsn is required: send {\"id\": \"<slot>\", \"lsn\": <confirmed LSN>}");
    }
    if (r.lsn() != null && r.lsn() < 0) {
      throw new BadRequest("field lsn must not be negative, got " + r.lsn());
    }
    return r;
  }

  private void switchover(HttpExchange ex) throws Exception {
    SwitchoverBody b = parse(ex, SwitchoverBody.class, "to, mode, deadlineMs, maxLagLsn and requestId");
    if (b == null || b.to() == null || b.to().isBlank()) {
      throw new BadRequest("field to is required: send {\"to\": \"<node id>\", \"mode\": \"coordinated\", \"deadlineMs\": 5000}");
    }
    String mode = b.mode() == null ? "coordinated" : b.mode().toLowerCase(java.util.Locale.ROOT);
    if (!mode.equals("coordinated") && !mode.equals("force")) {
      throw new BadRequest("field mode must be \"coordinated\" or \"force\", got \"" + b.mode() + "\"");
    }
    SwitchoverRequest r;
    try {
      r = new SwitchoverRequest(b.requestId() == null ? java.util.UUID.randomUUID().toString() : b.requestId(), b.to(),
          mode.equals("force"), b.deadlineMs() == null ? 5_000 : b.deadlineMs(), b.maxLagLsn());
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    SwitchoverOutcome o = wal.switchover().run(r, io.raftwal.journal.Actor.ADMIN_API);
    send(ex, o.handedOver() ? 200 : 409, JSON.writeValueAsBytes(o));
  }

  private void backup(HttpExchange ex) throws Exception {
    if (backup == null) {
      error(ex, 409, "this node has no backup backend: set backup.backend in its config");
      return;
    }
    io.raftwal.backup.BackupResult r = backup.run(io.raftwal.journal.Actor.ADMIN_API);
    send(ex, r.ok() ? 200 : r.outcome().equals("REFUSED") ? 409 : 500, JSON.writeValueAsBytes(r));
  }

  private void journal(HttpExchange ex) throws Exception {
    Map<String, String> q = new java.util.HashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String kv : raw.split("&")) {
        int eq = kv.indexOf('=');
        String k = java.net.URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
        if (!k.equals("kind") && !k.equals("limit") && !k.equals("sinceSeq")) {
          throw new BadRequest("unknown parameter '" + k + "'; use kind, limit and sinceSeq");
        }
        q.put(k, eq < 0 ? "" : java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    io.raftwal.journal.EventKind kind = null;
    if (q.containsKey("kind")) {
      try {
        kind = io.raftwal.journal.EventKind.valueOf(q.get("kind").toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new BadRequest("kind '" + q.get("kind") + "' is unknown; kinds are "
            + java.util.Arrays.toString(io.raftwal.journal.EventKind.values()));
      }
    }
    long limit = number(q, "limit", 100, 1, 10_000);
    long since = number(q, "sinceSeq", 0, 0, Long.MAX_VALUE);
    if (wal.journal().isEmpty()) {
      error(ex, 404, "this node keeps no journal");
      return;
    }
    send(ex, 200, JSON.writeValueAsBytes(wal.journal().get().query(
        new io.raftwal.journal.Journal.Filter(kind, since, (int) limit))));
  }

  private static long number(Map<String, String> q, String key, long dflt, long min, long max) throws BadRequest {
    String s = q.get(key);
    if (s == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(s);
      if (n < min || n > max) {
        throw new BadRequest(key + " must be between " + min + " and " + max + ", got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new BadRequest(key + " must be a whole number, got '" + s + "'");
    }
  }

  private <T> T parse(HttpExchange ex, Class<T> type, String fields) throws IOException, BadRequest {
    byte[] bytes;
    try (InputStream in = ex.getRequestBody()) {
      bytes = in.readNBytes(64 << 10);
    }
    try {
      return JSON.readValue(bytes, type);
    } catch (UnrecognizedPropertyException e) {
      throw new BadRequest("unknown field '" + e.getPropertyName() + "'; the fields are " + fields);
    } catch (MismatchedInputException e) {
      throw new BadRequest("field " + e.getPathReference() + " has the wrong type: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new BadRequest("body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private void createSlot(HttpExchange ex) throws Exception {
    SlotRequest r = body(ex, false);
    Reply reply = (r.lsn() == null ? wal.createSlot(r.id()) : wal.createSlot(r.id(), r.lsn())).get(30, TimeUnit.SECONDS);
    replyOf(ex, reply);
  }

  private void ackSlot(HttpExchange ex) throws Exception {
    SlotRequest r = body(ex, true);
    wal.ackSlot(r.id(), r.lsn());
    wal.flushSlotAcks();
    send(ex, 202, JSON.writeValueAsBytes(Map.of("accepted", r.id(), "lsn", r.lsn())));
  }

  private void dropSlot(HttpExchange ex, String id) throws Exception {
    try {
      SlotCatalog.validateId(id);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    replyOf(ex, wal.dropSlot(id).get(30, TimeUnit.SECONDS));
  }

  private void replyOf(HttpExchange ex, Reply reply) throws IOException {
    if (reply instanceof Reply.Rejected j) {
      error(ex, 409, j.reason());
    } else {
      send(ex, 200, JSON.writeValueAsBytes(Map.of("result", ((Reply.Done) reply).detail())));
    }
  }

  private void health(HttpExchange ex) throws IOException {
    NodeStatus s = status();
    boolean ready = s.leaderId() != null && s.appliedIndex() >= s.commitIndex();
    send(ex, ready ? 200 : 503, JSON.writeValueAsBytes(Map.of("ready", ready, "leaderId", String.valueOf(s.leaderId()),
        "appliedIndex", s.appliedIndex(), "commitIndex", s.commitIndex())));
  }

  /** This node's status: the state machine's summary plus Ratis's role, term and commit index. */
  public NodeStatus status() throws IOException {
    StateSummary sm = wal.status();
    RaftServer.Division d = wal.server().getDivision(wal.server().getGroupIds().iterator().next());
    String role = d.getInfo().getCurrentRole().name();
    String leader = wal.leaderId().orElse(null);
    List<NodeStatus.SlotStatus> slots = new ArrayList<>();
    for (Slot s : wal.slots()) {
      slots.add(new NodeStatus.SlotStatus(s.id(), s.restartLsn(), s.confirmedFlushLsn(),
          Math.max(0, sm.lastLsn() - s.restartLsn()), s.valid(), s.invalidation() == null ? null : s.invalidation().name()));
    }
    return new NodeStatus(wal.nodeId(), role, leader, d.getInfo().getCurrentTerm(), sm.lastLsn(), sm.appliedIndex(),
        d.getRaftLog().getLastCommittedIndex(), sm.snapshotIndex(), sm.oldestLsn(), sm.retentionFloor(),
        sm.archivedLsn(), sm.writesFrozen(), sm.spoolBytes(), sm.spoolSegments(),
        d.getInfo().isLeader() ? metrics.followerMatchIndices() : Map.of(), slots,
        wal.switchover().current().map(c -> new NodeStatus.Switchover(c.request().requestId(), c.request().target(),
            c.request().mode(), c.state().name())).orElse(null),
        wal.switchover().lastOutcome().orElse(null), wal.warmup().name());
  }

  private static void error(HttpExchange ex, int code, String message) throws IOException {
    send(ex, code, JSON.writeValueAsBytes(Map.of("error", message)));
  }

  private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
    send(ex, code, body, "application/json");
  }

  private static void send(HttpExchange ex, int code, byte[] body, String type) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, body.length);
    ex.getResponseBody().write(body);
  }

  @Override
  public void close() {
    http.stop(0);
    pool.shutdownNow();
  }

  static final class BadRequest extends Exception {
    BadRequest(String message) {
      super(message);
    }
  }
}
