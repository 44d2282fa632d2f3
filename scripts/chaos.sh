#!/usr/bin/env bash
# Chaos run: the exactly-once promise under long, mixed, repeated faults.
#
# A producer streams events (30 % duplicates, 0.5 % malformed records) into a topic of 6 partitions
# while consumer processes (2 workers each) sink them, and this script injects faults at random
# moments. Faults come in shuffled rounds that hold every kind once, so every kind is injected
# about equally often, and at least once however short the run:
#   kill        SIGKILL a random consumer process; start a new one 0-2 s later
#   pause       SIGSTOP a consumer process past its session timeout (6 s), then SIGCONT it: the
#               group gives its partitions away meanwhile, and the resumed process must be fenced
#   postgres    stop PostgreSQL for 1-5 s, then start it again
#   kafka       stop the Kafka broker for 1-5 s, then start it again
#   scale-up    start one more consumer process (at most 4)
#   scale-down  SIGTERM a consumer process (at least 1 stays); it must exit within 30 s
# Afterwards the producer stops, the sink converges, the consumers are stopped, and PostgreSQL is
# checked against the producer's ledger (one line per record Kafka acknowledged): every record
# acknowledged with its offset (an acknowledgement without one may stand for a record Kafka never
# stored: see common/kafka_producer.cpp), every event stored once, the statistics exact, every
# malformed record dead-lettered at its coordinates, every partition's position past its last
# record. It prints a table and a verdict.
#
# Usage: scripts/chaos.sh [DURATION_SECONDS] [SEED]       (defaults: 600 and 1)
#   CHAOS_RATE           events per second (default 1000)
#   EVENTSINK_BUILD_DIR  use the binaries already built there (default: build into build/)
# The run uses a Kafka topic, consumer group and database schema of its own (chaos_<time>); its
# logs, ledger and summary.json go to $EVENTSINK_STATE_DIR/chaos/<run>/. It stops and starts the
# servers of the stack scripts/env.sh names: don't aim it at a stack someone else is using.
# Exit status: 0 when the verdict is "exact", 1 otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
source scripts/lib.sh

duration="${1:-600}" seed="${2:-1}" rate="${CHAOS_RATE:-1000}"
[[ "$duration" =~ ^[0-9]+$ && "$seed" =~ ^[0-9]+$ && "$rate" =~ ^[0-9]+$ ]] || {
  echo "usage: scripts/chaos.sh [DURATION_SECONDS] [SEED]" >&2
  exit 2
}
RANDOM="$seed"
run="chaos_$(date +%Y%m%d_%H%M%S)_$seed"
dir="$EVENTSINK_STATE_DIR/chaos/$run"
ledger="$dir/ledger.tsv"
readonly kinds=(kill pause postgres kafka scale-up scale-down)
readonly session_timeout_s=6 min_consumers=1 max_consumers=4 shutdown_limit_s=30

scripts/stack.sh up >/dev/null
build_binaries >/dev/null
mkdir -p "$dir"
database_url="$(schema_url "$run")"

log() { printf '[%4ds] %s\n' "$((SECONDS - started))" "$*"; }
# A random whole number in [low, high].
between() { echo $(($1 + RANDOM % ($2 - $1 + 1))); }

# --- consumer processes ----------------------------------------------------------------------
consumers=()      # pids of the running consumer processes
consumer_count=0  # consumer processes started, for their log names
unexpected_exits=0 slow_shutdowns=0
declare -A injected=()

