package io.raftwal.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.slot.InvalidationCause;
import io.raftwal.spool.SpoolRecord;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandCodecTest {
  static final List<Command> ALL = List.of(
      new Command.Append(List.of(new byte[0], "x".getBytes(), new byte[300]), 1_700_000_000_123L),
      new Command.SlotCreate("consumer-1", Command.SlotCreate.AT_CURRENT_LSN, 5),
      new Command.SlotCreate("ü", 42, 6),
      new Command.SlotProgress(List.of(new Command.Progress("a", 3, 2, 1), new Command.Progress("b", 9, 9, 9)), 7),
      new Command.SlotDrop("a", 8),
      new Command.SlotInvalidate("b", InvalidationCause.IDLE_TIMEOUT, 9),
      new Command.ArchiveProgress(77, new byte[32], 10));

  @Test
  void everyCommandRoundTrips() throws MalformedCommandException {
    for (Command c : ALL) {
      assertEquals(c, CommandCodec.decode(CommandCodec.encode(c)));
    }
  }

  @Test
  void stampingReplacesOnlyTheTimestamp() throws MalformedCommandException {
    Command c = new Command.SlotDrop("a", 0);
    assertEquals(new Command.SlotDrop("a", 99), CommandCodec.decode(CommandCodec.encode(c.stamped(99))));
  }

  @Test
  void anyFlippedBitOrTruncationIsRefused() {
    for (Command c : ALL) {
      byte[] bytes = CommandCodec.encode(c);
      for (int i = 0; i < bytes.length; i++) {
        byte[] bad = bytes.clone();
        bad[i] ^= 0x01;
        assertThrows(MalformedCommandException.class, () -> CommandCodec.decode(bad), c + " byte " + i);
      }
      for (int len = 0; len < bytes.length; len++) {
        byte[] cut = Arrays.copyOf(bytes, len);
        assertThrows(MalformedCommandException.class, () -> CommandCodec.decode(cut), c + " cut at " + len);
      }
    }
  }

  @Test
  void refusalsNameTheProblem() {
    byte[] v2 = CommandCodec.encode(ALL.get(0));
    v2[0] = 2;
    MalformedCommandException e = assertThrows(MalformedCommandException.class, () -> CommandCodec.decode(v2));
    assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    e = assertThrows(MalformedCommandException.class,
        () -> CommandCodec.decode(CommandCodec.encode(new Command.Append(List.of(), 0))));
    assertTrue(e.getMessage().contains("no records"), e.getMessage());
    e = assertThrows(MalformedCommandException.class,
        () -> CommandCodec.decode(CommandCodec.encode(new Command.SlotDrop("", 0))));
    assertTrue(e.getMessage().contains("slot id"), e.getMessage());
  }

  @Test
  void repliesQueriesAndRecordsRoundTrip() throws MalformedCommandException {
    for (Reply r : List.of(new Reply.Appended(1, 5, 3, 99), new Reply.Done("ok"), new Reply.Rejected("no"))) {
      assertEquals(r, ReplyCodec.decode(ReplyCodec.encode(r)));
    }
    for (Query q : List.of(new Query.ReadSince(5, 10), new Query.ListSlots(), new Query.Status())) {
      assertEquals(q, QueryCodec.decode(QueryCodec.encode(q)));
    }
    List<SpoolRecord> records = List.of(new SpoolRecord(1, 2, 3, 4, "p".getBytes()), new SpoolRecord(1, 3, 3, 4, new byte[0]));
    assertEquals(records, QueryCodec.decodeRecords(QueryCodec.encodeRecords(records)));
    StateSummary s = new StateSummary(10, 2, 40, 1, 5, 0, 30, true, 4096, 2, 1);
    assertEquals(s, QueryCodec.decodeSummary(QueryCodec.encodeSummary(s)));
    assertThrows(MalformedCommandException.class, () -> QueryCodec.decode(QueryCodec.encode(new Query.ReadSince(1, 0))));
  }
}
