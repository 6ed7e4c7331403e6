package io.raftwal.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

/**
 * The backup formats, with the JSON field names of the reference archiver so tools written for
 * it read ours: per-artifact sidecars ({@code <key>.manifest.json}), the backup head, and the
 * unified {@code MANIFEST.json} (version 1.0, {@code sha256:}-prefixed checksums).
 */
public final class Manifests {
  static final ObjectMapper JSON = new ObjectMapper()
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public static final String HEAD_KEY = "backup_head.json";
  public static final String UNIFIED_KEY = "MANIFEST.json";
  public static final String SNAPSHOT_PREFIX = "snapshots/";
  public static final String WAL_PREFIX = "wal/";
  public static final String SIDECAR = ".manifest.json";

  private Manifests() {}

  /** A snapshot's sidecar. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record SnapshotManifest(String timelineId, String snapshotKey, long snapshotId, long snapshotTime, long baseLsn,
      int schemaVersion, int formatVersion, String snapshotSha256) {}

  /** A WAL segment's sidecar; {@code prevHash} is the previous segment's {@code sha256}. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record WalSegmentManifest(String key, long lsnStart, long lsnEnd, long sizeBytes, long createdAt, String sha256,
      String prevHash) {}

  /** The pointer to the newest backup. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record BackupHead(String timelineId, String snapshotKey, long snapshotId, long snapshotTime, long currentLsn,
      long lastArchivedLsn, String walPrefix) {}

  /** {@code MANIFEST.json}: every snapshot (freshest first) and segment (by {@code lsn_start}). */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Unified(String version, String engineVersion, long latestLsn, List<SnapshotEntry> snapshots,
      List<WalEntry> walSegments) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record SnapshotEntry(long id, long lsn, long ts, long bytes, String key, String checksum) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record WalEntry(long lsnStart, long lsnEnd, String key, long bytes, String checksum, String prevHash) {}

  static byte[] write(Object o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static <T> T read(byte[] bytes, Class<T> type, String key) throws IOException {
    try {
      return JSON.readValue(bytes, type);
    } catch (IOException e) {
      throw new IOException(key + " is not a valid " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  static String snapshotKey(long id, long ts) {
    return String.format("%s%012d-%d.snapshot", SNAPSHOT_PREFIX, id, ts);
  }

  static String walKey(long start, long end) {
    return String.format("%s%012d-%012d.wal", WAL_PREFIX, start, end);
  }

  /**
   * The first LSN of a published WAL segment, from its sidecar's key
   * ({@code wal/{lsn_start}-{lsn_end}.wal.manifest.json}); empty for any other key, including a
   * segment whose sidecar is not written yet, since only a published segment is in the chain.
   */
  static OptionalLong publishedWalStart(String key) {
    if (!key.startsWith(WAL_PREFIX) || !key.endsWith(SIDECAR)) {
      return OptionalLong.empty();
    }
    int dash = key.indexOf('-', WAL_PREFIX.length());
    if (dash < 0) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(key.substring(WAL_PREFIX.length(), dash)));
    } catch (NumberFormatException notOurs) {
      return OptionalLong.empty(); // not a segment of this format; the verifier reports what it is
    }
  }

  static String prefixed(String sha) {
    return sha == null ? null : "sha256:" + sha;
  }
}
