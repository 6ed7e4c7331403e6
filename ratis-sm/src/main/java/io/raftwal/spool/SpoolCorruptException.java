package io.raftwal.spool;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The spool found a damaged record that is not a torn tail: valid records follow it, or it sits
 * in a sealed segment. Opening refuses rather than skip records silently; an operator restores
 * the node from its peers (or a backup) instead.
 */
public final class SpoolCorruptException extends IOException {
  private final Path segment;
  private final long offset;

  public SpoolCorruptException(Path segment, long offset, String reason) {
    super("spool segment " + segment + " is corrupt at byte offset " + offset + ": " + reason
        + "; the spool refuses to open. Move the node's spool aside and let it re-sync from its peers"
        + " (or restore from a backup)");
    this.segment = segment;
    this.offset = offset;
  }

  public Path segment() {
    return segment;
  }

  public long offset() {
    return offset;
  }
}
