#!/usr/bin/env bash
# Measures the whole-process wall time of `nemospawn task update`, as agents call it, in one run:
#
#   ours, in a JVM of its own  (bin/nemospawn with NEMOSPAWN_DAEMON=off; AppCDS archive present)
#   ours, through the daemon   (bin/nemospawn forwarding to `nemospawn daemon start`)
#   NemoSpawn 1.0 (Python)     (`python3 -m nemospawn`, when importable; skipped otherwise)
#
# Each variant updates one task of a fresh team N times (default 20, after 3 warm-up calls; the
# daemon gets 30 more first, since agents meet it warm),
# alternating the variants call by call so that a change of machine load hits all of them alike,
# and prints mean and median wall time per call in milliseconds, with the machine it ran on. It
# also prints the CPU time per call (user + system, of the processes the call started and, for
# the daemon, of the daemon), which a loaded machine inflates far less than wall time.
#
# Usage: scripts/bench-cli.sh [-n N] [--launcher PATH] [--python PYTHON]
# Needs a built jar (./mvnw -B -q -pl nemospawn-cli -am package -DskipTests) or an installed
# nemospawn (--launcher ~/.local/bin/nemospawn); NEMOSPAWN_JAR picks another jar.
set -euo pipefail

n=20
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
launcher="$root/bin/nemospawn"
python="${PYTHON:-python3}"
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n="$2"; shift 2 ;;
    --launcher) launcher="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-cli.sh: unknown argument '$1'; see --help" >&2; exit 2 ;;
  esac
done
case "$n" in ''|*[!0-9]*|0) echo "bench-cli.sh: -n '$n' is not a positive count" >&2; exit 2 ;; esac

