package io.raftwal.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ManifestsTest {
  @Test
  void aPublishedSegmentsSidecarKeyGivesItsFirstLsn() {
    String key = Manifests.walKey(42, 97);
    assertEquals("wal/000000000042-000000000097.wal", key);
    assertEquals(OptionalLong.of(42), Manifests.publishedWalStart(key + Manifests.SIDECAR));
  }

  @Test
  void aSegmentWithoutItsSidecarIsNotPublished() {
    assertEquals(OptionalLong.empty(), Manifests.publishedWalStart(Manifests.walKey(42, 97)));
  }

  @Test
  void keysOfAnotherShapeAreNotSegments() {
    assertEquals(OptionalLong.empty(), Manifests.publishedWalStart("wal/notes.manifest.json"));
    assertEquals(OptionalLong.empty(), Manifests.publishedWalStart("wal/x-1.wal.manifest.json"));
    assertEquals(OptionalLong.empty(), Manifests.publishedWalStart(Manifests.snapshotKey(1, 2) + Manifests.SIDECAR));
  }
}
