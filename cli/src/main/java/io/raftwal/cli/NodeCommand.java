package io.raftwal.cli;

import io.raftwal.node.NodeMain;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs one node in the foreground until SIGTERM / Ctrl-C. */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Run one node in the foreground (stops gracefully on SIGTERM or Ctrl-C).")
final class NodeCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "Node properties file.")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    NodeMain.runForeground(config, overrides);
    return 0;
  }
}
