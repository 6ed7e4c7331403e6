package io.raftwal.embed;

import io.raftwal.command.Command;
import io.raftwal.command.Reply;
import io.raftwal.command.StateSummary;
import io.raftwal.journal.Actor;
import io.raftwal.journal.EventKind;
import io.raftwal.journal.EventSink;
import io.raftwal.journal.Journal;
import io.raftwal.journal.JournalEvent;
import io.raftwal.journal.Outcome;
import io.raftwal.slot.InvalidationCause;
import io.raftwal.slot.ResumePlan;
import io.raftwal.slot.Slot;
import io.raftwal.spool.SpoolRecord;
import io.raftwal.statemachine.RaftWalStateMachine;
import io.raftwal.statemachine.RecordListener;
import io.raftwal.switchover.SwitchoverService;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A raftwal node embedded in the caller's JVM: a Ratis server over gRPC running the raftwal
 * state machine, plus a client to the group. A storage engine appends through it, receives every
 * applied record through its {@link RecordListener}, reads its local spool, and manages slots.
 *
 * <pre>{@code
 * RaftWalConfig cfg = RaftWalConfig.builder("n1", dir).peers(Peer.parseList("n1=127.0.0.1:7001,...")).build();
 * try (RaftWal wal = RaftWal.start(cfg, record -> engine.apply(record))) {
 *   AppendResult r = wal.append(bytes).join();   // quorum-durable and applied
 * }
 * }</pre>
 */
