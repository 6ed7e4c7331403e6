package io.raftwal.cli;

import io.raftwal.command.Command.Progress;
import io.raftwal.command.Command.SlotCreate;
import io.raftwal.command.Command.SlotDrop;
import io.raftwal.command.Command.SlotProgress;
import io.raftwal.command.Reply;
import io.raftwal.embed.RaftWalClient;
import io.raftwal.slot.Slot;
import io.raftwal.slot.SlotCatalog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Replication slots: create, list, ack, drop. */
@Command(name = "slot", mixinStandardHelpOptions = true, description = "Manage replication slots.",
    subcommands = {SlotCommand.Create.class, SlotCommand.ListSlots.class, SlotCommand.Ack.class, SlotCommand.Drop.class})
final class SlotCommand {

  abstract static class Base implements Callable<Integer> {
    @Mixin ClusterOptions cluster;
    @Spec CommandSpec spec;

    String validId(String id) {
      try {
        SlotCatalog.validateId(id);
      } catch (IllegalArgumentException e) {
        throw new CliException(CliException.USAGE, "--id: " + e.getMessage());
      }
      return id;
    }

    int printReply(String what, Reply reply) {
      var out = spec.commandLine().getOut();
      if (reply instanceof Reply.Rejected r) {
        throw new CliException(CliException.USAGE, what + " refused: " + r.reason());
      }
      String detail = ((Reply.Done) reply).detail();
      Output.line(out, cluster.json, Map.of("result", detail), detail);
      return 0;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a slot (at the current LSN unless --lsn).")
  static final class Create extends Base {
    @Option(names = "--id", required = true) String id;
    @Option(names = "--lsn", paramLabel = "N", description = "Initial restart LSN (default: the current LSN).") Long lsn;

    @Override
    public Integer call() throws Exception {
      validId(id);
      if (lsn != null && lsn < 0) {
        throw new CliException(CliException.USAGE, "--lsn must not be negative, got " + lsn);
      }
      try (RaftWalClient c = cluster.client()) {
        Reply r = ClusterCalls.run("slot create", () -> ClusterCalls.await(
            c.submit(new SlotCreate(id, lsn == null ? SlotCreate.AT_CURRENT_LSN : lsn, 0)), cluster.timeout()));
        return printReply("slot create", r);
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List slots with their positions.")
  static final class ListSlots extends Base {
    @Override
    public Integer call() throws Exception {
      var out = spec.commandLine().getOut();
      try (RaftWalClient c = cluster.client()) {
        List<Slot> slots = ClusterCalls.run("slot list", () -> c.slots(null));
        for (Slot s : slots) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("id", s.id());
          m.put("restartLsn", s.restartLsn());
          m.put("confirmedWriteLsn", s.confirmedWriteLsn());
          m.put("confirmedFlushLsn", s.confirmedFlushLsn());
          m.put("confirmedApplyLsn", s.confirmedApplyLsn());
          m.put("lastSeenAtMs", s.lastSeenAtMs());
          m.put("invalidation", s.invalidation() == null ? null : s.invalidation().name());
          Output.line(out, cluster.json, m, String.format("%-20s restart %-8d flush %-8d %s", s.id(), s.restartLsn(),
              s.confirmedFlushLsn(), s.valid() ? "valid" : "invalid (" + s.invalidation() + ")"));
        }
        if (slots.isEmpty() && !cluster.json) {
          out.println("no slots");
        }
        out.flush();
      }
      return 0;
    }
  }

  @Command(name = "ack", mixinStandardHelpOptions = true, description = "Confirm a slot's consumer has durably applied through --lsn.")
  static final class Ack extends Base {
    @Option(names = "--id", required = true) String id;
    @Option(names = "--lsn", required = true, paramLabel = "N") long lsn;

    @Override
    public Integer call() throws Exception {
      validId(id);
      if (lsn < 0) {
        throw new CliException(CliException.USAGE, "--lsn must not be negative, got " + lsn);
      }
      try (RaftWalClient c = cluster.client()) {
        Reply r = ClusterCalls.run("slot ack", () -> ClusterCalls.await(
            c.submit(new SlotProgress(List.of(new Progress(id, lsn, lsn, lsn)), 0)), cluster.timeout()));
        if (r instanceof Reply.Done d && d.detail().contains("ignored")) {
          throw new CliException(CliException.USAGE, "slot ack refused: " + d.detail());
        }
        return printReply("slot ack", r);
      }
    }
  }

  @Command(name = "drop", mixinStandardHelpOptions = true, description = "Drop a slot (its WAL may then be pruned).")
  static final class Drop extends Base {
    @Option(names = "--id", required = true) String id;

    @Override
    public Integer call() throws Exception {
      validId(id);
      try (RaftWalClient c = cluster.client()) {
        Reply r = ClusterCalls.run("slot drop", () -> ClusterCalls.await(c.submit(new SlotDrop(id, 0)),
            cluster.timeout()));
        return printReply("slot drop", r);
      }
    }
  }
}
