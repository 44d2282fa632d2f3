#!/usr/bin/env bash
# Lifecycle test of scripts/stack.sh.
#
# Runs a SECOND stack on other ports with a temporary state directory, so it can run while the main stack
# (default ports, .stack/) is up and in use; it shares the main stack's Kafka jar cache (EVENTSINK_CACHE_DIR)
# so it downloads nothing when that is filled. Checks: up (twice: the second is a no-op), status, that the
# servers answer, single-server stop/start and kill/start, down (nothing left, ports free), and that `up`
# fails fast and clearly when the broker port is taken. Cleans up on any exit.
#
# Usage: tests/stack/stack_lifecycle_test.sh       (EVENTSINK_TEST_KEEP=1 keeps the state directory)
# Ends with "N passed, M failed"; exits 1 if anything failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK="$ROOT/scripts/stack.sh"

# The main stack's settings (whatever the caller has set), to share its jar cache and check it is left alone.
# shellcheck source-path=SCRIPTDIR source=../../scripts/env.sh
source "$ROOT/scripts/env.sh"
MAIN_ENV=(
  EVENTSINK_STATE_DIR="$EVENTSINK_STATE_DIR" EVENTSINK_BROKERS="$EVENTSINK_BROKERS"
  EVENTSINK_KAFKA_CONTROLLER_PORT="$EVENTSINK_KAFKA_CONTROLLER_PORT"
  EVENTSINK_DATABASE_URL="$EVENTSINK_DATABASE_URL" EVENTSINK_PROMETHEUS_URL="$EVENTSINK_PROMETHEUS_URL"
)
export EVENTSINK_CACHE_DIR="${EVENTSINK_CACHE_DIR:-$EVENTSINK_STATE_DIR/cache}"

