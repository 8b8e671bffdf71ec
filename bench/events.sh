#!/usr/bin/env bash
# Floods a `bastion serve` process running the Slack bot on the embedded
# SQL queue (or NATS with QUEUE=nats://127.0.0.1:4222) with signed
# app_mention events at RATE per second for DURATION, and prints the ack
# latency (p50/p99/max) and how many events the workers handled meanwhile.
# The bot's Web API calls go to a fake Slack that answers ok at once.
#
#   bench/events.sh
#   BASTION=/tmp/bastion-main RATE=200 DURATION=10s bench/events.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
rate=${RATE:-200}
duration=${DURATION:-10s}
work=$(mktemp -d)
trap 'kill ${server:-} ${slack:-} 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

if [[ -z "${BASTION:-}" ]]; then
	(cd "$here" && go build -o "$work/bastion" ./cmd/bastion)
	BASTION=$work/bastion
fi
(cd "$here" && go build -o "$work/eventflood" ./bench/eventflood)

"$work/eventflood" -slack 127.0.0.1:0 >"$work/slack.url" &
slack=$!
for _ in $(seq 100); do [[ -s "$work/slack.url" ]] && break; sleep 0.05; done

db="$work/bastion.db"
"$BASTION" --db "$db" demo-data >/dev/null
secret=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
queue=()
[[ -n "${QUEUE:-}" ]] && queue=(--queue "$QUEUE")
SLACK_BOT_TOKEN=xoxb-bench SLACK_SIGNING_SECRET=$secret SLACK_API_URL=$(cat "$work/slack.url") \
	"$BASTION" --db "$db" serve --addr 127.0.0.1:0 --api-key "$secret" "${queue[@]}" ${SERVE_FLAGS:-} 2>"$work/server.log" &
server=$!
# (the redirect above creates the log in the child; make sure it exists)
touch "$work/server.log"
addr=
for _ in $(seq 600); do
	addr=$(sed -n 's/.*"bastion serve listening".*"addr":"\([^"]*\)".*/\1/p' "$work/server.log")
	[[ -n "$addr" ]] && break
	kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
	sleep 0.1
done
[[ -n "$addr" ]] || { echo "server did not start"; cat "$work/server.log"; exit 1; }
echo "server $BASTION pid $server on $addr, queue ${QUEUE:-sql}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/eventflood" -target "http://$addr" -secret "$secret" -rate "$rate" -duration "$duration" -server-pid "$server"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server log: $(grep -c '"level":"ERROR"' "$work/server.log" || true) errors, $(grep -c '"level":"WARN"' "$work/server.log" || true) warnings"
[[ -n "${SHOW_LOG:-}" ]] && tail -n 40 "$work/server.log"
true
