#!/usr/bin/env bash
# Measures the whole-process wall time of `nemospawn task update`, as agents call it, in one run:
#
#   ours, in a JVM of its own  (bin/nemospawn with NEMOSPAWN_DAEMON=off; AppCDS archive present)
#   ours, through the daemon   (bin/nemospawn forwarding to `nemospawn daemon start`)
#   NemoSpawn 1.0 (Python)     (`python3 -m nemospawn`, when importable; skipped otherwise)
#
# Each variant updates one task of a fresh team N times (default 20, after 3 warm-up calls),
# alternating the variants call by call so that a change of machine load hits all of them alike,
# and prints mean and median per call in milliseconds, with the machine it ran on.
#
# Usage: scripts/bench-cli.sh [-n N] [--launcher PATH] [--python PYTHON]
# Needs a built jar (./mvnw -B -q -pl nemospawn-cli -am package -DskipTests) or an installed
# nemospawn (--launcher ~/.local/bin/nemospawn).
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

now_ns() { date +%s%N; }

# Ours: a team with one task, the AppCDS archive recorded, the daemon started.
export NEMOSPAWN_DATA_DIR="$ours"
NEMOSPAWN_DAEMON=off "$launcher" team create bench >/dev/null
task="$(NEMOSPAWN_DAEMON=off "$launcher" task create --team bench --title bench --json \
  | sed -n 's/.*"task_id" *: *"\([^"]*\)".*/\1/p' | head -1)"
for _ in $(seq 1 120); do
  if ls "$(dirname "$launcher")"/../lib/nemospawn-cds-*.jsa "$root"/nemospawn-cli/target/nemospawn-cds-*.jsa \
    "$ours"/cache/nemospawn-cds-*.jsa >/dev/null 2>&1; then
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

variants=(jvm daemon)
[ "$have_python" = yes ] && variants+=(python)
declare -A times
for v in "${variants[@]}"; do times[$v]=""; done

for i in $(seq 1 $((n + 3))); do
  for v in "${variants[@]}"; do
    s="$(now_ns)"
    "run_$v" "$i"
    e="$(now_ns)"
    if [ "$i" -gt 3 ]; then
      times[$v]+="$(( (e - s) / 1000 )) "
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
printf '%-34s %8s %8s %8s %8s\n' variant mean median min max
printf '%-34s %s\n' "ours, JVM of its own (AppCDS)" "$(printf '%s' "${times[jvm]}" | stats)"
printf '%-34s %s\n' "ours, through the daemon" "$(printf '%s' "${times[daemon]}" | stats)"
if [ "$have_python" = yes ]; then
  printf '%-34s %s\n' "NemoSpawn 1.0 (python3 -m nemospawn)" "$(printf '%s' "${times[python]}" | stats)"
else
  echo "NemoSpawn 1.0: not measured ('$python -c \"import nemospawn\"' fails; pip install nemospawn==1.0 to compare)"
fi
