package io.raftwal.backend;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** A real S3-compatible server (S3Proxy 4.1, filesystem provider) on loopback, for tests. */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS = "test-access";
  public static final String SECRET = "test-secret";
  public static final String BUCKET = "raftwal";

  private final Path dir;
  private final int port;
  private S3Proxy proxy;
  public final String endpoint;

  public S3Server(Path dir) throws Exception {
    this.dir = dir;
    Files.createDirectories(dir);
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    endpoint = "http://127.0.0.1:" + port;
    start();
    try (S3Client c = S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
        .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET)))
        .build()) {
      c.createBucket(b -> b.bucket(BUCKET));
    }
  }

  /** Starts (or restarts, after {@link #stop}) the server on the same port and directory. */
  public void start() throws Exception {
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", dir.toString());
    proxy = S3Proxy.builder().blobStore(BlobStores.create("filesystem", props)).endpoint(URI.create(endpoint))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET).build();
    proxy.start();
    org.awaitility.Awaitility.await("S3Proxy started").atMost(java.time.Duration.ofSeconds(30))
        .until(() -> "STARTED".equals(proxy.getState()));
  }

  public S3Backend backend(String prefix) {
    return new S3Backend(BUCKET, prefix, endpoint, "us-east-1", ACCESS, SECRET);
  }

  public void stop() throws Exception {
    proxy.stop();
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
  }
}
