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
  void restampingReplacesOnlyTheTimestampAndStillPassesTheChecksum() throws MalformedCommandException {
    for (Command c : ALL) {
      byte[] bytes = CommandCodec.encode(c);
      CommandCodec.restamp(bytes, 99);
      Command back = CommandCodec.decode(bytes);
      assertEquals(99, back.timestampMs());
      if (c instanceof Command.Append a) {
        Command.Append b = (Command.Append) back;
        assertEquals(a.payloads().size(), b.payloads().size());
        for (int i = 0; i < a.payloads().size(); i++) {
          assertTrue(Arrays.equals(a.payloads().get(i), b.payloads().get(i)), "record " + i);
        }
      } else {
        assertEquals(CommandCodec.encode(c).length, bytes.length);
        assertEquals(c.getClass(), back.getClass());
      }
    }
  }

  @Test
  void inspectionFindsTheLargestRecordWithoutDecoding() throws MalformedCommandException {
    byte[] bytes = CommandCodec.encode(new Command.Append(List.of(new byte[3], new byte[700], new byte[20]), 1));
    assertEquals(new CommandCodec.Shape(true, 1, 700), CommandCodec.inspect(bytes));
    assertEquals(false, CommandCodec.inspect(CommandCodec.encode(new Command.SlotDrop("a", 1))).append());
  }

  @Test
  void inspectionRefusesWhatDecodingRefuses() {
    for (Command c : ALL) {
      byte[] bytes = CommandCodec.encode(c);
      for (int cut = 0; cut < bytes.length; cut++) {
        byte[] torn = Arrays.copyOf(bytes, cut);
        assertThrows(MalformedCommandException.class, () -> CommandCodec.inspect(torn), c + " cut at " + cut);
      }
      bytes[bytes.length / 2] ^= 0x10;
      byte[] flipped = bytes;
      assertThrows(MalformedCommandException.class, () -> CommandCodec.inspect(flipped), c + " with a flipped bit");
    }
    // well sealed, badly formed: a record count the bytes cannot hold
    byte[] lying = CommandCodec.encode(new Command.Append(List.of(new byte[8]), 1));
    java.nio.ByteBuffer.wrap(lying).putInt(10, 1_000);
    Wire.reseal(lying);
    MalformedCommandException e = assertThrows(MalformedCommandException.class, () -> CommandCodec.inspect(lying));
    assertTrue(e.getMessage().contains("APPEND record count 1000"), e.getMessage());
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
    for (Query q : List.of(new Query.ReadSince(5, 10), new Query.ListSlots(), new Query.Status(),
        new Query.StatusAfter(42, 250))) {
      assertEquals(q, QueryCodec.decode(QueryCodec.encode(q)));
    }
    List<SpoolRecord> records = List.of(new SpoolRecord(1, 2, 3, 4, "p".getBytes()), new SpoolRecord(1, 3, 3, 4, new byte[0]));
    assertEquals(records, QueryCodec.decodeRecords(QueryCodec.encodeRecords(records)));
    StateSummary s = new StateSummary(10, 2, 40, 1, 5, 0, 30, true, 4096, 2, 1);
    assertEquals(s, QueryCodec.decodeSummary(QueryCodec.encodeSummary(s)));
    assertThrows(MalformedCommandException.class, () -> QueryCodec.decode(QueryCodec.encode(new Query.ReadSince(1, 0))));
  }

  @Test
  void aStatusQueryThatWouldWaitTooLongOrForANegativeIndexIsRefusedNamingTheField() {
    MalformedCommandException e = assertThrows(MalformedCommandException.class,
        () -> QueryCodec.decode(QueryCodec.encode(new Query.StatusAfter(1, Query.StatusAfter.MAX_WAIT_MS + 1))));
    assertTrue(e.getMessage().contains("maxWaitMs") && e.getMessage().contains("0 to 60000"), e.getMessage());
    e = assertThrows(MalformedCommandException.class,
        () -> QueryCodec.decode(QueryCodec.encode(new Query.StatusAfter(1, -1))));
    assertTrue(e.getMessage().contains("maxWaitMs"), e.getMessage());
    e = assertThrows(MalformedCommandException.class,
        () -> QueryCodec.decode(QueryCodec.encode(new Query.StatusAfter(-5, 10))));
    assertTrue(e.getMessage().contains("raftIndex -5"), e.getMessage());
  }
}
