package io.raftwal.slot;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The versioned binary form of a slot catalog, and its atomic file replacement.
 *
 * <pre>
 * magic "RWSL" | u16 version=1 | u16 reserved=0 | u32 count
 * per slot: u16 idLength | id (UTF-8) | u64 restart | u64 write | u64 flush | u64 apply
 *           | u64 createdAtMs | u64 lastSeenAtMs | u8 cause (0 = valid) | u64 invalidatedAtMs
 * u32 crc32c over everything before it
 * </pre>
 */
public final class SlotCatalogCodec {
  private static final int MAGIC = 0x5257534C; // "RWSL"
  private static final short VERSION = 1;

  private SlotCatalogCodec() {}

  public static byte[] encode(List<Slot> slots) {
    List<byte[]> ids = new ArrayList<>(slots.size());
    int size = 12 + 4;
    for (Slot s : slots) {
      byte[] id = s.id().getBytes(StandardCharsets.UTF_8);
      ids.add(id);
      size += 2 + id.length + 6 * 8 + 1 + 8;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putInt(slots.size());
    for (int i = 0; i < slots.size(); i++) {
      Slot s = slots.get(i);
      byte[] id = ids.get(i);
      b.putShort((short) id.length).put(id)
          .putLong(s.restartLsn()).putLong(s.confirmedWriteLsn()).putLong(s.confirmedFlushLsn())
          .putLong(s.confirmedApplyLsn()).putLong(s.createdAtMs()).putLong(s.lastSeenAtMs())
          .put((byte) (s.invalidation() == null ? 0 : s.invalidation().code())).putLong(s.invalidatedAtMs());
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * Decodes a catalog, checking the checksum before anything else.
   *
   * @param source names the bytes' origin in the error (a file path, "snapshot ...")
   */
  public static List<Slot> decode(byte[] bytes, String source) throws CorruptCatalogException {
    if (bytes.length < 16) {
      throw new CorruptCatalogException(source, "only " + bytes.length + " bytes, shorter than a header");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.getInt(0) != MAGIC) {
      throw new CorruptCatalogException(source, "bad magic number (not a slot catalog)");
    }
    short version = b.getShort(4);
    if (version != VERSION) {
      throw new CorruptCatalogException(source, "unsupported format version " + version + " (this build reads " + VERSION + ")");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
      throw new CorruptCatalogException(source, "CRC32C mismatch");
    }
    b.position(8).limit(bytes.length - 4);
    try {
      int count = b.getInt();
      if (count < 0) {
        throw new CorruptCatalogException(source, "negative slot count " + count);
      }
      List<Slot> out = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < count; i++) {
        byte[] id = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(id);
        String name = new String(id, StandardCharsets.UTF_8);
        try {
          SlotCatalog.validateId(name);
        } catch (IllegalArgumentException e) {
          throw new CorruptCatalogException(source, "slot " + i + ": " + e.getMessage());
        }
        if (!seen.add(name)) {
          throw new CorruptCatalogException(source, "slot '" + name + "' appears twice");
        }
        long restart = b.getLong();
        long write = b.getLong();
        long flush = b.getLong();
        long apply = b.getLong();
        long created = b.getLong();
        long lastSeen = b.getLong();
        int code = Byte.toUnsignedInt(b.get());
        long invalidatedAt = b.getLong();
        InvalidationCause cause = code == 0 ? null : InvalidationCause.fromCode(code);
        if (code != 0 && cause == null) {
          throw new CorruptCatalogException(source, "slot '" + name + "' has unknown invalidation code " + code);
        }
        out.add(new Slot(name, restart, write, flush, apply, created, lastSeen, cause, invalidatedAt));
      }
      if (b.hasRemaining()) {
        throw new CorruptCatalogException(source, b.remaining() + " unexpected bytes after " + count + " slots");
      }
      return out;
    } catch (BufferUnderflowException e) {
      throw new CorruptCatalogException(source, "truncated slot record");
    }
  }

  /**
   * Replaces {@code file} atomically: writes a temp file beside it, forces it, renames it over
   * the old one and forces the directory, so a crash leaves the old or the new catalog, whole.
   */
  public static void write(Path file, List<Slot> slots) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(encode(slots));
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /** Reads a catalog file; a missing file is an empty catalog, a damaged one an error. */
  public static List<Slot> read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    return decode(Files.readAllBytes(file), file.toString());
  }
}
