package io.raftwal.example;

import io.raftwal.embed.AppendResult;
import io.raftwal.embed.RaftWal;
import io.raftwal.embed.RaftWalConfig;
import io.raftwal.spool.SpoolRecord;
import io.raftwal.statemachine.RecordListener;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A tiny replicated key-value engine built on raftwal, as a storage engine would embed it: writes
 * go into the replicated WAL; every node applies every record, in LSN order, to its own map. A
 * read on any node sees what that node has applied; {@link #awaitApplied} gives read-your-writes.
 *
 * <p>Record format: {@code u8 op (1 put, 2 delete) | u16 key length | key | value} (UTF-8).
 */
public final class KvEngine implements Closeable {
  private static final byte PUT = 1;
  private static final byte DELETE = 2;

  private final TreeMap<String, String> data = new TreeMap<>();
  private long appliedLsn;
  private final RaftWal wal;

  private KvEngine(RaftWalConfig config) throws IOException {
    RecordListener listener = new RecordListener() {
      @Override
      public void onRecord(SpoolRecord r) {
        apply(r);
      }

      @Override
      public long lastAppliedLsn() {
        return 0; // in-memory: rebuilt from the spool on every start
      }
    };
    this.wal = RaftWal.start(config, listener);
  }

  public static KvEngine start(RaftWalConfig config) throws IOException {
    return new KvEngine(config);
  }

  /** Replicates a put; completes with its LSN once a quorum has it and it is applied. */
  public CompletableFuture<AppendResult> put(String key, String value) {
    return wal.append(encode(PUT, key, value));
  }

  public CompletableFuture<AppendResult> delete(String key) {
    return wal.append(encode(DELETE, key, ""));
  }

  public synchronized Optional<String> get(String key) {
    return Optional.ofNullable(data.get(key));
  }

  public synchronized Map<String, String> snapshot() {
    return new TreeMap<>(data);
  }

  public synchronized long appliedLsn() {
    return appliedLsn;
  }

  /** Blocks until this node has applied {@code lsn} (read-your-writes on any node). */
  public synchronized void awaitApplied(long lsn, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (appliedLsn < lsn) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new IllegalStateException("LSN " + lsn + " not applied within " + timeoutMs + " ms (at " + appliedLsn + ")");
      }
      wait(left);
    }
  }

  public RaftWal wal() {
    return wal;
  }

  private synchronized void apply(SpoolRecord r) {
    if (r.lsn() <= appliedLsn) {
      return; // delivered again after a restart: already applied
    }
    ByteBuffer b = ByteBuffer.wrap(r.payload());
    byte op = b.get();
    byte[] key = new byte[Short.toUnsignedInt(b.getShort())];
    b.get(key);
    byte[] value = new byte[b.remaining()];
    b.get(value);
    String k = new String(key, StandardCharsets.UTF_8);
    if (op == PUT) {
      data.put(k, new String(value, StandardCharsets.UTF_8));
    } else if (op == DELETE) {
      data.remove(k);
    }
    appliedLsn = r.lsn();
    notifyAll();
  }

  private static byte[] encode(byte op, String key, String value) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    if (k.length == 0 || k.length > 0xFFFF) {
      throw new IllegalArgumentException("key must be 1 to 65535 UTF-8 bytes, got " + k.length);
    }
    return ByteBuffer.allocate(3 + k.length + v.length).put(op).putShort((short) k.length).put(k).put(v).array();
  }

  @Override
  public void close() throws IOException {
    wal.close();
  }
}
