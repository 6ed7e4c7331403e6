package io.raftwal.embed;

import io.raftwal.journal.Journal;
import io.raftwal.statemachine.StateMachineOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Everything a raftwal node needs to start. Build with {@link #builder}; {@code build()} checks
 * every field and names the one that is wrong.
 *
 * @param nodeId            this node's id (must be one of {@code peers})
 * @param peers             every voting member of the group
 * @param dataDir           this node's directory: {@code raft/} (Ratis log) and {@code spool/}
 * @param groupId           the Raft group id (the same on every member)
 * @param stateMachine      state machine options
 * @param snapshotThreshold take a snapshot every this many applied entries
 * @param purgeUpToSnapshot purge the Raft log up to the snapshot even when a follower lags (it
 *                          then catches up by snapshot install)
 * @param batchMaxBytes     coalesce concurrent appends into entries of at most this many bytes
 * @param batchMaxDelay     longest an append waits for others to join its batch
 * @param slotAckInterval   coalesced slot acks are proposed at most this often
 * @param slotMaxLagLsn     invalidate a slot further behind than this (0: never)
 * @param slotIdleTimeout   invalidate a slot unseen for longer than this (zero: never)
 * @param requestTimeout    how long a client request may take before it fails
 * @param raftProperties    extra Ratis properties (key to value), applied last
 * @param journal           the control-event journal ({@code <dataDir>/journal.db}); null: none
 * @param leadershipWarmup  run Ratis's leader path once at start on a throwaway loopback group, so
 *                          this node's first real leadership is not its JVM's first (see
 *                          {@code LeadershipWarmup})
 */
public record RaftWalConfig(String nodeId, List<Peer> peers, Path dataDir, UUID groupId,
    StateMachineOptions stateMachine, long snapshotThreshold, boolean purgeUpToSnapshot, int batchMaxBytes,
    Duration batchMaxDelay, Duration slotAckInterval, long slotMaxLagLsn, Duration slotIdleTimeout,
    Duration requestTimeout, Map<String, String> raftProperties, Journal.Options journal, boolean leadershipWarmup) {

  /** The group id every raftwal cluster uses unless told otherwise. */
  public static final UUID DEFAULT_GROUP_ID = UUID.nameUUIDFromBytes("raftwal".getBytes(StandardCharsets.UTF_8));

  public RaftWalConfig {
    peers = List.copyOf(peers);
    raftProperties = Map.copyOf(raftProperties);
  }

  public Peer self() {
    return peers.stream().filter(p -> p.id().equals(nodeId)).findFirst().orElseThrow();
  }

  public static Builder builder(String nodeId, Path dataDir) {
    return new Builder(nodeId, dataDir);
  }

  /** Builder with production defaults. */
  public static final class Builder {
    private final String nodeId;
    private final Path dataDir;
    private List<Peer> peers = List.of();
    private UUID groupId = DEFAULT_GROUP_ID;
    private StateMachineOptions stateMachine = StateMachineOptions.defaults();
    private long snapshotThreshold = 10_000;
    private boolean purgeUpToSnapshot = true;
    private int batchMaxBytes = 1 << 20;
    private Duration batchMaxDelay = Duration.ofMillis(2);
    private Duration slotAckInterval = Duration.ofMillis(200);
    private long slotMaxLagLsn;
    private Duration slotIdleTimeout = Duration.ZERO;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Journal.Options journal = Journal.Options.defaults();
    private boolean leadershipWarmup = true;
    private final Map<String, String> raftProperties = new LinkedHashMap<>();

    private Builder(String nodeId, Path dataDir) {
      this.nodeId = nodeId;
      this.dataDir = dataDir;
    }

    public Builder peers(List<Peer> p) {
      peers = p;
      return this;
    }

    public Builder groupId(UUID id) {
      groupId = id;
      return this;
    }

    public Builder stateMachine(StateMachineOptions o) {
      stateMachine = o;
      return this;
    }

    public Builder snapshotThreshold(long entries) {
      snapshotThreshold = entries;
      return this;
    }

    public Builder purgeUpToSnapshot(boolean on) {
      purgeUpToSnapshot = on;
      return this;
    }

    public Builder batching(int maxBytes, Duration maxDelay) {
      batchMaxBytes = maxBytes;
      batchMaxDelay = maxDelay;
      return this;
    }

    public Builder slotLimits(Duration ackInterval, long maxLagLsn, Duration idleTimeout) {
      slotAckInterval = ackInterval;
      slotMaxLagLsn = maxLagLsn;
      slotIdleTimeout = idleTimeout;
      return this;
    }

    public Builder requestTimeout(Duration d) {
      requestTimeout = d;
      return this;
    }

    /** Journal options, or null for no journal. */
    public Builder journal(Journal.Options options) {
      journal = options;
      return this;
    }

    /** Whether to warm the leader path at start (default on). */
    public Builder leadershipWarmup(boolean on) {
      leadershipWarmup = on;
      return this;
    }

    public Builder raftProperty(String key, String value) {
      raftProperties.put(key, value);
      return this;
    }

    public RaftWalConfig build() {
      if (nodeId == null || nodeId.isBlank()) {
        throw new IllegalArgumentException("node id is empty: set it to one of the peer ids");
      }
      if (dataDir == null) {
        throw new IllegalArgumentException("data directory is not set: give the node a directory of its own");
      }
      if (peers.isEmpty()) {
        throw new IllegalArgumentException("peers is empty: list every member as id=host:port");
      }
      if (peers.stream().noneMatch(p -> p.id().equals(nodeId))) {
        throw new IllegalArgumentException("node id " + nodeId + " is not among the peers " + peers.stream().map(Peer::id).toList()
            + ": add it or fix the id");
      }
      if (snapshotThreshold < 1) {
        throw new IllegalArgumentException("snapshot threshold must be at least 1 entry, got " + snapshotThreshold);
      }
      if (batchMaxBytes < 1) {
        throw new IllegalArgumentException("batch max bytes must be positive, got " + batchMaxBytes);
      }
      if (batchMaxBytes > stateMachine.maxEntryBytes() - 4096) {
        throw new IllegalArgumentException("batch max bytes " + batchMaxBytes + " must stay below the entry limit "
            + stateMachine.maxEntryBytes() + " less 4 KiB of framing");
      }
      requireNonNegative("batch max delay", batchMaxDelay);
      requireNonNegative("slot idle timeout", slotIdleTimeout);
      if (slotAckInterval.isNegative() || slotAckInterval.isZero()) {
        throw new IllegalArgumentException("slot ack interval must be positive, got " + slotAckInterval);
      }
      if (slotMaxLagLsn < 0) {
        throw new IllegalArgumentException("slot max lag must be 0 (off) or positive, got " + slotMaxLagLsn);
      }
      if (requestTimeout.toMillis() < 100) {
        throw new IllegalArgumentException("request timeout must be at least 100 ms, got " + requestTimeout);
      }
      return new RaftWalConfig(nodeId, peers, dataDir, groupId, stateMachine, snapshotThreshold, purgeUpToSnapshot,
          batchMaxBytes, batchMaxDelay, slotAckInterval, slotMaxLagLsn, slotIdleTimeout, requestTimeout, raftProperties,
          journal, leadershipWarmup);
    }

    private static void requireNonNegative(String field, Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(field + " must not be negative, got " + d);
      }
    }
  }
}
