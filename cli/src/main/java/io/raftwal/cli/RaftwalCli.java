package io.raftwal.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code raftwal} command line. */
@Command(name = "raftwal", mixinStandardHelpOptions = true, version = "raftwal 0.1.0",
    description = "A Raft-replicated logical write-ahead log.",
    subcommands = {SpoolDemoCommand.class},
    footer = {"", "Exit codes: 0 done, 1 bad usage or input, 2 cluster unreachable or no leader, 3 I/O failure."})
public final class RaftwalCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new RaftwalCli());
    cl.setExitCodeExceptionMapper(t -> t instanceof IllegalArgumentException ? 1 : 3);
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      cmd.getErr().println("raftwal: " + ex.getMessage());
      return cmd.getExitCodeExceptionMapper().getExitCode(ex);
    });
    return cl;
  }
}
