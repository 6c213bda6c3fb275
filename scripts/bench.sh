#!/usr/bin/env bash
# Runs the headline benchmarks on this machine in a few minutes, so that the figures of
# docs/benchmarks.md can be checked where you are (short JMH runs: -f 1, 1 warm-up, 3 measured
# iterations of 1 s; expect wide error bars, compare orders of magnitude and ratios):
#
#   inbox     receive 4,000 unread messages; the same with 100,000 read ones in the inbox
#   tasks     create 1,000 tasks in-process, one create each and one createAll, durability none
#             and fsync (one create each: none only; fsync costs two forced writes per task),
#             beside NemoSpawn 1.0's own create function (scripts/tasks10.py, needs python3) in
#             the same run, with the ratios, and the bare system calls' floor for 1.0's format
#             (scripts/create-floor.c, needs gcc); complete one task of 100,000
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

# JMH_RUN overrides the run options of one call (e.g. more warm-up for single-shot benchmarks).
jmh_raw() {
  # shellcheck disable=SC2086
  java -jar "$jar" "$@" ${JMH_RUN:--f 1 -wi 1 -i 3 -w 1s -r 1s} 2>&1 || true
}

summary() {
  awk '/# one-way/ {sub(/.*# one-way/, "one-way"); print; next}
       /^Benchmark/ {on = 1} on && NF {print} /^# Run complete/ {on = 0}' \
    | grep -v '^# Run complete' || true
}

jmh() {
  jmh_raw "$@" | summary
}

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

# NemoSpawn 1.0's create of 1,000 tasks, timed by scripts/tasks10.py (6 rounds), before and after
# the JMH run: the ratios use the best round of both and the mean of their medians.
py10_best=""
py10_medians=()
tasks10() {
  local out best median
  if ! command -v python3 >/dev/null 2>&1; then
    echo "NemoSpawn 1.0 stand-in: skipped (no python3)"
    return
  fi
  out="$(python3 "$root/scripts/tasks10.py" 1000 6)"
  best="$(echo "$out" | awk '/^best:/ {print $2}')"
  median="$(echo "$out" | awk '/^median:/ {print $2}')"
  echo "NemoSpawn 1.0 create_task x 1,000 ($1 the JMH run, 6 rounds): best $best s, median $median s"
  py10_medians+=("$median")
  if [ -z "$py10_best" ] || awk -v a="$best" -v b="$py10_best" 'BEGIN {exit !(a < b)}'; then
    py10_best="$best"
  fi
}

# The floor under 1.0's format on this disk: 1,000 files created by bare system calls from C
# (scripts/create-floor.c), when gcc is there.
create_floor() {
  local dir threads out
  if ! command -v gcc >/dev/null 2>&1; then
    echo "system-call floor: skipped (no gcc)"
    return
  fi
  dir="$(mktemp -d)"
  gcc -O2 -pthread -o "$dir/create-floor" "$root/scripts/create-floor.c"
  for threads in 1 2; do
    out="$("$dir/create-floor" "$dir" 6 "$threads" | awk '/^(best|mean):/ {printf "%s %s ms ", $1, $2}')"
    echo "system-call floor (open O_EXCL + write + close, 1,000 files, C, 6 rounds, $threads thread(s)): $out"
  done
  rm -rf "$dir"
}

# From JMH's full output of single-shot create benchmarks: each one's best and median shot, and
# how many times faster than NemoSpawn 1.0 they are (best against best, median against median).
ratios() {
  [ -n "$py10_best" ] || return 0
  local py_median
  py_median="$(printf '%s\n' "${py10_medians[@]}" | awk '{s += $1} END {print s / NR}')"
  echo "against NemoSpawn 1.0 (best $py10_best s, median $py_median s per 1,000, no fsync):"
  echo "$1" | awk -v pb="$py10_best" -v pm="$py_median" '
    /^# Benchmark: / {n = split($3, a, "."); name = a[n]}
    /^# Parameters: / {d = $0; sub(/.*durability = /, "", d); sub(/[,)].*/, "", d)}
    /p\(0\.0000\) =/ {best = $3}
    /p\(50\.0000\) =/ {
      printf "  %-15s %-6s best %8.1f ms  %5.1fx   median %8.1f ms  %5.1fx\n",
        name, d, best, pb * 1000 / best, $3, pm * 1000 / $3
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
      create_floor
      # Single shots of 1,000 creates: 20 warm-up shots, so that the JIT has compiled the path (in
      # a driver, a createAll of 1,000 reaches its steady time after 20-30 shots).
      all="$(JMH_RUN='-f 1 -wi 20 -i 10' jmh_raw 'TaskGraphBenchmark.createAllTasks' -p tasks=1000)"
      one="$(JMH_RUN='-f 1 -wi 20 -i 10' jmh_raw 'TaskGraphBenchmark.createTasks$' \
        -p tasks=1000 -p durability=NONE)"
      echo "$all" | summary
      echo "$one" | summary | grep -v '^Benchmark' || true
      tasks10 after
      ratios "$all"$'\n'"$one"
      jmh 'TaskGraphBenchmark.completeOne$' -p tasks=100000 -p durability=NONE ;;
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
