#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: installs what is missing, starts the local stack,
# builds, then runs a producer/consumer demo and prints what happened:
#   - a consumer service with two workers, on the HTTP port EVENTSINK_HTTP_PORT (8080);
#   - the bundled producer sends DEMO_COUNT (20000) events, 30 % of them duplicates, and keeps a
#     ledger of what the broker acknowledged;
#   - the sink's statistics must equal what the ledger says, exactly; then the HTTP API is shown.
# The demo uses a Kafka topic and a database schema of its own (demo_<time>), so reruns start
# clean. The stack keeps running afterwards: `scripts/stack.sh down` stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
source scripts/lib.sh

count="${DEMO_COUNT:-20000}"
run="demo_$(date +%Y%m%d_%H%M%S)"
api="http://127.0.0.1:${EVENTSINK_HTTP_PORT}"
ledger="$EVENTSINK_STATE_DIR/$run.ledger"

echo "== 1/5 installing missing packages, starting the local stack"
scripts/install-deps.sh
scripts/stack.sh up
echo "== 2/5 building"
build_binaries
database_url="$(schema_url "$run")"
mkdir -p "$EVENTSINK_STATE_DIR/logs"

echo "== 3/5 starting the consumer service (2 workers, HTTP on $api)"
consumer_log="$EVENTSINK_STATE_DIR/logs/$run-consumer.log"
"$CONSUMER" --topic "$run" --group "$run" --database-url "$database_url" --workers 2 \
  --http-port "$EVENTSINK_HTTP_PORT" >"$consumer_log" 2>&1 &
consumer_pid=$!
trap 'kill -TERM $consumer_pid 2>/dev/null; wait $consumer_pid 2>/dev/null || true' EXIT
if ! WAIT_SECONDS=60 wait_for curl -sf "$api/health"; then
  echo "the consumer did not become healthy; its log ($consumer_log):" >&2
  tail -n 30 "$consumer_log" >&2
  exit 1
fi

echo "== 4/5 producing $count events, 30 % duplicates"
"$PRODUCER" generate --kafka-topic "$run" --count "$count" --duplicates 0.3 --ledger "$ledger"
expected="$("$PRODUCER" expect "$ledger" | jq -S .)"
expected_total="$(jq '.received + .dead_lettered' <<<"$expected")"
echo "waiting for the sink to count all $expected_total records..."
WAIT_SECONDS=120 wait_for bash -c \
  "[[ \$(curl -sf '$api/stats' | jq '.received + .dead_lettered') == $expected_total ]]" || true

actual="$(curl -sf "$api/stats" | jq -S 'del(.uptime_seconds)')"
echo "== 5/5 results"
echo "expected, from the producer's ledger:"; jq -c . <<<"$expected"
echo "GET /stats:";                           jq -c . <<<"$actual"
if [[ "$(jq -S . <<<"$expected")" == "$actual" ]]; then
  echo "VERDICT: exact. Every acknowledged record counted once; duplicates stored once."
  verdict=0
else
  echo "VERDICT: MISMATCH between the ledger and the sink (consumer log: $consumer_log)"
  verdict=1
fi

echo
echo "The HTTP API (see README.md):"
event='{"topic":"demo.http","event_id":"hello-1","timestamp":"2026-01-01T12:00:00Z","source":"curl","payload":{"hello":"world"}}'
echo "\$ curl -X POST $api/publish (the same event twice)"
curl -s -X POST -H 'Content-Type: application/json' -d "$event" "$api/publish"; echo
curl -s -X POST -H 'Content-Type: application/json' -d "$event" "$api/publish"; echo
WAIT_SECONDS=30 wait_for bash -c \
  "[[ \$(curl -sf '$api/stats' | jq '.topics[\"demo.http\"].received // 0') == 2 ]]" || true
echo "\$ curl $api/stats  (demo.http: received 2, stored once)"
curl -s "$api/stats" | jq -c '.topics["demo.http"]'
echo "\$ curl '$api/events?topic=demo.http&limit=1'"
curl -s "$api/events?topic=demo.http&limit=1" | jq -c .
echo "\$ curl $api/health"
curl -s "$api/health" | jq -c .
exit "$verdict"
