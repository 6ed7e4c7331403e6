package io.raftwal.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code raftwal} command line. */
@Command(name = "raftwal", mixinStandardHelpOptions = true, version = "raftwal 0.1.0",
    description = "A Raft-replicated logical write-ahead log.",
    subcommands = {NodeCommand.class, LocalCommand.class, DemoCommand.class, AppendCommand.class, ReadCommand.class,
        StatusCommand.class, SlotCommand.class, TransferLeaderCommand.class, SwitchoverCommand.class,
        JournalCommand.class, BackupCommand.class, RestoreCommand.class, SpoolDemoCommand.class},
    footer = {"", "Exit codes: 0 done, 1 bad usage or input, 2 cluster unreachable or no leader within the timeout,",
        "3 I/O or other failure (or nothing handed over, for switchover), 4 a backup fails verification.",
        "Errors are one line on stderr; --verbose adds the stack trace."})
public final class RaftwalCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "Print the stack trace of a failure.")
  static boolean verbose;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    if (args.length == 0 || !args[0].equals("node")) {
      // A client command reports failures itself, in one line; Ratis's client retries are noise here.
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.ratis", "off");
      System.setProperty("org.slf4j.simpleLogger.log.io.raftwal", "warn");
    }
    System.exit(commandLine().execute(args));
  }

  /** The command line, with the documented exit codes and one-line errors. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new RaftwalCli());
    cl.setParameterExceptionHandler((ex, args) -> {
      CommandLine cmd = ex.getCommandLine();
      cmd.getErr().println("raftwal: " + ex.getMessage() + " (see: raftwal " + cmd.getCommandName() + " --help)");
      cmd.getErr().flush();
      return CliException.USAGE;
    });
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      int code = ex instanceof CliException c ? c.exitCode
          : ex instanceof IllegalArgumentException ? CliException.USAGE
          : ClusterCalls.looksUnreachable(ex) ? CliException.UNREACHABLE : CliException.IO;
      cmd.getErr().println("raftwal: " + ClusterCalls.firstLine(String.valueOf(ex.getMessage())));
      if (verbose) {
        ex.printStackTrace(cmd.getErr());
      }
      cmd.getErr().flush();
      return code;
    });
    return cl;
  }
}
