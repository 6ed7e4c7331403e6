package io.raftwal.journal;

import java.io.IOException;

/** A journal file that cannot be opened or read as a raftwal journal. */
public final class JournalException extends IOException {
  public JournalException(String message, Throwable cause) {
    super(message, cause);
  }
}
