#!/usr/bin/env bash
# Runs the headline benchmarks on this machine in a few minutes, so that the figures of
# docs/benchmarks.md can be checked where you are (short JMH runs: -f 1, 1 warm-up, 3 measured
# iterations of 1 s; expect wide error bars, compare orders of magnitude and ratios):
#
#   inbox     receive 4,000 unread messages; the same with 100,000 read ones in the inbox
#   tasks     create 1,000 tasks in-process (durability none); complete one of 10,000
#   asha      one report + shouldPrune step in a study of 100 and 1,200 trials
#   tpe       TPE ask+tell at trial 100 on hartmann6 (floats) and mixed (int, stepped float, ...)
#   transport one-way latency percentiles and round trip of the shared-memory, ZeroMQ and file
#             transports (two processes); envelope encode/decode cost, JSON against binary
#
# Usage: scripts/bench.sh [GROUP...]     (default: every group; e.g. scripts/bench.sh asha tpe)
# scripts/curves.sh draws the same kinds of figures as functions of size (SVG plots).
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
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown group '$g'; use inbox, tasks, asha, tpe or transport" >&2; exit 2 ;;
  esac
done
if [ ! -f "$jar" ]; then
  echo "Building $jar ..." >&2
  (cd "$root" && ./mvnw -B -q -pl nemospawn-benchmarks -am package -DskipTests)
fi

# shellcheck source=scripts/machine.sh
. "$root/scripts/machine.sh"

jmh() {
  java -jar "$jar" "$@" -f 1 -wi 1 -i 3 -w 1s -r 1s 2>&1 \
    | awk '/# one-way/ {sub(/.*# one-way/, "one-way"); print; next}
           /^Benchmark/ {on = 1} on && NF {print} /^# Run complete/ {on = 0}' \
    | grep -v '^# Run complete' || true
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
      echo "== tasks (ms; NemoSpawn 1.0 creates 1,000 in about 0.56-0.85 s)"
      jmh 'TaskGraphBenchmark.(createThousandTasks|completeOneInTenThousand)' -p durability=NONE ;;
    asha)
      echo "== asha (us per report + shouldPrune; Optuna 3.1: 216 us at 1,200 trials)"
      jmh 'PrunerBenchmark' -p trials=100,1200 ;;
    tpe)
      echo "== tpe (us per ask+tell at trial 100)"
      jmh 'HpoBenchmark' -p sampler=tpe -p trials=100 ;;
    transport)
      echo "== transport (us; goals: shm one-way p50 <= 1 us and p99 <= 10 us, zmq round trip p50 <= 100 us)"
      jmh 'TransportBenchmark.roundTrip' -p kind=shm,zmq,file
      echo "== envelope (ns per message; what the fast transports pay to encode and decode)"
      jmh 'EnvelopeBenchmark' ;;
  esac
done
echo
machine
