package io.raftwal.backup;

/**
 * What a backup run did.
 *
 * @param outcome     ALLOWED (done), REFUSED (not leader, one already running) or FAILED
 * @param snapshotKey the snapshot this backup points to
 * @param archivedLsn the archived LSN after the run (unchanged when it failed)
 * @param currentLsn  the last LSN when the run began
 * @param bytesUploaded bytes written to the backend by this run
 */
public record BackupResult(String outcome, String reason, String snapshotKey, long snapshotId, long archivedLsn,
    long currentLsn, int segmentsWritten, long bytesUploaded, long durationMs) {
  public boolean ok() {
    return outcome.equals("ALLOWED");
  }
}
