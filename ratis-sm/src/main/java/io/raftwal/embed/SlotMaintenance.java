package io.raftwal.embed;

import io.raftwal.command.Command;
import io.raftwal.slot.Invalidation;
import io.raftwal.slot.SlotCatalog;
import io.raftwal.statemachine.RaftWalStateMachine;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coalesces consumer acks into one {@code SlotProgress} command per interval, and on the leader
 * sweeps the catalog for horizon and idle-timeout breaches by the leader's clock, proposing
 * each as a {@code SlotInvalidate}. Apply never reads a clock; this is where the time comes in.
 */
final class SlotMaintenance {
  private static final Logger LOG = LoggerFactory.getLogger(SlotMaintenance.class);

  private final RaftWalClient client;
  private final RaftWalStateMachine sm;
  private final BooleanSupplier isLeader;
  private final Clock clock;
  private final long maxLagLsn;
  private final long idleTimeoutMs;
  private final Map<String, long[]> pending = new ConcurrentHashMap<>();

  SlotMaintenance(RaftWalClient client, RaftWalStateMachine sm, BooleanSupplier isLeader, Clock clock,
      long maxLagLsn, long idleTimeoutMs) {
    this.client = client;
    this.sm = sm;
    this.isLeader = isLeader;
    this.clock = clock;
    this.maxLagLsn = maxLagLsn;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  /** Records a consumer's confirmation; positions merge by maximum until the next flush. */
  void ack(String slotId, long writeLsn, long flushLsn, long applyLsn) {
    SlotCatalog.validateId(slotId);
    if (writeLsn < 0 || flushLsn < 0 || applyLsn < 0) {
      throw new IllegalArgumentException("slot " + slotId + " ack positions must not be negative, got write="
          + writeLsn + " flush=" + flushLsn + " apply=" + applyLsn);
    }
    pending.merge(slotId, new long[] {writeLsn, flushLsn, applyLsn},
        (a, b) -> new long[] {Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.max(a[2], b[2])});
  }

  /** One round: propose the coalesced acks, then (leader only) the invalidations due. */
  void runOnce() {
    List<Command.Progress> batch = new ArrayList<>();
    for (String id : new ArrayList<>(pending.keySet())) {
      long[] p = pending.remove(id);
      if (p != null) {
        batch.add(new Command.Progress(id, p[0], p[1], p[2]));
      }
    }
    if (!batch.isEmpty()) {
      client.submit(new Command.SlotProgress(batch, 0)).whenComplete((r, e) -> {
        if (e != null) {
          LOG.warn("proposing {} slot ack(s) failed: {}; they will be re-sent with the next acks", batch.size(), e.toString());
          batch.forEach(p -> ack(p.slotId(), p.writeLsn(), p.flushLsn(), p.applyLsn()));
        }
      });
    }
    if ((maxLagLsn > 0 || idleTimeoutMs > 0) && isLeader.getAsBoolean()) {
      for (Invalidation inv : sm.slotCatalog().enforceLimits(sm.lastLsn(), clock.millis(), maxLagLsn, idleTimeoutMs)) {
        LOG.info("slot '{}' breaks its {} limit; proposing its invalidation", inv.slotId(), inv.cause());
        client.submit(new Command.SlotInvalidate(inv.slotId(), inv.cause(), 0));
      }
    }
  }
}
