package io.raftwal.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** The documented exit code and exactly one line on stderr for each bad input. */
class CliBadInputTest {

  static void expect(int code, String mention, String... args) {
    QuickStartTest.Run r = QuickStartTest.cli(args);
    assertEquals(code, r.code(), String.join(" ", args) + " -> " + r.err());
    String err = r.err().strip();
    assertEquals(1, err.lines().count(), "one line on stderr: " + err);
    assertTrue(err.startsWith("raftwal: ") && err.contains(mention), err);
  }

  @Test
  void badInputGetsTheDocumentedExitCodeAndOneLine() throws Exception {
    expect(1, "Unmatched argument", "no-such-command");
    expect(1, "--peers", "status", "--peers", "n1=nohost");
    expect(1, "--since must be 0 or a positive LSN", "read", "--peers", "n1=127.0.0.1:7001", "--since", "-1");
    expect(1, "say where the cluster is", "read", "--since", "0");
    expect(1, "does not exist", "status", "--cluster", "/nonexistent/cluster.json");
    expect(1, "slot id", "slot", "create", "--peers", "n1=127.0.0.1:7001", "--id", "");
    expect(1, "--timeout '10x' is not a duration", "status", "--peers", "n1=127.0.0.1:7001", "--timeout", "10x");
    expect(1, "--timeout must be between 100ms and 60m", "status", "--peers", "n1=127.0.0.1:7001", "--timeout", "0");
    expect(1, "--deadline 'soon' is not a duration", "switchover", "--peers", "n1=127.0.0.1:7001", "--to", "n1",
        "--deadline", "soon");
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    expect(2, "unreachable", "read", "--peers", "n1=127.0.0.1:" + closed, "--since", "0", "--timeout", "2s");
    expect(2, "unreachable", "append", "--peers", "n1=127.0.0.1:" + closed, "--data", "x", "--timeout", "2");
  }
}
