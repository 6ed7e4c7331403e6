package io.raftwal.embed;

/**
 * An acknowledged append: the record is committed by a quorum and applied.
 *
 * @param lsn  the record's LSN
 * @param term the Raft term it was committed in
 */
public record AppendResult(long lsn, long term) {}
