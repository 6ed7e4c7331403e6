package io.raftwal.bench;

import io.raftwal.spool.Spool;
import io.raftwal.spool.SpoolOptions;
import io.raftwal.spool.SpoolRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Random;
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
 * Spool appends against the disk's own floor, in one run: a raw {@code FileChannel.write} of the
 * same frame size followed by {@code force} per record, and the same write without force.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
@State(Scope.Thread)
public class SpoolAppendBench {
  @Param({"128", "1024"})
  int payloadBytes;

  Path dir;
  Spool groupCommit;
  Spool forceEach;
  FileChannel raw;
  long rawPos;
  ByteBuffer rawFrame;
  byte[] payload;
  long lsn;

  @Setup(Level.Iteration)
  public void setup() throws IOException {
    dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))), "spool-bench");
    payload = new byte[payloadBytes];
    new Random(42).nextBytes(payload);
    groupCommit = Spool.open(dir.resolve("group"), SpoolOptions.defaults());
    forceEach = Spool.open(dir.resolve("each"), SpoolOptions.defaults().withSync(0, 0));
    raw = FileChannel.open(dir.resolve("raw"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    rawFrame = ByteBuffer.allocate(payloadBytes + 44);
    rawPos = 0;
    lsn = 0;
  }

  @TearDown(Level.Iteration)
  public void tearDown() throws IOException {
    groupCommit.close();
    forceEach.close();
    raw.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** The spool's default: group commit every 1,024 records or 100 ms. */
  @Benchmark
  public void spoolGroupCommit() throws IOException {
    lsn++;
    groupCommit.append(new SpoolRecord(1, lsn, lsn, 1L, payload));
  }

  /** The spool forced after every record, as the seeds did. */
  @Benchmark
  public void spoolForceEachRecord() throws IOException {
    lsn++;
    forceEach.append(new SpoolRecord(1, lsn, lsn, 1L, payload));
    forceEach.sync();
  }

  /** Floor: a positional write of the same frame size and an fdatasync. */
  @Benchmark
  public void rawWriteAndForce() throws IOException {
    rawFrame.clear();
    rawPos += raw.write(rawFrame, rawPos);
    raw.force(false);
  }

  /** Floor: a positional write of the same frame size, no force. */
  @Benchmark
  public void rawWriteOnly() throws IOException {
    rawFrame.clear();
    rawPos += raw.write(rawFrame, rawPos);
  }
}
