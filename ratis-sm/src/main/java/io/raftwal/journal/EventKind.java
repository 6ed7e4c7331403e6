package io.raftwal.journal;

/**
 * What a journal event is about. The priority decides what a full queue drops first: lower
 * priority goes first, so a flood of routine events never pushes out a switchover or a refusal.
 */
public enum EventKind {
  NODE_STARTED(2), NODE_STOPPED(2),
  LEADER_CHANGED(1),
  SNAPSHOT_TAKEN(0), SNAPSHOT_INSTALLED(1),
  SLOT_CREATED(1), SLOT_INVALIDATED(2), SLOT_DROPPED(1),
  SWITCHOVER_STARTED(3), SWITCHOVER_DONE(3), SWITCHOVER_ABORTED(3),
  BACKUP_RUN(3), RESTORE(3),
  REPLICATION_STALLED(3);

  private final int priority;

  EventKind(int priority) {
    this.priority = priority;
  }

  public int priority() {
    return priority;
  }
}
