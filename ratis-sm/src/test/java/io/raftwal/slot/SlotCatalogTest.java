package io.raftwal.slot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlotCatalogTest {
  @TempDir Path tmp;

  @Test
  void advanceIsMonotonicAndRestartFollowsFlush() {
    SlotCatalog c = new SlotCatalog();
    c.create("c1", 10, 1_000);
    assertTrue(c.advance("c1", 50, 40, 30, 2_000));
    Slot s = c.get("c1").orElseThrow();
    assertEquals(40, s.restartLsn());
    assertEquals(50, s.confirmedWriteLsn());
    assertEquals(40, s.confirmedFlushLsn());
    assertEquals(30, s.confirmedApplyLsn());
    assertEquals(2_000, s.lastSeenAtMs());
    // an older ack (reordered, or from a stale leader's buffer) moves nothing back
    assertTrue(c.advance("c1", 20, 15, 5, 1_500));
    Slot after = c.get("c1").orElseThrow();
    assertEquals(40, after.restartLsn());
    assertEquals(50, after.confirmedWriteLsn());
    assertEquals(30, after.confirmedApplyLsn());
    assertEquals(2_000, after.lastSeenAtMs(), "last-seen never moves back either");
    assertFalse(c.advance("nobody", 1, 1, 1, 3_000), "unknown slot: nothing changes");
    assertEquals(1, c.size());
  }

  @Test
  void recreateIsIdempotentAndNeverRewinds() {
    SlotCatalog c = new SlotCatalog();
    c.create("c1", 10, 1_000);
    c.advance("c1", 80, 80, 80, 2_000);
    Slot again = c.create("c1", 5, 3_000);
    assertEquals(80, again.restartLsn(), "reconnect keeps progress");
    assertEquals(1_000, again.createdAtMs());
    assertEquals(3_000, again.lastSeenAtMs());
    assertEquals(1, c.size());
  }

  @Test
  void horizonInvalidatesASlotTooFarBehind() {
    SlotCatalog c = new SlotCatalog();
    c.create("slow", 100, 0);
    c.create("fast", 950, 0);
    List<Invalidation> out = c.enforceLimits(1_000, 10, 500, 0);
    assertEquals(List.of(new Invalidation("slow", InvalidationCause.HORIZON)), out);
    assertTrue(c.get("slow").orElseThrow().valid(), "enforceLimits only decides; the command applies");
    assertTrue(c.invalidate("slow", InvalidationCause.HORIZON, 10));
    Slot slow = c.get("slow").orElseThrow();
    assertEquals(InvalidationCause.HORIZON, slow.invalidation());
    assertEquals(10, slow.invalidatedAtMs());
    assertEquals(List.of(), c.enforceLimits(1_000, 10, 500, 0), "an invalid slot is not reported twice");
  }

  @Test
  void idleTimeoutInvalidatesAnUnseenSlot() {
    SlotCatalog c = new SlotCatalog();
    c.create("idle", 0, 1_000);
    c.create("busy", 0, 1_000);
    c.touch("busy", 9_000);
    assertEquals(List.of(), c.enforceLimits(0, 5_000, 0, 5_000), "exactly at the timeout is not past it");
    assertEquals(List.of(new Invalidation("idle", InvalidationCause.IDLE_TIMEOUT)), c.enforceLimits(0, 6_001, 0, 5_000));
    assertEquals(List.of(), c.enforceLimits(1 << 40, 1 << 40, 0, 0), "limits of 0 are off");
  }

  @Test
  void invalidSlotNoLongerHoldsBackRetentionAndKeepsItsFirstCause() {
    SlotCatalog c = new SlotCatalog();
    c.create("a", 100, 0);
    c.create("b", 300, 0);
    assertEquals(OptionalLong.of(100), c.retentionFloor());
    assertTrue(c.invalidate("a", InvalidationCause.IDLE_TIMEOUT, 5));
    assertFalse(c.invalidate("a", InvalidationCause.HORIZON, 6));
    assertEquals(InvalidationCause.IDLE_TIMEOUT, c.get("a").orElseThrow().invalidation());
    assertEquals(OptionalLong.of(300), c.retentionFloor());
    assertFalse(c.advance("a", 500, 500, 500, 7), "an invalidated slot takes no progress");
    assertTrue(c.drop("b"));
    assertEquals(OptionalLong.empty(), c.retentionFloor());
  }

  @Test
  void resumePlanningCoversTheHappyPathAndEveryCause() {
    SlotCatalog c = new SlotCatalog();
    c.create("ok", 100, 0);
    assertEquals(new ResumePlan.PartialResync(100), c.planResume("ok", 40, 50), "never rewound behind the slot");
    assertEquals(new ResumePlan.PartialResync(120), c.planResume("ok", 120, 101));
    assertEquals(new ResumePlan.PartialResync(100), c.planResume("ok", 0, 0), "empty spool: nothing removed");
    assertEquals(new ResumePlan.FullRebootstrap(InvalidationCause.WAL_REMOVED), c.planResume("ok", 100, 102));

    c.create("h", 0, 0);
    c.invalidate("h", InvalidationCause.HORIZON, 1);
    assertEquals(new ResumePlan.FullRebootstrap(InvalidationCause.HORIZON), c.planResume("h", 0, 1));
    c.create("i", 0, 0);
    c.invalidate("i", InvalidationCause.IDLE_TIMEOUT, 1);
    assertEquals(new ResumePlan.FullRebootstrap(InvalidationCause.IDLE_TIMEOUT), c.planResume("i", 0, 1));
    c.create("w", 0, 0);
    c.invalidate("w", InvalidationCause.WAL_REMOVED, 1);
    assertEquals(new ResumePlan.FullRebootstrap(InvalidationCause.WAL_REMOVED), c.planResume("w", 0, 1));

    assertEquals(3, c.partialResyncCount());
    assertEquals(4, c.fullResyncCount());
    assertThrows(IllegalArgumentException.class, () -> c.planResume("missing", 0, 0));
  }

  @Test
  void catalogSurvivesAReopen() throws IOException {
    SlotCatalog c = new SlotCatalog();
    c.create("a", 7, 100);
    c.advance("a", 30, 20, 10, 200);
    c.create("ü-ñ", 0, 50);
    c.invalidate("ü-ñ", InvalidationCause.WAL_REMOVED, 300);
    Path file = tmp.resolve("slots.bin");
    SlotCatalogCodec.write(file, c.list());
    SlotCatalog back = new SlotCatalog(SlotCatalogCodec.read(file));
    assertEquals(c.list(), back.list());
    assertFalse(Files.exists(tmp.resolve("slots.bin.tmp")), "the temp file was renamed into place");
    assertEquals(List.of(), SlotCatalogCodec.read(tmp.resolve("absent.bin")));
  }

  @Test
  void corruptCatalogIsRefusedNamingTheFile() throws IOException {
    SlotCatalog c = new SlotCatalog();
    c.create("a", 7, 100);
    Path file = tmp.resolve("slots.bin");
    SlotCatalogCodec.write(file, c.list());
    byte[] bytes = Files.readAllBytes(file);
    for (int i = 0; i < bytes.length; i++) {
      byte[] bad = bytes.clone();
      bad[i] ^= 0x10;
      Files.write(file, bad);
      CorruptCatalogException e = assertThrows(CorruptCatalogException.class, () -> SlotCatalogCodec.read(file),
          "flipped byte " + i);
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
    Files.write(file, new byte[] {1, 2, 3});
    assertThrows(CorruptCatalogException.class, () -> SlotCatalogCodec.read(file));
  }

  @Test
  void badSlotIdsAreRejectedAndChangeNothing() {
    SlotCatalog c = new SlotCatalog();
    c.create("a", 1, 0);
    for (String bad : new String[] {"", "x".repeat(129), "tab\there", "nl\n", "\u0000"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.create(bad, 0, 0));
      assertTrue(e.getMessage().startsWith("slot id"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> c.create("ok", -1, 0));
    assertThrows(IllegalArgumentException.class, () -> c.advance("a", -5, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> c.create("é".repeat(65), 0, 0), "130 UTF-8 bytes");
    c.create("é".repeat(64), 0, 0);
    assertEquals(2, c.size());
    assertEquals(1, c.get("a").orElseThrow().restartLsn());
  }
}
