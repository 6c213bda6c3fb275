#!/usr/bin/env bash
# Draws the scaling curves of docs/benchmarks.md ("Scaling curves"): JMH runs over sizes, one SVG
# per group in docs/img/curves-GROUP.svg, log-log, points at the mean, bars from the fastest to the
# slowest measured iteration, the machine and its load average (before and after) in the title.
#
#   tasks     create N tasks (single shot, whole batch); complete one task of N; claim and
#             complete one task of N                                               (-p tasks=)
#   messages  receive N unread (single shot); receive 4,000 unread after N read
#             (-p messages=, -p history=)
#   agents    one broadcast to N agents; N agents claiming 200 tasks at once   (-p agents=)
#   trials    TPE ask+tell at trial N (hartmann6, mixed); ASHA step in a study of N trials
#             (-p trials=)
#
# Usage: scripts/curves.sh [--quick] [--plot-only] [GROUP...]   (default: every group, full)
#   --quick      three sizes per curve (1k, 10k, 100k; agents 1, 10, 100; ASHA 100 to 10k
#                trials, TPE 100 to 1k), 1 warm-up and 3 measured iterations
#   --plot-only  redraw the SVGs from the last run's JSON (no benchmark runs)
# The full run takes five sizes per curve (TPE up to 10k trials), 2 warm-ups and 5 iterations.
# Environment: CURVES_TASKS, CURVES_MESSAGES, CURVES_AGENTS, CURVES_TRIALS (ASHA) and
# CURVES_TPE_TRIALS (comma-separated sizes) replace a curve's sizes (quick TPE stops at 1,000
# trials: its set-up runs every trial before it, and an ask costs O(trials)); CURVES_JMH replaces
# the JMH iteration options; CURVES_OUT (default nemospawn-benchmarks/target/curves) keeps the JSON
# and data; CURVES_IMG (default docs/img) the SVGs; NEMOSPAWN_BENCH_JAR picks another benchmark
# jar. Needs gnuplot; not part of CI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/machine.sh
. "$root/scripts/machine.sh"
jar="${NEMOSPAWN_BENCH_JAR:-$root/nemospawn-benchmarks/target/benchmarks.jar}"
out="${CURVES_OUT:-$root/nemospawn-benchmarks/target/curves}"
img="${CURVES_IMG:-$root/docs/img}"

quick=0
plot_only=0
groups=()
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    --plot-only) plot_only=1 ;;
    tasks|messages|agents|trials) groups+=("$a") ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "curves.sh: unknown argument '$a'; use --quick, --plot-only, tasks, messages, agents or trials" >&2; exit 2 ;;
  esac
