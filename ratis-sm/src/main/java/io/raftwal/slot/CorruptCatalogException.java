package io.raftwal.slot;

import java.io.IOException;

/** A slot catalog file that cannot be trusted. Never read as an empty catalog. */
public final class CorruptCatalogException extends IOException {
  public CorruptCatalogException(String source, String reason) {
    super("slot catalog " + source + " is corrupt: " + reason
        + "; restore it from a snapshot or a peer rather than start with no slots");
  }
}
