package io.raftwal.cli;

import io.raftwal.journal.EventKind;
import io.raftwal.journal.Journal;
import io.raftwal.journal.JournalEvent;
import io.raftwal.journal.JournalException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The control-event journal. */
@Command(name = "journal", mixinStandardHelpOptions = true, description = "The node's control-event journal.",
    subcommands = {JournalCommand.Inspect.class})
final class JournalCommand {

  @Command(name = "inspect", mixinStandardHelpOptions = true,
      description = "Print a node's journal, newest first (the filter applies before the limit); works while the"
          + " node runs and when it is stopped.")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The node's data directory (or the journal file).")
    Path data;

    @Option(names = "--kind", paramLabel = "KIND", description = "Only this kind, e.g. switchover_done, slot_invalidated.")
    String kind;

    @Option(names = "--since-seq", defaultValue = "0", paramLabel = "N", description = "Only events with seq >= N.")
    long sinceSeq;

    @Option(names = "--limit", defaultValue = "50", paramLabel = "N", description = "At most N events (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Override
    public Integer call() {
      EventKind k = null;
      if (kind != null) {
        try {
          k = EventKind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new CliException(CliException.USAGE, "--kind " + kind + " is unknown; kinds are "
              + java.util.Arrays.toString(EventKind.values()).toLowerCase(Locale.ROOT));
        }
      }
      if (limit < 1 || limit > 100_000) {
        throw new CliException(CliException.USAGE, "--limit must be between 1 and 100000, got " + limit);
      }
      if (sinceSeq < 0) {
        throw new CliException(CliException.USAGE, "--since-seq must not be negative, got " + sinceSeq);
      }
      Path file = Files.isDirectory(data) ? data.resolve("journal.db") : data;
      List<JournalEvent> events;
      try {
        events = Journal.inspect(file, new Journal.Filter(k, sinceSeq, limit));
      } catch (JournalException e) {
        throw new CliException(CliException.USAGE, e.getMessage(), e);
      }
      var out = spec.commandLine().getOut();
      for (JournalEvent e : events) {
        if (json) {
          out.println(Output.json(e));
        } else {
          out.printf("%6d %s %-18s %-8s %-12s %s %s%n", e.seq(), Instant.ofEpochMilli(e.timestampMs()), e.kind(),
              e.outcome(), e.actor(), e.fields(), e.reason());
        }
      }
      out.flush();
      return 0;
    }
  }
}
