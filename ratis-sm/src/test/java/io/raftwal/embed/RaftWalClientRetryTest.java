package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
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
  static final NotLeaderException NOT_LEADER =
      new NotLeaderException(RaftGroupMemberId.valueOf(RaftPeerId.valueOf("n1"), RaftGroupId.randomId()), null, List.of());

  @Test
  void aNewLeaderThatIsNotReadyIsPolledEveryFewMillisecondsForACommitRoundThenLessOften() {
    // The schedule's own figures (what the policy returns), summed; nothing here is timed.
    long scheduled = 0;
    int n = 1;
    for (; scheduled < 100; n++) {
      long ms = RaftWalClient.handoverPollMs(n);
      assertTrue(ms <= 10, "poll " + n + " after " + scheduled + " ms of refusals waits " + ms + " ms");
      scheduled += ms;
    }
    assertTrue(n <= 16, "100 ms of refusals are covered by " + n + " polls");
    assertEquals(2, RaftWalClient.handoverPollMs(1), "the first poll comes soon: most handovers end within tens of ms");
    assertEquals(100, RaftWalClient.handoverPollMs(30), "a leader still not ready after 30 polls is asked every 100 ms");
    for (int k = 1; k < 40; k++) {
      assertTrue(RaftWalClient.handoverPollMs(k + 1) >= RaftWalClient.handoverPollMs(k), "never sooner than before: " + k);
    }
  }

  @Test
  void thePolicyAppliesThePollScheduleWithJitterToNotReadyAndNotLeader() {
    for (int n = 1; n <= 30; n++) {
      long base = RaftWalClient.handoverPollMs(n);
      for (Throwable cause : new Throwable[] {NOT_READY, NOT_LEADER}) {
        long us = after(cause, n, n).getSleepTime().toLong(TimeUnit.MICROSECONDS);
        assertTrue(us >= base * 500 && us <= base * 1500, cause.getClass().getSimpleName() + " poll " + n + ": " + us
            + " us, outside half to one and a half of " + base + " ms");
      }
    }
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
    assertTrue(after(NOT_READY, 115, 115).shouldRetry());
    assertFalse(after(NOT_READY, 116, 116).shouldRetry(), "16 short polls, then 10 s / 100 ms");
    assertFalse(after(NOT_READY, 2000, 2000).shouldRetry());
  }
}
