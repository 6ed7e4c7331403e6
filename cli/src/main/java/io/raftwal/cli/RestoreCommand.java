package io.raftwal.cli;

import io.raftwal.backend.Backend;
import io.raftwal.backend.Backends;
import io.raftwal.backup.Restorer;
import io.raftwal.journal.Actor;
import io.raftwal.journal.EventKind;
import io.raftwal.journal.Journal;
import io.raftwal.journal.JournalEvent;
import io.raftwal.journal.Outcome;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Point-in-time restore into a fresh data directory. */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Restore a point in time from a backup into --data: verifies everything first and refuses on any"
        + " problem; writes nothing into a non-empty directory unless --force.",
        "Start a node on the result: a new single-node group (peers=ID=host:port), or restore the same backup into"
        + " each member's directory and start a new three-node group.",
        "Exit codes: 0 restored, 4 the backup fails verification, 1 bad usage, 3 other failure."})
final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--backend", required = true, paramLabel = "URI", description = "file:/DIR or s3://bucket/prefix")
  String backend;
  @Option(names = "--endpoint", paramLabel = "URL") String endpoint;
  @Option(names = "--region", defaultValue = "us-east-1") String region;
  @Option(names = "--data", required = true, paramLabel = "DIR") Path data;
  @Option(names = "--node-id", required = true, paramLabel = "ID") String nodeId;
  @Option(names = "--force", description = "Replace a non-empty --data.") boolean force;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Point point;

  static final class Point {
    @Option(names = "--to-lsn", paramLabel = "N") Long toLsn;
    @Option(names = "--to-time", paramLabel = "ISO-8601") String toTime;
    @Option(names = "--latest") boolean latest;
  }

  @Override
  public Integer call() throws Exception {
    if (!nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new CliException(CliException.USAGE, "--node-id '" + nodeId + "' must be 1-64 letters, digits, '.', '_' or '-'");
    }
    Restorer.Target target;
    if (point.toLsn != null) {
      if (point.toLsn < 1) {
        throw new CliException(CliException.USAGE, "--to-lsn must be a positive LSN, got " + point.toLsn);
      }
      target = new Restorer.Target(point.toLsn, null);
    } else if (point.toTime != null) {
      try {
        target = new Restorer.Target(null, Instant.parse(point.toTime).toEpochMilli());
      } catch (DateTimeParseException e) {
        throw new CliException(CliException.USAGE, "--to-time '" + point.toTime + "' is not ISO-8601 (e.g. 2026-11-21T10:15:30Z)");
      }
    } else {
      target = Restorer.Target.latest();
    }
    Backend b;
    try {
      b = Backends.open(backend, endpoint, region);
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "--backend: " + e.getMessage());
    }
    Restorer.Result r;
    try (b) {
      r = Restorer.restore(b, target, data, force);
    } catch (java.io.IOException e) {
      boolean unverified = String.valueOf(e.getMessage()).contains("fails verification");
      throw new CliException(unverified ? 4 : CliException.IO, "restore: " + e.getMessage().replace('\n', ' '), e);
    }
    try (Journal j = Journal.open(data.resolve("journal.db"), Journal.Options.defaults())) {
      j.record(JournalEvent.of(EventKind.RESTORE, Outcome.ALLOWED, Actor.CLI, "restored from a backup",
          Map.of("backend", b.describe(), "lastLsn", r.lastLsn(), "snapshot", r.snapshotKey(), "node", nodeId)));
    }
    var out = spec.commandLine().getOut();
    out.printf("restored LSN 1..%d (snapshot %s, %d WAL segment(s)) into %s for node %s%n", r.lastLsn(),
        r.snapshotKey(), r.segmentsReplayed(), data, nodeId);
    out.printf("start it: raftwal node --config <file with node.id=%s, data.dir=%s, peers=...>%n", nodeId, data);
    out.flush();
    return 0;
  }
}