start_consumer() {
  consumer_count=$((consumer_count + 1))
  # Short session timeouts let the group notice a dead or paused member within seconds.
  "$CONSUMER" --topic "$run" --group "$run" --database-url "$database_url" --workers 2 \
    --http-port 0 --batch-size 500 -X session.timeout.ms=$((session_timeout_s * 1000)) \
    -X heartbeat.interval.ms=500 --log-level debug >>"$dir/consumer-$consumer_count.log" 2>&1 &
  consumers+=("$!")
}
forget_consumer() {
  local pid="$1" kept=() other
  for other in "${consumers[@]}"; do [[ "$other" == "$pid" ]] || kept+=("$other"); done
  consumers=("${kept[@]}")
}
random_consumer() { echo "${consumers[RANDOM % ${#consumers[@]}]}"; }
# Sends SIGTERM and waits up to $shutdown_limit_s for the exit; SIGKILLs and counts a slow one.
stop_consumer() {
  local pid="$1" deadline=$((SECONDS + shutdown_limit_s)) status=0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    slow_shutdowns=$((slow_shutdowns + 1))
    log "consumer $pid still running ${shutdown_limit_s} s after SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  ((status == 0)) || log "consumer $pid exited with status $status after SIGTERM"
  ((status == 0)) || unexpected_exits=$((unexpected_exits + 1))
  forget_consumer "$pid"
}
# A consumer process that exited without being told to is a finding; it is replaced.
reap_unexpected_exits() {
  local pid status
  for pid in "${consumers[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      status=0
      wait "$pid" 2>/dev/null || status=$?
      unexpected_exits=$((unexpected_exits + 1))
      log "consumer $pid exited on its own (status $status): a finding; starting another"
      forget_consumer "$pid"
      start_consumer
    fi
  done
}

