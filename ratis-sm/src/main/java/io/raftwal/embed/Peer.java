package io.raftwal.embed;

/**
 * A member of the Raft group: its id and its Raft (gRPC) address.
 *
 * @param id      the node id: letters, digits, '-', '_' or '.', 1 to 64 characters
 * @param address {@code host:port}
 */
public record Peer(String id, String address) {
  public Peer {
    if (id == null || !id.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("peer id '" + id + "' is invalid: use 1-64 letters, digits, '.', '_' or '-'");
    }
    if (address == null || !address.matches("[^:\\s]+:\\d{1,5}")) {
      throw new IllegalArgumentException("peer " + id + " address '" + address + "' is invalid: use host:port");
    }
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("peer " + id + " port " + port + " is out of range 1-65535");
    }
  }

  public String host() {
    return address.substring(0, address.lastIndexOf(':'));
  }

  public int port() {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  /** Parses {@code id=host:port}. */
  public static Peer parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("peer '" + spec + "' is invalid: use id=host:port");
    }
    return new Peer(spec.substring(0, eq).trim(), spec.substring(eq + 1).trim());
  }

  /** Parses a comma-separated list of {@code id=host:port}. */
  public static java.util.List<Peer> parseList(String specs) {
    if (specs == null || specs.isBlank()) {
      throw new IllegalArgumentException("peers is empty: give id=host:port,... for every member");
    }
    java.util.List<Peer> out = new java.util.ArrayList<>();
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (String s : specs.split(",")) {
      Peer p = parse(s.trim());
      if (!ids.add(p.id())) {
        throw new IllegalArgumentException("peer id " + p.id() + " appears twice in peers");
      }
      out.add(p);
    }
    return out;
  }
}
