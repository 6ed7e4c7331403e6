package io.raftwal.bench;

import java.util.HashMap;
import java.util.Map;

/** The benchmarks' {@code key=value} arguments; anything else among them is skipped. */
public final class BenchArgs {
  private BenchArgs() {}

  /** The {@code key=value} pairs of {@code args} from index {@code from} on. */
  public static Map<String, String> parse(String[] args, int from) {
    Map<String, String> out = new HashMap<>();
    for (int i = from; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq > 0) {
        out.put(args[i].substring(0, eq), args[i].substring(eq + 1));
      }
    }
    return out;
  }
}
