package io.raftwal.backend;

import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * A remote object store for backups: objects under string keys. A put is atomic for readers
 * (never a torn object visible). Write-once artifacts use {@link #upload} with {@code ifAbsent};
 * the one mutable object (the backup head) moves only by {@link #compareAndSet}, so two writers
 * cannot fork it.
 */
public interface Backend extends Closeable {

  /** An object's bytes and the version tag a {@link #compareAndSet} must name. */
  record Versioned(byte[] bytes, String etag) {}

  /** Where this backend points, for messages (no secrets). */
  String describe();

  void put(String key, byte[] bytes) throws IOException;

  /**
   * An object being written as a stream, so a producer never stages it in a file first. Nothing
   * is visible under the key until {@link #commit}; closing without a commit discards it.
   */
  interface Upload extends Closeable {
    /** Where the bytes go; buffered, so callers need not add their own buffer. */
    OutputStream out();

    /**
     * Publishes what was written, atomically for readers. For an upload opened with
     * {@code ifAbsent}, returns false (and publishes nothing) when the key was already taken.
     */
    boolean commit() throws IOException;
  }

  /** Starts writing {@code key}; with {@code ifAbsent}, the commit never replaces an existing object. */
  Upload upload(String key, boolean ifAbsent) throws IOException;

  /**
   * As {@link #upload(String, boolean)}, for a producer that knows its exact length up front: a
   * backend may then send the object in one request instead of in parts it must join at the end.
   * Writing more or fewer than {@code length} bytes fails the upload, and nothing is published.
   */
  default Upload upload(String key, boolean ifAbsent, long length) throws IOException {
    return new ExactLengthUpload(upload(key, ifAbsent), key, length);
  }

  /** Reads {@code key} as a stream; a missing key is a {@link FileNotFoundException}. */
  InputStream openStream(String key) throws IOException;

  Optional<byte[]> get(String key) throws IOException;

  boolean exists(String key) throws IOException;

  /** Keys starting with {@code prefix}, sorted. */
  List<String> list(String prefix) throws IOException;

  void delete(String key) throws IOException;

  Optional<Versioned> getVersioned(String key) throws IOException;

  /**
   * Replaces {@code key} only if its current version is {@code expectedEtag} (null: only if it
   * does not exist). Returns the new version tag.
   *
   * @throws ConflictException when someone else moved it first
   */
  String compareAndSet(String key, byte[] bytes, String expectedEtag) throws IOException;

  /** Someone else wrote the object first; re-read and decide again. */
  final class ConflictException extends IOException {
    public ConflictException(String message) {
      super(message);
    }
  }
}
