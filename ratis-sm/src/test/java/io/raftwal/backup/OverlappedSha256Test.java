package io.raftwal.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OverlappedSha256Test {
  /** Spans several chunks and ends inside one, so both whole and partial chunks are hashed. */
  static final byte[] DATA = new byte[5 * OverlappedSha256.CHUNK + 12_345];

  static {
    new Random(7).nextBytes(DATA);
  }

  static String expected(byte[] b, int len) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(b, 0, len);
    return HexFormat.of().formatHex(md.digest());
  }

  @Test
  void outputPassesEveryByteThroughInOrderAndHashesThem() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    Random sizes = new Random(1);
    String hex;
    try (OverlappedSha256.Output out = new OverlappedSha256.Output(sink, "test")) {
      int i = 0;
      while (i < DATA.length) {
        if (sizes.nextInt(10) == 0) {
          out.write(DATA[i++]); // single bytes too
          continue;
        }
        int n = Math.min(DATA.length - i, 1 + sizes.nextInt(3 * OverlappedSha256.CHUNK / 2));
        out.write(DATA, i, n);
        i += n;
      }
      hex = out.hex();
      assertEquals(DATA.length, out.count());
    }
    assertArrayEquals(DATA, sink.toByteArray());
    assertEquals(expected(DATA, DATA.length), hex);
  }

  @Test
  void inputServesEveryByteInOrderAndHashesWhatTheReaderLeftUnread() throws Exception {
    byte[] got = new byte[DATA.length];
    Random sizes = new Random(2);
    try (OverlappedSha256.Input in = new OverlappedSha256.Input(new ByteArrayInputStream(DATA), "test")) {
      int i = 0;
      int stopAt = DATA.length - 3 * OverlappedSha256.CHUNK; // leave chunks for hex() to drain
      while (i < stopAt) {
        if (sizes.nextInt(10) == 0) {
          got[i++] = (byte) in.read();
          continue;
        }
        int r = in.read(got, i, Math.min(stopAt - i, 1 + sizes.nextInt(OverlappedSha256.CHUNK)));
        i += r;
      }
      assertEquals(expected(DATA, DATA.length), in.hex());
      assertEquals(-1, in.read());
    }
    byte[] prefix = new byte[DATA.length - 3 * OverlappedSha256.CHUNK];
    System.arraycopy(got, 0, prefix, 0, prefix.length);
    assertArrayEquals(java.util.Arrays.copyOf(DATA, prefix.length), prefix);
  }

  @Test
  void anEmptyStreamHashesToTheDigestOfNothing() throws Exception {
    try (OverlappedSha256.Input in = new OverlappedSha256.Input(new ByteArrayInputStream(new byte[0]), "test")) {
      assertEquals(-1, in.read());
      assertEquals(expected(new byte[0], 0), in.hex());
    }
  }

  @Test
  void closingBeforeTheEndStopsTheHashingThread() throws IOException, InterruptedException {
    OverlappedSha256.Output out = new OverlappedSha256.Output(new ByteArrayOutputStream(), "abandoned");
    out.write(DATA, 0, 2 * OverlappedSha256.CHUNK);
    out.close();
    Thread t = Thread.getAllStackTraces().keySet().stream().filter(x -> x.getName().equals("sha256-abandoned"))
        .findFirst().orElse(null);
    if (t != null) {
      t.join(10_000);
      assertFalse(t.isAlive(), "the hashing thread outlived close()");
    }
  }
}
