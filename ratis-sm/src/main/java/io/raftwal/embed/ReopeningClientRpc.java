package io.raftwal.embed;

import java.io.IOException;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.client.GrpcClientProtocolClient;
import org.apache.ratis.grpc.client.GrpcClientRpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;

/**
 * Ratis's gRPC client transport, with the connection to a member reopened when that member
 * answers "leader not ready". In Ratis 3.2 such an answer fails every request outstanding on the
 * client's one ordered stream to that member and leaves the stream closed, but, unlike a
 * NotLeader, does not reopen it: the next request to the new leader then fails as already closed,
 * and Ratis sends it on to a member picked at random, which refers it back. After a handover that
 * detour cost 20-40 ms between the new leader becoming ready and the first write it acknowledged.
 */
final class ReopeningClientRpc extends GrpcClientRpc {
  ReopeningClientRpc(ClientId clientId, RaftProperties properties) {
    super(clientId, properties, null, null);
  }

  @Override
  public CompletableFuture<RaftClientReply> sendRequestAsync(RaftClientRequest request) {
    RaftPeerId to = request.getServerId();
    GrpcClientProtocolClient sentOn = currentProxy(to);
    return super.sendRequestAsync(request).whenComplete((reply, err) -> {
      if (err != null && RaftWalClient.unwrap(err) instanceof LeaderNotReadyException) {
        reopen(to, sentOn);
      }
    });
  }

  private GrpcClientProtocolClient currentProxy(RaftPeerId id) {
    try {
      return getProxies().getProxy(id);
    } catch (IOException e) {
      return null; // the send itself will fail and say why
    }
  }

  /**
   * Reopens only the connection the refused request went out on, once: the refusal fails every
   * request on that stream at once, and none of the others may close the connection opened after
   * the first (nor one Ratis itself reopened meanwhile). The old connection is closed on this
   * thread, as Ratis closes one after a NotLeader; the others do not wait for it.
   */
  private void reopen(RaftPeerId id, GrpcClientProtocolClient sentOn) {
    synchronized (reopened) {
      if (sentOn == null || currentProxy(id) != sentOn || !reopened.add(sentOn)) {
        return;
      }
    }
    getProxies().resetProxy(id);
  }

  private final Set<GrpcClientProtocolClient> reopened = Collections.newSetFromMap(new WeakHashMap<>());
}
