#!/usr/bin/env bash
# Runs the headline benchmarks on this machine in a few minutes, so that the figures of
# docs/benchmarks.md can be checked where you are (short JMH runs: -f 1, 1 warm-up, 3 measured
# iterations of 1 s; expect wide error bars, compare orders of magnitude and ratios):
#
#   inbox     receive 4,000 unread messages; the same with 100,000 read ones in the inbox
#   tasks     create 1,000 tasks in-process (durability none); complete one of 10,000
#   asha      one report + shouldPrune step in a study of 100, 1,200 and 10,000 trials
#   tpe       TPE ask+tell at trials 100 and 1,000 on hartmann6 (floats) and mixed (int, stepped
#             float, ...), and Optuna 3.1's TPE on the same problems in the same run, with ratios
#   tpe-types the same per parameter type (float, log float, int, log int, categorical, stepped)
#   transport one-way latency percentiles and round trip of the shared-memory, ZeroMQ and file
#             transports (two processes); envelope encode/decode cost, JSON against binary
#
# Usage: scripts/bench.sh [GROUP...]     (default: every group but tpe-types; e.g. bench.sh asha tpe)
# The Optuna side needs /usr/bin/python3 with optuna 3.1 (scripts/install-deps.sh); without it the
# tpe groups print our figures only. scripts/curves.sh draws the same kinds of figures as
# functions of size (SVG plots).
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
    inbox|tasks|asha|tpe|tpe-types|transport) ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown group '$g'; use inbox, tasks, asha, tpe, tpe-types or transport" >&2
       exit 2 ;;
  esac
done
if [ ! -f "$jar" ]; then
  echo "Building $jar ..." >&2
  (cd "$root" && ./mvnw -B -q -pl nemospawn-benchmarks -am package -DskipTests)
fi

# shellcheck source=scripts/machine.sh
. "$root/scripts/machine.sh"

# TPE against Optuna in one run: JMH (ours, us per ask+tell) then optuna_quality.py asktell on the
# same problems and history sizes (Optuna's TPE fills its own history, seed 1), then the ratios.
tpe_vs_optuna() {
  local problems="$1" csv optuna
  csv="$(mktemp)"
  optuna="$(mktemp)"
  jmh 'HpoBenchmark' -p sampler=tpe -p "problemName=$problems" -p trials=100,1000 -rf csv -rff "$csv"
  if /usr/bin/python3 -c 'import optuna' 2>/dev/null; then
    echo "Optuna 3.1 (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
    for p in ${problems//,/ }; do
      /usr/bin/python3 "$root/nemospawn-benchmarks/src/main/resources/hpo/optuna_quality.py" \
        asktell "$p" 10 100 1000 | tee -a "$optuna"
    done
    /usr/bin/python3 - "$csv" "$optuna" <<'PY'
import csv, json, sys
ours = {}
for row in csv.DictReader(open(sys.argv[1])):
    ours[(row["Param: problemName"], int(row["Param: trials"]))] = float(row["Score"])
print("%-14s %7s %12s %14s %14s %8s" % ("problem", "trials", "ours us", "Optuna us", "Optuna CPU us", "ratio"))
for line in open(sys.argv[2]):
    o = json.loads(line)
    us = ours.get((o["problem"], o["trials"]))
    if us:
        print("%-14s %7d %12.0f %14.0f %14.0f %7.1fx" % (o["problem"], o["trials"], us, o["wall_us"],
                                                        o["cpu_us"], o["wall_us"] / us))
PY
  else
    echo "(no Optuna: /usr/bin/python3 -c 'import optuna' fails; see scripts/install-deps.sh)"
  fi
  rm -f "$csv" "$optuna"
}

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
      echo "== asha (us per report + shouldPrune; Optuna 3.1: 216 us at 1,200 trials; goal <= 10 us)"
      jmh 'PrunerBenchmark' -p pruner=asha,none -p trials=100,1200,10000 ;;
    tpe)
      echo "== tpe (us per ask+tell with a history of 100 and 1,000 trials; goal: >= 20x Optuna 3.1)"
      tpe_vs_optuna hartmann6,mixed ;;
    tpe-types)
      echo "== tpe per parameter type (us per ask+tell, one parameter; goal: >= 20x Optuna 3.1)"
      tpe_vs_optuna float,log-float,int,log-int,categorical,stepped-float ;;
    transport)
      echo "== transport (us; goals: shm one-way p50 <= 1 us and p99 <= 10 us, zmq round trip p50 <= 100 us)"
      jmh 'TransportBenchmark.roundTrip' -p kind=shm,zmq,file
      echo "== envelope (ns per message; what the fast transports pay to encode and decode)"
      jmh 'EnvelopeBenchmark' ;;
  esac
done
echo
machine
