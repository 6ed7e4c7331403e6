package io.raftwal.backend;

import java.io.IOException;
import java.nio.file.Path;

/** Opens a backend from its address: {@code file:/DIR} or {@code s3://bucket/prefix}. */
public final class Backends {
  private Backends() {}

  /**
   * @param endpoint for S3: an S3-compatible endpoint URL (null: AWS); credentials come from the
   *                 standard AWS provider chain (environment, system properties, profile)
   */
  public static Backend open(String uri, String endpoint, String region) throws IOException {
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException("backend is empty: use file:/DIR or s3://bucket/prefix");
    }
    if (uri.startsWith("file:")) {
      String path = uri.substring("file:".length());
      if (path.isBlank()) {
        throw new IllegalArgumentException("backend '" + uri + "' has no directory: use file:/DIR");
      }
      return new LocalFsBackend(Path.of(path));
    }
    if (uri.startsWith("s3://")) {
      String rest = uri.substring("s3://".length());
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      String prefix = slash < 0 ? "" : rest.substring(slash + 1);
      return new S3Backend(bucket, prefix, endpoint, region, null, null);
    }
    throw new IllegalArgumentException("backend '" + uri + "' is neither file:/DIR nor s3://bucket/prefix");
  }
}
