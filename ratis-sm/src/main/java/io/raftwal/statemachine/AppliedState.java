package io.raftwal.statemachine;

import io.raftwal.slot.CorruptCatalogException;
import io.raftwal.slot.Slot;
import io.raftwal.slot.SlotCatalogCodec;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * What a snapshot (or a restore) records besides the spool's segments: the applied Raft position, the last
 * LSN, the archive position and the slot catalog.
 *
 * <pre>
 * magic "RWSS" | u16 version=1 | u16 reserved | u64 term | u64 index | u64 lastLsn
 * | u64 archivedLsn | 32 bytes archivedHash | u32 catalogLength | catalog | u32 crc32c
 * </pre>
 */
public record AppliedState(long term, long index, long lastLsn, long archivedLsn, byte[] archivedHash, List<Slot> slots) {
  private static final int MAGIC = 0x52575353; // "RWSS"
  private static final short VERSION = 1;

  public byte[] encode() {
    byte[] catalog = SlotCatalogCodec.encode(slots);
    ByteBuffer b = ByteBuffer.allocate(8 + 32 + 32 + 4 + catalog.length + 4);
    b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(term).putLong(index).putLong(lastLsn)
        .putLong(archivedLsn).put(archivedHash).putInt(catalog.length).put(catalog);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  public static AppliedState decode(byte[] bytes, String source) throws CorruptCatalogException {
    if (bytes.length < 8 + 32 + 32 + 4 + 4) {
      throw new CorruptCatalogException(source, "state file of " + bytes.length + " bytes is too short");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.getInt(0) != MAGIC || b.getShort(4) != VERSION) {
      throw new CorruptCatalogException(source, "not a version " + VERSION + " snapshot state file");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
      throw new CorruptCatalogException(source, "CRC32C mismatch");
    }
    try {
      b.position(8);
      long term = b.getLong();
      long index = b.getLong();
      long lastLsn = b.getLong();
      long archivedLsn = b.getLong();
      byte[] hash = new byte[32];
      b.get(hash);
      int len = b.getInt();
      if (len < 0 || len != bytes.length - 4 - b.position()) {
        throw new CorruptCatalogException(source, "catalog length " + len + " does not match the file");
      }
      byte[] catalog = new byte[len];
      b.get(catalog);
      return new AppliedState(term, index, lastLsn, archivedLsn, hash, SlotCatalogCodec.decode(catalog, source));
    } catch (BufferUnderflowException e) {
      throw new CorruptCatalogException(source, "truncated");
    }
  }
}
