package io.raftwal.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.cli.ProcessCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** raftwal backup, backup verify and restore against node processes with a filesystem backend. */
@Tag("cluster")
class BackupCliTest {
  @TempDir Path tmp;
  @RegisterExtension final ClusterHarness harness = new ClusterHarness();

  @Test
  void backupVerifyAndRestoreFromTheCommandLine() throws Exception {
    Path backups = tmp.resolve("backups");
    ProcessCluster c = harness.start(tmp.resolve("cluster"), 3,
        Map.of("backup.backend", "file:" + backups, "snapshot.threshold", "100"));
    ClusterHarness.awaitLeader(c);
    String cluster = c.clusterFilePath().toString();
    assertEquals(0, QuickStartTest.cli("append", "--cluster", cluster, "--count", "50", "--size", "64").code());
    QuickStartTest.Run first = QuickStartTest.cli("backup", "--cluster", cluster);
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("archived through LSN 50"), first.out());
    assertEquals(0, QuickStartTest.cli("append", "--cluster", cluster, "--count", "30", "--size", "64").code());
    QuickStartTest.Run second = QuickStartTest.cli("backup", "--cluster", cluster);
    assertTrue(second.out().contains("archived through LSN 80"), second.out() + second.err());

    QuickStartTest.Run verify = QuickStartTest.cli("backup", "verify", "--backend", "file:" + backups);
    assertEquals(0, verify.code(), verify.out());
    assertTrue(verify.out().contains("backup verified"), verify.out());

    QuickStartTest.Run restore = QuickStartTest.cli("restore", "--backend", "file:" + backups, "--to-lsn", "65",
        "--data", tmp.resolve("restored").toString(), "--node-id", "r1");
    assertEquals(0, restore.code(), restore.err());
    assertTrue(restore.out().contains("restored LSN 1..65"), restore.out());
    QuickStartTest.Run journal = QuickStartTest.cli("journal", "inspect", "--data", tmp.resolve("restored").toString(),
        "--kind", "restore");
    assertTrue(journal.out().contains("RESTORE"), journal.out());
    QuickStartTest.Run notEmpty = QuickStartTest.cli("restore", "--backend", "file:" + backups, "--latest",
        "--data", tmp.resolve("restored").toString(), "--node-id", "r1");
    assertEquals(3, notEmpty.code());
    assertTrue(notEmpty.err().contains("not empty"), notEmpty.err());

    Path wal;
    try (Stream<Path> s = Files.list(backups.resolve("wal"))) {
      wal = s.filter(p -> p.toString().endsWith(".wal")).sorted().findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(wal);
    bytes[bytes.length / 2] ^= 1;
    Files.write(wal, bytes);
    QuickStartTest.Run bad = QuickStartTest.cli("backup", "verify", "--backend", "file:" + backups);
    assertEquals(4, bad.code(), bad.out());
    assertTrue(bad.out().contains("FAIL  wal/" + wal.getFileName() + ": sha256 expected"), bad.out());
    QuickStartTest.Run refused = QuickStartTest.cli("restore", "--backend", "file:" + backups, "--latest",
        "--data", tmp.resolve("restored-2").toString(), "--node-id", "r1");
    assertEquals(4, refused.code());
    assertTrue(refused.err().contains("fails verification"), refused.err());
    assertTrue(!Files.exists(tmp.resolve("restored-2").resolve("spool")), "nothing restored");
  }
}