PASSED=0
FAILED=0
pass() {
  PASSED=$((PASSED + 1))
  echo "ok   - $1"
}
fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL - $1"
}
# check DESCRIPTION COMMAND...: passes if the command succeeds.
check() {
  local desc=$1
  shift
  if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# run ARGS...: runs stack.sh on the test stack; sets OUT, RC and SECS, and shows the output indented.
# Bounded by `timeout`, so a hang fails the test instead of blocking CI.
run() {
  local t0=$EPOCHREALTIME
  OUT="$(timeout 180 "$STACK" "$@" 2>&1)" && RC=0 || RC=$?
  SECS="$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
  echo "  \$ stack.sh $* -> exit $RC in ${SECS}s"
  # shellcheck disable=SC2001 # sed: prefix every line
  [[ -z "$OUT" ]] || sed 's/^/  | /' <<<"$OUT"
}

port_free() { [[ -z "$(ss -Hltn "sport = :$1")" ]]; }

# ---------------------------------------------------------------------------------------------------------
# The second stack: a free block of ports, a temporary state directory.

BASE=""
for candidate in 29000 31000 33000 35000 37000; do
  if port_free $((candidate + 92)) && port_free $((candidate + 93)) && port_free $((candidate + 432)) &&
    port_free $((candidate + 90)); then
    BASE=$candidate
    break
  fi
done
if [[ -z "$BASE" ]]; then
  echo "no free block of test ports found" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
KAFKA_PORT=$((BASE + 92))
CONTROLLER_PORT=$((BASE + 93))
PG_PORT=$((BASE + 432))
PROM_PORT=$((BASE + 90))
TEST_PORTS=("$KAFKA_PORT" "$CONTROLLER_PORT" "$PG_PORT" "$PROM_PORT")

TEST_STATE_DIR="$(mktemp -d /tmp/eventsink-stack-test.XXXXXX)"
export EVENTSINK_STATE_DIR="$TEST_STATE_DIR"
export EVENTSINK_BROKERS="127.0.0.1:$KAFKA_PORT"
export EVENTSINK_KAFKA_CONTROLLER_PORT="$CONTROLLER_PORT"
# A password and a %-encoded character: exercises the URL parsing and the role's PASSWORD.
export EVENTSINK_DATABASE_URL="postgresql://stack_test:s%40cret@127.0.0.1:$PG_PORT/stack_test_db"
export EVENTSINK_PROMETHEUS_URL="http://127.0.0.1:$PROM_PORT"

LISTENER_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$LISTENER_PID" ]]; then kill "$LISTENER_PID" 2>/dev/null || true; fi
  timeout 120 "$STACK" down >/dev/null 2>&1 || echo "cleanup: stack.sh down failed" >&2
  if [[ "${EVENTSINK_TEST_KEEP:-0}" == 1 ]]; then
    echo "kept $TEST_STATE_DIR"
  else
    rm -rf "$TEST_STATE_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

main_stack_running() { env "${MAIN_ENV[@]}" "$STACK" status >/dev/null 2>&1; }
MAIN_WAS_RUNNING=0
main_stack_running && MAIN_WAS_RUNNING=1

echo "test stack: $TEST_STATE_DIR, ports kafka $KAFKA_PORT/$CONTROLLER_PORT, postgres $PG_PORT, prometheus $PROM_PORT"
echo "jar cache: $EVENTSINK_CACHE_DIR; main stack running: $MAIN_WAS_RUNNING"

# Processes (not zombies) whose command line names the test state directory.
stack_processes() { pgrep -f -- "$TEST_STATE_DIR/" || true; }

# ---------------------------------------------------------------------------------------------------------
# up (two at once, as parallel test fixtures would), up again, status

timeout 180 "$STACK" up >"$TEST_STATE_DIR/concurrent-up.log" 2>&1 &
CONCURRENT_UP_PID=$!
run up
check "up succeeds" test "$RC" -eq 0
FIRST_UP_SECS=$SECS
CONCURRENT_RC=0
wait "$CONCURRENT_UP_PID" || CONCURRENT_RC=$?
echo "  (concurrent up, exit $CONCURRENT_RC:)"
sed 's/^/  | /' "$TEST_STATE_DIR/concurrent-up.log"
check "a concurrent up succeeds too" test "$CONCURRENT_RC" -eq 0
check "between them, each server was started exactly once" \
  test "$(cat - "$TEST_STATE_DIR/concurrent-up.log" <<<"$OUT" | grep -cE '^stack: [a-z]+: started ')" -eq 3
rm -f "$TEST_STATE_DIR/concurrent-up.log"

run up
check "second up succeeds" test "$RC" -eq 0
check "second up says every server is already running" \
  test "$(grep -c 'already running' <<<"$OUT")" -eq 3
check "second up is quick (${SECS}s < 5s)" awk -v s="$SECS" 'BEGIN { exit !(s < 5) }'

run status
check "status exits 0 while everything runs" test "$RC" -eq 0
check "status lists three running servers" test "$(grep -cE '^(kafka|postgres|prometheus) +running ' <<<"$OUT")" -eq 3

# ---------------------------------------------------------------------------------------------------------
# The servers answer

check "psql connects with EVENTSINK_DATABASE_URL" \
  test "$(psql "$EVENTSINK_DATABASE_URL" -XAtc 'select current_user || current_database()' 2>&1)" = "stack_teststack_test_db"
TOPIC=stack-lifecycle
check "kcat produces a record (topic auto-created)" \
  bash -c "echo 'k1:v1' | timeout 30 kcat -b '$EVENTSINK_BROKERS' -P -t $TOPIC -K: -X message.timeout.ms=20000"
check "kcat consumes it back" \
  test "$(timeout 30 kcat -b "$EVENTSINK_BROKERS" -C -t $TOPIC -o beginning -e -q -f '%k=%s\n' 2>/dev/null)" = "k1=v1"
check "auto-created topics get 6 partitions" \
  test "$(timeout 30 kcat -b "$EVENTSINK_BROKERS" -L -t $TOPIC 2>/dev/null | grep -c 'partition [0-9]*, leader 1')" -eq 6
check "prometheus answers /-/ready" curl -fsS -m 5 -o /dev/null "$EVENTSINK_PROMETHEUS_URL/-/ready"

# ---------------------------------------------------------------------------------------------------------
# One server at a time, the others keep running

run stop postgres
check "stop postgres succeeds quickly (${SECS}s < 5s)" \
  bash -c "test $RC -eq 0 && awk -v s=$SECS 'BEGIN { exit !(s < 5) }'"
check "postgres port is free after stop" port_free "$PG_PORT"
run status
check "status exits non-zero with postgres stopped" test "$RC" -ne 0
check "kafka kept running while postgres was stopped" \
  bash -c "timeout 15 kcat -b '$EVENTSINK_BROKERS' -m 5 -L -t $TOPIC >/dev/null 2>&1"
run start postgres
check "start postgres succeeds" test "$RC" -eq 0
check "psql connects after the restart" test "$(psql "$EVENTSINK_DATABASE_URL" -XAtqc 'select 1')" = 1

run kill kafka
check "kill kafka succeeds" test "$RC" -eq 0
check "kafka ports are free after kill" bash -c "[[ -z \$(ss -Hltn 'sport = :$KAFKA_PORT') ]]"
run start kafka
check "start kafka after a crash succeeds (${SECS}s)" test "$RC" -eq 0
check "the record survived the broker crash" \
  test "$(timeout 30 kcat -b "$EVENTSINK_BROKERS" -C -t $TOPIC -o beginning -e -q -f '%k=%s\n' 2>/dev/null)" = "k1=v1"
run kill postgres
run start postgres
check "start postgres right after kill postgres succeeds" test "$RC" -eq 0
check "psql connects after the crash" test "$(psql "$EVENTSINK_DATABASE_URL" -XAtqc 'select 1')" = 1

# ---------------------------------------------------------------------------------------------------------
# down

run down
check "down succeeds" test "$RC" -eq 0
DOWN_SECS=$SECS
check "no process of the test stack is left" test -z "$(stack_processes)"
for port in "${TEST_PORTS[@]}"; do
  check "port $port is free after down" port_free "$port"
done
run status
check "status exits non-zero after down" test "$RC" -ne 0
run down
check "a second down is harmless" test "$RC" -eq 0

# ---------------------------------------------------------------------------------------------------------
# up with the broker port taken: fails fast, names the port and Kafka, starts nothing

PYTHON="$(command -v /usr/bin/python3 python3 | head -n 1)"
"$PYTHON" -c 'import socket, sys, time; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(300)' \
  "$KAFKA_PORT" &
LISTENER_PID=$!
for _ in $(seq 50); do
  port_free "$KAFKA_PORT" || break
  sleep 0.1
done
check "a stranger listens on the broker port" bash -c "! [[ -z \$(ss -Hltn 'sport = :$KAFKA_PORT') ]]"

run up
check "up fails when the broker port is taken" test "$RC" -ne 0
check "it fails fast (${SECS}s < 15s)" awk -v s="$SECS" 'BEGIN { exit !(s < 15) }'
check "the message names Kafka and the port" grep -qE "kafka: port $KAFKA_PORT .*in use" <<<"$OUT"
check "the message names the process holding it" grep -q "pid $LISTENER_PID" <<<"$OUT"
check "nothing was started" test -z "$(stack_processes)"
for port in "$CONTROLLER_PORT" "$PG_PORT" "$PROM_PORT"; do
  check "port $port is still free" port_free "$port"
done

kill "$LISTENER_PID"
wait "$LISTENER_PID" 2>/dev/null || true
LISTENER_PID=""

if ((MAIN_WAS_RUNNING)); then
  check "the main stack is still running" main_stack_running
fi

echo "timings: first up ${FIRST_UP_SECS}s, down ${DOWN_SECS}s"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
