package io.raftwal.backend;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3 bucket under a prefix, through the AWS SDK for Java v2 (endpoint override and
 * path-style access for S3-compatible servers). Large files go up in parts. Write-once objects
 * use {@code If-None-Match: *} and the head moves by {@code If-Match} on its ETag; both also
 * check first, so a server that ignores the headers still refuses an overwrite it can see
 * (with a warning that the check is not atomic there).
 */
public final class S3Backend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(S3Backend.class);
  static final long PART_BYTES = 8L << 20;
  /** Parts sent concurrently per upload; with the one being filled, bounds an upload's memory. */
  static final int PARTS_IN_FLIGHT = 3;
  /** The largest object S3 accepts in one PUT; a longer stream of known length goes up in parts. */
  static final long MAX_SINGLE_PUT_BYTES = 5L << 30;

  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final String endpoint;
  private final AtomicBoolean warnedConditional = new AtomicBoolean();
  private final ExecutorService partSenders = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "s3-part-upload");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param endpoint  an S3-compatible endpoint (null: AWS)
   * @param accessKey with {@code secretKey}, static credentials (null: the standard provider chain)
   */
  public S3Backend(String bucket, String prefix, String endpoint, String region, String accessKey, String secretKey) {
    if (bucket == null || bucket.isBlank()) {
      throw new IllegalArgumentException("bucket is empty: use s3://<bucket>/<prefix>");
    }
    this.bucket = bucket;
    this.prefix = prefix == null ? "" : prefix.endsWith("/") || prefix.isEmpty() ? prefix : prefix + "/";
    this.endpoint = endpoint;
    AwsCredentialsProvider creds = accessKey != null && secretKey != null
        ? StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey))
        : DefaultCredentialsProvider.builder().build();
    var b = S3Client.builder().region(Region.of(region == null ? "us-east-1" : region)).credentialsProvider(creds)
        .forcePathStyle(true)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (endpoint != null) {
      b.endpointOverride(URI.create(endpoint));
    }
    this.s3 = b.build();
  }

  @Override
  public String describe() {
    return "s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " at " + endpoint);
  }

  private String k(String key) {
    return prefix + Keys.check(key);
  }

  @Override
  public void put(String key, byte[] bytes) throws IOException {
    call(() -> s3.putObject(b -> b.bucket(bucket).key(k(key)), RequestBody.fromBytes(bytes)));
  }

  @Override
  public Upload upload(String key, boolean ifAbsent) throws IOException {
    if (ifAbsent && exists(key)) {
      return new Taken();
    }
    return new PartUpload(key, ifAbsent ? "*" : null);
  }

  /**
   * A stream of known length goes up as one PUT that reads it while the producer writes it: a
   * multipart upload costs a second pass over the bytes when the server joins the parts (S3Proxy's
   * filesystem store copies the whole object at completion), and a copy of each part in memory.
   */
  @Override
  public Upload upload(String key, boolean ifAbsent, long length) throws IOException {
    if (length <= PART_BYTES || length > MAX_SINGLE_PUT_BYTES) {
      return new ExactLengthUpload(upload(key, ifAbsent), key, length);
    }
    if (ifAbsent && exists(key)) {
      return new ExactLengthUpload(new Taken(), key, length);
    }
    return new StreamedPut(key, ifAbsent ? "*" : null, length);
  }

  /** An upload that is its own output stream, writing in blocks. */
  private abstract static class StreamingUpload extends OutputStream implements Upload {
    @Override
    public OutputStream out() {
      return this;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }
  }

  /** An upload whose key is already taken: accepts the bytes and publishes nothing. */
  private static final class Taken implements Upload {
    @Override
    public OutputStream out() {
      return OutputStream.nullOutputStream();
    }

    @Override
    public boolean commit() {
      return false;
    }

    @Override
    public void close() {}
  }

  /**
   * Buffers a part in memory; a small object goes up in one conditional put at commit, a large
   * one as a multipart upload whose parts are sent while the producer writes the next one (at
   * most {@link #PARTS_IN_FLIGHT} at a time, so memory stays bounded), completed at commit with
   * the same condition.
   */
  private final class PartUpload extends StreamingUpload {
    private final String key;
    private final String ifNoneMatch;
    private final Semaphore inFlight = new Semaphore(PARTS_IN_FLIGHT);
    private final List<CompletableFuture<CompletedPart>> parts = new ArrayList<>();
    private byte[] buf = new byte[(int) PART_BYTES];
    private int len;
    private String uploadId;
    private volatile IOException failed;
    private boolean done;

    PartUpload(String key, String ifNoneMatch) {
      this.key = key;
      this.ifNoneMatch = ifNoneMatch;
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
      while (n > 0) {
        if (len == buf.length) {
          sendPart();
        }
        int k = Math.min(n, buf.length - len);
        System.arraycopy(b, off, buf, len, k);
        len += k;
        off += k;
        n -= k;
      }
    }

    private void sendPart() throws IOException {
      if (failed != null) {
        throw failed;
      }
      if (uploadId == null) {
        uploadId = call(() -> s3.createMultipartUpload(b -> b.bucket(bucket).key(k(key))).uploadId());
      }
      int number = parts.size() + 1;
      byte[] part = buf;
      int size = len;
      try {
        inFlight.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while uploading " + key);
      }
      parts.add(CompletableFuture.supplyAsync(() -> {
        try {
          String etag = s3.uploadPart(b -> b.bucket(bucket).key(k(key)).uploadId(uploadId).partNumber(number),
              RequestBody.fromBytes(java.util.Arrays.copyOf(part, size))).eTag();
          return CompletedPart.builder().partNumber(number).eTag(etag).build();
        } catch (SdkException e) {
          failed = failure(e);
          throw e;
        } finally {
          inFlight.release();
        }
      }, partSenders));
      // S3 allows 10,000 parts: grow the part size every 1,000 so a stream of any size fits.
      buf = new byte[(int) Math.min(PART_BYTES * (1 + number / 1000), 1L << 30)];
      len = 0;
    }

    @Override
    public boolean commit() throws IOException {
      done = true;
      if (uploadId == null) {
        byte[] body = java.util.Arrays.copyOf(buf, len);
        return conditionally(() -> call(() -> s3.putObject(conditional(PutObjectRequest.builder().bucket(bucket)
            .key(k(key)), ifNoneMatch, null), RequestBody.fromBytes(body))));
      }
      try {
        if (len > 0) {
          sendPart();
        }
        List<CompletedPart> sent = new ArrayList<>();
        for (CompletableFuture<CompletedPart> f : parts) {
          sent.add(f.join());
        }
        return conditionally(() -> call(() -> s3.completeMultipartUpload(b -> {
          b.bucket(bucket).key(k(key)).uploadId(uploadId).multipartUpload(m -> m.parts(sent));
          if (ifNoneMatch != null) {
            b.ifNoneMatch(ifNoneMatch);
          }
        })));
      } catch (CompletionException e) {
        abort();
        throw failed != null ? failed : new IOException(describe() + ": uploading " + key + " failed", e.getCause());
      } catch (IOException | RuntimeException e) {
        abort();
        throw e;
      }
    }

    private boolean conditionally(IoAction c) throws IOException {
      try {
        c.run();
        return true;
      } catch (S3Failure e) {
        if (ifNoneMatch != null && (e.status == 412 || e.status == 409)) {
          return false;
        }
        throw e;
      }
    }

    private void abort() {
      parts.forEach(f -> f.cancel(false));
      if (uploadId != null) {
        try {
          s3.abortMultipartUpload(b -> b.bucket(bucket).key(k(key)).uploadId(uploadId));
        } catch (SdkException ignored) {
          // the upload is incomplete either way; nothing became visible
        }
      }
    }

    @Override
    public void close() {
      if (!done) {
        done = true;
        abort();
      }
    }
  }

  /**
   * One PUT whose body the SDK reads, on a sender thread, from chunks the producer hands over
   * (a few in flight, so memory stays bounded whatever the length). The body cannot be replayed:
   * a request the SDK would retry fails instead, and the backup run that wrote it fails cleanly.
   */
  private final class StreamedPut extends StreamingUpload {
    private static final int CHUNK = 512 << 10; // under half a G1 region, so never a humongous object
    private static final int CHUNKS = 4;
    private final String key;
    private final long length;
    private final java.util.concurrent.BlockingQueue<java.nio.ByteBuffer> full =
        new java.util.concurrent.ArrayBlockingQueue<>(CHUNKS + 1);
    private final java.util.concurrent.BlockingQueue<byte[]> free = new java.util.concurrent.ArrayBlockingQueue<>(CHUNKS);
    private final CompletableFuture<Void> sent;
    private final AtomicBoolean opened = new AtomicBoolean();
    private volatile boolean abandoned;
    private byte[] chunk;
    private int len;
    private long written;
    private boolean done;

    StreamedPut(String key, String ifNoneMatch, long length) {
      this.key = key;
      this.length = length;
      for (int i = 0; i < CHUNKS; i++) {
        free.add(new byte[CHUNK]);
      }
      software.amazon.awssdk.http.ContentStreamProvider body = () -> {
        if (!opened.compareAndSet(false, true)) {
          throw new IllegalStateException("the streamed upload of " + key + " cannot be sent twice");
        }
        return new ChunkStream();
      };
      PutObjectRequest request = conditional(PutObjectRequest.builder().bucket(bucket).key(k(key)).contentLength(length),
          ifNoneMatch, null);
      sent = CompletableFuture.runAsync(() -> s3.putObject(request,
          RequestBody.fromContentProvider(body, length, "application/octet-stream")), partSenders);
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
      if (written + n > length) {
        throw ExactLengthUpload.mismatch(key, length, written + n);
      }
      while (n > 0) {
        if (chunk == null) {
          chunk = handOver(() -> free.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS));
          len = 0;
        }
        int k = Math.min(n, chunk.length - len);
        System.arraycopy(b, off, chunk, len, k);
        len += k;
        off += k;
        n -= k;
        written += k;
        if (len == chunk.length) {
          pass();
        }
      }
    }

    private void pass() throws IOException {
      java.nio.ByteBuffer piece = java.nio.ByteBuffer.wrap(chunk, 0, len);
      handOver(() -> full.offer(piece, 50, java.util.concurrent.TimeUnit.MILLISECONDS) ? Boolean.TRUE : null);
      chunk = null;
    }

    private interface Wait<T> {
      T poll() throws InterruptedException;
    }

    /** Waits for the sender, failing as soon as the PUT has ended instead of waiting on it forever. */
    private <T> T handOver(Wait<T> w) throws IOException {
      try {
        T t;
        while ((t = w.poll()) == null) {
          if (sent.isDone()) {
            throw sendFailure(null);
          }
        }
        return t;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while uploading " + key);
      }
    }

    private IOException sendFailure(Throwable t) {
      Throwable cause = t;
      if (cause == null) {
        try {
          sent.join();
          return new IOException(describe() + ": the upload of " + key + " ended before its body was sent");
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
          cause = e;
        }
      }
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause instanceof SdkException e ? failure(e)
          : new IOException(describe() + ": uploading " + key + " failed: " + cause, cause);
    }

    @Override
    public boolean commit() throws IOException {
      done = true;
      if (written != length) {
        abandon();
        throw ExactLengthUpload.mismatch(key, length, written);
      }
      if (chunk != null && len > 0) {
        pass();
      }
      try {
        sent.join();
        return true;
      } catch (CompletionException e) {
        IOException f = sendFailure(e);
        if (f instanceof S3Failure s3f && (s3f.status == 412 || s3f.status == 409)) {
          return false;
        }
        throw f;
      }
    }

    /** Ends the body early: the SDK's read fails, the request is aborted, nothing is published. */
    private void abandon() {
      abandoned = true;
      full.clear();
      try {
        sent.get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception expected) {
        // the PUT was meant to fail
      }
    }

    @Override
    public void close() {
      if (!done) {
        done = true;
        abandon();
      }
    }

    /** The body as the SDK reads it: the producer's chunks, in order. */
    private final class ChunkStream extends InputStream {
      private java.nio.ByteBuffer current;
      private long read;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int n) throws IOException {
        if (n == 0) {
          return 0;
        }
        while (current == null || !current.hasRemaining()) {
          if (current != null) {
            free.offer(current.array());
            current = null;
          }
          if (read == length) {
            return -1;
          }
          try {
            while (current == null) {
              if (abandoned) {
                throw new IOException("the upload of " + key + " was abandoned by its producer");
              }
              current = full.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while sending " + key);
          }
        }
        int k = Math.min(n, current.remaining());
        current.get(b, off, k);
        read += k;
        return k;
      }
    }
  }

  @Override
  public InputStream openStream(String key) throws IOException {
    try {
      return s3.getObject(b -> b.bucket(bucket).key(k(key)));
    } catch (NoSuchKeyException e) {
      throw new FileNotFoundException("no object " + key + " in " + describe());
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw new FileNotFoundException("no object " + key + " in " + describe());
      }
      throw failure(e);
    } catch (SdkException e) {
      throw failure(e);
    }
  }

  private PutObjectRequest conditional(PutObjectRequest.Builder b, String ifNoneMatch, String ifMatch) {
    if (ifNoneMatch != null) {
      b.ifNoneMatch(ifNoneMatch);
    }
    if (ifMatch != null) {
      b.ifMatch(ifMatch);
    }
    return b.build();
  }

  @Override
  public Optional<byte[]> get(String key) throws IOException {
    return getVersioned(key).map(Versioned::bytes);
  }

  @Override
  public Optional<Versioned> getVersioned(String key) throws IOException {
    try {
      ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(b -> b.bucket(bucket).key(k(key)));
      return Optional.of(new Versioned(r.asByteArray(), r.response().eTag()));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure(e);
    } catch (SdkException e) {
      throw failure(e);
    }
  }

  @Override
  public boolean exists(String key) throws IOException {
    try {
      s3.headObject(b -> b.bucket(bucket).key(k(key)));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw failure(e);
    } catch (SdkException e) {
      throw failure(e);
    }
  }

  @Override
  public List<String> list(String p) throws IOException {
    List<String> out = new ArrayList<>();
    call(() -> {
      for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + p)).contents()) {
        out.add(o.key().substring(prefix.length()));
      }
      return null;
    });
    out.sort(null);
    return out;
  }

  @Override
  public void delete(String key) throws IOException {
    call(() -> s3.deleteObject(b -> b.bucket(bucket).key(k(key))));
  }

  @Override
  public String compareAndSet(String key, byte[] bytes, String expectedEtag) throws IOException {
    String current = getVersioned(key).map(Versioned::etag).orElse(null);
    if (expectedEtag == null ? current != null : !expectedEtag.equals(current)) {
      throw new ConflictException(key + " changed: expected version " + expectedEtag + ", found " + current);
    }
    try {
      return call(() -> s3.putObject(conditional(PutObjectRequest.builder().bucket(bucket).key(k(key)),
          expectedEtag == null ? "*" : null, expectedEtag), RequestBody.fromBytes(bytes)).eTag());
    } catch (S3Failure e) {
      if (e.status == 412 || e.status == 409) {
        throw new ConflictException(key + " changed while it was being replaced (" + e.getMessage() + ")");
      }
      if (e.status == 501 && warnedConditional.compareAndSet(false, true)) {
        LOG.warn("{} does not support conditional writes; the head is checked before each write but two"
            + " writers racing could still overwrite each other", describe());
      }
      throw e;
    }
  }

  @Override
  public void close() {
    partSenders.shutdownNow();
    s3.close();
  }

  /** An S3 call that failed, with its HTTP status (0 when it never got an answer). */
  static final class S3Failure extends IOException {
    final int status;

    S3Failure(String message, int status, Throwable cause) {
      super(message, cause);
      this.status = status;
    }
  }

  private interface Call<T> {
    T run();
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private <T> T call(Call<T> c) throws S3Failure {
    try {
      return c.run();
    } catch (SdkException e) {
      throw failure(e);
    }
  }

  private S3Failure failure(SdkException e) {
    int status = e instanceof S3Exception s ? s.statusCode() : 0;
    return new S3Failure(describe() + ": " + e.getMessage(), status, e);
  }
}
