package io.raftwal.node.admin;

import java.util.List;
import java.util.Map;

/**
 * One node's view of itself and the cluster, as {@code GET /status} answers it.
 *
 * @param followerMatchIndex on the leader: each follower's replicated (match) index
 * @param warmup             the start-up warm-up of the leader path ({@code io.raftwal.embed.WarmupState}):
 *                           after a restart, switch over to a node once this says DONE
 */
public record NodeStatus(String nodeId, String role, String leaderId, long term, long appliedLsn, long appliedIndex,
    long commitIndex, long lastSnapshotIndex, long oldestLsn, long retentionFloor, long archivedLsn,
    boolean writesFrozen, long spoolBytes, int spoolSegments, Map<String, Long> followerMatchIndex,
    List<SlotStatus> slots, Switchover switchover, Object lastSwitchover, String warmup) {

  /** The switchover running on this node, and the state it is in. */
  public record Switchover(String requestId, String to, String mode, String state) {}

  /** A slot and how far behind the node's last LSN it is. */
  public record SlotStatus(String id, long restartLsn, long confirmedFlushLsn, long lagLsn, boolean valid,
      String invalidation) {}
}
