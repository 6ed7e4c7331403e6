package io.raftwal.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.cli.RaftwalCli;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The README's main job: `raftwal demo`, and `raftwal local` driven by the other commands. */
@Tag("cluster")
class QuickStartTest {
  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    CommandLine cl = RaftwalCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void demoTourRunsAndExitsZero() {
    Run r = cli("demo", "--dir", tmp.resolve("demo").toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("1. three node processes are up"), r.out());
    assertTrue(r.out().matches("(?s).*2\\. reading from follower.*lsn=5 term=\\d+ demo record before #5\n.*3\\. status.*"),
        "the follower's read shows the five records: " + r.out());
    assertTrue(r.out().contains("4. kill -9 the leader"), r.out());
    assertTrue(r.out().contains("converged: every node holds LSN 1..10"), r.out());
  }

  @Test
  void localClusterServesTheNextCommandsAndStopsEveryNodeOnSigterm() throws Exception {
    Path dir = tmp.resolve("local");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process local = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        RaftwalCli.class.getName(), "local", "--dir", dir.toString()).redirectErrorStream(true).start();
    try {
      BufferedReader in = new BufferedReader(new InputStreamReader(local.getInputStream(), StandardCharsets.UTF_8));
      List<String> lines = new ArrayList<>();
      String clusterFile = null;
      for (String line; (line = in.readLine()) != null; ) {
        lines.add(line);
        if (line.startsWith("cluster file: ")) {
          clusterFile = line.substring("cluster file: ".length());
        }
        if (line.startsWith("Ctrl-C stops all nodes")) {
          break;
        }
      }
      assertTrue(clusterFile != null, String.join("\n", lines));
      List<ProcessHandle> nodes = local.descendants().toList();
      assertEquals(3, nodes.size(), "three node processes");

      Run append = cli("append", "--cluster", clusterFile, "--data", "hello");
      assertEquals(0, append.code(), append.err());
      assertTrue(append.out().trim().matches("\\{\"lsn\":1,\"term\":\\d+\\}"), append.out());
      Run read = cli("read", "--cluster", clusterFile, "--since", "0", "--text");
      assertEquals(0, read.code(), read.err());
      assertTrue(read.out().contains("\"payload\":\"hello\""), read.out());
      Run status = cli("status", "--cluster", clusterFile);
      assertEquals(0, status.code(), status.err());
      assertTrue(status.out().startsWith("leader n"), status.out());
      Run slot = cli("slot", "create", "--cluster", clusterFile, "--id", "consumer-1");
      assertEquals(0, slot.code(), slot.err());
      Run slots = cli("slot", "list", "--cluster", clusterFile, "--json");
      assertTrue(slots.out().contains("\"id\":\"consumer-1\""), slots.out());
      // the journal of a running node, read from this process
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> cli("journal", "inspect",
          "--data", dir.resolve("n1").toString(), "--kind", "slot_created", "--json").out().contains("consumer-1"));
      Run journal = cli("journal", "inspect", "--data", dir.resolve("n1").toString(), "--limit", "50");
      assertEquals(0, journal.code(), journal.err());
      assertTrue(journal.out().contains("NODE_STARTED") && journal.out().contains("LEADER_CHANGED"), journal.out());
      Run noJournal = cli("journal", "inspect", "--data", dir.resolve("nothing-here").toString());
      assertEquals(1, noJournal.code());
      assertTrue(noJournal.err().contains("no journal"), noJournal.err());

      local.destroy(); // SIGTERM, as Ctrl-C would
      assertTrue(local.waitFor(90, TimeUnit.SECONDS), "local exits");
      for (ProcessHandle n : nodes) {
        n.onExit().get(30, TimeUnit.SECONDS);
        assertFalse(n.isAlive(), "node " + n.pid() + " was stopped with it");
      }
    } finally {
      local.descendants().forEach(ProcessHandle::destroyForcibly);
      local.destroyForcibly();
    }
  }
}