done
if [ ${#groups[@]} -eq 0 ]; then
  groups=(tasks messages agents trials)
fi
if ! command -v gnuplot >/dev/null; then
  echo "curves.sh: gnuplot is missing; install it (Debian/Ubuntu: sudo apt-get install gnuplot-nox;" \
    "Fedora: sudo dnf install gnuplot; macOS: brew install gnuplot)" >&2
  exit 3
fi
if [ ! -f "$jar" ]; then
  echo "Building $jar ..." >&2
  (cd "$root" && ./mvnw -B -q -pl nemospawn-benchmarks -am package -DskipTests)
fi
mkdir -p "$out" "$img"

if [ $quick -eq 1 ]; then
  iterations=(-f 1 -wi 1 -i 3 -w 1s -r 1s)
  tasks_sizes=1000,10000,100000
  messages_sizes=1000,10000,100000
  agents_sizes=1,10,100
  trials_sizes=100,1000,10000
  tpe_sizes=100,300,1000
else
  iterations=(-f 1 -wi 2 -i 5 -w 1s -r 1s)
  tasks_sizes=1000,3000,10000,30000,100000
  messages_sizes=1000,3000,10000,30000,100000
  agents_sizes=1,3,10,30,100
  trials_sizes=100,300,1000,3000,10000
  tpe_sizes=100,300,1000,3000,10000
fi
if [ -n "${CURVES_JMH:-}" ]; then
  read -r -a iterations <<<"$CURVES_JMH"
fi
tasks_sizes="${CURVES_TASKS:-$tasks_sizes}"
messages_sizes="${CURVES_MESSAGES:-$messages_sizes}"
agents_sizes="${CURVES_AGENTS:-$agents_sizes}"
trials_sizes="${CURVES_TRIALS:-$trials_sizes}"
tpe_sizes="${CURVES_TPE_TRIALS:-$tpe_sizes}"

# require_param REGEX PARAM: fails unless every benchmark matching REGEX takes -p PARAM (JMH
# itself silently ignores a -p it has no parameter for, and would measure one size only).
require_param() {
  local listing
  listing="$(java -jar "$jar" -lp "$1")"
  if ! grep -q '^io\.' <<<"$listing"; then
    echo "curves.sh: no benchmark matches '$1' in $jar" >&2
    exit 4
  fi
  if awk -v p="$2" '/^io\./ {if (b && !has) bad = 1; b = 1; has = 0}
      $1 == "param" && $2 == "\"" p "\"" {has = 1}
      END {if (b && !has) bad = 1; exit bad}' <<<"$listing"; then
    return 0
  fi
  echo "curves.sh: a benchmark matching '$1' has no parameter '$2' (java -jar $jar -lp '$1'):" >&2
  grep -E '^io\.|param' <<<"$listing" >&2
  exit 4
}

# jmh NAME REGEX ARGS...: one JMH run into $out/NAME.json.
jmh() {
  local name="$1"
  shift
  echo "== $name: $*" >&2
  java -jar "$jar" "$@" "${iterations[@]}" -foe true -rf json -rff "$out/$name.json" \
    | awk '/^Benchmark/ {on = 1} on && NF {print} /^# Run complete/ {on = 0}' >&2
}

# plot GROUP XLABEL DATA-ARGS...: converts the JSON and draws $img/curves-GROUP.svg.
plot() {
  local group="$1" xlabel="$2"
  shift 2
  java -cp "$jar" io.nemospawn.benchmarks.CurveData "$out/$group.dat" "$@"
  local curves title
  curves="$(grep -c '^"' "$out/$group.dat")"
  # the two lines of GROUP.meta as one gnuplot string: no quotes, a \n between
  title="$(tr -d '"' <"$out/$group.meta" | awk 'NR > 1 {printf "\\n"} {printf "%s", $0}')"
  gnuplot <<EOF
set terminal svg size 860,600 dynamic font 'Helvetica,12' background rgb 'white'
set output '$img/curves-$group.svg'
set title "$title" noenhanced
set logscale xy
set grid
set offsets graph 0.04, graph 0.04, 0, 0
set key below left Left reverse noenhanced
set xlabel '$xlabel' noenhanced
set ylabel 'ms per operation (log scale)'
set pointsize 0.9
plot for [i=0:$((curves - 1))] '$out/$group.dat' index i using 1:2:3:4 \
  with yerrorlines pointtype 7 linewidth 1.5 title columnheader(1)
EOF
  echo "wrote $img/curves-$group.svg" >&2
}

# measure GROUP: runs a group's benchmarks and records the machine and load in GROUP.meta.
measure() {
  local group="$1" before start
  before="$(load_average)"
  start=$SECONDS
  case "$group" in
    tasks)
      require_param 'TaskGraphBenchmark.(createTasks|createAllTasks|completeOne|claimAndCompleteOne)$' tasks
      jmh tasks 'TaskGraphBenchmark.(createTasks|createAllTasks|completeOne|claimAndCompleteOne)$' -p durability=NONE -p tasks="$tasks_sizes" ;;
    messages)
      require_param 'InboxBenchmark.receive$' messages
      require_param 'InboxBenchmark.receiveAfterHistory' history
      jmh messages-unread 'InboxBenchmark.receive$' -p durability=none -p messages="$messages_sizes"
      jmh messages-history 'InboxBenchmark.receiveAfterHistory' -p messages=4000 -p history="$messages_sizes" ;;
    agents)
      require_param 'AgentScalingBenchmark' agents
      jmh agents 'AgentScalingBenchmark' -p agents="$agents_sizes" ;;
    trials)
      require_param 'HpoBenchmark' trials
      require_param 'PrunerBenchmark' trials
      jmh trials-tpe 'HpoBenchmark' -p sampler=tpe -p problemName=hartmann6,mixed -p trials="$tpe_sizes"
      jmh trials-asha 'PrunerBenchmark' -p pruner=asha,none -p trials="$trials_sizes" ;;
  esac
  printf '%s\n%s; load average %s before, %s after; %s\n' \
    "NemoSpawn scaling: $group (JMH ${iterations[*]})" "$(machine_line)" \
    "${before%% *}" "$(load_average | cut -d' ' -f1)" "$(date -u +%Y-%m-%d)" >"$out/$group.meta"
  echo "== $group took $((SECONDS - start)) s" >&2
}

draw() {
  case "$1" in
    tasks)
      plot tasks 'N tasks in the team' -l createAll='create N tasks, one createAll (whole batch)' \
        -l create='create N tasks, one create each (whole batch)' \
        -l complete='complete one task of N' \
        -l claimAndComplete='claim the oldest open task of N (100 open) and complete it' \
        tasks:"$out/tasks.json" ;;
    messages)
      plot messages 'N messages' -l receiveAfterHistory='receive 4,000 unread after N read' \
        -l receive='receive N unread (whole batch)' \
        messages:"$out/messages-unread.json" history:"$out/messages-history.json" ;;
    agents)
      plot agents 'N agents in the team' -l broadcast='one broadcast to N agents' \
        -l claimAndComplete='claim + complete one task, N agents at once (pool of 200)' \
        agents:"$out/agents.json" ;;
    trials)
      plot trials 'N trials in the study' -l askTell='TPE ask+tell at trial N' \
        -l reportAndCheck='report + shouldPrune step in a study of N trials' \
        trials:"$out/trials-tpe.json" trials:"$out/trials-asha.json" ;;
  esac
}

machine
failed=()
for g in "${groups[@]}"; do
  # a group that fails (a missing parameter, a benchmark error) does not stop the others; not
  # run as an if/|| condition, where bash would ignore set -e inside the group
  set +e
  (
    set -e
    if [ $plot_only -eq 0 ]; then
      measure "$g"
    fi
    draw "$g"
  )
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    failed+=("$g")
  fi
done
machine
if [ ${#failed[@]} -gt 0 ]; then
  echo "curves.sh: failed: ${failed[*]}" >&2
  exit 1
fi
