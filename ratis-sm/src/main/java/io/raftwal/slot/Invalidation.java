package io.raftwal.slot;

/** A slot that should be invalidated, and why; proposed by the leader as a command. */
public record Invalidation(String slotId, InvalidationCause cause) {}
