package io.raftwal.backup;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bytes of backup artifacts.
 * <ul>
 *   <li>A snapshot is one file: {@code "RWBK" | u16 version=1 | u32 entries | per entry: u16 name
 *       length, name (UTF-8), u64 size, bytes}, holding {@code state.bin} and the spool segments
 *       from before the WAL chain's first LSN (none when archiving began with the first record).</li>
 *   <li>A WAL segment is a spool segment file (CRC32C-framed records from {@code lsn_start}), as
 *       {@code io.raftwal.spool.Spool#exportSegment} writes it and {@code readSegment} reads it.</li>
 * </ul>
 */
final class Artifacts {
  private static final int MAGIC = 0x5257424B; // "RWBK"
  private static final short VERSION = 1;

  private Artifacts() {}

  /** Writes the snapshot archive of {@code stateFile} and {@code segments} to {@code out}. */
  static void packSnapshot(Path stateFile, List<Path> segments, OutputStream out) throws IOException {
    DataOutputStream o = new DataOutputStream(out);
    o.writeInt(MAGIC);
    o.writeShort(VERSION);
    o.writeInt(1 + segments.size());
    entry(o, "state.bin", stateFile);
    for (Path s : segments) {
      entry(o, "spool/" + s.getFileName(), s);
    }
    o.flush();
  }

  private static void entry(DataOutputStream o, String name, Path file) throws IOException {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    o.writeShort(n.length);
    o.write(n);
    o.writeLong(Files.size(file));
    Files.copy(file, (OutputStream) o);
  }

  /** Receives one archive entry; {@code body} ends at the entry's end, and what it leaves is skipped. */
  interface EntryHandler {
    void entry(String name, long size, InputStream body) throws IOException;
  }

  /**
   * Walks the entries of an archive stream ({@code state.bin}, {@code spool/<first LSN>.seg}),
   * refusing any other name, so nothing can be written outside where a handler puts it.
   */
  static void readSnapshot(InputStream archive, String name, EntryHandler handler) throws IOException {
    DataInputStream in = new DataInputStream(archive);
    if (in.readInt() != MAGIC || in.readShort() != VERSION) {
      throw new IOException(name + " is not a version 1 raftwal snapshot archive");
    }
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      byte[] entry = new byte[in.readUnsignedShort()];
      in.readFully(entry);
      String s = new String(entry, StandardCharsets.UTF_8);
      if (!s.equals("state.bin") && !s.matches("spool/\\d{20}\\.seg")) {
        throw new IOException(name + ": archive entry '" + s + "' is not one this format has");
      }
      long size = in.readLong();
      Bounded body = new Bounded(in, size);
      handler.entry(s, size, body);
      body.transferTo(OutputStream.nullOutputStream());
      if (body.left > 0) {
        throw new IOException(name + ": snapshot archive is truncated in entry " + s);
      }
    }
  }

  /** At most {@code left} bytes of the stream beneath; closing it leaves that stream open. */
  private static final class Bounded extends InputStream {
    private final InputStream in;
    private long left;

    Bounded(InputStream in, long size) {
      this.in = in;
      this.left = size;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int r = in.read(b, off, (int) Math.min(len, left));
      if (r > 0) {
        left -= r;
      }
      return r;
    }
  }

  /** Records per page when streaming: small enough that large records stay cheap on the heap. */
  static final int PAGE = 256;

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }


  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> w = Files.walk(root)) {
      for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
