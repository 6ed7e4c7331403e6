package io.raftwal.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
  @TempDir Path tmp;

  static Map<String, String> valid() {
    Map<String, String> m = new HashMap<>();
    m.put("node.id", "n1");
    m.put("peers", "n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003");
    m.put("data.dir", "/tmp/x");
    return m;
  }

  @Test
  void fileThenOverridesAreApplied() throws Exception {
    Path f = tmp.resolve("node.properties");
    Files.writeString(f, "node.id=n2\npeers=n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003\n"
        + "data.dir=" + tmp + "\nsnapshot.threshold=500\nraft.property.raft.server.log.purge.gap=7\n");
    NodeConfig c = NodeConfig.load(f, Map.of("snapshot.threshold", "900", "admin.port", "8088"));
    assertEquals("n2", c.wal().nodeId());
    assertEquals(900, c.wal().snapshotThreshold());
    assertEquals(8088, c.adminPort());
    assertEquals("7", c.wal().raftProperties().get("raft.server.log.purge.gap"));
    assertEquals(100, c.wal().stateMachine().spool().syncEveryMillis(), "the spool is forced every 100 ms by default");
    assertEquals(0, NodeConfig.load(f, Map.of("spool.sync.ms", "0")).wal().stateMachine().spool().syncEveryMillis());
    assertTrue(c.wal().leadershipWarmup(), "a node warms its leader path at start by default");
    assertTrue(!NodeConfig.load(f, Map.of("warmup.leadership", "false")).wal().leadershipWarmup());
  }

  @Test
  void badConfigNamesTheKey() {
    String[][] cases = {
        {"snapshot.threshhold", "10", "snapshot.threshhold"},     // a typo
        {"snapshot.threshold", "ten", "snapshot.threshold"},
        {"admin.port", "70000", "admin.port"},
        {"record.max.bytes", "0", "record.max.bytes"},
        {"node.id", "n9", "node id n9"},
        {"peers", "n1=nohost", "peers"},
        {"group.id", "not-a-uuid", "group.id"},
        {"spool.sync.ms", "-1", "spool.sync.ms"},
        {"spool.sync.ms", "120000", "spool.sync.ms"},
        {"warmup.leadership", "yes", "warmup.leadership must be true or false"},
        {"backup.onSnapshot", "on", "backup.onSnapshot must be true or false"},
    };
    for (String[] c : cases) {
      Map<String, String> m = valid();
      m.put(c[0], c[1]);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse(m), c[0]);
      assertTrue(e.getMessage().contains(c[2]), c[0] + " -> " + e.getMessage());
    }
    Map<String, String> m = valid();
    m.remove("data.dir");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse(m));
    assertTrue(e.getMessage().startsWith("data.dir is required"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(tmp.resolve("missing.properties"), Map.of()));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }
}
