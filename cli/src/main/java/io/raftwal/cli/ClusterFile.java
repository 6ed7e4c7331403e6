package io.raftwal.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.raftwal.embed.Peer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * How to reach a cluster: written by {@code raftwal local}, read by every command through
 * {@code --cluster}. Holds the admin token, so it is written readable by its owner only.
 */
public record ClusterFile(UUID groupId, String adminToken, List<Node> nodes) {
  /** One member: its Raft address, admin address and data directory. */
  public record Node(String id, String raft, String admin, String dataDir) {}

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public List<Peer> peers() {
    return nodes.stream().map(n -> new Peer(n.id(), n.raft())).toList();
  }

  public Map<String, String> admins() {
    return nodes.stream().filter(n -> n.admin() != null)
        .collect(Collectors.toMap(Node::id, Node::admin, (a, b) -> a, java.util.LinkedHashMap::new));
  }

  public static ClusterFile read(Path file) {
    try {
      ClusterFile c = JSON.readValue(file.toFile(), ClusterFile.class);
      if (c.nodes() == null || c.nodes().isEmpty()) {
        throw new CliException(CliException.USAGE, "cluster file " + file + " lists no nodes");
      }
      return c;
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new CliException(CliException.USAGE, "cluster file " + file + " does not exist: start one with"
          + " `raftwal local --dir DIR`, or pass --peers");
    } catch (IOException e) {
      throw new CliException(CliException.USAGE, "cluster file " + file + " is not readable JSON: " + e.getMessage());
    }
  }

  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, JSON.writeValueAsBytes(this));
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
