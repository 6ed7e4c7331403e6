package io.raftwal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

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
  void theDeepestCauseThatSaysSomethingIsTheReason() {
    Exception chain = new IOException("UNAVAILABLE: io exception",
        new ConnectException("Connection refused: /127.0.0.1:7001"));
    assertEquals("Connection refused: /127.0.0.1:7001", ClusterCalls.reason(chain));
  }
}
