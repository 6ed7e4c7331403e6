package io.raftwal.embed;

import io.raftwal.command.Query;
import io.raftwal.command.QueryCodec;
import io.raftwal.journal.EventSink;
import io.raftwal.statemachine.RaftWalStateMachine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Runs the leader's side of Ratis once in this JVM, before the node's real group needs it: a
 * throwaway group of two servers on loopback, in a scratch directory, takes writes, and hands its
 * leadership from one member to the other and back, with the catch-up question a switchover asks;
 * then the group is removed from both servers (stopping its log appenders) and they are closed.
 *
 * <p>Why: a member's first leadership in its JVM loads about 450 classes (Ratis's leader state,
 * log appenders, gRPC's client side, protobuf descriptors) and runs all of that code interpreted
 * while writes wait; in the handover benchmark it stopped writes for 500-900 ms where later
 * leaderships took 100-300 ms. The first switchover after a rolling restart goes to exactly such
 * a member. Here that cost is paid at start, by a group nobody writes to.
 *
 * <p>The throwaway group binds ports the OS picks, has a random group id and its own directory,
 * which is deleted afterwards; its Ratis metrics are unregistered when its servers close. Classes
 * and compiled code belong to the JVM, so one warm-up per JVM is enough: an engine running several
 * nodes in one JVM warms once.
 */
final class LeadershipWarmup {
  /** What one warm-up did. */
  record Report(int leaderships, int appends, long elapsedMs) {}

  static final String DIR_NAME = "leadership-warmup";
  /** Handovers: the first leader hands over and gets the leadership back, so both members lead and follow. */
  private static final int ROUNDS = 2;
  /** Enough for the per-request paths to reach the JIT's first tier (about 200 invocations). */
  private static final int APPENDS_PER_ROUND = 150;
  private static final int IN_FLIGHT = 16;
  private static final long STEP_TIMEOUT_MS = 30_000;

  private static final AtomicBoolean CLAIMED = new AtomicBoolean();

  private LeadershipWarmup() {}

  /** True for the first caller in this JVM only: the one whose node runs the warm-up. */
  static boolean claim() {
    return CLAIMED.compareAndSet(false, true);
  }

  /** Where a node's warm-up keeps its scratch state, inside its data directory. */
  static Path scratchDir(RaftWalConfig config) {
    return config.dataDir().resolve(DIR_NAME);
  }

