package io.raftwal.backend;

import java.io.BufferedOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory: each put streams into a temp file beside the target,
 * forces it, renames it into place and forces the directory. Keys that would escape the root
 * are refused. The version tag is the SHA-256 of the content.
 */
public final class LocalFsBackend implements Backend {
  private final Path root;
  private final ExecutorService flusher = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "backup-early-flush");
    t.setDaemon(true);
    return t;
  });

  public LocalFsBackend(Path root) throws IOException {
    this.root = root.toAbsolutePath().normalize();
    Files.createDirectories(this.root);
  }

  @Override
  public String describe() {
    return "file:" + root;
  }

  Path path(String key) {
    Path p = root.resolve(Keys.check(key)).normalize();
    if (!p.startsWith(root)) {
      throw new IllegalArgumentException("key '" + key + "' escapes the backend root " + root);
    }
    return p;
  }

  @Override
  public void put(String key, byte[] bytes) throws IOException {
    Path target = path(key);
    Path tmp = temp(target);
    Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    publish(tmp, target, true);
  }

  @Override
  public Upload upload(String key, boolean ifAbsent) throws IOException {
    Path target = path(key);
    Path tmp = temp(target);
    OutputStream out = new BufferedOutputStream(new EarlyFlushing(FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE), flusher), 1 << 20);
    return new Upload() {
      private boolean done;

      @Override
      public OutputStream out() {
        return out;
      }

      @Override
      public boolean commit() throws IOException {
        done = true;
        out.close();
        return publish(tmp, target, !ifAbsent);
      }

      @Override
      public void close() throws IOException {
        if (!done) {
          done = true;
          try {
            out.close();
          } finally {
            Files.deleteIfExists(tmp);
          }
        }
      }
    };
  }

  @Override
  public InputStream openStream(String key) throws IOException {
    try {
      return Files.newInputStream(path(key));
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("no object " + key + " in " + describe());
    }
  }

  /** Forces {@code tmp}, then renames it (or links it, when it must not replace) over {@code target}. */
  private boolean publish(Path tmp, Path target, boolean replace) throws IOException {
    try {
      force(tmp);
      if (replace) {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        try {
          Files.createLink(target, tmp); // atomic: fails if the target exists
        } catch (FileAlreadyExistsException e) {
          return false;
        }
      }
      force(target.getParent());
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Writes to a file and, every {@link #FLUSH_EVERY} bytes, starts an fdatasync of what is
   * written so far on the flusher thread, so the disk works while the producer hashes and
   * writes on. The kernel would otherwise hold a large object in the page cache until the
   * publishing fsync, which then does all the disk I/O while nothing else runs.
   */
  private static final class EarlyFlushing extends OutputStream {
    static final long FLUSH_EVERY = 32L << 20;
    private final FileChannel ch;
    private final ExecutorService flusher;
    private Future<?> inFlight;
    private long unflushed;

    EarlyFlushing(FileChannel ch, ExecutorService flusher) {
      this.ch = ch;
      this.flusher = flusher;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(b, off, len);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      unflushed += len;
      if (unflushed >= FLUSH_EVERY && (inFlight == null || inFlight.isDone())) {
        unflushed = 0;
        inFlight = flusher.submit(() -> {
          ch.force(false);
          return null;
        });
      }
    }

    @Override
    public void close() throws IOException {
      try {
        if (inFlight != null) {
          inFlight.get(); // a failed early flush fails the upload; the publishing fsync follows
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while flushing");
      } catch (java.util.concurrent.ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      } finally {
        ch.close();
      }
    }
  }

  private static Path temp(Path target) throws IOException {
    Files.createDirectories(target.getParent());
    return target.resolveSibling("." + target.getFileName() + ".tmp-" + System.nanoTime());
  }

  private static void force(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  @Override
  public Optional<byte[]> get(String key) throws IOException {
    try {
      return Optional.of(Files.readAllBytes(path(key)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean exists(String key) {
    return Files.isRegularFile(path(key));
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .map(p -> root.relativize(p).toString().replace('\\', '/'))
          .filter(k -> k.startsWith(prefix))
          .sorted().toList();
    }
  }

  @Override
  public void delete(String key) throws IOException {
    Files.deleteIfExists(path(key));
  }

  @Override
  public Optional<Versioned> getVersioned(String key) throws IOException {
    return get(key).map(b -> new Versioned(b, sha256(b)));
  }

  @Override
  public String compareAndSet(String key, byte[] bytes, String expectedEtag) throws IOException {
    Path target = path(key);
    Files.createDirectories(target.getParent());
    Path lockFile = target.resolveSibling("." + target.getFileName() + ".lock");
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock lock = ch.lock()) {
      Optional<Versioned> now = getVersioned(key);
      String current = now.map(Versioned::etag).orElse(null);
      if (expectedEtag == null ? current != null : !expectedEtag.equals(current)) {
        throw new ConflictException(key + " changed: expected version " + expectedEtag + ", found " + current);
      }
      put(key, bytes);
      return sha256(bytes);
    }
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    flusher.shutdown();
  }
}