public final class RaftWal implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftWal.class);

  private final RaftWalConfig config;
  private final RaftWalStateMachine stateMachine;
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final RaftWalClient client;
  private final ScheduledExecutorService scheduler;
  private final BatchingAppender batcher;
  private final SlotMaintenance slotMaintenance;
  private final SwitchoverService switchover;
  private final Journal journal;
  private final EventSink events;
  private final Thread peerProbe;
  private volatile WarmupState warmup;
  private final io.raftwal.replication.ReplicationWatchdog watchdog;

  private RaftWal(RaftWalConfig config, RaftWalStateMachine sm, RaftServer server, RaftGroupId groupId,
      Journal journal, EventSink events) {
    this.journal = journal;
    this.events = events;
    this.config = config;
    this.stateMachine = sm;
    this.server = server;
    this.groupId = groupId;
    this.client = new RaftWalClient(config.peers(), config.groupId(), config.requestTimeout());
    this.scheduler = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "raftwal-" + config.nodeId() + "-timer");
      t.setDaemon(true);
      return t;
    });
    this.batcher = new BatchingAppender(client, scheduler, config.batchMaxBytes(),
        config.batchMaxDelay().toNanos(), config.stateMachine().maxRecordBytes());
    this.slotMaintenance = new SlotMaintenance(client, sm, this::isLeader, Clock.systemUTC(),
        config.slotMaxLagLsn(), config.slotIdleTimeout().toMillis());
    try {
      this.switchover = new SwitchoverService(server.getDivision(groupId), sm, events);
    } catch (IOException e) {
      throw new IllegalStateException("the Raft group " + groupId + " is not on this server", e);
    }
    long every = config.slotAckInterval().toMillis();
    scheduler.scheduleWithFixedDelay(this::maintainSlots, every, every, TimeUnit.MILLISECONDS);
    try {
      this.watchdog = new io.raftwal.replication.ReplicationWatchdog(server.getDivision(groupId), events,
          WATCHDOG_PERIOD_MS);
    } catch (IOException e) {
      throw new IllegalStateException("the Raft group " + groupId + " is not on this server", e);
    }
    this.warmup = config.leadershipWarmup() ? WarmupState.PENDING : WarmupState.OFF;
    this.peerProbe = new Thread(() -> {
      probePeers();
      warmUp();
    }, "raftwal-" + config.nodeId() + "-peer-probe");
    peerProbe.setDaemon(true);
    peerProbe.start();
  }

  /** Leaderships this node handed over because its replication to a follower had stalled. */
  public long replicationStallHandovers() {
    return watchdog.handovers();
  }

  /** How often a leader checks that it still replicates to every follower that is up. */
  static final long WATCHDOG_PERIOD_MS = 2_000;

  /** How long a starting node keeps asking peers that have not answered yet. */
  static final long PEER_PROBE_MS = 30_000;

  /**
   * Asks every peer for its group info until each has answered or {@link #PEER_PROBE_MS} passed,
   * and logs which peers this node reaches. It also loads and runs this JVM's gRPC client paths
   * before an election needs them: in the handover benchmark a node becoming leader for the
   * first time spent about 250 ms of its election loading them.
   */
  private void probePeers() {
    java.util.Set<String> waiting = new java.util.TreeSet<>();
    config.peers().stream().map(Peer::id).filter(id -> !id.equals(config.nodeId())).forEach(waiting::add);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PEER_PROBE_MS);
    List<String> reached = new ArrayList<>();
    while (!waiting.isEmpty() && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
      for (java.util.Iterator<String> it = waiting.iterator(); it.hasNext(); ) {
        String id = it.next();
        try {
          client.ratis().getGroupManagementApi(RaftPeerId.valueOf(id)).info(groupId);
          reached.add(id);
          it.remove();
        } catch (IOException | RuntimeException notYet) {
          // not up yet, or closing: asked again below while time is left
        }
      }
      if (!waiting.isEmpty()) {
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
    if (waiting.isEmpty()) {
      LOG.info("node {} reaches every peer: {}", config.nodeId(), reached);
    } else {
      LOG.warn("node {} reaches {} but not {} after {} s; check that they run and that {} is reachable",
          config.nodeId(), reached, waiting, PEER_PROBE_MS / 1000, waiting);
    }
  }

  /**
   * Runs {@link LeadershipWarmup} once the peers were probed (so the real group's election at
   * start does not share the CPU with it), unless the config turns it off. A failure costs only
   * the warm-up: the node serves either way.
   */
  private void warmUp() {
    try {
      if (warmup != WarmupState.PENDING || Thread.currentThread().isInterrupted()) {
        return;
      }
      if (!LeadershipWarmup.claim()) {
        warmup = WarmupState.SHARED;
        return;
      }
      warmup = WarmupState.RUNNING;
      LOG.info("node {} warming its leader path on a throwaway loopback group", config.nodeId());
      LeadershipWarmup.Report r = LeadershipWarmup.run(config, LeadershipWarmup.scratchDir(config));
      warmup = WarmupState.DONE;
      LOG.info("node {} warmed its leader path in {} ms ({} leaderships, {} appends)", config.nodeId(),
          r.elapsedMs(), r.leaderships(), r.appends());
    } catch (InterruptedException e) {
      warmup = WarmupState.FAILED;
      LOG.info("node {} stopped its leader-path warm-up", config.nodeId());
    } catch (IOException | RuntimeException e) {
      warmup = WarmupState.FAILED;
      LOG.warn("node {} could not warm its leader path ({}); its first leadership will be slower", config.nodeId(),
          e.toString());
    }
  }

  /** Where the start-up warm-up of the leader path stands. */
  public WarmupState warmup() {
    return warmup;
  }

  /**
   * Starts this node: formats its storage on first start, recovers it afterwards.
   *
   * @param listener receives every applied record in LSN order (may be null)
   */
  public static RaftWal start(RaftWalConfig config, RecordListener listener) throws IOException {
    return start(config, listener, null);
  }

  /**
   * As {@link #start(RaftWalConfig, RecordListener)}, sending control events to {@code sink}
   * instead of the node's own journal (null: the journal the config describes).
   */
  public static RaftWal start(RaftWalConfig config, RecordListener listener, EventSink sink) throws IOException {
    Files.createDirectories(config.dataDir());
    Journal journal = sink == null && config.journal() != null
        ? Journal.open(config.dataDir().resolve("journal.db"), config.journal()) : null;
    EventSink events = sink != null ? sink : journal != null ? journal : EventSink.NONE;
    RaftWalStateMachine sm = new RaftWalStateMachine(config.dataDir(), config.stateMachine(), listener,
        Clock.systemUTC());
    sm.setEventSink(events);
    RaftGroup group = RaftSettings.group(config.peers(), config.groupId());
    boolean exists = Files.isDirectory(config.dataDir().resolve("raft").resolve(config.groupId().toString()));
    RaftServer server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(config.nodeId()))
        .setGroup(group)
        .setProperties(RaftSettings.server(config))
        .setStateMachine(sm)
        .setOption(exists ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
        .build();
    server.start();
    LOG.info("raftwal node {} started at {} ({}), data in {}", config.nodeId(), config.self().address(),
        exists ? "recovered" : "new", config.dataDir());
    events.record(JournalEvent.of(EventKind.NODE_STARTED, Outcome.ALLOWED, Actor.NODE, exists ? "recovered" : "new",
        java.util.Map.of("node", config.nodeId(), "address", config.self().address(), "lastLsn", sm.lastLsn())));
    return new RaftWal(config, sm, server, group.getGroupId(), journal, events);
  }

  /**
   * Appends one record. Concurrent appends are coalesced into one Raft entry (bounded by the
   * batch byte limit and delay); each record still gets its own LSN. Completes once a quorum has
   * the record durable and this cluster applied it.
   */
  public CompletableFuture<AppendResult> append(byte[] payload) {
    return batcher.append(payload);
  }

  /** Records after {@code sinceLsn} from this node's spool (what this node has applied). */
  public List<SpoolRecord> readSince(long sinceLsn, int max) throws IOException {
    return stateMachine.readSince(sinceLsn, max);
  }

  /** Creates a slot at the current LSN (or keeps an existing one's progress). */
  public CompletableFuture<Reply> createSlot(String slotId) {
    return client.submit(new Command.SlotCreate(slotId, Command.SlotCreate.AT_CURRENT_LSN, 0));
  }

  /** Creates a slot at {@code initialLsn}. */
  public CompletableFuture<Reply> createSlot(String slotId, long initialLsn) {
    if (initialLsn < 0) {
      throw new IllegalArgumentException("initialLsn must not be negative, got " + initialLsn);
    }
    return client.submit(new Command.SlotCreate(slotId, initialLsn, 0));
  }

  /** A consumer confirms it has durably applied through {@code lsn}; proposed with other acks shortly. */
  public void ackSlot(String slotId, long lsn) {
    slotMaintenance.ack(slotId, lsn, lsn, lsn);
  }

  /** Proposes the acks gathered so far now rather than at the next interval. */
  public void flushSlotAcks() {
    slotMaintenance.runOnce();
  }

  public CompletableFuture<Reply> dropSlot(String slotId) {
    return client.submit(new Command.SlotDrop(slotId, 0));
  }

  /** The slots as this node has applied them. */
  public List<Slot> slots() {
    return stateMachine.slots();
  }

  /**
   * How the consumer of {@code slotId} should resume after {@code requestedSinceLsn}. A resume
   * the spool can no longer serve also proposes the slot's invalidation (WAL removed).
   */
  public ResumePlan planResume(String slotId, long requestedSinceLsn) {
    ResumePlan plan = stateMachine.slotCatalog().planResume(slotId, requestedSinceLsn, stateMachine.oldestLsn());
    if (plan instanceof ResumePlan.FullRebootstrap f && f.cause() == InvalidationCause.WAL_REMOVED
        && stateMachine.slotCatalog().get(slotId).map(Slot::valid).orElse(false)) {
      client.submit(new Command.SlotInvalidate(slotId, InvalidationCause.WAL_REMOVED, 0));
    }
    return plan;
  }

  public boolean isLeader() {
    try {
      return server.getDivision(groupId).getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  /** The leader this node knows of, if any. */
  public Optional<String> leaderId() {
    try {
      RaftPeerId id = server.getDivision(groupId).getInfo().getLeaderId();
      return Optional.ofNullable(id).map(RaftPeerId::toString);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public String nodeId() {
    return config.nodeId();
  }

  /** This node's applied state. */
  public StateSummary status() {
    return stateMachine.summary();
  }

  /** The state machine, for the node process (admin API, switchover) and tests. */
  public RaftWalStateMachine stateMachine() {
    return stateMachine;
  }

  /** The Ratis server, for the node process and tests. */
  public RaftServer server() {
    return server;
  }

  /** Planned leadership handovers, run on this node when it leads. */
  public SwitchoverService switchover() {
    return switchover;
  }

  /** This node's control-event journal, when it keeps one. */
  public Optional<Journal> journal() {
    return Optional.ofNullable(journal);
  }

  /** A client to the group, shared by this node. */
  public RaftWalClient client() {
    return client;
  }

  public RaftWalConfig config() {
    return config;
  }

  private void maintainSlots() {
    try {
      slotMaintenance.runOnce();
    } catch (RuntimeException e) {
      LOG.warn("slot maintenance round failed: {}", e.toString());
    }
  }

  /**
   * Stops accepting appends, sends what is queued, lets this node apply up to the commit index it
   * knows (bounded wait), then stops the server, which forces and closes the spool.
   */
  @Override
  public void close() throws IOException {
    peerProbe.interrupt();
    try {
      peerProbe.join(30_000); // a warm-up in progress closes its servers and removes its directory
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    watchdog.close();
    batcher.close();
    try {
      long commit = server.getDivision(groupId).getRaftLog().getLastCommittedIndex();
      stateMachine.awaitApplied(commit).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.info("node {} stopping before applying to its commit index: {}", config.nodeId(), e.toString());
    }
    scheduler.shutdown();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      switchover.close();
      client.close();
    } finally {
      server.close();
      events.record(JournalEvent.of(EventKind.NODE_STOPPED, Outcome.ALLOWED, Actor.NODE, "",
          java.util.Map.of("node", config.nodeId(), "lastLsn", stateMachine.lastLsn())));
      if (journal != null) {
        journal.close();
      }
      LOG.info("raftwal node {} stopped", config.nodeId());
    }
  }
}
