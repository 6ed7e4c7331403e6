package io.raftwal.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.memory.MemoryRaftLog;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** Which index a switchover holds its target to, read from Ratis's own log (in memory here). */
class LastCommandAtOrBeforeTest {
  private static MemoryRaftLog log() throws java.io.IOException {
    MemoryRaftLog log = new MemoryRaftLog(RaftGroupMemberId.valueOf(RaftPeerId.valueOf("n1"), RaftGroupId.randomId()),
        () -> -1L, new RaftProperties());
    log.open(RaftLog.INVALID_LOG_INDEX, null);
    return log;
  }

  private static void appendCommand(MemoryRaftLog log, long index) throws Exception {
    log.appendEntry(LogEntryProto.newBuilder().setTerm(1).setIndex(index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFromUtf8("x")))
        .build()).get();
  }

  @Test
  void theMetadataEntriesRatisAppendsAfterACommitAreSkipped() throws Exception {
    MemoryRaftLog log = log();
    for (long i = 0; i < 3; i++) {
      appendCommand(log, i);
    }
    log.appendMetadata(1, 1); // index 3
    log.appendMetadata(1, 2); // index 4
    assertEquals(4, log.getLastEntryTermIndex().getIndex());

    assertEquals(2, RatisSwitchoverTransport.lastCommandAtOrBefore(log, 4));
    assertEquals(2, RatisSwitchoverTransport.lastCommandAtOrBefore(log, 2));
    assertEquals(1, RatisSwitchoverTransport.lastCommandAtOrBefore(log, 1));
  }

  @Test
  void aLongRunOfMetadataFallsBackToTheIndexItself() throws Exception {
    MemoryRaftLog log = log();
    appendCommand(log, 0);
    for (long c = 1; c <= 12; c++) {
      log.appendMetadata(1, c);
    }
    long last = log.getLastEntryTermIndex().getIndex();
    assertEquals(last, RatisSwitchoverTransport.lastCommandAtOrBefore(log, last),
        "past a few entries the walk stops and holds the target to every entry");
  }
}
