package io.raftwal.cli;

import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftWalConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real raftwal node processes on loopback, each with its own directory, config and log, for
 * {@code raftwal local}, {@code raftwal demo} and the end-to-end tests. Nodes can be stopped
 * (SIGTERM), killed (SIGKILL), paused (SIGSTOP) and resumed (SIGCONT), and restarted from their
 * directories. A JVM shutdown hook makes sure no node outlives the process that started it.
 */
public final class ProcessCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessCluster.class);

  private final Path dir;
  private final ClusterFile cluster;
  private final List<String> jvmOptions;
  private final Map<String, String> extraConfig;
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final Thread reaper = new Thread(this::destroyAllNow, "raftwal-process-reaper");

  private ProcessCluster(Path dir, ClusterFile cluster, List<String> jvmOptions, Map<String, String> extraConfig) {
    this.extraConfig = extraConfig;
    this.dir = dir;
    this.cluster = cluster;
    this.jvmOptions = jvmOptions;
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /**
   * Opens the cluster in {@code dir}: reuses its cluster file (same ports, same data) when there
   * is one, else lays out {@code size} nodes on free loopback ports.
   */
  public static ProcessCluster open(Path dir, int size, List<String> jvmOptions) throws IOException {
    return open(dir, size, jvmOptions, Map.of());
  }

  /** As above, with {@code extraConfig} added to every node's properties (e.g. backup.backend). */
  public static ProcessCluster open(Path dir, int size, List<String> jvmOptions, Map<String, String> extraConfig)
      throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("cluster.json");
    ClusterFile c;
    if (Files.exists(file)) {
      c = ClusterFile.read(file);
    } else {
      if (size < 1 || size > 9) {
        throw new IllegalArgumentException("cluster size must be 1 to 9 nodes, got " + size);
      }
      byte[] t = new byte[16];
      new SecureRandom().nextBytes(t);
      List<ClusterFile.Node> nodes = new ArrayList<>();
      for (int i = 1; i <= size; i++) {
        String id = "n" + i;
        nodes.add(new ClusterFile.Node(id, "127.0.0.1:" + freePort(), "127.0.0.1:" + freePort(),
            dir.resolve(id).toAbsolutePath().toString()));
      }
      c = new ClusterFile(RaftWalConfig.DEFAULT_GROUP_ID, HexFormat.of().formatHex(t), nodes);
      c.write(file);
    }
    ProcessCluster pc = new ProcessCluster(dir, c, jvmOptions, extraConfig);
    for (ClusterFile.Node n : c.nodes()) {
      pc.writeConfig(n);
    }
    return pc;
  }

  private void writeConfig(ClusterFile.Node n) throws IOException {
    StringBuilder peers = new StringBuilder();
    for (Peer p : cluster.peers()) {
      peers.append(peers.length() == 0 ? "" : ",").append(p.id()).append('=').append(p.address());
    }
    Path nodeDir = Path.of(n.dataDir());
    Files.createDirectories(nodeDir);
    Files.writeString(config(n.id()), "node.id=" + n.id() + "\npeers=" + peers + "\ndata.dir=" + nodeDir
        + "\nadmin.port=" + n.admin().substring(n.admin().lastIndexOf(':') + 1)
        + "\nadmin.token=" + cluster.adminToken() + "\ngroup.id=" + cluster.groupId() + "\n" + extra());
  }

  private String extra() {
    StringBuilder b = new StringBuilder();
    if (!extraConfig.containsKey("warmup.leadership")) {
      // Every node of a local cluster shares this machine's cores: a warm-up would only compete
      // with the other nodes for them.
      b.append("warmup.leadership=false\n");
    }
    extraConfig.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    return b.toString();
  }

  private Path config(String id) {
    return dir.resolve(id + ".properties");
  }

  public Path log(String id) {
    return dir.resolve(id + ".log");
  }

  public Path clusterFilePath() {
    return dir.resolve("cluster.json");
  }

  public ClusterFile cluster() {
    return cluster;
  }

  public List<String> ids() {
    return cluster.nodes().stream().map(ClusterFile.Node::id).toList();
  }

  public synchronized void startAll() throws IOException {
    for (String id : ids()) {
      start(id);
    }
  }

  /** Starts node {@code id} (a no-op when it runs). Its output is appended to its log. */
  public synchronized void start(String id) throws IOException {
    Process running = processes.get(id);
    if (running != null && running.isAlive()) {
      return;
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(RaftwalCli.class.getName());
    cmd.add("node");
    cmd.add("--config");
    cmd.add(config(id).toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(id).toFile()));
    processes.put(id, pb.start());
    LOG.debug("started node {} (pid {})", id, processes.get(id).pid());
  }

  /** SIGTERM, then waits for a graceful exit (SIGKILL after {@code graceSeconds}). */
  public synchronized void stop(String id, long graceSeconds) throws InterruptedException {
    Process p = processes.get(id);
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
      LOG.warn("node {} did not stop within {} s; killing it", id, graceSeconds);
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** SIGKILL: the node gets no chance to flush or close anything. */
  public synchronized void kill(String id) throws InterruptedException {
    Process p = processes.get(id);
    if (p != null && p.isAlive()) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** SIGSTOP: the node freezes, its sockets stay open (a stalled, not a dead, peer). */
  public void pause(String id) throws IOException, InterruptedException {
    signal(id, "STOP");
  }

  /** SIGCONT after {@link #pause}. */
  public void resume(String id) throws IOException, InterruptedException {
    signal(id, "CONT");
  }

  private void signal(String id, String sig) throws IOException, InterruptedException {
    Process p = processes.get(id);
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException("node " + id + " is not running");
    }
    Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
    if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
      throw new IOException("kill -" + sig + " " + p.pid() + " failed");
    }
  }

  /** The member that is leader, polled for up to {@code timeoutMs}. */
  public Optional<String> awaitLeader(long timeoutMs) throws InterruptedException, IOException {
    try (ClusterProbe probe = new ClusterProbe(cluster.peers(), cluster.groupId())) {
      return probe.awaitLeader(timeoutMs);
    }
  }

  /** The last {@code lines} lines of a node's log. */
  public String logTail(String id, int lines) {
    try {
      List<String> all = Files.readAllLines(log(id));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops every node gracefully (SIGTERM, then SIGKILL after 30 s). */
  @Override
  public synchronized void close() throws InterruptedException {
    for (String id : new ArrayList<>(processes.keySet())) {
      Process p = processes.get(id);
      if (p.isAlive()) {
        p.destroy();
      }
    }
    for (String id : new ArrayList<>(processes.keySet())) {
      stop(id, 30);
    }
    processes.clear();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  private void destroyAllNow() {
    List<Process> all;
    synchronized (this) {
      all = new ArrayList<>(processes.values());
    }
    for (Process p : all) {
      p.destroy();
    }
    for (Process p : all) {
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
