#!/usr/bin/env bash
# Cluster benchmark, all systems in one run on this machine:
#   the no-op Ratis floor (raftwal's own Ratis settings), raftwal unbatched, raftwal batched,
#   and a 3-member etcd through ../shared/floors (needs: apt-get install -y etcd-server etcd-client).
# usage: bash test-cluster/bench/cluster-bench.sh [warmup=3] [measure=12]   (env PREWARM=150: seconds of load first)
#        (env: SERVER_ARGS=raft.x=y for every server, EXTRA_n1..EXTRA_n3 JVM flags for one, GC=, JAR=, TAG=)
#        bash test-cluster/bench/cluster-bench.sh heap       (node heaps after 1 million appends)
#        bash test-cluster/bench/cluster-bench.sh handover   (write gap of switchover vs Ratis transfer vs etcd;
#                                                              env WARM_HANDOVERS=3: handovers run before the 20 measured)
#        bash test-cluster/bench/cluster-bench.sh handover-ab BEFORE.jar AFTER.jar [conc=16] [reps=3] [ClusterBench args]
#                                                             (alternating switchover rows of two builds, and how long after
#                                                              each new leader was ready the first write was acknowledged)
#        bash test-cluster/bench/cluster-bench.sh cds        (each member's first leadership, servers with a class-data
#                                                              archive from a training run vs without; env PAIRS=4)
#        bash test-cluster/bench/cluster-bench.sh handover-floor (handovers of the no-op Ratis floor beside raftwal's transfer
#                                                              and switchover; env CONCS="1 16" ROUNDS=12)
#        bash test-cluster/bench/cluster-bench.sh warmup     (each member's first leadership, servers warming their leader path
#                                                              at start vs not; env PAIRS=4)
#        bash test-cluster/bench/cluster-bench.sh tune       (interleaved: floor vs raftwal, append-entries compose on/off)
#        bash test-cluster/bench/cluster-bench.sh versions   (interleaved: Ratis 3.2.2 vs 3.2.0, G1 vs Parallel GC)
#        bash test-cluster/bench/cluster-bench.sh floor      (alternating: no-op floor vs raftwal unbatched; env SIZE=1024 CONC=16 PAIRS=3)
#        bash test-cluster/bench/cluster-bench.sh unbatched  (every cell: no-op floor, then raftwal unbatched)
#        bash test-cluster/bench/cluster-bench.sh prealloc   (interleaved: Ratis log preallocation 4 MiB vs 64 KiB vs 1 MiB)
#        bash test-cluster/bench/cluster-bench.sh spoolsync  (interleaved: floor vs raftwal with the spool forced every 1 s, 100 ms, never)
#        bash test-cluster/bench/cluster-bench.sh jit        (interleaved: floor vs raftwal, tiered JIT vs C1 only in the servers)
set -u
cd "$(dirname "$0")/../.."
JAR=${JAR:-test-cluster/target/benchmarks.jar}
[ -f "$JAR" ] || mvn -B -q -Pbench -pl test-cluster -am package -DskipTests
# Pre-warm: with three server JVMs and a client on 2 cores, the JIT compilers still took 27-53%
# of the servers' CPU 43 s into the load, and about 150 s passed before they fell quiet.
PW=${PREWARM:-150}
ARGS="sizes=128,1024 conc=1,16,128 prewarm=$PW warmup=3 measure=12 $*"
GC=${GC:--XX:+UseG1GC}
JVM="-Xms512m -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
DIR=${BENCH_DIR:-/tmp/raftwal-bench}

