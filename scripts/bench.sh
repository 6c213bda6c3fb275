#!/usr/bin/env bash
# Runs the headline benchmarks on this machine in a few minutes, so that the figures of
# docs/benchmarks.md can be checked where you are (short JMH runs: -f 1, 1 warm-up, 3 measured
# iterations of 1 s; expect wide error bars, compare orders of magnitude and ratios):
#
#   inbox     receive 4,000 unread messages; the same with 100,000 read ones in the inbox
#   tasks     create 1,000 tasks in-process, one create each and one createAll, durability none
#             and fsync, beside NemoSpawn 1.0's own create function (scripts/tasks10.py, needs
#             python3) in the same run, with the ratios; complete one task of 100,000
#   asha      one report + shouldPrune step in a study of 100 and 1,200 trials
#   tpe       TPE ask+tell at trial 100 on hartmann6 (floats) and mixed (int, stepped float, ...)
#   transport one-way and round-trip latency of the file, ZeroMQ and shared-memory transports
#
# Usage: scripts/bench.sh [GROUP...]     (default: every group; e.g. scripts/bench.sh asha tpe)
# Builds the benchmark jar first when it is missing (./mvnw package of nemospawn-benchmarks);
# NEMOSPAWN_BENCH_JAR picks another jar. Prints the machine and its load before and after, since
# a loaded machine inflates every wall time.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${NEMOSPAWN_BENCH_JAR:-$root/nemospawn-benchmarks/target/benchmarks.jar}"
groups=("$@")
if [ ${#groups[@]} -eq 0 ]; then
  groups=(inbox tasks asha tpe transport)
fi
for g in "${groups[@]}"; do
  case "$g" in
    inbox|tasks|asha|tpe|transport) ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown group '$g'; use inbox, tasks, asha, tpe or transport" >&2; exit 2 ;;
  esac
done
if [ ! -f "$jar" ]; then
  echo "Building $jar ..." >&2
  (cd "$root" && ./mvnw -B -q -pl nemospawn-benchmarks -am package -DskipTests)
fi

machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'),"\
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null),"\
    "$(java -version 2>&1 | head -1)"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
}

jmh() {
  java -jar "$jar" "$@" -f 1 -wi 1 -i 3 -w 1s -r 1s 2>&1 \
    | awk '/^Benchmark/ {on = 1} on && NF {print} /^# Run complete/ {on = 0}' \
    | grep -v '^# Run complete' || true
}

# NemoSpawn 1.0's create of 1,000 tasks, timed by scripts/tasks10.py (best of 5 rounds); the
# best of its runs before and after the JMH run is what the ratios use.
py10_best=""
tasks10() {
  local best
  if ! command -v python3 >/dev/null 2>&1; then
    echo "NemoSpawn 1.0 stand-in: skipped (no python3)"
    return
  fi
  best="$(python3 "$root/scripts/tasks10.py" 1000 5 | awk '/^best:/ {print $2}')"
  echo "NemoSpawn 1.0 create_task x 1,000 ($1 the JMH run, best of 5): $best s"
  if [ -z "$py10_best" ] || awk -v a="$best" -v b="$py10_best" 'BEGIN {exit !(a < b)}'; then
    py10_best="$best"
  fi
}

# Prints, for each create benchmark line of JMH's output, how many times faster than 1.0 it is.
ratios() {
  [ -n "$py10_best" ] || return 0
  echo "ratio to NemoSpawn 1.0 ($py10_best s per 1,000, no fsync):"
  echo "$1" | awk -v py="$py10_best" '
    /TaskGraphBenchmark\.create/ {
      for (i = 1; i <= NF; i++) if ($i == "ss") { score = $(i + 2); break }
      gsub(",", "", score)
      printf "  %-40s %-6s %9.1f ms  %5.1fx\n", $1, $2, score, py * 1000 / score
    }'
}

machine
for g in "${groups[@]}"; do
  echo
  case "$g" in
    inbox)
      echo "== inbox (ms per batch; NemoSpawn 1.0 takes about 22 s for 4,000; goal <= 200 ms)"
      jmh 'InboxBenchmark.receive$' -p messages=4000 -p durability=none
      jmh 'InboxBenchmark.receiveAfterHistory' ;;
    tasks)
      echo "== tasks (ms; goals: create 1,000 >= 10x faster than NemoSpawn 1.0 with fsync off,"
      echo "   >= 2x with fsync on, in the same run; complete one of 100,000 <= 5 ms)"
      tasks10 before
      out="$(jmh 'TaskGraphBenchmark.create(All)?Tasks$' -p tasks=1000)"
      echo "$out"
      tasks10 after
      ratios "$out"
      jmh 'TaskGraphBenchmark.completeOne$' -p tasks=100000 ;;
    asha)
      echo "== asha (us per report + shouldPrune; Optuna 3.1: 216 us at 1,200 trials)"
      jmh 'PrunerBenchmark' -p trials=100,1200 ;;
    tpe)
      echo "== tpe (us per ask+tell at trial 100)"
      jmh 'HpoBenchmark' -p sampler=tpe -p trials=100 ;;
    transport)
      echo "== transport (us)"
      jmh 'TransportBenchmark' ;;
  esac
done
echo
machine
