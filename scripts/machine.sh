# shellcheck shell=bash
# Sourced by scripts/bench.sh and scripts/curves.sh: describes this machine and its load.

# Prints "machine: N cores, CPU, memory, JDK" and "load average: 1m 5m 15m".
machine() {
  echo "machine: $(machine_line)"
  echo "load average: $(load_average)"
}

# One line: cores, CPU model, memory, JDK.
machine_line() {
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'),"\
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null),"\
    "$(java -version 2>&1 | grep -v '^Picked up' | head -1)"
}

# The 1, 5 and 15 minute load averages.
load_average() {
  cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*load averages*: //'
}
