package io.raftwal.command;

import io.raftwal.slot.InvalidationCause;
import java.util.Arrays;
import java.util.List;

/**
 * A command in the Raft log. Each carries the leader's wall-clock stamp, taken once when the
 * leader accepted it, so every node applies identical inputs and apply never reads a clock.
 */
public sealed interface Command {

  /** The leader's stamp in ms since the epoch (0 in a client's request; the leader sets it). */
  long timestampMs();

  /** Appends one or more records; each gets its own consecutive LSN. */
  record Append(List<byte[]> payloads, long timestampMs) implements Command {
    public Append {
      payloads = List.copyOf(payloads);
    }

    public long payloadBytes() {
      long n = 0;
      for (byte[] p : payloads) {
        n += p.length;
      }
      return n;
    }


    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Append a) || a.timestampMs != timestampMs || a.payloads.size() != payloads.size()) {
        return false;
      }
      for (int i = 0; i < payloads.size(); i++) {
        if (!Arrays.equals(payloads.get(i), a.payloads.get(i))) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(timestampMs) * 31 + payloads.size();
    }

    @Override
    public String toString() {
      return "Append[" + payloads.size() + " records, " + payloadBytes() + " bytes, ts=" + timestampMs + "]";
    }
  }

  /** Creates a slot at {@code initialLsn}, or at the current LSN when it is {@link #AT_CURRENT_LSN}. */
  record SlotCreate(String slotId, long initialLsn, long timestampMs) implements Command {
    public static final long AT_CURRENT_LSN = -1;

  }

  /** Confirmed positions of many slots, coalesced by the leader into one entry. */
  record SlotProgress(List<Progress> progress, long timestampMs) implements Command {
    public SlotProgress {
      progress = List.copyOf(progress);
    }

  }

  /** One consumer's confirmed positions. */
  record Progress(String slotId, long writeLsn, long flushLsn, long applyLsn) {}

  record SlotDrop(String slotId, long timestampMs) implements Command {
  }

  record SlotInvalidate(String slotId, InvalidationCause cause, long timestampMs) implements Command {
  }

  /** Records that WAL through {@code lsn} is archived, in the segment whose SHA-256 is {@code segmentHash}. */
  record ArchiveProgress(long lsn, byte[] segmentHash, long timestampMs) implements Command {
    public ArchiveProgress {
      segmentHash = segmentHash.clone();
    }


    @Override
    public byte[] segmentHash() {
      return segmentHash.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ArchiveProgress a && a.lsn == lsn && a.timestampMs == timestampMs
          && Arrays.equals(a.segmentHash, segmentHash);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(lsn);
    }
  }
}
