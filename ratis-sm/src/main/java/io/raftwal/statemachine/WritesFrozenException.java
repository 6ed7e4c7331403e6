package io.raftwal.statemachine;

/** An append refused because the write gate is frozen; retriable once the gate reopens. */
public final class WritesFrozenException extends IllegalStateException {
  public WritesFrozenException(String message) {
    super(message);
  }
}
