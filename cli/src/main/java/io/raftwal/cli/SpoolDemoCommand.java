package io.raftwal.cli;

import io.raftwal.slot.ResumePlan;
import io.raftwal.slot.SlotCatalog;
import io.raftwal.slot.SlotCatalogCodec;
import io.raftwal.spool.SegmentInfo;
import io.raftwal.spool.Spool;
import io.raftwal.spool.SpoolOptions;
import io.raftwal.spool.SpoolRecord;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A local tour of the spool and the slot catalog: no cluster needed. */
@Command(name = "spool-demo", mixinStandardHelpOptions = true,
    description = "Tour the local WAL spool and slot catalog: append, read, slots, prune, torn-tail repair.")
final class SpoolDemoCommand implements Callable<Integer> {
  @Option(names = "--dir", description = "Directory for the demo's files (default: a new temp directory).")
  Path dir;

  @Option(names = "--records", defaultValue = "20000", description = "Records to append (default: ${DEFAULT-VALUE}).")
  int records;

  @Override
  public Integer call() throws Exception {
    if (records < 10) {
      throw new IllegalArgumentException("--records must be at least 10, got " + records);
    }
    PrintStream out = System.out;
    Path root = dir != null ? dir : Files.createTempDirectory("raftwal-demo");
    Path spoolDir = root.resolve("spool");
    Path slotFile = root.resolve("slots.bin");
    SpoolOptions opts = SpoolOptions.defaults().withSegmentBytes(256 << 10);
    long now = System.currentTimeMillis();
    SlotCatalog slots = new SlotCatalog(SlotCatalogCodec.read(slotFile));
    try (Spool spool = Spool.open(spoolDir, opts)) {
      long base = spool.currentLsn();
      List<SpoolRecord> batch = new ArrayList<>();
      for (long lsn = base + 1; lsn <= base + records; lsn++) {
        batch.add(new SpoolRecord(1, lsn, lsn, now, ("change #" + lsn).getBytes(StandardCharsets.UTF_8)));
        if (batch.size() == 500) {
          spool.append(batch);
          batch.clear();
        }
      }
      spool.append(batch);
      spool.sync();
      out.printf("appended %d records: LSN %d..%d in %d segments under %s%n", records, spool.oldestLsn(),
          spool.currentLsn(), spool.segments().size(), spoolDir);

      long mid = base + records / 2;
      out.printf("resume after LSN %d seeks to %s and reads:%n", mid, spool.seekPositionFor(mid));
      for (SpoolRecord r : spool.readSince(mid, 3)) {
        out.printf("  lsn=%d term=%d %s%n", r.lsn(), r.term(), new String(r.payload(), StandardCharsets.UTF_8));
      }

      slots.create("analytics", base, now);
      slots.create("search-index", base, now);
      slots.advance("analytics", mid, mid, mid, now + 1);
      slots.advance("search-index", base + records / 4, base + records / 4, base + records / 4, now + 1);
      SlotCatalogCodec.write(slotFile, slots.list());
      long floor = slots.retentionFloor().orElse(spool.currentLsn());
      int pruned = spool.pruneThrough(floor);
      out.printf("slots hold WAL above LSN %d: pruned %d whole segments; oldest retained LSN is %d%n",
          floor, pruned, spool.oldestLsn());
      for (String id : List.of("analytics", "search-index")) {
        ResumePlan plan = slots.planResume(id, 0, spool.oldestLsn());
        out.printf("  slot %-12s -> %s%n", id, plan);
      }
    }

    // Simulate a crash half-way through a write: a partial frame at the end of the newest segment.
    Path newest;
    try (Spool spool = Spool.open(spoolDir, opts)) {
      List<SegmentInfo> segs = spool.segments();
      newest = segs.get(segs.size() - 1).path();
    }
    try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 0, 0, 0, 99, 42, 42}));
    }
    try (Spool spool = Spool.open(spoolDir, opts)) {
      out.printf("after a simulated torn write the spool reopened at LSN %d (the partial frame was cut)%n",
          spool.currentLsn());
    }
    out.println("slot catalog: " + new SlotCatalog(SlotCatalogCodec.read(slotFile)).list().size()
        + " slots reloaded from " + slotFile);
    out.println("demo done");
    return 0;
  }
}
