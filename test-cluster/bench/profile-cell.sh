#!/usr/bin/env bash
# CPU (or allocation) profile of the three servers during exactly one measured cell.
# usage: bash test-cluster/bench/profile-cell.sh raftwal|noop [load args]
#   e.g. bash test-cluster/bench/profile-cell.sh raftwal batch=off sizes=1024 conc=16 prewarm=150
#   env: EVENT="event=alloc" for allocations (default: itimer CPU samples, which need no perf_events)
# Writes collapsed stacks to /tmp/profile-<system>-n1..n3.txt (one line per stack, count last).
# async-profiler comes from Maven Central (tools.profiler:async-profiler), not from the build.
set -u
cd "$(dirname "$0")/../.."
JAR=${JAR:-test-cluster/target/benchmarks.jar}
[ -f "$JAR" ] || mvn -B -q -Pbench -pl test-cluster -am package -DskipTests
AP_VERSION=3.0
AP_DIR=/tmp/async-profiler-$AP_VERSION
if [ ! -f "$AP_DIR/linux-x64/libasyncProfiler.so" ]; then
  mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:$AP_VERSION
  mkdir -p "$AP_DIR" && (cd "$AP_DIR" && unzip -q -o ~/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar)
fi
AP=$AP_DIR/linux-x64/libasyncProfiler.so
sys=$1; shift
DIR=/tmp/raftwal-profile; rm -rf $DIR; pids=""
JVM="-Xms512m -Xmx1g -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
for id in n1 n2 n3; do
  java $JVM -cp "$JAR" io.raftwal.bench.ClusterBench server id=$id system=$sys dir=$DIR > $DIR-$id.log 2>&1 &
  pids="$pids $!"
done
pidlist=$(echo $pids | tr ' ' ',')
java $JVM -cp "$JAR" io.raftwal.bench.ClusterBench load system=$sys serverPids=$pidlist warmup=3 measure=12 "$@" > $DIR-client.out 2>&1 &
cpid=$!
until grep -q PREWARM $DIR-client.out; do sleep 0.2; done
sleep 3.5   # into the first cell's measured window (3 s warm-up)
# jcmd parses key=value itself: the agent's options go in as one quoted string
for p in $pids; do jcmd $p JVMTI.agent_load $AP "\"start,${EVENT:-event=itimer,interval=1ms}\"" >/dev/null; done
sleep 11
n=0; for p in $pids; do n=$((n+1)); jcmd $p JVMTI.agent_load $AP "\"stop,collapsed,file=/tmp/profile-$sys-n$n.txt\"" >/dev/null; done
wait $cpid
grep RESULT $DIR-client.out
for p in $pids; do kill $p; done; wait
ls -1 /tmp/profile-$sys-n*.txt