run_cluster() { # system, then load args
  local system=$1; shift
  rm -rf "$DIR"; local pids=""
  for id in n1 n2 n3; do
    local extra="EXTRA_$id" # per-node JVM flags, e.g. EXTRA_n2="-Xlog:class+load:file=/tmp/cl-n2.log:uptime"
    java $JVM $GC ${!extra:-} -cp "$JAR" io.raftwal.bench.ClusterBench server id=$id system=$system dir="$DIR" ${SERVER_ARGS:-} > "$DIR-$id.log" 2>&1 &
    pids="$pids $!"
  done
  local tag="${TAG:-}${SERVER_ARGS:+ $SERVER_ARGS}"
  local pidlist; pidlist=$(echo $pids | tr ' ' ',')
  timeout 1200 java $JVM -XX:+UseG1GC -cp "$JAR" io.raftwal.bench.ClusterBench "$@" system=$system serverPids=$pidlist 2>"$DIR-client.err" \
    | grep --line-buffered -E "RESULT|PREWARM|FILLED|HANDOVER" | sed "s/^/${tag:+[$tag] }/"
  if [ "${HEAP:-}" = "1" ]; then
    for p in $pids; do jcmd "$p" GC.run >/dev/null; echo "HEAP $system pid=$p $(jcmd "$p" GC.heap_info | grep -E 'garbage-first heap' | head -1)"; done
  fi
  for p in $pids; do kill "$p" 2>/dev/null; done
  for p in $pids; do wait "$p" 2>/dev/null; done
}

echo "MACHINE $(nproc) cpu, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -1)"
if [ "${1:-}" = "handover" ]; then   # write gap of 20 handovers per row, same load, same machine
  for conc in 16 128; do
    run_cluster raftwal handover method=switchover conc=$conc size=128 rounds=20 coldHandovers=${WARM_HANDOVERS:-3} every=3 warmup=$PW
    run_cluster raftwal handover method=transfer conc=$conc size=128 rounds=20 coldHandovers=${WARM_HANDOVERS:-3} every=3 warmup=$PW
    if command -v etcd >/dev/null; then
      (cd ../shared/floors && bash run-etcd.sh 5 transfer conc=$conc size=128 warmup=10 measure=15 at=17)
    fi
  done
  exit 0
