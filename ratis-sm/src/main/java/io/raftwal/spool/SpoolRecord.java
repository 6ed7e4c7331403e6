package io.raftwal.spool;

import java.util.Arrays;

/**
 * One record of the logical WAL spool: the change payload with the Raft coordinates it was
 * committed at. Every node stores byte-identical records for the same LSN.
 *
 * @param term        the Raft term of the log entry that carried the record
 * @param lsn         the logical sequence number, contiguous from 1 in apply order
 * @param raftIndex   the Raft log index of that entry (several records may share one)
 * @param timestampMs the leader's wall-clock stamp, taken once when the entry was proposed
 * @param payload     the record's bytes, owned by the record (do not mutate)
 */
public record SpoolRecord(long term, long lsn, long raftIndex, long timestampMs, byte[] payload) {

  public SpoolRecord {
    if (payload == null) {
      throw new IllegalArgumentException("payload must not be null; pass an empty array for an empty record");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpoolRecord r
        && term == r.term && lsn == r.lsn && raftIndex == r.raftIndex
        && timestampMs == r.timestampMs && Arrays.equals(payload, r.payload);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(lsn) * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "SpoolRecord[term=" + term + ", lsn=" + lsn + ", raftIndex=" + raftIndex
        + ", timestampMs=" + timestampMs + ", payload=" + payload.length + " bytes]";
  }
}
