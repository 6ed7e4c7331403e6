package io.raftwal.backup;

import io.raftwal.spool.Spool;
import io.raftwal.spool.SpoolOptions;
import io.raftwal.spool.SpoolRecord;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bytes of backup artifacts.
 * <ul>
 *   <li>A snapshot is one file: {@code "RWBK" | u16 version=1 | u32 entries | per entry: u16 name
 *       length, name (UTF-8), u64 size, bytes}, holding {@code state.bin} and the spool segments.</li>
 *   <li>A WAL segment is a spool segment file (CRC32C-framed records from {@code lsn_start}).</li>
 * </ul>
 */
final class Artifacts {
  private static final int MAGIC = 0x5257424B; // "RWBK"
  private static final short VERSION = 1;
  static final SpoolOptions ONE_SEGMENT = new SpoolOptions(1L << 40, 128, 0, 0);

  private Artifacts() {}

  static void packSnapshot(Path stateFile, List<Path> segments, Path out) throws IOException {
    try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(out), 1 << 16))) {
      o.writeInt(MAGIC);
      o.writeShort(VERSION);
      o.writeInt(1 + segments.size());
      entry(o, "state.bin", stateFile);
      for (Path s : segments) {
        entry(o, "spool/" + s.getFileName(), s);
      }
    }
  }

  private static void entry(DataOutputStream o, String name, Path file) throws IOException {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    o.writeShort(n.length);
    o.write(n);
    o.writeLong(Files.size(file));
    Files.copy(file, (OutputStream) o);
  }

  /** Unpacks into {@code dir} ({@code state.bin}, {@code spool/...}); refuses names that would escape it. */
  static void unpackSnapshot(Path archive, Path dir) throws IOException {
    try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(archive), 1 << 16))) {
      if (in.readInt() != MAGIC || in.readShort() != VERSION) {
        throw new IOException(archive.getFileName() + " is not a version 1 raftwal snapshot archive");
      }
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        byte[] name = new byte[in.readUnsignedShort()];
        in.readFully(name);
        String s = new String(name, StandardCharsets.UTF_8);
        if (!s.equals("state.bin") && !s.matches("spool/\\d{20}\\.seg")) {
          throw new IOException("snapshot archive entry '" + s + "' is not one this format has");
        }
        long size = in.readLong();
        Path target = dir.resolve(s);
        Files.createDirectories(target.getParent());
        try (OutputStream out = Files.newOutputStream(target)) {
          copyExactly(in, out, size);
        }
      }
    }
  }

  private static void copyExactly(InputStream in, OutputStream out, long size) throws IOException {
    byte[] buf = new byte[1 << 16];
    long left = size;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        throw new IOException("snapshot archive is truncated");
      }
      out.write(buf, 0, r);
      left -= r;
    }
  }

  /** Supplies records in LSN order, a page at a time (empty when done). */
  interface Pages {
    List<SpoolRecord> next() throws IOException;
  }

  /** Writes the pages' records as one spool segment file at {@code out}, never holding more than a page. */
  static void writeSegment(Pages pages, Path workDir, Path out) throws IOException {
    Path dir = Files.createTempDirectory(workDir, "seg");
    try (Spool s = Spool.open(dir, ONE_SEGMENT)) {
      for (List<SpoolRecord> page = pages.next(); !page.isEmpty(); page = pages.next()) {
        s.append(page);
      }
      s.sealActive();
      Files.move(s.segments().get(0).path(), out);
    } finally {
      deleteTree(dir);
    }
  }

  /** Receives records one at a time. */
  interface RecordConsumer {
    void accept(SpoolRecord r) throws IOException;
  }

  /** Streams every record of a WAL segment file, checking each frame's CRC32C, a page at a time. */
  static void forEachRecord(Path file, Path workDir, long expectedStart, RecordConsumer consumer) throws IOException {
    Path dir = Files.createTempDirectory(workDir, "read");
    try {
      Files.copy(file, dir.resolve(String.format("%020d.seg", expectedStart)));
      try (Spool s = Spool.open(dir, ONE_SEGMENT)) {
        long since = s.oldestLsn() - 1;
        while (since >= 0 && since < s.currentLsn()) {
          List<SpoolRecord> page = s.readSince(since, PAGE);
          if (page.isEmpty()) {
            return;
          }
          for (SpoolRecord r : page) {
            consumer.accept(r);
          }
          since = page.get(page.size() - 1).lsn();
        }
      }
    } finally {
      deleteTree(dir);
    }
  }

  /** Records per page when streaming: small enough that large records stay cheap on the heap. */
  static final int PAGE = 256;

  static String sha256(Path file) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
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
