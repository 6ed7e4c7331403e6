package io.raftwal.slot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The catalog of replication slots. Every mutation is a deterministic function of the catalog
 * and its explicit arguments (the time included), so the same sequence of commands applied on
 * every node yields the same catalog. Nothing here reads a clock or touches a disk;
 * {@link SlotCatalogCodec} persists it.
 *
 * <p>Thread safety: mutations and queries are synchronized; returned values are immutable.
 */
public final class SlotCatalog {
  /** Longest slot id, in UTF-8 bytes. */
  public static final int MAX_ID_BYTES = 128;

  private final TreeMap<String, Slot> slots = new TreeMap<>();
  // Node-local metrics, not replicated state.
  private final AtomicLong partialResyncs = new AtomicLong();
  private final AtomicLong fullResyncs = new AtomicLong();

  public SlotCatalog() {}

  /** A catalog holding {@code initial} (as read back from a file or a snapshot). */
  public SlotCatalog(Collection<Slot> initial) {
    for (Slot s : initial) {
      validateId(s.id());
      slots.put(s.id(), s);
    }
  }

  /**
   * Creates the slot at {@code initialLsn}, or, when it exists (a consumer reconnecting), keeps
   * its progress and only records that it was seen: a re-create never rewinds a slot.
   *
   * @return the slot as it now is
   */
  public synchronized Slot create(String id, long initialLsn, long nowMs) {
    validateId(id);
    requireNonNegative("initialLsn", initialLsn);
    Slot existing = slots.get(id);
    if (existing != null) {
      Slot seen = existing.valid() ? existing.seenAt(nowMs) : existing;
      slots.put(id, seen);
      return seen;
    }
    Slot created = new Slot(id, initialLsn, initialLsn, initialLsn, initialLsn, nowMs, nowMs, null, 0);
    slots.put(id, created);
    return created;
  }

  /**
   * Records a consumer's confirmed positions. Every position only moves forward (a lower value
   * is ignored) and the restart LSN follows the flushed position.
   *
   * @return false when the slot is unknown or invalidated (nothing changes)
   */
  public synchronized boolean advance(String id, long writeLsn, long flushLsn, long applyLsn, long nowMs) {
    validateId(id);
    requireNonNegative("writeLsn", writeLsn);
    requireNonNegative("flushLsn", flushLsn);
    requireNonNegative("applyLsn", applyLsn);
    Slot s = slots.get(id);
    if (s == null || !s.valid()) {
      return false;
    }
    slots.put(id, s.withProgress(writeLsn, flushLsn, applyLsn, nowMs));
    return true;
  }

  /** Notes that the consumer was seen. Returns false when the slot is unknown or invalidated. */
  public synchronized boolean touch(String id, long nowMs) {
    validateId(id);
    Slot s = slots.get(id);
    if (s == null || !s.valid()) {
      return false;
    }
    slots.put(id, s.seenAt(nowMs));
    return true;
  }

  /** Removes the slot. Returns false when there was none. */
  public synchronized boolean drop(String id) {
    validateId(id);
    return slots.remove(id) != null;
  }

  /**
   * Invalidates the slot for {@code cause}. The first cause sticks.
   *
   * @return false when the slot is unknown or already invalidated
   */
  public synchronized boolean invalidate(String id, InvalidationCause cause, long nowMs) {
    validateId(id);
    if (cause == null) {
      throw new IllegalArgumentException("cause must be one of HORIZON, IDLE_TIMEOUT, WAL_REMOVED, not null");
    }
    Slot s = slots.get(id);
    if (s == null || !s.valid()) {
      return false;
    }
    slots.put(id, s.invalidated(cause, nowMs));
    return true;
  }

  /** The lowest restart LSN of the valid slots: WAL above it must be kept. Empty when no valid slot. */
  public synchronized OptionalLong retentionFloor() {
    return slots.values().stream().filter(Slot::valid).mapToLong(Slot::restartLsn).min();
  }

