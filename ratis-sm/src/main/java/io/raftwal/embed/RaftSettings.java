package io.raftwal.embed;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The Ratis settings raftwal runs with, in one place so servers, clients and tools that must
 * match them (the benchmark's no-op floor) agree.
 */
public final class RaftSettings {
  /** Above the largest entry the leader accepts, so an entry never makes the leader step down. */
  public static final int APPENDER_BYTE_LIMIT = 8 << 20;
  /** gRPC must carry the appender's largest batch plus framing. */
  public static final int GRPC_MESSAGE_MAX = APPENDER_BYTE_LIMIT + (1 << 20);
  /** How far ahead Ratis writes zeros into its log file (its default: 4 MiB). */
  public static final int LOG_PREALLOCATED_BYTES = 64 << 10;

  private RaftSettings() {}

  public static RaftGroup group(List<Peer> peers, UUID groupId) {
    RaftPeer[] ps = peers.stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).setPriority(0).build())
        .toArray(RaftPeer[]::new);
    return RaftGroup.valueOf(RaftGroupId.valueOf(groupId), ps);
  }

  public static void grpcMessageSize(RaftProperties p) {
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(GRPC_MESSAGE_MAX));
  }

  /** Server properties for the node {@code cfg} describes. */
  public static RaftProperties server(RaftWalConfig cfg) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(cfg.dataDir().resolve("raft").toFile()));
    Peer self = cfg.self();
    GrpcConfigKeys.Server.setHost(p, self.host());
    GrpcConfigKeys.Server.setPort(p, self.port());
    grpcMessageSize(p);
    if (cfg.stateMachine().maxEntryBytes() + (1 << 20) > APPENDER_BYTE_LIMIT) {
      throw new IllegalArgumentException("maxEntryBytes " + cfg.stateMachine().maxEntryBytes()
          + " is too close to the Raft appender limit " + APPENDER_BYTE_LIMIT + "; keep records under 7 MiB");
    }
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(APPENDER_BYTE_LIMIT));
    // Ratis requires the log's write buffer to hold the appender's largest entry plus framing.
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(APPENDER_BYTE_LIMIT + (64 << 10)));
    // Install chunks must fit a gRPC message; Ratis's default (16 MiB) does not, and a snapshot with a
    // segment above 9 MiB would never install.
    RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SizeInBytes.valueOf(4 << 20));
    // Ratis grows a log file by writing zeros, 4 MiB at a time by default, and the next force
    // must write them all: a leader change rolls every member's log to a new file, so the new
    // term's first commit waited on 4 MiB per member. 64 KiB made handovers shorter and batched
    // appends faster here (BENCHMARKS.md, "Ratis log preallocation").
    RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(LOG_PREALLOCATED_BYTES));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, cfg.snapshotThreshold());
    RaftServerConfigKeys.Snapshot.setCreationGap(p, 1);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, cfg.purgeUpToSnapshot());
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2000, TimeUnit.MILLISECONDS));
    for (Map.Entry<String, String> e : cfg.raftProperties().entrySet()) {
      p.set(e.getKey(), e.getValue());
    }
    return p;
  }
}
