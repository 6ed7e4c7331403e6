package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftwal.spool.SpoolRecord;
import io.raftwal.statemachine.RecordListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;

/** Three real raftwal nodes (Ratis over gRPC on loopback) in this JVM, for tests. */
final class LocalCluster implements AutoCloseable {
  final Path root;
  final List<Peer> peers = new ArrayList<>();
  final Map<String, RaftWal> running = new LinkedHashMap<>();
  private final UnaryOperator<RaftWalConfig.Builder> customize;
  private final Function<String, RecordListener> listeners;

  LocalCluster(Path root, int size, UnaryOperator<RaftWalConfig.Builder> customize,
      Function<String, RecordListener> listeners) throws IOException {
    this.root = root;
    this.customize = customize;
    this.listeners = listeners;
    for (int i = 1; i <= size; i++) {
      peers.add(new Peer("n" + i, "127.0.0.1:" + freePort()));
    }
  }

  static LocalCluster start(Path root, UnaryOperator<RaftWalConfig.Builder> customize) throws IOException {
    LocalCluster c = new LocalCluster(root, 3, customize, id -> null);
    c.startAll();
    return c;
  }

  void startAll() throws IOException {
    for (Peer p : peers) {
      start(p.id());
    }
  }

  RaftWal start(String id) throws IOException {
    RaftWalConfig cfg = customize.apply(RaftWalConfig.builder(id, root.resolve(id)).peers(peers)
        .requestTimeout(Duration.ofSeconds(60))).build();
    RaftWal wal = RaftWal.start(cfg, listeners.apply(id));
    running.put(id, wal);
    return wal;
  }

  void stop(String id) throws IOException {
    running.remove(id).close();
  }

  RaftWal node(String id) {
    return running.get(id);
  }

  RaftWal awaitLeader() {
    RaftWal[] found = new RaftWal[1];
    Awaitility.await("a leader").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      for (RaftWal w : running.values()) {
        if (w.isLeader()) {
          found[0] = w;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  RaftWal anyFollower() {
    RaftWal leader = awaitLeader();
    return running.values().stream().filter(w -> w != leader).findFirst().orElseThrow();
  }

  void awaitAllApplied(long lsn) {
    Awaitility.await("every running node at LSN " + lsn).atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> running.values().stream().allMatch(w -> w.stateMachine().lastLsn() >= lsn));
  }

  static List<SpoolRecord> spool(RaftWal w) {
    try {
      return w.readSince(0, Integer.MAX_VALUE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every running node's spool holds the same records, LSNs 1..n contiguous. */
  void assertIdenticalSpools(long n) {
    List<SpoolRecord> reference = null;
    for (Map.Entry<String, RaftWal> e : running.entrySet()) {
      List<SpoolRecord> records = spool(e.getValue());
      assertEquals(n, records.size(), e.getKey() + " record count");
      for (int i = 0; i < records.size(); i++) {
        assertEquals(i + 1, records.get(i).lsn(), e.getKey() + " LSNs are contiguous from 1");
      }
      if (reference == null) {
        reference = records;
      } else {
        assertEquals(reference, records, e.getKey() + " holds the same records (term, index, time, bytes)");
      }
    }
  }

  @Override
  public void close() {
    for (RaftWal w : new ArrayList<>(running.values())) {
      try {
        w.close();
      } catch (IOException | RuntimeException ignored) {
        // best effort in teardown
      }
    }
    running.clear();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
