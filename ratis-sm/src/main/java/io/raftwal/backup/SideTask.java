package io.raftwal.backup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * An I/O task run on its own thread beside the caller's: backups and restores hash two streams
 * at once because SHA-256 on one stream cannot use a second core.
 */
final class SideTask<T> {
  interface Work<T> {
    T run() throws IOException;
  }

  private final CompletableFuture<T> future;

  private SideTask(CompletableFuture<T> future) {
    this.future = future;
  }

  static <T> SideTask<T> start(String name, Work<T> work) {
    return new SideTask<>(CompletableFuture.supplyAsync(() -> {
      try {
        return work.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, runnable -> {
      Thread t = new Thread(runnable, name);
      t.setDaemon(true);
      t.start();
    }));
  }

  /** Waits for the task; its IOException is rethrown as it was thrown. */
  T join() throws IOException {
    try {
      return future.join();
    } catch (CompletionException e) {
      Throwable c = e.getCause();
      if (c instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(c);
    }
  }

  /** Waits for the task when the caller is already failing: the caller's failure wins. */
  void awaitQuietly() {
    try {
      future.join();
    } catch (CompletionException ignored) {
      // superseded by the failure the caller is throwing
    }
  }
}
