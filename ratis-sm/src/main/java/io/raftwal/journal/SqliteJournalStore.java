package io.raftwal.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteConfig;

/**
 * Journal events in SQLite (WAL mode: a reader in another process never blocks the writer).
 * Schema version 1: {@code meta(key, value)} holding {@code schema_version} and {@code next_seq},
 * and {@code events(seq, ts, kind, outcome, actor, reason, fields)} with fields as JSON.
 */
final class SqliteJournalStore implements JournalStore {
  static final int SCHEMA_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Connection conn;
  private final Path file;

  SqliteJournalStore(Path file, Journal.Durability durability) throws JournalException {
    this.file = file;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      SQLiteConfig cfg = new SQLiteConfig();
      cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
      cfg.setSynchronous(durability == Journal.Durability.IMMEDIATE
          ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
      cfg.setBusyTimeout(5_000);
      conn = cfg.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement st = conn.createStatement()) {
        st.executeUpdate("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        st.executeUpdate("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
            + " kind TEXT NOT NULL, outcome TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL, fields TEXT NOT NULL)");
        st.executeUpdate("CREATE INDEX IF NOT EXISTS events_kind ON events(kind, seq)");
        st.executeUpdate("INSERT OR IGNORE INTO meta VALUES ('schema_version', '" + SCHEMA_VERSION + "')");
        st.executeUpdate("INSERT OR IGNORE INTO meta VALUES ('next_seq', '1')");
        try (ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
          String verdict = rs.next() ? rs.getString(1) : "no answer";
          if (!"ok".equals(verdict)) {
            throw new JournalException("journal " + file + " fails its integrity check: " + verdict, null);
          }
        }
      }
      int version = Integer.parseInt(meta(conn, "schema_version", file));
      if (version != SCHEMA_VERSION) {
        throw new JournalException("journal " + file + " has schema version " + version + "; this build reads "
            + SCHEMA_VERSION, null);
      }
    } catch (SQLException | IOException | RuntimeException e) {
      if (e instanceof JournalException j) {
        throw j;
      }
      throw new JournalException("journal " + file + " cannot be opened: " + e.getMessage(), e);
    }
  }

  static String meta(Connection c, String key, Path file) throws SQLException, JournalException {
    try (PreparedStatement ps = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new JournalException(file + " is not a raftwal journal (no " + key + ")", null);
        }
        return rs.getString(1);
      }
    }
  }

  @Override
  public synchronized void append(List<JournalEvent> events) throws IOException {
    try {
      conn.setAutoCommit(false);
      try (PreparedStatement ps = conn.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)");
           PreparedStatement next = conn.prepareStatement("UPDATE meta SET value = ? WHERE key = 'next_seq'")) {
        long last = 0;
        for (JournalEvent e : events) {
          ps.setLong(1, e.seq());
          ps.setLong(2, e.timestampMs());
          ps.setString(3, e.kind().name());
          ps.setString(4, e.outcome().name());
          ps.setString(5, e.actor().name());
          ps.setString(6, e.reason());
          ps.setString(7, JSON.writeValueAsString(e.fields()));
          ps.addBatch();
          last = Math.max(last, e.seq());
        }
        ps.executeBatch();
        next.setString(1, Long.toString(last + 1));
        next.executeUpdate();
        conn.commit();
      } catch (SQLException | JsonProcessingException e) {
        conn.rollback();
        throw e;
      } finally {
        conn.setAutoCommit(true);
      }
    } catch (SQLException | JsonProcessingException e) {
      throw new IOException("journal " + file + ": append failed: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized long nextSeq() throws IOException {
    try {
      return Long.parseLong(meta(conn, "next_seq", file));
    } catch (SQLException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  @Override
  public synchronized long count() throws IOException {
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM events")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  @Override
  public synchronized int compact(long keepNewest, long keepSinceMs) throws IOException {
    try (PreparedStatement ps = conn.prepareStatement("DELETE FROM events WHERE ts < ? AND seq < "
        + "(SELECT COALESCE(MIN(seq), 0) FROM (SELECT seq FROM events ORDER BY seq DESC LIMIT ?))")) {
      ps.setLong(1, keepSinceMs);
      ps.setLong(2, keepNewest);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new IOException("journal " + file + ": compaction failed: " + e.getMessage(), e);
    }
  }

  /** Newest first; the kind filter is applied before the limit. */
  static List<JournalEvent> query(Connection c, EventKind kind, long sinceSeq, int limit) throws SQLException, IOException {
    String sql = "SELECT seq, ts, kind, outcome, actor, reason, fields FROM events WHERE seq >= ?"
        + (kind == null ? "" : " AND kind = ?") + " ORDER BY seq DESC LIMIT ?";
    List<JournalEvent> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setLong(i++, sinceSeq);
      if (kind != null) {
        ps.setString(i++, kind.name());
      }
      ps.setInt(i, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<String, Object> fields = JSON.readValue(rs.getString(7), new TypeReference<Map<String, Object>>() {});
          out.add(new JournalEvent(rs.getLong(1), rs.getLong(2), EventKind.valueOf(rs.getString(3)),
              Outcome.valueOf(rs.getString(4)), Actor.valueOf(rs.getString(5)), rs.getString(6), fields));
        }
      }
    }
    return out;
  }

  synchronized List<JournalEvent> query(EventKind kind, long sinceSeq, int limit) throws IOException {
    try {
      return query(conn, kind, sinceSeq, limit);
    } catch (SQLException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      conn.close();
    } catch (SQLException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
