#!/usr/bin/env bash
# Drives a `bastion serve` process with an external load generator
# (bench/checkload) and prints, per transport, checks/s, p50/p99, the
# generator's CPU per check and the server process's CPU per check.
#
#   bench/checks.sh                        # this tree, 1M assignments
#   BASTION=/tmp/bastion-main bench/checks.sh   # another build of bastion
#
# Environment:
#   BASTION      bastion binary to serve (default: built from this tree)
#   DB           SQLite file holding the generated data (default
#                /tmp/bastion-bench/<ASSIGNMENTS>.db, seeded when missing)
#   ASSIGNMENTS  size of the data set (default 1000000)
#   DURATION     length of each measured run (default 10s)
#   RUNS         "mode:clients" list (default "grpc:32 batch:32 connect-json:32")
#   SERVER_ENV   extra environment for the server, e.g. GOMAXPROCS=2
#   EXPIRING     percent of assignments seeded with an end (default 0;
#                the default DB is then .../<ASSIGNMENTS>-expiring<N>.db)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
assignments=${ASSIGNMENTS:-1000000}
duration=${DURATION:-10s}
runs=${RUNS:-"grpc:32 batch:32 connect-json:32"}
expiring=${EXPIRING:-0}
if [[ "$expiring" == 0 ]]; then
	db=${DB:-/tmp/bastion-bench/$assignments.db}
else
	db=${DB:-/tmp/bastion-bench/$assignments-expiring$expiring.db}
fi
work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

if [[ -z "${BASTION:-}" ]]; then
	(cd "$here" && go build -o "$work/bastion" ./cmd/bastion)
	BASTION=$work/bastion
fi
(cd "$here" && go build -o "$work/checkload" ./bench/checkload)

mkdir -p "$(dirname "$db")"
if [[ ! -s "$db" ]]; then
	echo "seeding $assignments assignments into $db"
	/usr/bin/time -f "seed: %e s wall, %M KB max RSS" "$BASTION" --db "$db" bench seed --assignments "$assignments" --expiring-percent "$expiring"
fi

key=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
started=$(date +%s.%N)
env ${SERVER_ENV:-} "$BASTION" --db "$db" serve --addr 127.0.0.1:0 --api-key "$key" 2>"$work/server.log" &
server=$!
touch "$work/server.log"
addr=
for _ in $(seq 600); do
	addr=$(sed -n 's/.*"bastion serve listening".*"addr":"\([^"]*\)".*/\1/p' "$work/server.log")
	[[ -n "$addr" ]] && break
	kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
	sleep 0.1
done
[[ -n "$addr" ]] || { echo "server did not start"; cat "$work/server.log"; exit 1; }
echo "server $BASTION pid $server on $addr, $assignments assignments, $(nproc) cores, listening after $(echo "$(date +%s.%N) - $started" | bc | cut -c1-5) s"

for run in $runs; do
	mode=${run%%:*}
	clients=${run##*:}
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	"$work/checkload" -target "$addr" -key "$key" -mode "$mode" -clients "$clients" \
		-duration "$duration" -assignments "$assignments" -server-pid "$server" -label "$mode/$clients"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
