package io.raftwal.node.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.raftwal.embed.RaftWal;
import io.raftwal.slot.Slot;
import io.raftwal.statemachine.RaftWalStateMachine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A node's metrics in Prometheus text format, through the Prometheus Java client: Ratis's own
 * metrics bridged from Dropwizard, and raftwal's (LSNs, commit index, spool size, per-slot lag,
 * resync counters, write-gate state, refusals).
 */
public final class NodeMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final RatisMetricsBridge ratis = new RatisMetricsBridge();

  public NodeMetrics(RaftWal wal, LongSupplier commitIndex) {
    this(wal, commitIndex, null);
  }

  /** With {@code backup} (null when the node has no backup backend), its metrics too. */
  public NodeMetrics(RaftWal wal, LongSupplier commitIndex, io.raftwal.backup.BackupService backup) {
    RaftWalStateMachine sm = wal.stateMachine();
    gauge("raftwal_archived_lsn", "Last LSN archived to the backup store", sm::archivedLsn);
    gauge("raftwal_archive_lag_lsn", "LSNs applied but not yet archived", () -> Math.max(0, sm.lastLsn() - sm.archivedLsn()));
    if (backup != null) {
      gauge("raftwal_backup_last_success_ms", "When a backup last succeeded here (ms since the epoch; 0: never)",
          backup::lastSuccessMs);
      counter("raftwal_backup_uploaded_bytes", "Bytes uploaded by backups run here", backup::bytesUploaded);
      counter("raftwal_backup_failures", "Backups run here that failed", backup::failures);
    }
    DropwizardExports.builder().dropwizardRegistry(ratis.registry()).register(registry);
    gauge("raftwal_applied_lsn", "Last LSN applied on this node", () -> sm.lastLsn());
    gauge("raftwal_applied_index", "Raft index of the last applied entry", () -> sm.getLastAppliedTermIndex().getIndex());
    gauge("raftwal_commit_index", "Raft commit index this node knows", commitIndex);
    gauge("raftwal_spool_oldest_lsn", "Oldest LSN retained in the spool", () -> sm.oldestLsn());
    gauge("raftwal_retention_floor_lsn", "WAL at or below this LSN may be pruned", sm::retentionFloor);
    gauge("raftwal_spool_bytes", "Bytes in spool segments", () -> sm.summary().spoolBytes());
    gauge("raftwal_spool_segments", "Spool segment files", () -> sm.summary().spoolSegments());
    gauge("raftwal_write_gate_frozen", "1 while the write gate refuses appends", () -> sm.writeGate().isFrozen() ? 1 : 0);
    gauge("raftwal_is_leader", "1 on the leader", () -> wal.isLeader() ? 1 : 0);
    counter("raftwal_resync_partial", "Consumer resumes planned as a partial resync",
        () -> sm.slotCatalog().partialResyncCount());
    counter("raftwal_resync_full", "Consumer resumes planned as a full re-bootstrap",
        () -> sm.slotCatalog().fullResyncCount());
    counter("raftwal_rejected_commands", "Malformed commands applied as rejections", sm::rejectedCommands);
    counter("raftwal_frozen_refusals", "Appends refused while writes were frozen", sm::frozenRefusals);
    counter("raftwal_replication_stall_handovers",
        "Leaderships this node handed over because its replication to a follower that is up had stalled",
        wal::replicationStallHandovers);
    CounterWithCallback.builder().name("raftwal_switchovers").help("Switchovers run on this node, by result")
        .labelNames("result").callback(cb -> {
          cb.call(wal.switchover().handedOverCount(), "handed_over");
          cb.call(wal.switchover().abortedCount(), "aborted");
          cb.call(wal.switchover().refusedCount(), "refused");
        }).register(registry);
    gauge("raftwal_switchover_last_unavailable_ms", "Write-unavailability window of the last switchover here",
        () -> wal.switchover().lastOutcome().map(o -> o.unavailableMs()).orElse(0L));
    gauge("raftwal_switchover_last_skipped_lsn", "LSNs the target lacked at the last (forced) switchover here",
        () -> wal.switchover().lastOutcome().map(o -> o.skippedLsn()).orElse(0L));
    counter("raftwal_journal_events_written", "Control events written to the journal",
        () -> wal.journal().map(j -> j.written()).orElse(0L));
    counter("raftwal_journal_events_dropped", "Control events dropped because the journal's queue was full",
        () -> wal.journal().map(j -> j.dropped()).orElse(0L));
    gauge("raftwal_journal_last_compaction_ms", "When the journal was last compacted (ms since the epoch; 0: never)",
        () -> wal.journal().map(j -> j.lastCompactionMs()).orElse(0L));
    GaugeWithCallback.builder().name("raftwal_slot_lag_lsn").help("How far each slot's restart LSN is behind the last LSN")
        .labelNames("slot", "valid")
        .callback(cb -> {
          long last = sm.lastLsn();
          for (Slot s : sm.slots()) {
            cb.call(Math.max(0, last - s.restartLsn()), s.id(), Boolean.toString(s.valid()));
          }
        }).register(registry);
  }

  private void gauge(String name, String help, LongSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
  }

  private void counter(String name, String help, LongSupplier value) {
    CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
  }

  /** Ratis's per-follower match indices as the leader sees them, by follower id (empty on followers). */
  public Map<String, Long> followerMatchIndices() {
    return ratis.followerMatchIndices();
  }

  /** Every metric in the Prometheus text exposition format. */
  public byte[] scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, registry.scrape());
    return out.toByteArray();
  }

  public void close() {
    ratis.close();
  }
}
