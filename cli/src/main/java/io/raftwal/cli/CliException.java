package io.raftwal.cli;

/** A failure with the exit code the command line documents and a one-line message. */
final class CliException extends RuntimeException {
  static final int USAGE = 1;
  static final int UNREACHABLE = 2;
  static final int IO = 3;

  final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }
}
