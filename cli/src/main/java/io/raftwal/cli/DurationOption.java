package io.raftwal.cli;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses the durations operators type on the command line: {@code 500ms}, {@code 5s}, {@code 1.5m}.
 * A bare number keeps the unit the option has always documented, so old scripts keep working.
 */
final class DurationOption {
  private DurationOption() {}

  static Duration parse(String option, String value, Duration bareUnit, Duration min, Duration max) {
    Duration d = parseOrNull(value == null ? "" : value.trim().toLowerCase(Locale.ROOT), bareUnit);
    if (d == null) {
      throw new CliException(CliException.USAGE,
          option + " '" + value + "' is not a duration; use e.g. 500ms, 5s or 1m");
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new CliException(CliException.USAGE,
          option + " must be between " + human(min) + " and " + human(max) + ", got " + value);
    }
    return d;
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private static Duration parseOrNull(String s, Duration bareUnit) {
    try {
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      if (s.endsWith("s")) {
        return millis(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000);
      }
      if (s.endsWith("m")) {
        return millis(Double.parseDouble(s.substring(0, s.length() - 1)) * 60_000);
      }
      return millis(Double.parseDouble(s) * bareUnit.toMillis());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Duration millis(double ms) {
    // NaN and infinities parse as doubles; they are not durations.
    return Double.isFinite(ms) ? Duration.ofMillis(Math.round(ms)) : null;
  }
}
