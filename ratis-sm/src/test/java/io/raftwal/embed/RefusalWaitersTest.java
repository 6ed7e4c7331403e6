package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RefusalWaitersTest {

  @Test
  void theFirstRefusedRequestProbesAndTheOthersWait() {
    RefusalWaiters w = new RefusalWaiters();
    assertNull(w.waitOrProbe(7), "nobody probes yet: the first refused request probes");
    CompletableFuture<Void> a = w.waitOrProbe(9);
    CompletableFuture<Void> b = w.waitOrProbe(8);
    assertNotNull(a);
    assertNotNull(b);
    assertFalse(a.isDone() || b.isDone(), "waiters wait for the probe");
    assertEquals(2, w.waiting().size());
  }

  @Test
  void waitersAreReleasedOldestSubmissionFirstWhenTheProbeEnds() {
    RefusalWaiters w = new RefusalWaiters();
    w.waitOrProbe(1);
    List<Long> resent = new ArrayList<>();
    for (long seq : new long[] {5, 3, 4, 2}) {
      w.waitOrProbe(seq).thenRun(() -> resent.add(seq));
    }
    w.probeEnded();
    assertEquals(List.of(2L, 3L, 4L, 5L), resent, "re-sent in submission order");
    assertTrue(w.waiting().isEmpty());
  }

  @Test
  void aRefusalAfterTheProbeEndedStartsANewProbe() {
    RefusalWaiters w = new RefusalWaiters();
    w.waitOrProbe(1);
    CompletableFuture<Void> waiter = w.waitOrProbe(2);
    w.probeEnded();
    assertTrue(waiter.isDone());
    assertNull(w.waitOrProbe(2), "still refused after the release: this request probes now");
    assertNotNull(w.waitOrProbe(3));
  }
}