  /**
   * Which valid slots break the limits at {@code nowMs}: further than {@code maxLagLsn} behind
   * {@code currentLsn} ({@link InvalidationCause#HORIZON}), or unseen for longer than
   * {@code idleTimeoutMs} ({@link InvalidationCause#IDLE_TIMEOUT}). A limit of 0 is off.
   * Changes nothing: the leader proposes the result as commands.
   */
  public synchronized List<Invalidation> enforceLimits(long currentLsn, long nowMs, long maxLagLsn, long idleTimeoutMs) {
    requireNonNegative("maxLagLsn", maxLagLsn);
    requireNonNegative("idleTimeoutMs", idleTimeoutMs);
    List<Invalidation> out = new ArrayList<>();
    for (Slot s : slots.values()) {
      if (!s.valid()) {
        continue;
      }
      if (maxLagLsn > 0 && currentLsn - s.restartLsn() > maxLagLsn) {
        out.add(new Invalidation(s.id(), InvalidationCause.HORIZON));
      } else if (idleTimeoutMs > 0 && nowMs - s.lastSeenAtMs() > idleTimeoutMs) {
        out.add(new Invalidation(s.id(), InvalidationCause.IDLE_TIMEOUT));
      }
    }
    return out;
  }

  /**
   * Plans how a consumer resumes: incrementally from {@code max(requestedSinceLsn, restartLsn)}
   * when the spool still holds the next record, else a full re-bootstrap with the cause (the
   * slot's own invalidation, or {@link InvalidationCause#WAL_REMOVED}, which the caller should
   * then propose as an invalidation). Counts both outcomes.
   *
   * @param oldestAvailableLsn the spool's oldest LSN, 0 when it is empty
   * @throws IllegalArgumentException when the slot does not exist
   */
  public ResumePlan planResume(String id, long requestedSinceLsn, long oldestAvailableLsn) {
    validateId(id);
    requireNonNegative("requestedSinceLsn", requestedSinceLsn);
    Slot s;
    synchronized (this) {
      s = slots.get(id);
    }
    if (s == null) {
      throw new IllegalArgumentException("slot '" + id + "' does not exist; create it first");
    }
    ResumePlan plan;
    if (!s.valid()) {
      plan = new ResumePlan.FullRebootstrap(s.invalidation());
    } else {
      long from = Math.max(requestedSinceLsn, s.restartLsn());
      plan = oldestAvailableLsn > 0 && oldestAvailableLsn > from + 1
          ? new ResumePlan.FullRebootstrap(InvalidationCause.WAL_REMOVED)
          : new ResumePlan.PartialResync(from);
    }
    (plan instanceof ResumePlan.PartialResync ? partialResyncs : fullResyncs).incrementAndGet();
    return plan;
  }

  public synchronized Optional<Slot> get(String id) {
    return Optional.ofNullable(slots.get(id));
  }

  /** All slots, ordered by id. */
  public synchronized List<Slot> list() {
    return List.copyOf(slots.values());
  }

  public synchronized int size() {
    return slots.size();
  }

  /** Resumes planned as a partial resync since this node started. */
  public long partialResyncCount() {
    return partialResyncs.get();
  }

  /** Resumes planned as a full re-bootstrap since this node started. */
  public long fullResyncCount() {
    return fullResyncs.get();
  }

  /**
   * Checks a slot id: 1 to 128 UTF-8 bytes, no control characters.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static void validateId(String id) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("slot id must not be empty; give a name such as 'consumer-1'");
    }
    int bytes = id.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_ID_BYTES) {
      throw new IllegalArgumentException("slot id is " + bytes + " bytes; use at most " + MAX_ID_BYTES + " bytes");
    }
    for (int i = 0; i < id.length(); i++) {
      if (Character.isISOControl(id.charAt(i))) {
        throw new IllegalArgumentException("slot id has a control character at position " + i
            + " (code " + (int) id.charAt(i) + "); use printable characters only");
      }
    }
  }

  private static void requireNonNegative(String field, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must not be negative, got " + value);
    }
  }
}
