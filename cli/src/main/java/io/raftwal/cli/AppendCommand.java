package io.raftwal.cli;

import io.raftwal.embed.AppendResult;
import io.raftwal.embed.BatchingAppender;
import io.raftwal.embed.RaftWalClient;
import io.raftwal.statemachine.StateMachineOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Appends records; prints {@code {"lsn":..,"term":..}} per acknowledged record. */
@Command(name = "append", mixinStandardHelpOptions = true,
    description = "Append records; prints {\"lsn\":N,\"term\":T} per acknowledged record, in input order.")
final class AppendCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @Spec CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--data", paramLabel = "TEXT", description = "One record with this text.")
    String data;
    @Option(names = "--file", paramLabel = "FILE", description = "One record with this file's bytes.")
    Path file;
    @Option(names = "--stdin", description = "One record per line of standard input.")
    boolean stdin;
    @Option(names = "--count", paramLabel = "N", description = "N generated records (with --size).")
    Integer count;
  }

  @Option(names = "--size", paramLabel = "BYTES", defaultValue = "128", description = "Size of generated records (default ${DEFAULT-VALUE}).")
  int size;

  @Override
  public Integer call() throws Exception {
    List<byte[]> records = records();
    var out = spec.commandLine().getOut();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "append-batcher");
      t.setDaemon(true);
      return t;
    });
    try (RaftWalClient client = cluster.client()) {
      BatchingAppender appender = new BatchingAppender(client, timer, 1 << 20, TimeUnit.MILLISECONDS.toNanos(2),
          StateMachineOptions.DEFAULT_MAX_RECORD_BYTES);
      List<CompletableFuture<AppendResult>> acks = new ArrayList<>(records.size());
      for (byte[] r : records) {
        acks.add(appender.append(r));
      }
      for (CompletableFuture<AppendResult> f : acks) {
        AppendResult r = ClusterCalls.run("append", () -> ClusterCalls.await(f, cluster.timeout()));
        Map<String, Long> line = new java.util.LinkedHashMap<>();
        line.put("lsn", r.lsn());
        line.put("term", r.term());
        out.println(Output.json(line));
      }
      out.flush();
    } finally {
      timer.shutdownNow();
    }
    return 0;
  }

  private List<byte[]> records() throws Exception {
    if (source.data != null) {
      return List.of(source.data.getBytes(StandardCharsets.UTF_8));
    }
    if (source.file != null) {
      if (!Files.isRegularFile(source.file)) {
        throw new CliException(CliException.USAGE, "--file " + source.file + " is not a readable file");
      }
      return List.of(Files.readAllBytes(source.file));
    }
    if (source.stdin) {
      List<byte[]> out = new ArrayList<>();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        out.add(line.getBytes(StandardCharsets.UTF_8));
      }
      return out;
    }
    if (source.count < 1 || source.count > 10_000_000) {
      throw new CliException(CliException.USAGE, "--count must be between 1 and 10000000, got " + source.count);
    }
    if (size < 0 || size > StateMachineOptions.DEFAULT_MAX_RECORD_BYTES) {
      throw new CliException(CliException.USAGE, "--size must be between 0 and "
          + StateMachineOptions.DEFAULT_MAX_RECORD_BYTES + " bytes, got " + size);
    }
    Random rnd = new Random();
    List<byte[]> out = new ArrayList<>(source.count);
    for (int i = 0; i < source.count; i++) {
      byte[] b = new byte[size];
      rnd.nextBytes(b);
      out.add(b);
    }
    return out;
  }
}
