package io.raftwal.journal;

/** What asked for the action an event records. */
public enum Actor { CLI, ADMIN_API, EMBEDDER, SCHEDULER, LEADER_SWEEP, RAFT, NODE }
