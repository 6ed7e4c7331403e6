package io.raftwal.backend;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A remote object store for backups: objects under string keys. A put is atomic for readers
 * (never a torn object visible). Write-once artifacts use {@link #putIfAbsent}; the one mutable
 * object (the backup head) moves only by {@link #compareAndSet}, so two writers cannot fork it.
 */
public interface Backend extends Closeable {

  /** An object's bytes and the version tag a {@link #compareAndSet} must name. */
  record Versioned(byte[] bytes, String etag) {}

  /** Where this backend points, for messages (no secrets). */
  String describe();

  void put(String key, byte[] bytes) throws IOException;

  /** Uploads a file (in parts when it is large). */
  void put(String key, Path file) throws IOException;

  /** Writes {@code file} under {@code key} only if nothing is there; false when something is. */
  boolean putIfAbsent(String key, Path file) throws IOException;

  Optional<byte[]> get(String key) throws IOException;

  /** Downloads {@code key} to {@code dest}; a missing key is a {@link java.io.FileNotFoundException}. */
  void download(String key, Path dest) throws IOException;

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