work="$(mktemp -d)"
ours="$work/ours"
py="$work/python"
cleanup() {
  NEMOSPAWN_DATA_DIR="$ours" NEMOSPAWN_DAEMON=off "$launcher" daemon stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT


# Ours: a team with one task, the AppCDS archive recorded, the daemon started.
export NEMOSPAWN_DATA_DIR="$ours"
NEMOSPAWN_DAEMON=off "$launcher" team create bench >/dev/null
task="$(NEMOSPAWN_DAEMON=off "$launcher" task create --team bench --title bench --json \
  | sed -n 's/.*"task_id" *: *"\([^"]*\)".*/\1/p' | head -1)"
for _ in $(seq 1 120); do
  if ls "$(dirname "$launcher")"/../lib/nemospawn-cds-*.jsa "$root"/nemospawn-cli/target/nemospawn-cds-*.jsa \
    "$ours"/cache/nemospawn-cds-*.jsa "$(dirname "${NEMOSPAWN_JAR:-/none/x}")"/nemospawn-cds-*.jsa \
    >/dev/null 2>&1; then
    break
  fi
  sleep 1
done
NEMOSPAWN_DAEMON=off "$launcher" daemon start --idle-timeout 0 >/dev/null

have_python=no
if "$python" -c 'import nemospawn' >/dev/null 2>&1; then
  have_python=yes
  mkdir -p "$py"
  pyteam="$(HOME="$py" "$python" -m nemospawn team create bench 2>/dev/null \
    | grep -o 'bench-[0-9a-f]*' | head -1 || true)"
  pytask="$(HOME="$py" "$python" -m nemospawn task create "$pyteam" bench 2>/dev/null \
    | grep -o 'task-[0-9a-f]*' | head -1 || true)"
  if [ -z "$pyteam" ] || [ -z "$pytask" ]; then
    echo "bench-cli.sh: python3 -m nemospawn is importable but team/task create failed; skipping 1.0" >&2
    have_python=no
  fi
fi

run_jvm() { NEMOSPAWN_DAEMON=off "$launcher" task update --team bench "$task" --val-loss "0.$1" >/dev/null; }
run_daemon() { "$launcher" task update --team bench "$task" --val-loss "0.$1" >/dev/null; }
run_python() { HOME="$py" "$python" -m nemospawn task update "$pyteam" "$pytask" --val-loss "0.$1" >/dev/null; }

# The helpers below are bash builtins only, so that measuring forks nothing that would be counted.
tf="$work/times"
# CPU time (user + system) of this shell's finished children so far, in microseconds.
child_cpu_us() {
  local l
  times >"$tf"
  { read -r _; read -r l; } <"$tf"
  [[ "$l" =~ ^([0-9]+)m([0-9]+)\.([0-9]+)s\ ([0-9]+)m([0-9]+)\.([0-9]+)s$ ]] || { echo 0; return; }
  local r=("${BASH_REMATCH[@]}")
  echo $(( (r[1] * 60 + 10#${r[2]}) * 1000000 + 10#${r[3]} * 1000 + (r[4] * 60 + 10#${r[5]}) * 1000000 + 10#${r[6]} * 1000 ))
}
daemon_pid=""
IFS=' ' read -r _ _ _ daemon_pid <"$ours/run/daemon"
ticks="$(getconf CLK_TCK)"
# CPU time of the daemon so far, in microseconds.
daemon_cpu_us() {
  local l f
  read -r l <"/proc/$daemon_pid/stat"
  l="${l##*) }"
  read -r -a f <<<"$l"
  echo $(( (f[11] + f[12]) * 1000000 / ticks ))
}

# The daemon lives as long as the agents' work: what they see is its steady state, once the JIT
# has compiled the command path. Warm it up first (the JVM variant starts cold every time anyway).
for i in $(seq 1 30); do run_daemon "$i"; done

variants=(jvm daemon)
[ "$have_python" = yes ] && variants+=(python)
declare -A times cpu
for v in "${variants[@]}"; do times[$v]=""; cpu[$v]=0; done

for i in $(seq 1 $((n + 3))); do
  for v in "${variants[@]}"; do
    child_cpu_us >"$work/c0"
    d0=0
    if [ "$v" = daemon ]; then daemon_cpu_us >"$work/d0"; read -r d0 <"$work/d0"; fi
    s="${EPOCHREALTIME/./}"
    "run_$v" "$i"
    e="${EPOCHREALTIME/./}"
    d1=0
    if [ "$v" = daemon ]; then daemon_cpu_us >"$work/d1"; read -r d1 <"$work/d1"; fi
    child_cpu_us >"$work/c1"
    read -r c0 <"$work/c0"
    read -r c1 <"$work/c1"
    if [ "$i" -gt 3 ]; then
      times[$v]+="$(( e - s )) "
      extra=0
      [ "$v" = daemon ] && extra=$((d1 - d0))
      cpu[$v]=$(( ${cpu[$v]} + c1 - c0 + extra ))
    fi
  done
done

stats() {
  tr ' ' '\n' | sed '/^$/d' | sort -n | awk '
    { v[NR] = $1; sum += $1 }
    END {
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%8.1f %8.1f %8.1f %8.1f\n", sum / NR / 1000, med / 1000, v[1] / 1000, v[NR] / 1000
    }'
}

echo "nemospawn task update, $n calls each (ms per call)"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
  "$(free -h | awk '/^Mem:/ { print $2 " RAM" }'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1)"
cpu_ms() { awk -v c="${cpu[$1]}" -v n="$n" 'BEGIN { printf "%8.1f", c / n / 1000 }'; }
printf '%-38s %8s %8s %8s %8s %8s\n' variant mean median min max cpu
printf '%-38s %s %s\n' "ours, JVM of its own (AppCDS)" "$(printf '%s' "${times[jvm]}" | stats)" "$(cpu_ms jvm)"
printf '%-38s %s %s\n' "ours, through the daemon" "$(printf '%s' "${times[daemon]}" | stats)" "$(cpu_ms daemon)"
if [ "$have_python" = yes ]; then
  printf '%-38s %s %s\n' "NemoSpawn 1.0 (python3 -m nemospawn)" "$(printf '%s' "${times[python]}" | stats)" "$(cpu_ms python)"
else
  echo "NemoSpawn 1.0: not measured ('$python -c \"import nemospawn\"' fails; pip install nemospawn==1.0 to compare)"
fi