fi
if [ "${1:-}" = "handover-ab" ]; then   # alternating: two builds' switchover rows, with each new leader's readiness
  before=$2; after=$3; conc=${4:-16}; reps=${5:-3}; shift $(( $# < 5 ? $# : 5 ))
  # Ratis logs "Leader ... is ready since appliedIndex == startIndex" once the new term's first entry is applied.
  JVM="$JVM -Dorg.slf4j.simpleLogger.log.org.apache.ratis.server.RaftServer\$Division=info"
  JVM="$JVM -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS"
  for r in $(seq 1 "$reps"); do
    for build in before after; do
      JAR=${!build}
      run_cluster raftwal handover method=switchover conc=$conc rounds=12 coldHandovers=3 warmup=60 every=3 "$@" \
        > "$DIR-$build.out"
      grep -h "is ready since" "$DIR"-n?.log | awk '{print $1}' | sort > "$DIR-ready.txt"
      # one line per measured handover: ms from the new leader's readiness to the first ack after the gap
      awk '
        function t(s,  a) { split(s, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
        FNR == NR { ready[n++] = t($1); next }
        /^HANDOVER/ && $3 ~ /^#/ {
          for (i = 4; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
          call = t(v["call_at"]); first = t(v["gap_after"]) + v["gap_ms"] / 1000
          for (k = 0; k < n && ready[k] <= call; k++) {}
          if (k < n) printf "%.1f\n", (first - ready[k]) * 1000
        }' "$DIR-ready.txt" "$DIR-$build.out" | sort -n > "$DIR-delta.txt"
      m=$(wc -l < "$DIR-delta.txt")
      echo "$build-c$conc-r$r: $(grep -o 'gap_median_ms=[0-9.]* gap_max_ms=[0-9.]*' "$DIR-$build.out")" \
        "ready_to_first_ack_median_ms=$(sed -n "$(( m / 2 + 1 ))p" "$DIR-delta.txt") ($m handovers)"
    done
  done
  exit 0
fi
if [ "${1:-}" = "cds" ]; then   # each member's first leadership, servers with and without a class-data archive (alternating)
  # Training: every member leads in turn, and each server writes the classes it loaded to an archive when it exits.
  for id in n1 n2 n3; do export EXTRA_$id="-XX:ArchiveClassesAtExit=$DIR-$id.jsa"; done
  rm -f "$DIR"-n?.jsa
  TAG="training" run_cluster raftwal handover method=switchover conc=16 size=128 rounds=4 every=3 warmup=20 > /dev/null
  for r in $(seq 1 "${PAIRS:-4}"); do
    for id in n1 n2 n3; do export EXTRA_$id="-XX:SharedArchiveFile=$DIR-$id.jsa"; done
    TAG="archive $r" run_cluster raftwal handover method=switchover conc=16 size=128 rounds=2 coldHandovers=3 every=3 warmup=30 | grep RESULT
    for id in n1 n2 n3; do export EXTRA_$id=""; done
    TAG="no archive $r" run_cluster raftwal handover method=switchover conc=16 size=128 rounds=2 coldHandovers=3 every=3 warmup=30 | grep RESULT
  done
  exit 0
fi
if [ "${1:-}" = "handover-floor" ]; then   # the same handover rows with Ratis's no-op state machine beside raftwal's
  for conc in ${CONCS:-1 16}; do
    run_cluster noop handover method=transfer conc=$conc size=128 rounds=${ROUNDS:-12} coldHandovers=${WARM_HANDOVERS:-3} every=3 warmup=$PW
    run_cluster raftwal handover method=transfer conc=$conc size=128 rounds=${ROUNDS:-12} coldHandovers=${WARM_HANDOVERS:-3} every=3 warmup=$PW
    run_cluster raftwal handover method=switchover conc=$conc size=128 rounds=${ROUNDS:-12} coldHandovers=${WARM_HANDOVERS:-3} every=3 warmup=$PW
  done
  exit 0
fi
if [ "${1:-}" = "warmup" ]; then   # each member's first leadership, servers with the start-up warm-up vs without (alternating)
  for r in $(seq 1 "${PAIRS:-4}"); do
    TAG="warm-up $r" run_cluster raftwal handover method=switchover conc=16 size=128 rounds=2 coldHandovers=3 every=3 warmup=30 | grep RESULT
    SERVER_ARGS="leaderWarmup=off" TAG="no warm-up $r" run_cluster raftwal handover method=switchover conc=16 size=128 rounds=2 coldHandovers=3 every=3 warmup=30 | grep RESULT
  done
  exit 0
fi
if [ "${1:-}" = "tune" ]; then   # interleaved A/B: floor vs raftwal, and Ratis's append-entries compose on/off
  T="prewarm=$PW warmup=3 measure=12"
  for rep in 1 2; do
    run_cluster noop load sizes=1024 conc=16 $T
    run_cluster raftwal load batch=off sizes=1024,128 conc=16,128 $T
    SERVER_ARGS="raft.server.log.append-entries.compose.enabled=true" run_cluster raftwal load batch=off sizes=1024,128 conc=16,128 $T
  done
  exit 0
fi
if [ "${1:-}" = "versions" ]; then   # interleaved: Ratis 3.2.2 vs 3.2.0, and G1 vs Parallel GC in the servers
  mvn -B -q -Pbench -pl test-cluster -am package -DskipTests -Dratis.version=3.2.0 && cp "$JAR" /tmp/raftwal-bench-ratis-3.2.0.jar
  mvn -B -q -Pbench -pl test-cluster -am package -DskipTests
  T="prewarm=$PW warmup=3 measure=12"
  for rep in 1 2; do
    TAG="3.2.2 G1" run_cluster noop load sizes=1024 conc=16 $T
    TAG="3.2.2 G1" run_cluster raftwal load batch=off sizes=1024,128 conc=16,128 $T
    TAG="3.2.0 G1" JAR=/tmp/raftwal-bench-ratis-3.2.0.jar run_cluster raftwal load batch=off sizes=1024,128 conc=16,128 $T
    TAG="3.2.2 ParallelGC" GC=-XX:+UseParallelGC run_cluster raftwal load batch=off sizes=1024,128 conc=16,128 $T
  done
  exit 0
fi
if [ "${1:-}" = "floor" ]; then   # the unbatched 1 KiB / 16 cell against the no-op floor, alternating, 4 pairs
  T="prewarm=$PW warmup=3 measure=12"
  for rep in $(seq 1 ${PAIRS:-3}); do
    TAG="pair $rep" run_cluster noop load sizes=${SIZE:-1024} conc=${CONC:-16} $T
    TAG="pair $rep" run_cluster raftwal load batch=off sizes=${SIZE:-1024} conc=${CONC:-16} $T
  done
  exit 0
fi
if [ "${1:-}" = "unbatched" ]; then   # every cell of the floor and of raftwal unbatched, no batched row, no etcd
  run_cluster noop load sizes=128,1024 conc=1,16,128 prewarm=$PW warmup=3 measure=12
  run_cluster raftwal load batch=off sizes=128,1024 conc=1,16,128 prewarm=$PW warmup=3 measure=12
  exit 0
fi
if [ "${1:-}" = "prealloc" ]; then   # raft.server.log.preallocated.size, for every system alike
  T="prewarm=$PW warmup=3 measure=10"
  for rep in 1 2; do
    for P in 4MB 64KB 1MB; do
      export SERVER_ARGS="raft.server.log.preallocated.size=$P"
      TAG="rep$rep" run_cluster noop load sizes=1024 conc=16 $T
      TAG="rep$rep" run_cluster raftwal load batch=off sizes=1024 conc=16 $T
      TAG="rep$rep" run_cluster raftwal load batch=on sizes=128 conc=128 $T
    done
  done
  exit 0
fi
if [ "${1:-}" = "spoolsync" ]; then   # unbatched vs the floor with the spool forced every 1 s (default), 100 ms, never
  T="prewarm=$PW warmup=3 measure=12"
  for rep in 1 2; do
    TAG="rep$rep" run_cluster noop load sizes=1024 conc=16 $T
    for S in 1000 100 0; do
      SERVER_ARGS="spoolSyncMs=$S" TAG="rep$rep" run_cluster raftwal load batch=off sizes=1024 conc=16 $T
    done
  done
  exit 0
fi
if [ "${1:-}" = "jit" ]; then   # interleaved: floor vs raftwal unbatched, JIT as shipped vs C1 only, in every server
  T="prewarm=$PW warmup=3 measure=12"
  for rep in 1 2; do
    for J in "" "-XX:TieredStopAtLevel=1"; do
      TAG="rep$rep ${J:-tiered}" GC="-XX:+UseG1GC $J" run_cluster noop load sizes=1024 conc=16 $T
      TAG="rep$rep ${J:-tiered}" GC="-XX:+UseG1GC $J" run_cluster raftwal load batch=off sizes=1024 conc=16 $T
    done
  done
  exit 0
fi
if [ "${1:-}" = "heap" ]; then   # heap of each node after 1 million appends (batched, 128 B)
  HEAP=1 run_cluster raftwal fill records=1000000 size=128
  exit 0
fi
run_cluster noop load $ARGS
run_cluster raftwal load batch=off $ARGS
run_cluster raftwal load batch=on $ARGS
if command -v etcd >/dev/null; then
  (cd ../shared/floors && bash run-etcd.sh 1 load $(echo "$ARGS" | sed 's/prewarm=[0-9]*/prewarm=10/'))
else
  echo "SKIP etcd: install it with apt-get install -y etcd-server etcd-client"
fi
rm -rf "$DIR"
