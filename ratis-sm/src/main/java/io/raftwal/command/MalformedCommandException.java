package io.raftwal.command;

/** Bytes that are not a command (or a query, or a reply) this build understands. */
public final class MalformedCommandException extends Exception {
  public MalformedCommandException(String message) {
    super(message);
  }
}
