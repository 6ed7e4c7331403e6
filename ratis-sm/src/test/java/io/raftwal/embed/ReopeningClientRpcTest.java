package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.client.GrpcClientRpc;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReopeningClientRpcTest {
  @TempDir
  Path dir;

  /** Holds the leader's first entry of its term (a configuration entry), so it stays "not ready". */
  static final class HeldStart extends BaseStateMachine {
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto conf) {
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
      updateLastAppliedTermIndex(trx.getLogEntry().getTerm(), trx.getLogEntry().getIndex());
      return CompletableFuture.completedFuture(Message.valueOf("applied"));
    }
  }

  @Test
  void aWriteRefusedAsNotReadyIsRetriedOnAFreshStreamNotAClosedOne() throws Exception {
    List<Class<?>> seen = writeThroughANotReadyLeader(ReopeningClientRpc::new);
    assertTrue(seen.contains(LeaderNotReadyException.class), "the leader refused as not ready first: " + seen);
    assertFalse(seen.contains(AlreadyClosedException.class), "a retry met the stream the refusal closed: " + seen);
  }

  @Test
  void ratisOwnTransportRetriesOnTheStreamTheRefusalClosed() throws Exception {
    // Why ReopeningClientRpc exists; if a Ratis upgrade fixes this, the class can go.
    List<Class<?>> seen = writeThroughANotReadyLeader((id, p) -> new GrpcClientRpc(id, p, null, null));
    assertTrue(seen.contains(AlreadyClosedException.class), "Ratis no longer leaves the stream closed: " + seen);
  }

  /** One write sent while the only member leads but is not ready; returns the failures its retries saw. */
  private List<Class<?>> writeThroughANotReadyLeader(BiFunction<ClientId, RaftProperties, RaftClientRpc> transport)
      throws Exception {
    RaftPeer peer = RaftPeer.newBuilder().setId("s1").setAddress("127.0.0.1:" + LocalCluster.freePort()).build();
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peer);
    RaftProperties sp = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(sp, List.of(dir.toFile()));
    GrpcConfigKeys.Server.setPort(sp, Integer.parseInt(peer.getAddress().split(":")[1]));
    HeldStart sm = new HeldStart();
    List<Class<?>> seen = Collections.synchronizedList(new ArrayList<>());
    RetryPolicy policy = RaftWalClient.retryPolicy(Duration.ofSeconds(30));
    RetryPolicy recording = event -> {
      seen.add(event.getCause() == null ? Void.class : event.getCause().getClass());
      if (Collections.frequency(seen, LeaderNotReadyException.class) >= 2) {
        sm.release.countDown(); // refused twice: let the leader become ready
      }
      return policy.handleAttemptFailure(event);
    };
    try (RaftServer server = RaftServer.newBuilder().setServerId(peer.getId()).setGroup(group).setProperties(sp)
        .setStateMachine(sm).setOption(RaftStorage.StartupOption.FORMAT).build()) {
      server.start();
      Awaitility.await("s1 leads").atMost(Duration.ofSeconds(30))
          .until(() -> server.getDivision(group.getGroupId()).getInfo().isLeader());
      RaftProperties cp = new RaftProperties();
      ClientId id = ClientId.randomId();
      try (RaftClient client = RaftClient.newBuilder().setProperties(cp).setRaftGroup(group).setClientId(id)
          .setClientRpc(transport.apply(id, cp)).setRetryPolicy(recording).build()) {
        RaftClientReply reply = client.async().send(Message.valueOf("w")).get(30, TimeUnit.SECONDS);
        assertTrue(reply.isSuccess(), "the write lands once the leader is ready: " + reply);
      }
    } finally {
      sm.release.countDown();
    }
    return List.copyOf(seen);
  }
}
