package io.raftwal.statemachine;

import io.raftwal.spool.SpoolRecord;

/**
 * Receives every applied record, in LSN order, on the apply thread. Delivery is at least once
 * across restarts: a record may come again after a restart, with the same LSN, so the listener
 * de-duplicates by LSN. A listener that throws stops the node (it would otherwise miss a record);
 * after a restart the record is delivered again.
 */
@FunctionalInterface
public interface RecordListener {
  void onRecord(SpoolRecord record);

  /**
   * The last LSN the listener has durably applied; on start, records after it that the spool
   * still holds are delivered before new ones.
   */
  default long lastAppliedLsn() {
    return 0;
  }

  RecordListener NONE = r -> {};
}