# --- faults ------------------------------------------------------------------------------------
inject() {
  local kind="$1" pid down
  case "$kind" in
    kill)
      pid="$(random_consumer)"
      kill -KILL "$pid"
      wait "$pid" 2>/dev/null || true
      forget_consumer "$pid"
      down="$(between 0 2)"
      log "kill: SIGKILL consumer $pid; a new one in $down s"
      sleep "$down"
      start_consumer
      ;;
    pause)
      pid="$(random_consumer)"
      down="$(between $((session_timeout_s + 2)) $((session_timeout_s + 5)))"
      log "pause: SIGSTOP consumer $pid for $down s (session timeout ${session_timeout_s} s)"
      kill -STOP "$pid"
      sleep "$down"
      kill -CONT "$pid"
      ;;
    postgres | kafka)
      down="$(between 1 5)"
      log "$kind: stopped for $down s"
      scripts/stack.sh stop "$kind" >/dev/null
      sleep "$down"
      scripts/stack.sh start "$kind" >/dev/null
      ;;
    scale-up)
      if ((${#consumers[@]} >= max_consumers)); then
        log "scale-up: already $max_consumers consumers; skipped"
        return
      fi
      start_consumer
      log "scale-up: now ${#consumers[@]} consumer processes"
      ;;
    scale-down)
      if ((${#consumers[@]} <= min_consumers)); then
        log "scale-down: only $min_consumers consumer left; skipped"
        return
      fi
      pid="$(random_consumer)"
      stop_consumer "$pid"
      log "scale-down: consumer $pid stopped; now ${#consumers[@]} consumer processes"
      ;;
  esac
  injected[$kind]=$((${injected[$kind]:-0} + 1))
}

# Every kind once, in random order.
shuffled_round() {
  local round=("${kinds[@]}") i j swap
  for ((i = ${#round[@]} - 1; i > 0; i--)); do
    j=$((RANDOM % (i + 1)))
    swap="${round[i]}" round[i]="${round[j]}" round[j]="$swap"
  done
  echo "${round[@]}"
}

# --- the sink's side ---------------------------------------------------------------------------
counted() {
  psql -X -At "$database_url" -c \
    "SELECT coalesce((SELECT sum(received) FROM topic_stats), 0) + (SELECT count(*) FROM dead_letters)" \
    2>/dev/null || echo 0
}

producer_pid=""
cleanup() {
  local pid
  [[ -n "$producer_pid" ]] && kill -KILL "$producer_pid" 2>/dev/null
  for pid in "${consumers[@]}"; do kill -CONT "$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; done
  # A run interrupted mid-fault must not leave a server of the stack stopped.
  scripts/stack.sh up >/dev/null 2>&1 || true
}
trap cleanup EXIT

started=$SECONDS
echo "chaos run $run: ${duration} s of faults, seed $seed, $rate events/s; files in $dir"
"$PRODUCER" generate --kafka-topic "$run" --partitions 6 --count 0 --rate "$rate" \
  --duplicates 0.3 --malformed 0.005 --seed "$seed" --ledger "$ledger" --flush-timeout 120 \
  >"$dir/producer.log" 2>&1 &
producer_pid=$!
start_consumer
start_consumer
sink_has_counted() { (($(counted) > 0)); }
WAIT_SECONDS=60 wait_for sink_has_counted ||
  { echo "the sink stored nothing within 60 s; see $dir" >&2; exit 1; }
log "the sink is storing events; faults begin"

# The first round always completes: even a short run injects every kind of fault.
rounds=0
while ((rounds == 0 || SECONDS - started < duration)); do
  rounds=$((rounds + 1))
  for kind in $(shuffled_round); do
    ((rounds == 1 || SECONDS - started < duration)) || break
    reap_unexpected_exits
    kill -0 "$producer_pid" 2>/dev/null || { echo "the producer died: see $dir/producer.log" >&2; exit 1; }
    inject "$kind"
    sleep "$(between 2 6)"
  done
done

log "faults over; stopping the producer"
while ((${#consumers[@]} < 2)); do start_consumer; done
reap_unexpected_exits
kill -TERM "$producer_pid"
producer_status=0
wait "$producer_pid" || producer_status=$?
producer_pid=""
# 143: stopped by our SIGTERM after delivering everything in flight (its summary says so).
((producer_status == 143)) || { echo "the producer failed ($producer_status): see $dir/producer.log" >&2; exit 1; }
produced="$(wc -l <"$ledger")"
log "the ledger holds $produced acknowledged records; waiting for the sink to count them all"
deadline=$((SECONDS + 300))
while (($(counted) < produced && SECONDS < deadline)); do sleep 0.5; done
log "sink counted $(counted) of $produced; stopping the consumers"
while ((${#consumers[@]} > 0)); do stop_consumer "${consumers[0]}"; done
# What the topic holds, record by record: the ledger is the producer's word for it, and a
# difference between the two is the producer's or the broker's finding, not the sink's.
kcat -C -b "$EVENTSINK_BROKERS" -t "$run" -e -q -f '%p\t%o\n' >"$dir/topic.tsv"

# --- the verdict ---------------------------------------------------------------------------------
# Everything is computed by PostgreSQL from the ledger and the topic's dump, loaded into
# temporary tables.
summary="$(psql -X -q -At -v ON_ERROR_STOP=1 "$database_url" <<SQL
CREATE TEMP TABLE ledger (topic text, event_id text, kafka_partition int, kafka_offset bigint);
\\copy ledger FROM '$ledger'
CREATE TEMP TABLE topic_records (kafka_partition int, kafka_offset bigint);
\\copy topic_records FROM '$dir/topic.tsv'
WITH expected AS (
  SELECT topic, count(*) AS received, count(DISTINCT event_id) AS unique_events
  FROM ledger WHERE topic <> '' GROUP BY topic
), per_topic AS (
  SELECT coalesce(e.received, 0) AS expected_received,
         coalesce(s.received, 0) AS received
  FROM expected e FULL JOIN topic_stats s USING (topic)
)
SELECT json_build_object(
  'produced', (SELECT count(*) FROM ledger),
  'produced_malformed', (SELECT count(*) FROM ledger WHERE topic = ''),
  'acknowledged_without_offset', (SELECT count(*) FROM ledger WHERE kafka_offset < 0),
  'acknowledged_not_stored', (SELECT count(*) FROM ledger l WHERE l.kafka_offset >= 0
      AND NOT EXISTS (SELECT 1 FROM topic_records t WHERE (t.kafka_partition, t.kafka_offset)
                                                          = (l.kafka_partition, l.kafka_offset))),
  'offsets_acknowledged_twice', (SELECT count(*) - count(DISTINCT (kafka_partition, kafka_offset))
      FROM ledger WHERE kafka_offset >= 0),
  'stored_not_acknowledged', (SELECT count(*) FROM topic_records t WHERE NOT EXISTS (
      SELECT 1 FROM ledger l WHERE (l.kafka_partition, l.kafka_offset)
                                   = (t.kafka_partition, t.kafka_offset))),
  'distinct_events', (SELECT count(*) FROM (SELECT DISTINCT topic, event_id FROM ledger WHERE topic <> '') d),
  'rows', (SELECT count(*) FROM events),
  'received', (SELECT coalesce(sum(received), 0) FROM topic_stats),
  'unique', (SELECT coalesce(sum(unique_events), 0) FROM topic_stats),
  'duplicates', (SELECT coalesce(sum(duplicates), 0) FROM topic_stats),
  'expected_received', (SELECT coalesce(sum(received), 0) FROM expected),
  'expected_unique', (SELECT coalesce(sum(unique_events), 0) FROM expected),
  'stats_exact', NOT EXISTS (
      SELECT 1 FROM expected e FULL JOIN topic_stats s USING (topic)
      WHERE e.received IS DISTINCT FROM s.received OR e.unique_events IS DISTINCT FROM s.unique_events
         OR s.duplicates IS DISTINCT FROM e.received - e.unique_events),
  'lost', (SELECT count(*) FROM (SELECT DISTINCT topic, event_id FROM ledger WHERE topic <> '') l
           WHERE NOT EXISTS (SELECT 1 FROM events e WHERE (e.topic, e.event_id) = (l.topic, l.event_id)))
        + (SELECT coalesce(sum(greatest(expected_received - received, 0)), 0) FROM per_topic),
  'double_counted', (SELECT coalesce(sum(greatest(received - expected_received, 0)), 0) FROM per_topic),
  'phantom_rows', (SELECT count(*) FROM events e
                   WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE (l.topic, l.event_id) = (e.topic, e.event_id))),
  'dead_letters', (SELECT count(*) FROM dead_letters),
  'dead_letters_missing', (SELECT count(*) FROM ledger l WHERE l.topic = '' AND NOT EXISTS (
      SELECT 1 FROM dead_letters d WHERE d.kafka_topic = '$run'
        AND (d.kafka_partition, d.kafka_offset) = (l.kafka_partition, l.kafka_offset))),
  'stalled_partitions', (SELECT count(*) FROM (
      SELECT kafka_partition, max(kafka_offset) AS last FROM ledger GROUP BY kafka_partition) p
      WHERE NOT EXISTS (SELECT 1 FROM partition_offsets o WHERE o.consumer_group = '$run'
        AND o.kafka_partition = p.kafka_partition AND o.next_offset > p.last))
)
SQL
)"
# The sink's own account, from the consumers' debug logs: every committed batch logs, per
# partition, the offset it stored and how many records it held from which first offset. On this
# topic (no compaction, no transactions) the spans must tile each partition from offset 0, each
# holding as many records as offsets. Some commits are never logged: a worker SIGKILLed between
# its commit and the log line, or one that gave up a batch whose commit had in fact succeeded.
# The partition's next claim then starts where that commit ended, so a jump (or a late first
# span) ending at an offset some worker claimed the partition at is such a commit, and is listed
# apart; the other breaks go to span_breaks.txt, and on this topic each one means records
# skipped or stored twice.
{ grep -h ' claimed ' "$dir"/consumer-*.log || true; } |
  awk '{ for (i = 1; i + 2 <= NF; i++) if ($(i + 1) == "at" && $i ~ /\]$/) print $i, $(i + 2) }' \
    >"$dir/claims.txt"
{ grep -h ' stored at ' "$dir"/consumer-*.log || true; } |
  awk '{ first = $15; sub(/\)$/, "", first); print $6, first, $9, $11 }' | sort -k1,1 -k2,2n |
  awk -v unlogged="$dir/span_breaks_unlogged_commits.txt" '
       FNR == NR { claimed[$1 " " $2] = 1; next }
       function jump(text) { print text > (($1 " " $2) in claimed ? unlogged : "/dev/stdout") }
       $4 != $3 - $2 { print "span of", $4, "records covers offsets", $2 "-" $3 - 1, "of", $1 }
       $1 != partition && $2 != 0 { jump($1 " starts at offset " $2) }
       $1 == partition && $2 != next_offset { jump($1 " jumps from offset " next_offset " to " $2) }
       { partition = $1; next_offset = $3 }' "$dir/claims.txt" - >"$dir/span_breaks.txt"
touch "$dir/span_breaks_unlogged_commits.txt"
span_breaks="$(wc -l <"$dir/span_breaks.txt")"
unlogged_commits="$(wc -l <"$dir/span_breaks_unlogged_commits.txt")"
summary="$(jq -c --argjson duration "$duration" --argjson seed "$seed" --arg run "$run" \
  --argjson span_breaks "$span_breaks" --argjson unlogged_commits "$unlogged_commits" \
  --argjson unexpected_exits "$unexpected_exits" --argjson slow_shutdowns "$slow_shutdowns" \
  --argjson faults "$(for kind in "${kinds[@]}"; do echo "{\"$kind\": ${injected[$kind]:-0}}"; done | jq -s add)" \
  '. + {run: $run, duration_s: $duration, seed: $seed, faults: $faults,
        unexpected_exits: $unexpected_exits, slow_shutdowns: $slow_shutdowns,
        span_breaks: $span_breaks, unlogged_commits: $unlogged_commits}' <<<"$summary")"
exact="$(jq '.acknowledged_without_offset == 0 and .acknowledged_not_stored == 0
  and .offsets_acknowledged_twice == 0 and .stored_not_acknowledged == 0
  and .stats_exact and .lost == 0 and .double_counted == 0 and .phantom_rows == 0 and .rows == .distinct_events
  and .dead_letters == .produced_malformed and .dead_letters_missing == 0
  and .stalled_partitions == 0 and .span_breaks == 0
  and .unexpected_exits == 0 and .slow_shutdowns == 0' <<<"$summary")"
summary="$(jq -c --argjson exact "$exact" '. + {verdict: (if $exact then "exact" else "MISMATCH" end)}' \
  <<<"$summary")"
echo "$summary" >"$dir/summary.json"

jq -r '
  def row(name; value): "| \(name) | \(value) |";
  "",
  "| chaos run \(.run): \(.duration_s) s of faults, seed \(.seed) | |",
  "|---|---|",
  (.faults | to_entries[] | row("faults: \(.key)"; .value)),
  row("records produced (acknowledged)"; "\(.produced) (\(.produced_malformed) malformed)"),
  row("acknowledged without an offset (perhaps never stored)"; .acknowledged_without_offset),
  row("acknowledged, but the topic holds no record at that offset"; .acknowledged_not_stored),
  row("offsets acknowledged for two records"; .offsets_acknowledged_twice),
  row("records the topic holds that were never acknowledged"; .stored_not_acknowledged),
  row("distinct events in the ledger"; .distinct_events),
  row("rows in events"; .rows),
  row("stats received / unique / duplicates";
      "\(.received) / \(.unique) / \(.duplicates) (expected \(.expected_received) / \(.expected_unique) / \(.expected_received - .expected_unique))"),
  row("lost"; .lost),
  row("double-counted"; .double_counted),
  row("rows not in the ledger"; .phantom_rows),
  row("dead letters"; "\(.dead_letters) (\(.dead_letters_missing) malformed records missing)"),
  row("partitions whose position is short of their last record"; .stalled_partitions),
  row("breaks in the offset spans of committed batches (consumer logs)"; .span_breaks),
  row("commits never logged (a kill between commit and log line; the next claim starts there)";
      .unlogged_commits),
  row("consumer exits not asked for"; .unexpected_exits),
  row("shutdowns slower than 30 s"; .slow_shutdowns),
  row("verdict"; .verdict)
' <<<"$summary"
if [[ "$exact" != true ]]; then
  # What CI keeps of a failed run is its output: the clues, not only the table.
  echo "breaks in the committed spans (first 20 of $span_breaks):"
  head -20 "$dir/span_breaks.txt"
  echo "the consumers' gaps, give-ups, fences and retried commits (first 40):"
  { grep -h -e 'came after a gap' -e 'abandoning' -e 'claimed by another' \
    -e 'had already committed' "$dir"/consumer-*.log || true; } | sort | head -40 || true
  echo "the producer's warnings and errors, connection losses left out (first 30):"
  { grep -e '^%[0-4]|' -e ' warning ' -e ' error ' "$dir/producer.log" || true; } |
    { grep -v -e 'Connect to' -e 'Disconnected' -e 'brokers are down' || true; } | head -30 || true
fi
[[ "$exact" == true ]]
