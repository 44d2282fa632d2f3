#!/usr/bin/env bash
# Crash-and-restart demo: the exactly-once promise under SIGKILL, in a form people can watch.
#
# The producer streams events with 30 % duplicates while this script kills the consumer process
# with SIGKILL at random moments, several times, restarting it each time. Then it prints the
# sink's statistics converging to exactly what the producer's ledger says, and a verdict.
#
# Usage: scripts/crash-demo.sh [KILLS] [COUNT] [RATE] [SEED]
#   KILLS  how many SIGKILLs (5)        COUNT  events to produce (50000)
#   RATE   events per second (800)      SEED   randomness of the producer and the kill times (1)
# Needs the local stack (started here if it is not running). Uses a Kafka topic and a database
# schema of its own (crash_<time>).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
source scripts/lib.sh

kills="${1:-5}" count="${2:-50000}" rate="${3:-800}" seed="${4:-1}"
RANDOM="$seed"
run="crash_$(date +%Y%m%d_%H%M%S)"
ledger="$EVENTSINK_STATE_DIR/$run.ledger"
log="$EVENTSINK_STATE_DIR/logs/$run-consumer.log"

scripts/stack.sh up >/dev/null
build_binaries >/dev/null
database_url="$(schema_url "$run")"
mkdir -p "$EVENTSINK_STATE_DIR/logs"

# Short session timeouts let the group notice a killed member within seconds.
start_consumer() {
  "$CONSUMER" --topic "$run" --group "$run" --database-url "$database_url" --workers 2 \
    --http-port 0 -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 >>"$log" 2>&1 &
  consumer_pid=$!
}
# 0 until the consumer has created the schema's tables.
received() { sink_stats "$database_url" 2>/dev/null | jq '.received + .dead_lettered' || echo 0; }
stats_line() {
  sink_stats "$database_url" |
    jq -r '"received \(.received)  unique \(.unique_processed)  duplicates \(.duplicate_dropped)  dead letters \(.dead_lettered)"'
}
consumer_pid=""
producer_pid=""
trap '[[ -n $consumer_pid ]] && kill -KILL $consumer_pid 2>/dev/null; [[ -n $producer_pid ]] && kill $producer_pid 2>/dev/null; true' EXIT

echo "run $run: $count events at $rate/s, 30 % duplicates; $kills SIGKILLs of the consumer"
"$PRODUCER" generate --kafka-topic "$run" --count "$count" --rate "$rate" --duplicates 0.3 \
  --seed "$seed" --ledger "$ledger" >"$EVENTSINK_STATE_DIR/logs/$run-producer.log" 2>&1 &
producer_pid=$!

last=0
for ((kill = 1; kill <= kills; kill++)); do
  start_consumer
  # Kill only after this incarnation made progress: every kill lands mid-work.
  deadline=$((SECONDS + 90))
  until (($(received) > last)); do
    ((SECONDS < deadline)) || { echo "the consumer made no progress in 90 s; see $log" >&2; exit 1; }
    sleep 0.2
  done
  sleep "$((1 + RANDOM % 3)).$((RANDOM % 10))"
  kill -KILL "$consumer_pid"
  wait "$consumer_pid" 2>/dev/null || true
  consumer_pid=""
  last="$(received)"
  printf 'SIGKILL %d/%d   %s\n' "$kill" "$kills" "$(stats_line)"
done

start_consumer
echo "restarted for good; waiting for the producer to finish..."
wait "$producer_pid" || { echo "the producer failed: see $EVENTSINK_STATE_DIR/logs/$run-producer.log"; exit 1; }
producer_pid=""
expected="$("$PRODUCER" expect "$ledger" | jq -S 'del(.uptime_seconds)')"
target="$(jq '.received + .dead_lettered' <<<"$expected")"
deadline=$((SECONDS + 180))
while (($(received) < target && SECONDS < deadline)); do
  printf 'converging      %s\n' "$(stats_line)"
  sleep 1
done
actual="$(sink_stats "$database_url")"
printf 'final           %s\n' "$(stats_line)"
echo "expected:       $(jq -c . <<<"$expected")"
echo "sink:           $(jq -c . <<<"$actual")"
if [[ "$actual" == "$expected" ]]; then
  echo "VERDICT: exact after $kills SIGKILLs: nothing lost, nothing counted twice."
else
  echo "VERDICT: MISMATCH (consumer log: $log)"
  exit 1
fi
