package io.raftwal.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwal.command.Command;
import io.raftwal.command.CommandCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LastCommandIndexTest {
  @TempDir Path tmp;

  @Test
  void lastCommandIndexIsTheLastAppendNotTheMetadataEntryRatisAddsAfterIt() throws Exception {
    try (LocalCluster c = LocalCluster.start(tmp, b -> b)) {
      RaftWal leader = c.awaitLeader();
      Message append = Message.valueOf(ByteString.copyFrom(CommandCodec.encode(new Command.Append(List.of(new byte[8]), 0))));
      RaftClientReply reply = leader.client().ratis().io().send(append);
      assertTrue(reply.isSuccess(), String.valueOf(reply.getException()));
      long appendIndex = reply.getLogIndex();

      // Ratis logs the new commit index in an entry of its own, which the leader then applies.
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> leader.stateMachine().getLastAppliedTermIndex().getIndex() > appendIndex);
      assertEquals(appendIndex, leader.stateMachine().lastCommandIndex(),
          "the catch-up check must not hold a target to Ratis's own trailing entries");
    }
  }
}
