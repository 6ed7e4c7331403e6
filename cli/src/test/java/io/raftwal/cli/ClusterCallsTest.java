package io.raftwal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ClusterCallsTest {

  @Test
  void anUnansweredCallSaysWhatWasWaitedForNotNull() {
    CliException e = assertThrows(CliException.class, () -> ClusterCalls.run("read", () -> {
      throw new IOException("no answer within 2000 ms", new TimeoutException());
    }));
    assertEquals(CliException.UNREACHABLE, e.exitCode);
    assertTrue(e.getMessage().contains("(no answer within 2000 ms)"), e.getMessage());
    assertFalse(e.getMessage().contains("null"), e.getMessage());
  }

  @Test
  void aCauseWithoutAnyMessageIsNamedByItsKind() {
    CliException e = assertThrows(CliException.class, () -> ClusterCalls.run("append", () -> {
      throw new IOException(null, new ConnectException());
    }));
    assertEquals(CliException.UNREACHABLE, e.exitCode);
    assertTrue(e.getMessage().contains("(ConnectException)"), e.getMessage());
  }

  @Test
  @Timeout(30) // a hang guard, not a speed check: an unbounded walk of this chain never returns
  void aCauseChainThatLoopsStillGivesAReason() {
    IOException a = new IOException("UNAVAILABLE: first");
    IOException b = new IOException("second", a);
    a.initCause(b);
    assertTrue(ClusterCalls.looksUnreachable(b));
    String reason = ClusterCalls.reason(b); // returns at all: the walk is bounded
    assertTrue(reason.equals("UNAVAILABLE: first") || reason.equals("second"), reason);
  }

  @Test
  void theDeepestCauseThatSaysSomethingIsTheReason() {
    Exception chain = new IOException("UNAVAILABLE: io exception",
        new ConnectException("Connection refused: /127.0.0.1:7001"));
    assertEquals("Connection refused: /127.0.0.1:7001", ClusterCalls.reason(chain));
  }
}