  /**
   * Runs the warm-up for a node configured by {@code config} (its Ratis and state machine
   * settings, not its group or ports) in {@code scratch}, which is emptied first and removed after.
   */
  static Report run(RaftWalConfig config, Path scratch) throws IOException, InterruptedException {
    long start = System.nanoTime();
    deleteTree(scratch);
    Files.createDirectories(scratch);
    List<RaftServer> servers = new ArrayList<>();
    try {
      for (String id : List.of("warmup-a", "warmup-b")) {
        servers.add(startServer(config, scratch.resolve(id), id));
      }
      List<Peer> peers = servers.stream()
          .map(s -> new Peer(s.getId().toString(), "127.0.0.1:" + s.getServerRpc().getInetSocketAddress().getPort()))
          .toList();
      UUID groupId = UUID.randomUUID();
      RaftGroup group = RaftSettings.group(peers, groupId);
      for (RaftServer s : servers) {
        RaftClientReply added = await(s.groupManagementAsync(
            GroupManagementRequest.newAdd(ClientId.randomId(), s.getId(), 1, group)), "adding the warm-up group");
        if (!added.isSuccess()) {
          throw new IOException("the warm-up group was refused: " + added.getException());
        }
      }
      int leaderships = 0;
      int appends = 0;
      try (RaftWalClient client = new RaftWalClient(peers, groupId, Duration.ofMillis(STEP_TIMEOUT_MS));
           RaftClient probe = RaftClient.newBuilder().setProperties(new RaftProperties()).setRaftGroup(group)
               .setRetryPolicy(RetryPolicies.noRetry()).build()) {
        String leader = awaitLeader(servers, group.getGroupId(), null);
        for (int round = 0; round < ROUNDS; round++) {
          leaderships++;
          appends += appendSome(client);
          RaftServer from = server(servers, leader);
          String to = peers.stream().map(Peer::id).filter(id -> !id.equals(from.getId().toString())).findFirst()
              .orElseThrow();
          long lastIndex = from.getDivision(group.getGroupId()).getRaftLog().getLastCommittedIndex();
          askStatusAfter(probe, to, lastIndex);
          RaftClientReply moved = await(from.transferLeadershipAsync(new TransferLeadershipRequest(ClientId.randomId(),
              from.getId(), group.getGroupId(), round + 2L, RaftPeerId.valueOf(to), STEP_TIMEOUT_MS)),
              "handing the warm-up leadership to " + to);
          if (!moved.isSuccess()) {
            throw new IOException("the warm-up leadership transfer failed: " + moved.getException());
          }
          leader = awaitLeader(servers, group.getGroupId(), leader);
        }
        leaderships++;
        appends += appendSome(client);
      }
      removeGroup(servers, group.getGroupId());
      return new Report(leaderships, appends, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } finally {
      for (RaftServer s : servers) {
        try {
          s.close();
        } catch (IOException | RuntimeException e) {
          // the scratch directory goes below whatever state this server left
        }
      }
      deleteTree(scratch);
    }
  }

  /**
   * Takes the group off the leader first, then off the follower: closing servers with the group
   * still on them leaves a leader's appender retrying a closed follower, which Ratis logs as
   * warnings for seconds after.
   */
  private static void removeGroup(List<RaftServer> servers, RaftGroupId groupId) throws IOException, InterruptedException {
    List<RaftServer> leaderFirst = new ArrayList<>(servers);
    leaderFirst.sort(Comparator.comparing(s -> {
      try {
        return s.getDivision(groupId).getInfo().isLeader() ? 0 : 1;
      } catch (IOException gone) {
        return 2;
      }
    }));
    for (RaftServer s : leaderFirst) {
      await(s.groupManagementAsync(GroupManagementRequest.newRemove(ClientId.randomId(), s.getId(), 9, groupId,
          true, false)), "removing the warm-up group");
    }
  }

  private static RaftServer startServer(RaftWalConfig config, Path dir, String id) throws IOException {
    RaftProperties p = RaftSettings.server(config);
    for (String key : config.raftProperties().keySet()) {
      if (key.startsWith("raft.grpc.admin.") || key.startsWith("raft.grpc.client.")) {
        p.unset(key); // a node given ports of its own for these must not lend them to the throwaway group
      }
    }
    RaftServerConfigKeys.setStorageDir(p, List.of(dir.resolve("raft").toFile()));
    GrpcConfigKeys.Server.setHost(p, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(p, 0); // the OS picks: nothing to collide with
    RaftWalStateMachine sm = new RaftWalStateMachine(dir, config.stateMachine(), null, Clock.systemUTC());
    sm.setEventSink(EventSink.NONE);
    RaftServer s = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(id)).setProperties(p)
        .setStateMachine(sm).setOption(RaftStorage.StartupOption.FORMAT).build();
    s.start();
    return s;
  }

  /** Appends {@value #APPENDS_PER_ROUND} small records, {@value #IN_FLIGHT} in flight. */
  private static int appendSome(RaftWalClient client) throws IOException, InterruptedException {
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    byte[] payload = new byte[128];
    for (int i = 0; i < APPENDS_PER_ROUND; i++) {
      inFlight.add(client.append(List.of(payload)));
      if (inFlight.size() >= IN_FLIGHT) {
        await(inFlight.remove(0), "a warm-up append");
      }
    }
    for (CompletableFuture<?> f : inFlight) {
      await(f, "a warm-up append");
    }
    return APPENDS_PER_ROUND;
  }

  /** The question a switchover's catch-up asks its target, through the same blocking call. */
  private static void askStatusAfter(RaftClient probe, String target, long index) throws IOException {
    Message q = Message.valueOf(ByteString.copyFrom(QueryCodec.encode(new Query.StatusAfter(index, 1_000))));
    RaftClientReply r = probe.io().sendStaleRead(q, 0, RaftPeerId.valueOf(target));
    if (!r.isSuccess()) {
      throw new IOException("the warm-up status question failed: " + r.getException());
    }
  }

  /** Waits for a member other than {@code notThis} (null: any) to lead and be ready for writes. */
  private static String awaitLeader(List<RaftServer> servers, RaftGroupId groupId, String notThis)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STEP_TIMEOUT_MS);
    while (System.nanoTime() < deadline) {
      for (RaftServer s : servers) {
        RaftServer.Division d = s.getDivision(groupId);
        if (d.getInfo().isLeaderReady() && !s.getId().toString().equals(notThis)) {
          return s.getId().toString();
        }
      }
      Thread.sleep(10);
    }
    throw new IOException("no warm-up member led within " + STEP_TIMEOUT_MS + " ms");
  }

  private static RaftServer server(List<RaftServer> servers, String id) {
    return servers.stream().filter(s -> s.getId().toString().equals(id)).findFirst().orElseThrow();
  }

  private static <T> T await(CompletableFuture<T> f, String what) throws IOException, InterruptedException {
    try {
      return f.get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException(what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException(what + " took longer than " + STEP_TIMEOUT_MS + " ms", e);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
