package io.raftwal.backend;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An upload that must receive exactly the length its producer declared: a producer that wrote
 * more or less than it promised has a bug, and its object must not be published.
 */
final class ExactLengthUpload implements Backend.Upload {
  private final Backend.Upload inner;
  private final String key;
  private final long length;
  private final OutputStream out;
  private long written;

  ExactLengthUpload(Backend.Upload inner, String key, long length) {
    this.inner = inner;
    this.key = key;
    this.length = length;
    this.out = new FilterOutputStream(inner.out()) {
      @Override
      public void write(int b) throws IOException {
        count(1);
        super.out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int n) throws IOException {
        count(n);
        super.out.write(b, off, n);
      }
    };
  }

  private void count(int n) throws IOException {
    written += n;
    if (written > length) {
      throw mismatch();
    }
  }

  IOException mismatch() {
    return mismatch(key, length, written);
  }

  static IOException mismatch(String key, long declared, long written) {
    return new IOException("upload of " + key + " declared " + declared + " bytes but " + (written > declared
        ? "more were written" : "only " + written + " were written") + "; nothing was published");
  }

  @Override
  public OutputStream out() {
    return out;
  }

  @Override
  public boolean commit() throws IOException {
    if (written != length) {
      throw mismatch();
    }
    return inner.commit();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
