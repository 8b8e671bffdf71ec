#!/usr/bin/env bash
# Runs a `bastion bench check` command and adds the CPU that database
# processes used per check during it: on a machine shared with other work,
# CPU per check compares stores more steadily than checks/s.
#
#   deploy/vitess/benchcpu.sh PID[,PID...] -- bastion --db URL bench check ...
#
# PIDs are the database's processes: mariadbd for MariaDB; vtcombo and its
# mariadbd for vttest.sh's cluster (pgrep -f vtroot/bin/vtcombo, and
# pgrep -f "$DIR/data" for its mariadbd).
set -euo pipefail
[ $# -ge 3 ] && [ "$2" = -- ] || { echo "usage: $0 PID[,PID...] -- bastion ... bench check ..." >&2; exit 2; }
IFS=, read -r -a pids <<<"$1"
shift 2

ticks() {
  local total=0 p f
  for p in "${pids[@]}"; do
    # utime and stime: fields 14 and 15, after the parenthesised name.
    f=$(sed 's/.*) //' "/proc/$p/stat")
    total=$((total + $(echo "$f" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

# checks prints the measured run's check count ("N checks in D from C
# clients: ...").
checks() { sed -n 's/^\([0-9]*\) checks in .*/\1/p' | tail -1; }

# The command also starts a server, loads the reference data and warms up
# (every request once) before it measures. A run of the same command
# measuring for 1 ms costs the same overhead, which is subtracted.
hz=$(getconf CLK_TCK)
t0=$(ticks)
base=$("$@" --duration 1ms)
t1=$(ticks)
out=$("$@")
t2=$(ticks)
echo "$out"
n0=$(echo "$base" | checks)
n1=$(echo "$out" | checks)
[ -n "$n1" ] && [ "$n1" -gt "${n0:-0}" ] || { echo "benchcpu: no check count in the output" >&2; exit 1; }
awk -v t=$(((t2 - t1) - (t1 - t0))) -v hz="$hz" -v n=$((n1 - n0)) \
  'BEGIN { printf "database CPU per check: %.1f µs (%.2f s over %d checks, less a 1 ms run of the same command)\n", 1e6 * t / hz / n, t / hz, n }'
