#!/usr/bin/env bash
# Handover rows of two builds, alternating, with each new leader's readiness taken from its log:
# prints, per run, the gap median and max and how long after the new leader became ready
# (Ratis: "Leader ... is ready since appliedIndex == startIndex") the client's first write after
# the gap was acknowledged.
#
#   handover-ab.sh BEFORE.jar AFTER.jar [conc] [reps] [extra ClusterBench args...]
#
# Each jar is a benchmarks.jar (mvn -q -Pbench -pl test-cluster -am package -DskipTests).
set -euo pipefail
before=$1; after=$2; conc=${3:-16}; reps=${4:-3}; shift $(( $# < 4 ? $# : 4 ))
dir=${DIR:-/tmp/raftwal-hoab}
logopt='-Dorg.slf4j.simpleLogger.log.org.apache.ratis.server.RaftServer$Division=info'

run() { # jar tag
  local jar=$1 tag=$2 pids=""
  rm -rf "$dir"; mkdir -p "$dir"
  for id in n1 n2 n3; do
    java "$logopt" -Xms512m -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
      -cp "$jar" io.raftwal.bench.ClusterBench server id=$id system=raftwal dir="$dir" > "$dir/$id.log" 2>&1 &
    pids="$pids $!"
  done
  timeout 900 java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$jar" io.raftwal.bench.ClusterBench \
    handover system=raftwal method=switchover conc=$conc rounds=12 coldHandovers=3 warmup=60 every=3 "$@" \
    > "$dir/client.out" 2> "$dir/client.err" || true
  kill $pids 2>/dev/null || true; wait $pids 2>/dev/null || true
  cp "$dir/client.out" "/tmp/handover-ab-$tag.out"
  grep -h "is ready since" "$dir"/n?.log | awk '{print $1}' | sort > "$dir/ready.txt"
  # one line per measured handover: ms from the new leader's readiness to the first ack after the gap
  awk '
    function t(s,  a) { split(s, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
    FNR == NR { ready[n++] = t($1); next }
    /^HANDOVER/ && $3 ~ /^#/ {
      for (i = 4; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      call = t(v["call_at"]); first = t(v["gap_after"]) + v["gap_ms"] / 1000
      for (k = 0; k < n && ready[k] <= call; k++) {}
      if (k < n) printf "%.1f\n", (first - ready[k]) * 1000
    }' "$dir/ready.txt" "$dir/client.out" | sort -n > "$dir/delta.txt"
  local m median gaps
  m=$(wc -l < "$dir/delta.txt")
  median=$(sed -n "$(( m / 2 + 1 ))p" "$dir/delta.txt")
  gaps=$(grep '^RESULT' "$dir/client.out" | grep -o 'gap_median_ms=[0-9.]* gap_max_ms=[0-9.]*' || true)
  echo "$tag: $gaps ready_to_first_ack_median_ms=$median ($m handovers)"
}

for r in $(seq 1 "$reps"); do
  run "$before" "before-c$conc-r$r" "$@"
  run "$after" "after-c$conc-r$r" "$@"
done
