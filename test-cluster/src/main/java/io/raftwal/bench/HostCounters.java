package io.raftwal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Linux counters read around a measured window, so a throughput figure on this shared, noisy
 * machine comes with what it cost: CPU seconds the server processes spent per acknowledged
 * record (far steadier than records per second when the host's speed drifts), how busy the host
 * was (and how much of it the hypervisor stole), and what the disk did (bytes written, cache
 * flushes, which is what every fsync costs a virtio disk). Absent counters read as zero.
 */
final class HostCounters {
  private static final double TICK_S = 0.01; // USER_HZ is 100 on every Linux the bench runs on

  private final long[] pids;
  private final String device;

  HostCounters(long[] pids, String device) {
    this.pids = pids;
    this.device = device;
  }

  record Sample(long nanos, long procTicks, long hostBusyTicks, long hostTotalTicks, long stealTicks,
      long iowaitTicks, long sectorsWritten, long flushes) {}

  Sample sample() {
    long proc = 0;
    for (long pid : pids) {
      // utime and stime are fields 14 and 15; the command name (field 2) may hold spaces.
      String stat = read(Path.of("/proc/" + pid + "/stat"));
      int close = stat.lastIndexOf(')');
      if (close > 0) {
        String[] f = stat.substring(close + 2).split(" ");
        proc += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      }
    }
    long busy = 0;
    long total = 0;
    long steal = 0;
    long iowait = 0;
    String cpu = read(Path.of("/proc/stat")).lines().findFirst().orElse("cpu");
    String[] c = cpu.trim().split("\\s+");
    for (int i = 1; i < c.length && i <= 8; i++) {
      long v = Long.parseLong(c[i]);
      total += v;
      if (i != 4 && i != 5 && i != 8) { // idle, iowait and steal are not this guest's work
        busy += v;
      }
      if (i == 5) {
        iowait = v;
      }
      if (i == 8) {
        steal = v;
      }
    }
    long sectors = 0;
    long flushes = 0;
    for (String line : read(Path.of("/proc/diskstats")).lines().toList()) {
      String[] d = line.trim().split("\\s+");
      if (d.length > 10 && d[2].equals(device)) {
        sectors = Long.parseLong(d[9]);
        flushes = d.length > 18 ? Long.parseLong(d[18]) : 0; // field 16: flush requests
      }
    }
    return new Sample(System.nanoTime(), proc, busy, total, steal, iowait, sectors, flushes);
  }

  /** One line of key=value figures for the window between two samples. */
  static String describe(Sample a, Sample b, long acked) {
    double secs = (b.nanos - a.nanos) / 1e9;
    double procCpuS = (b.procTicks - a.procTicks) * TICK_S;
    double total = Math.max(1, b.hostTotalTicks - a.hostTotalTicks);
    return String.format("srv_cpu_s=%.2f srv_cpu_us_per_op=%.0f host_busy=%.0f%% steal=%.0f%% iowait=%.0f%%"
            + " disk_MBps=%.1f disk_KiB_per_op=%.2f flushes_per_s=%.0f",
        procCpuS, acked == 0 ? 0 : procCpuS * 1e6 / acked,
        100 * (b.hostBusyTicks - a.hostBusyTicks) / total, 100 * (b.stealTicks - a.stealTicks) / total,
        100 * (b.iowaitTicks - a.iowaitTicks) / total,
        (b.sectorsWritten - a.sectorsWritten) * 512 / 1e6 / secs,
        acked == 0 ? 0 : (b.sectorsWritten - a.sectorsWritten) * 512 / 1024.0 / acked,
        (b.flushes - a.flushes) / secs);
  }

  static long[] parsePids(String csv) {
    return csv == null || csv.isBlank() ? new long[0]
        : List.of(csv.trim().split("[,\\s]+")).stream().mapToLong(Long::parseLong).toArray();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "";
    }
  }
}
