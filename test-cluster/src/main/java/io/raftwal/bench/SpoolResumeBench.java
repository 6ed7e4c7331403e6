package io.raftwal.bench;

import io.raftwal.spool.Spool;
import io.raftwal.spool.SpoolOptions;
import io.raftwal.spool.SpoolRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A consumer resuming at an old LSN: {@code readSince} of 100 records from the middle of a spool
 * of 100k and 1M records, against reading 100 from its start. With the seek index both cost the
 * same whatever the spool's size.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
@State(Scope.Benchmark)
public class SpoolResumeBench {
  @Param({"100000", "1000000"})
  int spoolRecords;

  Path dir;
  Spool spool;
  long mid;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))), "resume-bench");
    byte[] payload = new byte[128];
    try (Spool s = Spool.open(dir, SpoolOptions.defaults())) {
      List<SpoolRecord> batch = new ArrayList<>();
      for (long lsn = 1; lsn <= spoolRecords; lsn++) {
        batch.add(new SpoolRecord(1, lsn, lsn, 1L, payload));
        if (batch.size() == 1000) {
          s.append(batch);
          batch.clear();
        }
      }
      s.append(batch);
    }
    spool = Spool.open(dir, SpoolOptions.defaults()); // reopened: the index is the rebuilt one
    mid = spoolRecords / 2 + 37;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    spool.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public List<SpoolRecord> readHundredFromMiddle() throws IOException {
    return spool.readSince(mid, 100);
  }

  @Benchmark
  public List<SpoolRecord> readHundredFromStart() throws IOException {
    return spool.readSince(0, 100);
  }
}
