package io.raftwal.journal;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One control event. {@code seq} is 0 until the journal stores it and assigns the next sequence
 * number. Fields whose names look secret (token, secret, password, credential, key) are redacted
 * when the event is built, so they never reach the disk.
 *
 * @param fields structured details (LSNs, terms, node ids, durations), by name
 */
public record JournalEvent(long seq, long timestampMs, EventKind kind, Outcome outcome, Actor actor, String reason,
    Map<String, Object> fields) {
  static final String REDACTED = "***";
  private static final Pattern SENSITIVE = Pattern.compile(".*(token|secret|password|passwd|credential|access.?key|"
      + "private.?key|authorization).*");

  public JournalEvent {
    if (kind == null || outcome == null || actor == null) {
      throw new IllegalArgumentException("kind, outcome and actor are required");
    }
    reason = reason == null ? "" : reason;
    TreeMap<String, Object> clean = new TreeMap<>();
    if (fields != null) {
      fields.forEach((k, v) -> clean.put(k, isSensitive(k) ? REDACTED : v));
    }
    fields = java.util.Collections.unmodifiableMap(clean);
  }

  /** A new event, stamped now; the journal assigns its sequence number. */
  public static JournalEvent of(EventKind kind, Outcome outcome, Actor actor, String reason, Map<String, Object> fields) {
    return new JournalEvent(0, System.currentTimeMillis(), kind, outcome, actor, reason, fields);
  }

  static boolean isSensitive(String name) {
    return SENSITIVE.matcher(name.toLowerCase(Locale.ROOT)).matches();
  }

  JournalEvent withSeq(long s) {
    return new JournalEvent(s, timestampMs, kind, outcome, actor, reason, fields);
  }
}
