package io.raftwal.node;

import io.raftwal.embed.Peer;
import io.raftwal.embed.RaftWalConfig;
import io.raftwal.spool.SpoolOptions;
import io.raftwal.statemachine.StateMachineOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A node's configuration: a Java properties file, then {@code key=value} overrides. Every key is
 * checked before anything starts; an unknown key (a typo) or a bad value is an error naming the
 * key and what it accepts.
 *
 * <pre>
 * node.id=n1                                   # required: this node's id, one of the peers
 * peers=n1=127.0.0.1:7001,n2=...,n3=...        # required: every voting member
 * data.dir=/var/lib/raftwal/n1                 # required: this node's own directory
 * admin.port=8081                              # admin HTTP port (0: none)
 * admin.bind=127.0.0.1                         # admin HTTP address
 * admin.token=...                              # bearer token for mutating admin calls
 * group.id=&lt;uuid&gt;                                # optional, the same on every member
 * snapshot.threshold=10000                     # entries between automatic snapshots
 * spool.segment.bytes=67108864                 # spool segment size
 * spool.sync.ms=100                            # how often the spool forces its appends (0: at segment ends and snapshots only)
 * record.max.bytes=4194304                     # largest record
 * batch.max.bytes=1048576  batch.max.delay.ms=2
 * slot.ack.interval.ms=200  slot.max.lag.lsn=0  slot.idle.timeout.ms=0
 * request.timeout.ms=30000
 * journal.durability=immediate                 # or eventual (journal at data.dir/journal.db)
 * backup.backend=file:/backups | s3://bucket/prefix   # turns archiving on (WAL kept until archived)
 * backup.endpoint=http://...  backup.region=us-east-1  # for S3-compatible servers
 * backup.interval.ms=0                         # run a backup this often on the leader (0: on demand only)
 * backup.onSnapshot=false                      # publish each snapshot the leader takes, with the WAL up to it
 * warmup.leadership=true                       # run the leader path once at start on a throwaway loopback group
 * raft.property.&lt;ratis key&gt;=&lt;value&gt;            # passed to Ratis as is
 * </pre>
 */
