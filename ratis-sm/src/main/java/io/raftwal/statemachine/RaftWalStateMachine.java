package io.raftwal.statemachine;

import io.raftwal.command.Command;
import io.raftwal.command.CommandCodec;
import io.raftwal.command.MalformedCommandException;
import io.raftwal.command.Query;
import io.raftwal.command.QueryCodec;
import io.raftwal.command.Reply;
import io.raftwal.command.ReplyCodec;
import io.raftwal.command.StateSummary;
import io.raftwal.journal.Actor;
import io.raftwal.journal.EventKind;
import io.raftwal.journal.EventSink;
import io.raftwal.journal.JournalEvent;
import io.raftwal.journal.Outcome;
import io.raftwal.slot.Slot;
import io.raftwal.slot.SlotCatalog;
import io.raftwal.slot.SlotCatalogCodec;
import io.raftwal.spool.Spool;
import io.raftwal.spool.SpoolRecord;
import io.raftwal.spool.WalRemovedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raftwal Ratis state machine: applies {@link Command}s from the Raft log to the live WAL
 * spool and the slot catalog, the same way on every node.
 *
 * <p>The leader validates and stamps commands in {@link #startTransaction}; apply assigns LSNs
 * (previous + 1, from 1), appends to the spool, and answers with a {@link Reply}. Apply is
 * idempotent by Raft index, because Ratis re-applies every entry after the latest snapshot on
 * restart: an entry the spool already holds is checked (term and index) and skipped. A failing
 * spool write throws out of {@code applyTransaction}, which stops the server rather than leave a
 * gap. A malformed command is applied as a rejection on every node.
 *
 * <p>The live spool lives in {@code <dataDir>/spool}, outside the directory a snapshot install
 * replaces; {@link #reinitialize} rebuilds it from the installed segment files.
 */
public final class RaftWalStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(RaftWalStateMachine.class);
  private static final byte[] NO_HASH = new byte[32];

  private final Path spoolDir;
  private final StateMachineOptions options;
  private final RecordListener listener;
  private final Clock clock;
  private final SnapshotStore snapshots;
  private final WriteGate gate = new WriteGate();
  private final TreeMap<Long, CompletableFuture<Void>> appliedWaiters = new TreeMap<>();
  private final AtomicLong rejectedCommands = new AtomicLong();
  private final AtomicLong frozenRefusals = new AtomicLong();
  private volatile EventSink events = EventSink.NONE;
  private volatile Runnable snapshotHook = () -> {};

  // Applied state: written by the apply thread only, read by queries.
  private volatile Spool spool;
  private volatile SlotCatalog slots = new SlotCatalog();
  private volatile long lastLsn;
  private volatile long lastCommandIndex;
  /** The leader this member last heard of, so a leader-change event can name both sides. */
  private volatile RaftPeerId knownLeader;
  private volatile long archivedLsn;
  private volatile byte[] archivedHash = NO_HASH;
  private volatile long snapshotLastLsn;
  private long deliveredThroughLsn;

  public RaftWalStateMachine(Path dataDir, StateMachineOptions options, RecordListener listener, Clock clock) {
    this.spoolDir = dataDir.resolve("spool");
    this.options = options;
    this.listener = listener == null ? RecordListener.NONE : listener;
    this.clock = clock;
    this.snapshots = new SnapshotStore(options.snapshotsToKeep());
  }

  /**
   * Called on the apply thread after each snapshot is taken: it must only schedule work (the
   * backup's snapshot hook hands the upload to its own thread).
   */
  public void setSnapshotHook(Runnable hook) {
    this.snapshotHook = hook == null ? () -> {} : hook;
  }

  /** Where control events (leader changes, snapshots, slot changes) go; set before the server starts. */
  public void setEventSink(EventSink sink) {
    this.events = sink == null ? EventSink.NONE : sink;
  }

  private void event(EventKind kind, Outcome outcome, String reason, Map<String, Object> fields) {
    events.record(JournalEvent.of(kind, outcome, Actor.RAFT, reason, fields));
  }

  // ------------------------------------------------------------------------------ lifecycle

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
    super.initialize(server, groupId, storage);
    getLifeCycle().startAndTransition(() -> {
      snapshots.init(storage);
      load(false);
    });
  }

  @Override
  public void pause() {
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.RUNNING) {
      lc.transition(LifeCycle.State.PAUSING);
      lc.transition(LifeCycle.State.PAUSED);
    }
  }

  /** After Ratis installed a snapshot from the leader: rebuild everything from it. */
  @Override
  public void reinitialize() throws IOException {
    snapshots.reload();
    load(true);
    event(EventKind.SNAPSHOT_INSTALLED, Outcome.ALLOWED, "installed from the leader",
        Map.of("lastLsn", lastLsn, "index", getLastAppliedTermIndex().getIndex()));
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.PAUSED) {
      lc.transition(LifeCycle.State.STARTING);
      lc.transition(LifeCycle.State.RUNNING);
    }
  }

  private void load(boolean installed) throws IOException {
    SnapshotStore.Loaded snap = snapshots.loadLatest();
    Spool old = spool;
    if (old != null) {
      old.close();
    }
    if (installed && snap != null) {
      linkSpoolFrom(snap);
    }
    Spool opened = Spool.open(spoolDir, options.spool());
    if (snap != null && opened.currentLsn() < snap.state().lastLsn()) {
      // The live spool lost what the snapshot says was applied (a wiped or damaged directory):
      // the snapshot's own segments are the truth up to its LSN.
      LOG.warn("live spool {} ends at LSN {} but snapshot {} holds LSN {}; rebuilding the spool from the snapshot",
          spoolDir, opened.currentLsn(), snap.termIndex(), snap.state().lastLsn());
      opened.close();
      linkSpoolFrom(snap);
      opened = Spool.open(spoolDir, options.spool());
    }
    if (snap != null && (installed ? opened.currentLsn() != snap.state().lastLsn()
        : opened.currentLsn() < snap.state().lastLsn())) {
      long held = opened.currentLsn();
      opened.close();
      // Never run with an applied LSN the spool cannot back: that would hand out LSNs over a gap.
      throw new IOException("snapshot " + snap.termIndex() + " records LSN " + snap.state().lastLsn()
          + " but its segments end at LSN " + held + "; the snapshot is damaged. Move " + spoolDir
          + " and the state machine directory aside and let the leader install a fresh snapshot");
    }
    AppliedState st = snap != null ? snap.state() : restoredState(opened);
    slots = new SlotCatalog(st.slots());
    lastLsn = st.lastLsn();
    archivedLsn = st.archivedLsn();
    archivedHash = st.archivedHash();
    snapshotLastLsn = st.lastLsn();
    spool = opened;
    setLastAppliedTermIndex(snap == null ? TermIndex.INITIAL_VALUE : snap.termIndex());
    lastCommandIndex = getLastAppliedTermIndex().getIndex();
    LOG.info("state machine {}: {} at {}, last LSN {}, spool LSN {}..{}, {} slot(s)",
        installed ? "reloaded from an installed snapshot" : "started",
        snap == null ? "no snapshot" : "snapshot", snap == null ? "-" : snap.termIndex(), lastLsn,
        opened.oldestLsn(), opened.currentLsn(), slots.size());
    catchUpListener(st.lastLsn());
  }

  /** A data directory made by a restore starts from the restored spool until its first snapshot. */
  public static final String RESTORED_STATE = "restored.state";

  private AppliedState restoredState(Spool opened) throws IOException {
    Path marker = spoolDir.getParent().resolve(RESTORED_STATE);
    if (!Files.exists(marker)) {
      return new AppliedState(0, -1, 0, 0, NO_HASH, List.of());
    }
    AppliedState st = AppliedState.decode(Files.readAllBytes(marker), marker.toString());
    if (opened.currentLsn() != st.lastLsn()) {
      opened.close();
      throw new IOException(marker + " says the restored spool ends at LSN " + st.lastLsn() + " but it ends at LSN "
          + opened.currentLsn() + "; restore again");
    }
    LOG.info("starting from a restored spool: LSN {}..{}", opened.oldestLsn(), st.lastLsn());
    return st;
  }

  /** The newest snapshot's files, for a backup. */
  public record SnapshotView(long term, long index, long lastLsn, Path stateFile, List<Path> segments) {}

  public java.util.Optional<SnapshotView> latestSnapshotView() throws IOException {
    SnapshotStore.Loaded l = snapshots.loadLatest();
    Path dir = snapshots.latestDir();
    if (l == null || dir == null) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new SnapshotView(l.termIndex().getTerm(), l.termIndex().getIndex(), l.state().lastLsn(),
        dir.resolve(SnapshotStore.STATE_FILE), l.segments()));
  }

  /** The last LSN archived to the backup store, as applied here. */
  public long archivedLsn() {
    return archivedLsn;
  }

  /** The SHA-256 of the newest archived WAL segment (all zeros when none). */
  public byte[] archivedHash() {
    return archivedHash.clone();
  }

  /** Delivers to the listener what the spool holds between the listener's position and the snapshot. */
  private void catchUpListener(long throughLsn) throws IOException {
    long from = Math.max(listener.lastAppliedLsn(), 0);
    Spool s = spool;
    if (from < s.oldestLsn() - 1 && from < throughLsn) {
      LOG.warn("the embedding listener is at LSN {} but the spool only holds LSN {} onwards;"
          + " records {}..{} cannot be delivered: rebuild the engine from a snapshot", from, s.oldestLsn(),
          from + 1, s.oldestLsn() - 1);
      from = s.oldestLsn() - 1;
    }
    while (from < throughLsn) {
      List<SpoolRecord> batch = s.readSince(from, 1024);
      if (batch.isEmpty()) {
        break;
      }
      for (SpoolRecord r : batch) {
        if (r.lsn() > throughLsn) {
          break;
        }
        listener.onRecord(r);
        from = r.lsn();
      }
    }
    deliveredThroughLsn = Math.max(from, throughLsn);
  }

  private void linkSpoolFrom(SnapshotStore.Loaded snap) throws IOException {
    SnapshotStore.deleteTree(spoolDir);
    Files.createDirectories(spoolDir);
    for (Path seg : snap.segments()) {
      Files.createLink(spoolDir.resolve(seg.getFileName()), seg);
    }
    SnapshotStore.fsync(spoolDir);
  }

  @Override
  public void close() throws IOException {
    Spool s = spool;
    if (s != null) {
      s.close();
    }
    synchronized (appliedWaiters) {
      appliedWaiters.values().forEach(f -> f.completeExceptionally(new IOException("state machine closed")));
      appliedWaiters.clear();
    }
    super.close();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return snapshots.getLatestSnapshot();
  }

  // ---------------------------------------------------------------------------- the leader

  /** Validates a client's command on the leader and stamps it with the leader's clock. */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    ByteString data = request.getMessage().getContent();
    TransactionContext.Builder b = TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request);
    if (!options.leaderValidation()) {
      return b.setLogData(data).build();
    }
    String refusal = null;
    CommandCodec.Shape shape = null;
    byte[] bytes = null;
    if (data.size() > options.maxEntryBytes()) {
      refusal = "command of " + data.size() + " bytes exceeds the " + options.maxEntryBytes()
          + "-byte entry limit; send fewer or smaller records per append";
    } else {
      // One copy, checked in place and then stamped in place: the leader never decodes a payload.
      bytes = data.toByteArray();
      try {
        shape = CommandCodec.inspect(bytes);
      } catch (MalformedCommandException e) {
        refusal = e.getMessage();
      }
    }
    if (shape != null && shape.append()) {
      String frozen = gate.refusal();
      if (frozen != null) {
        frozenRefusals.incrementAndGet();
        TransactionContext trx = b.build();
        trx.setException(new WritesFrozenException(frozen));
        return trx;
      }
      if (shape.largestRecordBytes() > options.maxRecordBytes()) {
        refusal = "record " + shape.largestRecord() + " is " + shape.largestRecordBytes() + " bytes; the limit is "
            + options.maxRecordBytes() + " bytes (maxRecordBytes): split it or raise the limit";
      }
    }
    if (refusal != null) {
      TransactionContext trx = b.build();
      trx.setException(new IllegalArgumentException("REJECTED: " + refusal));
      return trx;
    }
    CommandCodec.restamp(bytes, clock.millis());
    // Nothing writes to the array after this; wrapping it spares Ratis one more copy.
    return b.setLogData(UnsafeByteOperations.unsafeWrap(bytes)).build();
  }

  /** The term this member is in, or -1 before its server is up: for the journal, never for a decision. */
  private long currentTerm() {
    RaftServer server = getServer().getNow(null);
    if (server == null) {
      return -1;
    }
    try {
      return server.getDivision(getGroupId()).getInfo().getCurrentTerm();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The write gate the switchover freezes. */
  public WriteGate writeGate() {
    return gate;
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeaderId) {
    RaftPeerId oldLeader = knownLeader;
    knownLeader = newLeaderId;
    long term = currentTerm();
    LOG.info("{}: leader is now {} in term {} (was {})", member, newLeaderId, term, oldLeader);
    event(EventKind.LEADER_CHANGED, Outcome.ALLOWED, "", Map.of("node", member.getPeerId().toString(),
        "oldLeader", String.valueOf(oldLeader), "leader", String.valueOf(newLeaderId), "term", term,
        "appliedIndex", getLastAppliedTermIndex().getIndex()));
    if (gate.isFrozen() && !member.getPeerId().equals(newLeaderId)) {
      // A freeze belongs to a leadership; whoever leads next starts with writes open.
      gate.open();
    }
  }

  // --------------------------------------------------------------------------------- apply

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long term = entry.getTerm();
    long index = entry.getIndex();
    Reply reply;
    try {
      Command cmd = CommandCodec.decode(entry.getStateMachineLogEntry().getLogData().toByteArray());
      reply = apply(cmd, term, index);
    } catch (MalformedCommandException e) {
      rejectedCommands.incrementAndGet();
      LOG.warn("rejected a malformed command at Raft index {}: {}", index, e.getMessage());
      reply = new Reply.Rejected("malformed command at Raft index " + index + ": " + e.getMessage());
    } catch (IOException e) {
      // Thrown, not returned: Ratis stops this server instead of moving past an unapplied entry.
      throw new UncheckedIOException("spool write failed applying Raft index " + index + "; stopping", e);
    }
    updateLastAppliedTermIndex(term, index);
    lastCommandIndex = index;
    wakeWaiters(index);
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(ReplyCodec.encode(reply))));
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    super.notifyTermIndexUpdated(term, index);
    wakeWaiters(index);
  }

  private Reply apply(Command cmd, long term, long index) throws IOException {
    long now = cmd.timestampMs();
    if (cmd instanceof Command.Append a) {
      return applyAppend(a, term, index);
    }
    if (cmd instanceof Command.SlotCreate c) {
      long initial = c.initialLsn() == Command.SlotCreate.AT_CURRENT_LSN ? lastLsn : c.initialLsn();
      if (initial > lastLsn) {
        return new Reply.Rejected("initialLsn " + initial + " is beyond the last LSN " + lastLsn);
      }
      boolean existed = slots.get(c.slotId()).isPresent();
      Slot s = slots.create(c.slotId(), initial, now);
      if (!existed) {
        event(EventKind.SLOT_CREATED, Outcome.ALLOWED, "", Map.of("slot", s.id(), "restartLsn", s.restartLsn()));
      }
      return new Reply.Done((existed ? "slot exists" : "slot created") + " '" + s.id() + "' restart LSN "
          + s.restartLsn() + (s.valid() ? "" : " (invalidated: " + s.invalidation() + ")"));
    }
    if (cmd instanceof Command.SlotProgress p) {
      int applied = 0;
      List<String> refused = new ArrayList<>();
      for (Command.Progress pr : p.progress()) {
        if (Math.max(pr.writeLsn(), Math.max(pr.flushLsn(), pr.applyLsn())) > lastLsn) {
          refused.add(pr.slotId() + " (beyond last LSN " + lastLsn + ")");
        } else if (slots.advance(pr.slotId(), pr.writeLsn(), pr.flushLsn(), pr.applyLsn(), now)) {
          applied++;
        } else {
          refused.add(pr.slotId() + " (unknown or invalidated)");
        }
      }
      prune();
      return new Reply.Done("advanced " + applied + " of " + p.progress().size() + " slot(s)"
          + (refused.isEmpty() ? "" : "; ignored " + String.join(", ", refused)));
    }
    if (cmd instanceof Command.SlotDrop d) {
      if (!slots.drop(d.slotId())) {
        return new Reply.Rejected("slot '" + d.slotId() + "' does not exist");
      }
      event(EventKind.SLOT_DROPPED, Outcome.ALLOWED, "", Map.of("slot", d.slotId()));
      prune();
      return new Reply.Done("slot dropped '" + d.slotId() + "'");
    }
    if (cmd instanceof Command.SlotInvalidate v) {
      if (!slots.invalidate(v.slotId(), v.cause(), now)) {
        return new Reply.Rejected("slot '" + v.slotId() + "' does not exist or is already invalidated");
      }
      LOG.info("slot '{}' invalidated: {}", v.slotId(), v.cause());
      event(EventKind.SLOT_INVALIDATED, Outcome.ALLOWED, v.cause().name(), Map.of("slot", v.slotId(),
          "cause", v.cause().name(), "lastLsn", lastLsn));
      prune();
      return new Reply.Done("slot invalidated '" + v.slotId() + "' (" + v.cause() + ")");
    }
    Command.ArchiveProgress ap = (Command.ArchiveProgress) cmd;
    if (ap.lsn() > lastLsn) {
      return new Reply.Rejected("archived LSN " + ap.lsn() + " is beyond the last LSN " + lastLsn);
    }
    if (ap.lsn() < archivedLsn) {
      return new Reply.Rejected("archived LSN " + ap.lsn() + " is behind the recorded " + archivedLsn
          + "; the archive position never moves back");
    }
    archivedLsn = ap.lsn();
    archivedHash = ap.segmentHash();
    prune();
    return new Reply.Done("archived through LSN " + ap.lsn());
  }

  private Reply applyAppend(Command.Append a, long term, long index) throws IOException {
    List<byte[]> payloads = a.payloads();
    long first = lastLsn + 1;
    List<SpoolRecord> records = new ArrayList<>(payloads.size());
    for (int i = 0; i < payloads.size(); i++) {
      records.add(new SpoolRecord(term, first + i, index, a.timestampMs(), payloads.get(i)));
    }
    Spool s = spool;
    if (first > s.currentLsn()) {
      s.append(records);
    } else {
      reapply(s, records);
    }
    long last = first + records.size() - 1;
    lastLsn = last;
    for (SpoolRecord r : records) {
      if (r.lsn() > deliveredThroughLsn) {
        listener.onRecord(r);
        deliveredThroughLsn = r.lsn();
      }
    }
    return new Reply.Appended(first, last, term, index);
  }

  /**
   * A re-applied entry (after a restart) whose LSNs the spool may already hold: keep what matches
   * the entry's term and index, cut and rewrite from the first record that does not.
   */
  private void reapply(Spool s, List<SpoolRecord> records) throws IOException {
    long first = records.get(0).lsn();
    List<SpoolRecord> held;
    try {
      held = s.readSince(first - 1, records.size());
    } catch (WalRemovedException e) {
      throw new IOException("re-applying LSN " + first + " but the spool no longer holds it (oldest "
          + e.oldestLsn() + "); the spool was pruned past the latest snapshot", e);
    }
    int same = 0;
    while (same < held.size() && held.get(same).term() == records.get(same).term()
        && held.get(same).raftIndex() == records.get(same).raftIndex()) {
      same++;
    }
    if (same == records.size()) {
      return;
    }
    if (same < held.size()) {
      SpoolRecord h = held.get(same);
      LOG.warn("spool record LSN {} has term {} index {} but the Raft log says term {} index {}; rewriting from it",
          h.lsn(), h.term(), h.raftIndex(), records.get(same).term(), records.get(same).raftIndex());
      s.truncateAfter(h.lsn() - 1);
    }
    s.append(records.subList(same, records.size()));
  }

  /** Deletes spool segments nothing needs: below every valid slot, the archive and the snapshot. */
  private void prune() throws IOException {
    long floor = retentionFloor();
    if (floor > 0) {
      spool.pruneThrough(floor);
    }
  }

  /** WAL at or below this LSN may be pruned. */
  public long retentionFloor() {
    long floor = snapshotLastLsn;
    OptionalLong slotFloor = slots.retentionFloor();
    if (slotFloor.isPresent()) {
      floor = Math.min(floor, slotFloor.getAsLong());
    }
    if (options.archivingEnabled()) {
      floor = Math.min(floor, archivedLsn);
    }
    return floor;
  }

  // ------------------------------------------------------------------------------ snapshots

  /** Runs on the apply thread: seal (force) the spool, hard-link its segments, record the state. */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex applied = getLastAppliedTermIndex();
    SnapshotInfo latest = snapshots.getLatestSnapshot();
    if (applied.getIndex() < 0 || (latest != null && latest.getIndex() >= applied.getIndex())) {
      return latest == null ? -1 : latest.getIndex();
    }
    Spool s = spool;
    s.sealActive();
    AppliedState state = new AppliedState(applied.getTerm(), applied.getIndex(), lastLsn, archivedLsn,
        archivedHash, slots.list());
    snapshots.write(state, s.segments());
    snapshotLastLsn = lastLsn;
    snapshots.cleanupOldSnapshots(null);
    LOG.info("snapshot taken at {} (LSN {}, {} segment(s))", applied, lastLsn, s.segments().size());
    event(EventKind.SNAPSHOT_TAKEN, Outcome.ALLOWED, "", Map.of("term", applied.getTerm(), "index",
        applied.getIndex(), "lastLsn", lastLsn, "segments", s.segments().size()));
    try {
      snapshotHook.run();
    } catch (RuntimeException e) {
      LOG.warn("snapshot hook failed: {}", e.toString());
    }
    return applied.getIndex();
  }

  // -------------------------------------------------------------------------------- queries

  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      Query q = QueryCodec.decode(request.getContent().toByteArray());
      if (q instanceof Query.StatusAfter s) {
        return statusAfter(s);
      }
      byte[] answer;
      if (q instanceof Query.ReadSince r) {
        answer = QueryCodec.encodeRecords(capped(readSince(r.sinceLsn(), r.max())));
      } else if (q instanceof Query.ListSlots) {
        answer = SlotCatalogCodec.encode(slots.list());
      } else {
        answer = QueryCodec.encodeSummary(summary());
      }
      return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(answer)));
    } catch (MalformedCommandException | IllegalArgumentException e) {
      return CompletableFuture.failedFuture(rejected(e.getMessage()));
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(new StateMachineException(
          "query failed: " + e.getMessage(), e));
    }
  }

  /**
   * A query's failure as Ratis carries it back in the reply. Any other exception fails the RPC,
   * and the client's retry policy then sends the same bad question again for its whole timeout.
   */
  private static StateMachineException rejected(String why) {
    return new StateMachineException("REJECTED: " + why);
  }

  /**
   * How far past its applied index a node lets a status question wait: each index waited for
   * holds an entry until it is applied, so an index the group will not reach soon is refused.
   */
  static final long MAX_STATUS_WAIT_AHEAD = 1 << 20;

  private CompletableFuture<Message> statusAfter(Query.StatusAfter s) {
    long applied = getLastAppliedTermIndex().getIndex();
    if (s.raftIndex() - applied > MAX_STATUS_WAIT_AHEAD) {
      return CompletableFuture.failedFuture(rejected("raftIndex " + s.raftIndex() + " is more than "
          + MAX_STATUS_WAIT_AHEAD + " entries past this node's applied index " + applied
          + "; ask for an index the group has written"));
    }
    // A copy: the timeout must not complete the waiter other askers share.
    return awaitApplied(s.raftIndex()).copy().completeOnTimeout(null, s.maxWaitMs(), TimeUnit.MILLISECONDS)
        .thenApply(v -> Message.valueOf(ByteString.copyFrom(QueryCodec.encodeSummary(summary()))));
  }

  /** A read's reply must fit a gRPC message: at most {@value #MAX_READ_REPLY_BYTES} bytes, at least one record. */
  static final int MAX_READ_REPLY_BYTES = 4 << 20;

  private static List<SpoolRecord> capped(List<SpoolRecord> records) {
    long bytes = 0;
    for (int i = 0; i < records.size(); i++) {
      bytes += records.get(i).payload().length + 36;
      if (bytes > MAX_READ_REPLY_BYTES && i > 0) {
        return records.subList(0, i);
      }
    }
    return records;
  }

  /** Ratis 3.2's own stale-read wait never wakes; this one is woken by every apply. */
  @Override
  public CompletableFuture<Message> queryStale(Message request, long minIndex) {
    return awaitApplied(minIndex).thenCompose(v -> query(request));
  }

  /** Completes once this node has applied Raft index {@code index}. */
  public CompletableFuture<Void> awaitApplied(long index) {
    synchronized (appliedWaiters) {
      if (getLastAppliedTermIndex().getIndex() >= index) {
        return CompletableFuture.completedFuture(null);
      }
      return appliedWaiters.computeIfAbsent(index, k -> new CompletableFuture<>());
    }
  }

  private void wakeWaiters(long index) {
    synchronized (appliedWaiters) {
      while (!appliedWaiters.isEmpty() && appliedWaiters.firstKey() <= index) {
        Map.Entry<Long, CompletableFuture<Void>> e = appliedWaiters.pollFirstEntry();
        e.getValue().complete(null);
      }
    }
  }

  /** Records after {@code sinceLsn} from this node's spool (what it has applied). */
  public List<SpoolRecord> readSince(long sinceLsn, int max) throws IOException {
    return spool.readSince(sinceLsn, max);
  }

  /** LSNs {@code fromLsn..toLsn} as one segment's bytes; see {@link io.raftwal.spool.Spool#exportSegment}. */
  public long exportSegment(long fromLsn, long toLsn, java.io.OutputStream out) throws IOException {
    return spool.exportSegment(fromLsn, toLsn, out);
  }

  /** What {@link #exportSegment} writes for {@code fromLsn..toLsn}, in bytes; see {@link io.raftwal.spool.Spool#exportSize}. */
  public long exportSize(long fromLsn, long toLsn) throws IOException {
    return spool.exportSize(fromLsn, toLsn);
  }

  /** The slot catalog as applied on this node. */
  public List<Slot> slots() {
    return slots.list();
  }

  /** The catalog itself, for resume planning and limit sweeps on the leader. */
  public SlotCatalog slotCatalog() {
    return slots;
  }

  public long lastLsn() {
    return lastLsn;
  }

  /**
   * The Raft index of the last command this node applied: the applied index less Ratis's own
   * entries (configuration, commit metadata) that came after it. A follower applies a trailing
   * metadata entry only when a later heartbeat brings its commit, up to half an election timeout
   * on, so a catch-up check holds a switchover's target to this index, not to the last one.
   */
  public long lastCommandIndex() {
    return lastCommandIndex;
  }

  public long oldestLsn() {
    return spool.oldestLsn();
  }

  /** Commands applied as rejections because they were malformed. */
  public long rejectedCommands() {
    return rejectedCommands.get();
  }

  /** Appends the leader refused because the write gate was frozen. */
  public long frozenRefusals() {
    return frozenRefusals.get();
  }

  public StateSummary summary() {
    TermIndex ti = getLastAppliedTermIndex();
    SnapshotInfo snap = snapshots.getLatestSnapshot();
    Spool s = spool;
    return new StateSummary(lastLsn, ti.getTerm(), ti.getIndex(), s.oldestLsn(), retentionFloor(), archivedLsn,
        snap == null ? -1 : snap.getIndex(), gate.isFrozen(), s.sizeBytes(), s.segments().size(), slots.size());
  }

  /** The live spool's segments, oldest first. */
  public List<io.raftwal.spool.SegmentInfo> spoolSegments() {
    return spool.segments();
  }

  /** The live spool directory (outside the state machine directory a snapshot install replaces). */
  public Path spoolDirectory() {
    return spoolDir;
  }
}
