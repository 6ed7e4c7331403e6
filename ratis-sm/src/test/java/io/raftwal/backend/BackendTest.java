package io.raftwal.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendTest {
  @TempDir Path tmp;

  static void contract(Backend b, Path tmp) throws Exception {
    b.put("wal/a.json", "one".getBytes());
    assertArrayEquals("one".getBytes(), b.get("wal/a.json").orElseThrow());
    assertEquals(Optional.empty(), b.get("wal/missing"));
    assertTrue(b.exists("wal/a.json"));
    assertFalse(b.exists("nope"));

    byte[] big = new byte[(int) (S3Backend.PART_BYTES + 12_345)]; // more than one part
    new Random(1).nextBytes(big);
    assertTrue(putIfAbsent(b, "snapshots/000000000001-1.snapshot", big));
    assertFalse(putIfAbsent(b, "snapshots/000000000001-1.snapshot", big), "write-once: the second put is refused");
    try (java.io.InputStream in = b.openStream("snapshots/000000000001-1.snapshot")) {
      assertArrayEquals(big, in.readAllBytes());
    }
    assertThrows(java.io.FileNotFoundException.class, () -> b.openStream("snapshots/none"));

    // streamed: several parts, more than are sent at once; nothing visible before the commit
    byte[] stream = new byte[(int) (S3Backend.PART_BYTES * (S3Backend.PARTS_IN_FLIGHT + 2) + 99)];
    new Random(2).nextBytes(stream);
    try (Backend.Upload u = b.upload("wal/streamed.wal", true)) {
      for (int off = 0; off < stream.length; off += 100_000) {
        u.out().write(stream, off, Math.min(100_000, stream.length - off));
      }
      assertFalse(b.exists("wal/streamed.wal"), "not visible before the commit");
      assertTrue(u.commit());
    }
    try (java.io.InputStream in = b.openStream("wal/streamed.wal")) {
      assertArrayEquals(stream, in.readAllBytes());
    }
    try (Backend.Upload u = b.upload("wal/streamed.wal", true)) {
      u.out().write(new byte[10]);
      assertFalse(u.commit(), "write-once holds for streamed uploads too");
    }
    try (Backend.Upload u = b.upload("wal/abandoned.wal", false)) {
      u.out().write(stream, 0, (int) S3Backend.PART_BYTES + 5);
    }
    assertFalse(b.exists("wal/abandoned.wal"), "an upload closed without a commit leaves nothing");
    b.delete("wal/streamed.wal");

    // streamed with its length declared (S3: one PUT read while it is written)
    try (Backend.Upload u = b.upload("wal/sized.wal", true, stream.length)) {
      for (int off = 0; off < stream.length; off += 70_000) {
        u.out().write(stream, off, Math.min(70_000, stream.length - off));
      }
      assertTrue(u.commit());
    }
    try (java.io.InputStream in = b.openStream("wal/sized.wal")) {
      assertArrayEquals(stream, in.readAllBytes());
    }
    try (Backend.Upload u = b.upload("wal/sized.wal", true, stream.length)) {
      u.out().write(stream);
      assertFalse(u.commit(), "write-once holds for uploads of a declared length");
    }
    b.delete("wal/sized.wal");
    try (Backend.Upload u = b.upload("wal/short.wal", true, stream.length)) {
      u.out().write(stream, 0, stream.length - 1);
      java.io.IOException e = assertThrows(java.io.IOException.class, u::commit);
      assertTrue(e.getMessage().contains("declared " + stream.length + " bytes"), e.getMessage());
    }
    try (Backend.Upload u = b.upload("wal/long.wal", true, 1000)) {
      assertThrows(java.io.IOException.class, () -> u.out().write(new byte[1001]));
    }
    try (Backend.Upload u = b.upload("wal/abandoned.wal", true, stream.length)) {
      u.out().write(stream, 0, (int) S3Backend.PART_BYTES + 5);
    }
    for (String k : new String[] {"wal/short.wal", "wal/long.wal", "wal/abandoned.wal"}) {
      assertFalse(b.exists(k), k + ": an upload of the wrong length, or closed without a commit, leaves nothing");
    }

    assertEquals(List.of("wal/a.json"), b.list("wal/"));
    assertEquals(List.of("snapshots/000000000001-1.snapshot", "wal/a.json"), b.list(""));

    String v1 = b.compareAndSet("backup_head.json", "h1".getBytes(), null);
    assertThrows(Backend.ConflictException.class, () -> b.compareAndSet("backup_head.json", "fork".getBytes(), null));
    String v2 = b.compareAndSet("backup_head.json", "h2".getBytes(), v1);
    assertThrows(Backend.ConflictException.class, () -> b.compareAndSet("backup_head.json", "stale".getBytes(), v1),
        "a writer holding an old version cannot move the head");
    assertEquals(v2, b.getVersioned("backup_head.json").orElseThrow().etag());
    assertArrayEquals("h2".getBytes(), b.get("backup_head.json").orElseThrow());

    b.delete("wal/a.json");
    assertFalse(b.exists("wal/a.json"));
    for (String bad : new String[] {"../escape", "/abs", "a//b", "a/./b", "", "a\\b"}) {
      assertThrows(IllegalArgumentException.class, () -> b.put(bad, new byte[1]), bad);
    }
  }

  static boolean putIfAbsent(Backend b, String key, byte[] bytes) throws java.io.IOException {
    try (Backend.Upload u = b.upload(key, true)) {
      u.out().write(bytes);
      return u.commit();
    }
  }

  @Test
  void filesystemBackendKeepsTheContract() throws Exception {
    try (LocalFsBackend b = new LocalFsBackend(tmp.resolve("store"))) {
      contract(b, tmp);
      try (var s = Files.list(tmp.resolve("store/snapshots"))) {
        assertEquals(1, s.count(), "no temp file left behind");
      }
    }
  }

  @Test
  void anS3UploadCutOffMidStreamFailsAndLeavesNoObject() throws Exception {
    try (S3Server server = new S3Server(tmp.resolve("s3")); S3Backend b = server.backend("p")) {
      byte[] part = new byte[(int) S3Backend.PART_BYTES];
      new Random(3).nextBytes(part);
      Backend.Upload u = b.upload("wal/cut.wal", true);
      u.out().write(part);
      u.out().write(part); // the first part is on its way
      server.stop();
      assertThrows(java.io.IOException.class, () -> {
        u.out().write(part);
        u.out().write(part, 0, 10);
        u.commit();
      }, "a part that cannot be sent fails the upload");
      u.close();
      server.start();
      assertFalse(b.exists("wal/cut.wal"), "no torn object is visible");
      assertEquals(List.of(), b.list("wal/"));
    }
  }

  @Test
  void anS3UploadOfDeclaredLengthCutOffMidStreamFailsAndLeavesNoObject() throws Exception {
    try (S3Server server = new S3Server(tmp.resolve("s3")); S3Backend b = server.backend("p")) {
      byte[] part = new byte[(int) S3Backend.PART_BYTES];
      new Random(4).nextBytes(part);
      Backend.Upload u = b.upload("wal/cut.wal", true, 4L * part.length);
      u.out().write(part);
      server.stop();
      assertThrows(java.io.IOException.class, () -> {
        for (int i = 0; i < 3; i++) {
          u.out().write(part);
        }
        u.commit();
      }, "a body that cannot be sent fails the upload instead of blocking its producer");
      u.close();
      server.start();
      assertFalse(b.exists("wal/cut.wal"), "no torn object is visible");
      assertEquals(List.of(), b.list("wal/"));
    }
  }

  @Test
  void s3BackendKeepsTheContractAgainstARealServer() throws Exception {
    try (S3Server server = new S3Server(tmp.resolve("s3")); S3Backend b = server.backend("cluster-a")) {
      contract(b, tmp);
    }
  }
}
