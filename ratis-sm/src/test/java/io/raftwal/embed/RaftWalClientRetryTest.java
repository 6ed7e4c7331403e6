package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.retry.RetryPolicy;
import org.junit.jupiter.api.Test;

class RaftWalClientRetryTest {
  static final RetryPolicy POLICY = RaftWalClient.retryPolicy(Duration.ofSeconds(10));

  static RetryPolicy.Action after(Throwable cause, int attempts, int causeCount) {
    return POLICY.handleAttemptFailure(new RetryPolicy.Event() {
      @Override
      public int getAttemptCount() {
        return attempts;
      }

      @Override
      public int getCauseCount() {
        return causeCount;
      }

      @Override
      public Throwable getCause() {
        return cause;
      }
    });
  }

  static long sleepMs(RetryPolicy.Action a) {
    return a.getSleepTime().toLong(TimeUnit.MILLISECONDS);
  }

  static final LeaderNotReadyException NOT_READY =
      new LeaderNotReadyException(RaftGroupMemberId.valueOf(RaftPeerId.valueOf("n2"), RaftGroupId.randomId()));

  @Test
  void aNewLeaderThatIsNotReadyIsPolledWithinMillisecondsThenLessOften() {
    long first = sleepMs(after(NOT_READY, 1, 1));
    assertTrue(first <= 10, "first poll after " + first + " ms: a not-ready leader is ready within a commit round");
    for (int n = 1; n <= 30; n++) {
      long ms = sleepMs(after(NOT_READY, n, n));
      assertTrue(ms <= 150, "poll " + n + " waits " + ms + " ms, above the cap with jitter");
    }
    long late = sleepMs(after(NOT_READY, 20, 20));
    assertTrue(late >= 50, "still not ready after 20 polls: back off toward 100 ms, got " + late);
  }

  @Test
  void aStreamClosedByALeaderSteppingDownIsPolledLikeANotLeader() {
    AlreadyClosedException closed = new AlreadyClosedException("client-1->n1 is closed.");
    long first = sleepMs(after(closed, 1, 1));
    assertTrue(first <= 10, "first retry after a closed stream waits " + first + " ms, not the 25 ms fixed sleep");
    assertTrue(after(closed, 100, 100).shouldRetry(), "polled for as long as a NotLeader is");
  }

  @Test
  void otherFailuresWaitTheFixedSleep() {
    assertEquals(25, sleepMs(after(new IOException("connection refused"), 1, 1)));
    assertEquals(25, sleepMs(after(new IOException("connection refused"), 30, 30)));
  }

  @Test
  void retriesStopOnceTheirShareOfTheTimeoutIsSpent() {
    assertTrue(after(new IOException("down"), 399, 399).shouldRetry());
    assertFalse(after(new IOException("down"), 400, 400).shouldRetry(), "10 s / 25 ms tries at most");
    assertFalse(after(NOT_READY, 2000, 2000).shouldRetry());
  }
}
