package io.raftwal.cli;

import io.raftwal.embed.RaftWalException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Turns a cluster call's failure into the documented exit code and a one-line message. */
final class ClusterCalls {
  private ClusterCalls() {}

  interface Call<T> {
    T call() throws Exception;
  }

  static <T> T run(String what, Call<T> call) {
    try {
      return call.call();
    } catch (CliException e) {
      throw e;
    } catch (RaftWalException e) {
      if (looksUnreachable(e)) {
        throw new CliException(CliException.UNREACHABLE, what + ": cluster unreachable or no leader ("
            + firstLine(e.getMessage()) + "); check --peers / --cluster and that a majority of nodes run", e);
      }
      if (e.retriable()) {
        throw new CliException(CliException.UNREACHABLE, what + ": the cluster did not accept it in time ("
            + firstLine(e.getMessage()) + "); check that a majority of nodes run", e);
      }
      throw new CliException(CliException.USAGE, what + " refused: " + firstLine(e.getMessage()), e);
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, firstLine(e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.IO, what + ": interrupted", e);
    } catch (Exception e) {
      if (looksUnreachable(e)) {
        throw new CliException(CliException.UNREACHABLE, what + ": cluster unreachable or no leader ("
            + reason(e) + "); check --peers / --cluster and that the nodes run", e);
      }
      throw new CliException(CliException.IO, what + " failed: " + firstLine(String.valueOf(e.getMessage())), e);
    }
  }

  static <T> T await(CompletableFuture<T> f, Duration timeout) throws Exception {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof Exception ex) {
        throw ex;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new IOException("no answer within " + DurationOption.human(timeout) + " (UNAVAILABLE)", e);
    }
  }

  /** A cause chain can loop (Java only refuses an exception as its own cause); errors must not hang. */
  private static final int MAX_CAUSES = 32;

  /** {@code e} and its causes, outermost first, at most {@value #MAX_CAUSES} of them. */
  private static List<Throwable> causes(Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable c = e; c != null && chain.size() < MAX_CAUSES; c = c.getCause() == c ? null : c.getCause()) {
      chain.add(c);
    }
    return chain;
  }

  static boolean looksUnreachable(Throwable e) {
    for (Throwable c : causes(e)) {
      String m = String.valueOf(c.getMessage());
      String n = c.getClass().getSimpleName();
      if (m.contains("UNAVAILABLE") || m.contains("Connection refused") || m.contains("no answer within")
          || n.contains("RaftRetryFailure") || n.contains("TimeoutIOException") || n.contains("NotLeader")
          || n.contains("ConnectException") || n.contains("AlreadyClosed")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The deepest cause that says something: a timeout's own exception carries no message, and
   * "(null)" tells the operator nothing; the wrapper that knows what was waited for does.
   */
  static String reason(Throwable e) {
    List<Throwable> chain = causes(e);
    for (int i = chain.size() - 1; i >= 0; i--) {
      String m = chain.get(i).getMessage();
      if (m != null && !m.isBlank()) {
        return firstLine(m);
      }
    }
    return chain.get(chain.size() - 1).getClass().getSimpleName();
  }

  static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse(s);
  }
}