public record NodeConfig(RaftWalConfig wal, int adminPort, String adminBind, String adminToken, String backupBackend,
    String backupEndpoint, String backupRegion, long backupIntervalMs, boolean backupOnSnapshot) {
  static final Set<String> KEYS = Set.of("node.id", "peers", "data.dir", "admin.port", "admin.bind", "admin.token", "group.id",
      "snapshot.threshold", "spool.segment.bytes", "spool.sync.ms", "record.max.bytes", "batch.max.bytes", "batch.max.delay.ms",
      "slot.ack.interval.ms", "slot.max.lag.lsn", "slot.idle.timeout.ms", "request.timeout.ms",
      "journal.durability", "backup.backend", "backup.endpoint", "backup.region", "backup.interval.ms",
      "backup.onSnapshot", "warmup.leadership");
  static final String RAFT_PREFIX = "raft.property.";

  /** Reads {@code file} (may be null) and applies {@code overrides} on top. */
  public static NodeConfig load(Path file, Map<String, String> overrides) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    if (file != null) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("config file " + file + " does not exist: check the --config path");
      }
      p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k).trim()));
    }
    values.putAll(overrides);
    return parse(values);
  }

  static NodeConfig parse(Map<String, String> v) {
    Set<String> unknown = new TreeSet<>();
    for (String k : v.keySet()) {
      if (!KEYS.contains(k) && !(k.startsWith(RAFT_PREFIX) && k.length() > RAFT_PREFIX.length())) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown config key(s) " + unknown + "; known keys are " + new TreeSet<>(KEYS)
          + " and raft.property.<ratis key>");
    }
    String id = required(v, "node.id");
    List<Peer> peers;
    try {
      peers = Peer.parseList(required(v, "peers"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("peers: " + e.getMessage());
    }
    Path dataDir = Path.of(required(v, "data.dir"));
    int recordMax = (int) number(v, "record.max.bytes", StateMachineOptions.DEFAULT_MAX_RECORD_BYTES, 1, 7 << 20);
    long segment = number(v, "spool.segment.bytes", SpoolOptions.DEFAULT_SEGMENT_BYTES, 4096, 1L << 34);
    String backupBackend = v.get("backup.backend");
    if (backupBackend != null && !backupBackend.startsWith("file:/") && !backupBackend.startsWith("s3://")) {
      throw new IllegalArgumentException("backup.backend '" + backupBackend + "' must be file:/DIR or s3://bucket/prefix");
    }
    long spoolSync = number(v, "spool.sync.ms", StateMachineOptions.DEFAULT_SPOOL_SYNC_MS, 0, 60_000);
    StateMachineOptions sm = StateMachineOptions.defaults().withMaxRecordBytes(recordMax)
        .withSpool(StateMachineOptions.defaults().spool().withSegmentBytes(segment).withSync(0, spoolSync))
        .withArchiving(backupBackend != null);
    RaftWalConfig.Builder b = RaftWalConfig.builder(id, dataDir).peers(peers).stateMachine(sm)
        .snapshotThreshold(number(v, "snapshot.threshold", 10_000, 1, Long.MAX_VALUE))
        .batching((int) number(v, "batch.max.bytes", 1 << 20, 1, 6 << 20),
            Duration.ofMillis(number(v, "batch.max.delay.ms", 2, 0, 1000)))
        .slotLimits(Duration.ofMillis(number(v, "slot.ack.interval.ms", 200, 10, 60_000)),
            number(v, "slot.max.lag.lsn", 0, 0, Long.MAX_VALUE),
            Duration.ofMillis(number(v, "slot.idle.timeout.ms", 0, 0, Long.MAX_VALUE)))
        .requestTimeout(Duration.ofMillis(number(v, "request.timeout.ms", 30_000, 100, 3_600_000)))
        .leadershipWarmup(bool(v, "warmup.leadership", true));
    String durability = v.getOrDefault("journal.durability", "immediate").trim().toUpperCase(java.util.Locale.ROOT);
    if (!durability.equals("IMMEDIATE") && !durability.equals("EVENTUAL")) {
      throw new IllegalArgumentException("journal.durability must be immediate or eventual, got '"
          + v.get("journal.durability") + "'");
    }
    io.raftwal.journal.Journal.Options jd = io.raftwal.journal.Journal.Options.defaults();
    b.journal(new io.raftwal.journal.Journal.Options(io.raftwal.journal.Journal.Durability.valueOf(durability),
        jd.queueCapacity(), jd.compactionThreshold(), jd.keepNewest(), jd.keepRecent()));
    if (v.containsKey("group.id")) {
      try {
        b.groupId(UUID.fromString(v.get("group.id")));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("group.id '" + v.get("group.id") + "' is not a UUID; use the same UUID on every member");
      }
    }
    v.forEach((k, val) -> {
      if (k.startsWith(RAFT_PREFIX)) {
        b.raftProperty(k.substring(RAFT_PREFIX.length()), val);
      }
    });
    int adminPort = (int) number(v, "admin.port", 0, 0, 65535);
    String token = v.getOrDefault("admin.token", "");
    RaftWalConfig wal;
    try {
      wal = b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("config: " + e.getMessage());
    }
    String bind = v.getOrDefault("admin.bind", "127.0.0.1");
    if (bind.isBlank()) {
      throw new IllegalArgumentException("admin.bind is empty: give an address such as 127.0.0.1");
    }
    long backupInterval = number(v, "backup.interval.ms", 0, 0, Long.MAX_VALUE);
    if (backupInterval > 0 && backupBackend == null) {
      throw new IllegalArgumentException("backup.interval.ms is set but backup.backend is not: set where backups go");
    }
    boolean onSnapshot = bool(v, "backup.onSnapshot", false);
    if (onSnapshot && backupBackend == null) {
      throw new IllegalArgumentException("backup.onSnapshot is on but backup.backend is not set: set where backups go");
    }
    return new NodeConfig(wal, adminPort, bind, token, backupBackend, v.get("backup.endpoint"),
        v.getOrDefault("backup.region", "us-east-1"), backupInterval, onSnapshot);
  }

  private static String required(Map<String, String> v, String key) {
    String s = v.get(key);
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException(key + " is required; set it in the config file or with --set " + key + "=...");
    }
    return s;
  }

  private static boolean bool(Map<String, String> v, String key, boolean dflt) {
    String s = v.getOrDefault(key, Boolean.toString(dflt)).trim();
    if (!s.equals("true") && !s.equals("false")) {
      throw new IllegalArgumentException(key + " must be true or false, got '" + v.get(key) + "'");
    }
    return s.equals("true");
  }

  private static long number(Map<String, String> v, String key, long dflt, long min, long max) {
    String s = v.get(key);
    if (s == null || s.isBlank()) {
      return dflt;
    }
    long n;
    try {
      n = Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + s + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }
}
