#!/usr/bin/env bash
# The benchmark: how close the sink comes to PostgreSQL's own ceiling, and how it compares with
# the peer users would otherwise pick, all measured in one run, on the same data, on this machine.
#
# Usage: scripts/benchmark.sh [OPTIONS]
#   --events N            events in the data set (1000000)
#   --duplicates F        share of them repeating an earlier event (0.3)
#   --partitions P        partitions of the benchmark topic (6)
#   --seed S              the generator's seed (1)
#   --workers "1 2 4"     the sink runs, by worker count
#   --batch-size N        the sink's --batch-size, and the ceiling's rows per transaction
#                         (default: the consumer's own default)
#   --latency-rate R      events per second of the latency runs (10000)
#   --latency-seconds S   length of each latency run's measured window (20); --no-latency skips
#                         them
#   --latency-warmup S    seconds' worth of records before the window opens (2)
#   --no-peer             skip Kafka Connect + Debezium's JDBC sink (both configurations)
#   --peer-tasks N        the peer's tasks.max (4)
#   --rounds N            how many times every measurement is taken (3); the table shows medians
#   --build-dir DIR       use the binaries built there (as CTest does); default: build build-bench/
#                         (Release, -Werror)
#   --out DIR             where the results go (default .stack/benchmark/<run>)
#   --keep                keep the run's Kafka topics and database schemas
#
# One run produces the data set once (eventsink-producer generate into a fresh topic), then
# takes --rounds rounds of measurements, each in this order:
#   ceiling×N    PostgreSQL alone: the same rows, COPY + INSERT ... ON CONFLICT DO NOTHING, by N
#                sessions for each N of --workers; the fastest is "the ceiling" (eventsink-bench)
#   transaction  the sink's own transaction (SinkWriter) on the same rows, no Kafka
#   broker       librdkafka reading the topic, records going nowhere (eventsink-bench)
#   sink×N       eventsink-consumer --workers N on the topic, first claim to the last commit
#   latency×N    a fresh consumer under a steady 10,000 events/s: p50/p99 from the Kafka
#                timestamp of each record to the commit of its transaction, over the records
#                committed after a warm-up (and over the whole run, reported beside them);
#                alongside, a plain consumer times the same records' arrival (Kafka alone)
#   peer         Kafka Connect standalone + Debezium's JDBC sink (upsert), on a copy of the topic
#                in Connect's JSON envelope, first assignment to the last unique row; its defaults
#   peer_tuned   the same with batches as large as ours, its reduction buffer and multi-row
#                statements (benchmarks/peer/peer.sh)
# Each measurement gets a fresh schema (the sink's migrations) and a fresh consumer group, and
# starts on a quiet database (quiesce_database).
#
# Why rounds: on a shared 2-core machine the same measurement taken minutes apart varied by up to
# half (the ceiling: 65,608 and 95,170 events/s on one morning), and a ratio of two measurements
# taken minutes apart varies as much. Rounds interleave them: each round takes every measurement
# once, each ratio is taken within a round, and the table reports per measurement the median
# over the rounds (each round's ratios are listed below it). Each round's own report is in
# round<N>/. The run prints the table and writes results.json, table.txt, throughput.png (of the
# median round) and every log under the output directory. README.md ("Performance") explains
# each number. The run is only as quiet as the machine: its load average is in the table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
source scripts/lib.sh

events=1000000 duplicates=0.3 partitions=6 seed=1 workers_list="1 2 4" batch_size=""
latency_rate=10000 latency_seconds=20 latency_warmup=2 latency=1 peer=1 peer_tasks=4 rounds=3
build_dir="" out="" keep=0
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while (($# > 0)); do
  case "$1" in
    --events) events="$2"; shift ;;
    --duplicates) duplicates="$2"; shift ;;
    --partitions) partitions="$2"; shift ;;
    --seed) seed="$2"; shift ;;
    --workers) workers_list="$2"; shift ;;
    --batch-size) batch_size="$2"; shift ;;
    --latency-rate) latency_rate="$2"; shift ;;
    --latency-seconds) latency_seconds="$2"; shift ;;
    --latency-warmup) latency_warmup="$2"; shift ;;
    --no-latency) latency=0 ;;
    --no-peer) peer=0 ;;
    --peer-tasks) peer_tasks="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --build-dir) build_dir="$2"; shift ;;
    --out) out="$2"; shift ;;
    --keep) keep=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "benchmark: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "benchmark: --rounds must be a positive integer" >&2; exit 2; }
[[ "$workers_list" =~ ^\ *[1-9][0-9]*(\ +[1-9][0-9]*)*\ *$ ]] ||
  { echo "benchmark: --workers takes worker counts separated by spaces, e.g. \"1 2 4\"" >&2; exit 2; }

run="bench_$(date +%Y%m%d_%H%M%S)"
out="${out:-$EVENTSINK_STATE_DIR/benchmark/$run}"
mkdir -p "$out/logs"
out="$(cd "$out" && pwd)"
say() { echo "benchmark: $*"; }
die() { echo "benchmark: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------
# Setup: packages, stack, binaries

scripts/install-deps.sh --quiet
scripts/stack.sh status >/dev/null 2>&1 || scripts/stack.sh up
if [[ -z "$build_dir" ]]; then
  build_dir="$EVENTSINK_ROOT/build-bench"
  say "building into $build_dir (Release, -Werror)"
  cmake -S "$EVENTSINK_ROOT" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DEVENTSINK_WERROR=ON >/dev/null
  cmake --build "$build_dir" --target eventsink-consumer eventsink-producer eventsink-bench >/dev/null
fi
CONSUMER="$build_dir/consumer/eventsink-consumer"
PRODUCER="$build_dir/producer/eventsink-producer"
BENCH="$build_dir/benchmarks/eventsink-bench"
for binary in "$CONSUMER" "$PRODUCER" "$BENCH"; do
  [[ -x "$binary" ]] || die "$binary is missing: build it, or leave out --build-dir"
done
# The consumer's own default batch size unless one is given: the ceiling writes batches as large.
batch_size="${batch_size:-$("$CONSUMER" --help | sed -n 's/.*--batch-size [^=]*=\([0-9]*\).*/\1/p')}"
[[ "$batch_size" =~ ^[0-9]+$ ]] || die "cannot tell the consumer's default --batch-size"

# ---------------------------------------------------------------------------------------------------
# Bookkeeping: what this run created, removed at the end unless --keep

topics=() pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ((keep)) && return 0
  local topic schema
  for topic in "${topics[@]}"; do "$BENCH" topic delete "$topic" >/dev/null 2>&1 || true; done
  # Every schema of the run is named <run>_*: found by name, since fresh_schema runs in subshells.
  for schema in $(psql -X -At "$EVENTSINK_DATABASE_URL" \
    -c "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, '${run}_')" 2>/dev/null); do
    psql -X -q "$EVENTSINK_DATABASE_URL" -c "DROP SCHEMA IF EXISTS \"$schema\" CASCADE" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

# A fresh schema with the sink's tables; prints its URL. Its name must start with "<run>_".
fresh_schema() {
  local schema="$1" url
  url="$(schema_url "$schema")"
  "$CONSUMER" --migrate-only --database-url "$url" >>"$out/logs/migrations.log" 2>&1 ||
    die "migrating schema $schema failed (see $out/logs/migrations.log)"
  echo "$url"
}

# Starts the measurement on an equal footing: nothing left over from the earlier ones for the
# database to do in the middle of it.
#  - Their tables are vacuumed and analyzed now. Each holds up to a million fresh rows, which
#    autovacuum otherwise takes up within a minute, 1.2-1.8 s of a core per table, in the middle
#    of the next measurements: two such vacuums fell inside one 25-s latency run (PostgreSQL's
#    log, which the local stack keeps with log_autovacuum_min_duration = 0).
#  - Then a checkpoint, so that no dirty buffers of theirs are left to flush. It needs the
#    superuser, which the local stack has; elsewhere it is skipped.
quiesce_database() {
  psql -X -q "$EVENTSINK_DATABASE_URL" >/dev/null 2>&1 <<SQL || true
SELECT format('VACUUM (ANALYZE) %I.%I', schemaname, relname) FROM pg_stat_user_tables
 WHERE starts_with(schemaname, '${run}_') AND (n_ins_since_vacuum > 0 OR n_dead_tup > 0) \gexec
SQL
  psql -X -q "${EVENTSINK_DATABASE_URL/\/\/*@/\/\/postgres@}" -c CHECKPOINT >/dev/null 2>&1 || true
}

load_average() { cut -d' ' -f1 /proc/loadavg; }

# Unix seconds of a log time: the consumer's "2026-11-21T10:00:00.123Z", Connect's "2026-11-21 10:00:00,123".
unix_time() { date -d "${1/,/.}" +%s.%N; }

peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# User plus system CPU seconds a process has used (fields 14 and 15 of /proc/PID/stat, counted
# after the command name, which may hold spaces).
cpu_seconds() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return 0; }
  stat="${stat##*) }"
  awk -v ticks="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($12 + $13) / ticks }' <<<"$stat"
}

# CPU seconds of the PostgreSQL backends serving process $1 (its connections, matched to
# pg_stat_activity by client port); 0 when the database is not on this machine.
database_port="$(sed -E 's|^[^@]*@[^:/]+:?([0-9]*)/.*|\1|' <<<"$EVENTSINK_DATABASE_URL")"
database_port="${database_port:-5432}"
backends_cpu_seconds() {
  local ports backend total=0
  ports="$(ss -Htnp state established "( dport = :$database_port )" 2>/dev/null |
    awk -v owner="pid=$1," 'index($0, owner) { n = split($3, a, ":"); print a[n] }' | paste -sd, -)"
  [[ -n "$ports" ]] || { echo 0; return 0; }
  for backend in $(psql -X -At "$EVENTSINK_DATABASE_URL" -c "SELECT pid FROM pg_stat_activity WHERE client_port IN ($ports)"); do
    total="$(awk -v a="$total" -v b="$(cpu_seconds "$backend")" 'BEGIN { printf "%.2f", a + b }')"
  done
  echo "$total"
}

# CPU seconds of the Kafka broker listening on the first bootstrap server's port, when it is a
# process of this machine (nothing otherwise). A measurement that reads the topic (the sink, the
# broker, the peer) makes the broker serve its fetches on the same cores; the ceiling, which reads
# the records into memory before its clock starts, does not.
broker_port="${EVENTSINK_BROKERS%%,*}"
broker_port="${broker_port##*:}"
broker_cpu_seconds() {
  local pid
  pid="$(ss -Htlnp "( sport = :$broker_port )" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)"
  [[ -n "$pid" ]] && cpu_seconds "$pid"
  return 0
}

# $1 - $2, for CPU seconds read now and before; null (JSON) when either is unknown.
cpu_since() {
  if [[ -z "$1" || -z "$2" ]]; then echo null; return 0; fi
  awk -v now="$1" -v then="$2" 'BEGIN { printf "%.2f", now - then }'
}

# A free TCP port on 127.0.0.1 for a consumer's /metrics.
free_port() {
  local port
  for port in $(shuf -i 20000-29999 -n 50); do
    [[ -z "$(ss -Hltn "sport = :$port")" ]] && { echo "$port"; return 0; }
  done
  die "no free port found"
}

# Stops a background process we started, waiting for it.
stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

# Takes a background process that has ended (and been waited for) off the list the exit trap stops.
forget() {
  local kept=() pid
  for pid in "${pids[@]}"; do [[ "$pid" == "$1" ]] || kept+=("$pid"); done
  pids=("${kept[@]}")
}

# ---------------------------------------------------------------------------------------------------
# The data set: produced once; every measurement reads this topic (or, the peer, a copy of it)

topic="$run"
topics+=("$topic")
say "run $run; results in $out"
say "producing $events events, $duplicates duplicates, $partitions partitions, seed $seed"
"$PRODUCER" generate --kafka-topic "$topic" --partitions "$partitions" --count "$events" \
  --duplicates "$duplicates" --seed "$seed" --ledger "$out/ledger.tsv" >"$out/logs/producer.log" 2>&1 ||
  die "producing the data set failed (see $out/logs/producer.log)"
"$PRODUCER" expect "$out/ledger.tsv" | jq -S . >"$out/expected.json"
produced="$(jq '.received + .dead_lettered' "$out/expected.json")"
unique="$(jq '.unique_processed' "$out/expected.json")"
((produced == events)) || die "the broker acknowledged $produced of $events records"

# ---------------------------------------------------------------------------------------------------
# The ceiling and the broker

# A measurement of eventsink-bench on a fresh schema: $1 names it, the rest is the subcommand.
measure_alone() {
  local name=$1 url load_before
  shift
  url="$(fresh_schema "${prefix}_$name")"
  quiesce_database
  load_before="$(load_average)"
  "$BENCH" "$@" --topic "$topic" --database-url "$url" --batch-size "$batch_size" \
    --series "$rdir/series/$name.txt" 2>>"$rdir/logs/$name.log" >"$rdir/$name.raw.json" ||
    die "$name failed (see $rdir/logs/$name.log)"
  jq --arg name "$name" --arg before "$load_before" --arg after "$(load_average)" \
    '{name: $name, events_per_second, seconds, started_at, rows: .rows_inserted,
      sessions: (.sessions // 1), database_cpu_seconds, client_cpu_seconds: (.client_cpu_seconds // 0),
      load_average: [($before | tonumber), ($after | tonumber)], detail: .}' \
    "$rdir/$name.raw.json" >"$rdir/$name.json"
  say "$name: $(jq -r '"\(.events_per_second | floor) events/s"' "$rdir/$name.json")"
}

measure_broker() {
  local load_before broker_cpu
  load_before="$(load_average)"
  broker_cpu="$(broker_cpu_seconds)"
  "$BENCH" broker --topic "$topic" 2>>"$rdir/logs/broker.log" >"$rdir/broker.raw.json" ||
    die "the broker measurement failed (see $rdir/logs/broker.log)"
  broker_cpu="$(cpu_since "$(broker_cpu_seconds)" "$broker_cpu")"
  jq --arg before "$load_before" --arg after "$(load_average)" --argjson broker_cpu "$broker_cpu" \
    '{name: "broker", events_per_second, seconds, started_at, client_cpu_seconds: .cpu_seconds,
      broker_cpu_seconds: $broker_cpu,
      load_average: [($before | tonumber), ($after | tonumber)], detail: .}' \
    "$rdir/broker.raw.json" >"$rdir/broker.json"
  say "broker: $(jq -r '"\(.events_per_second | floor) events/s"' "$rdir/broker.json")"
}

# ---------------------------------------------------------------------------------------------------
# Our sink: throughput on the full topic, then latency at a steady rate

# Rows of schema $1's events that differ from the round's (first) ceiling's: missing, extra, or
# another copy.
rows_unlike_ceiling() {
  local ceiling_schema="${prefix}_ceiling${workers_list%% *}"
  psql -X -At "$EVENTSINK_DATABASE_URL" -c "
    SELECT count(*) FROM \"$1\".events s FULL JOIN \"$ceiling_schema\".events c USING (topic, event_id)
     WHERE s.topic IS NULL OR c.topic IS NULL OR s.payload <> c.payload OR s.event_time <> c.event_time
        OR s.source <> c.source OR s.kafka_partition <> c.kafka_partition OR s.kafka_offset <> c.kafka_offset"
}

measure_sink() {
  local workers=$1 name="sink${1}" schema="${prefix}_sink${1}" url log pid watch started rss load_before
  local consumer_cpu database_cpu broker_cpu
  url="$(fresh_schema "$schema")"
  log="$rdir/logs/$name.log"
  quiesce_database
  load_before="$(load_average)"
  broker_cpu="$(broker_cpu_seconds)"
  "$CONSUMER" --topic "$topic" --group "$schema" --database-url "$url" --workers "$workers" \
    --batch-size "$batch_size" --http-port 0 >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  watch="$("$BENCH" watch --database-url "$url" --target "$produced" --series "$rdir/series/$name.txt" \
    --timeout-s 3600)" || die "$name: the sink did not count all $produced records (see $log)"
  rss="$(peak_rss_kb "$pid")"
  consumer_cpu="$(cpu_seconds "$pid")"
  database_cpu="$(backends_cpu_seconds "$pid")"
  broker_cpu="$(cpu_since "$(broker_cpu_seconds)" "$broker_cpu")"
  stop "$pid"
  # The clock starts when the first worker has claimed its partitions: the next thing it does is
  # fetch. Process start, migrations and joining the group are not counted.
  started="$(unix_time "$(grep -m1 ' claimed ' "$log" | cut -d' ' -f1)")"
  jq -n --argjson watch "$watch" --argjson started "$started" --argjson workers "$workers" \
    --argjson rss "$rss" --argjson produced "$produced" --arg name "$name" \
    --argjson consumer_cpu "$consumer_cpu" --argjson database_cpu "$database_cpu" \
    --argjson broker_cpu "$broker_cpu" \
    --argjson exact "$([[ "$(sink_stats "$url")" == "$(cat "$out/expected.json")" ]] && echo true || echo false)" \
    --argjson unlike "$(rows_unlike_ceiling "$schema")" \
    --arg before "$load_before" --arg after "$(load_average)" \
    '{name: $name, workers: $workers, started_at: $started, finished_at: $watch.reached_at,
      seconds: ($watch.reached_at - $started), events_per_second: ($produced / ($watch.reached_at - $started)),
      peak_rss_kb: $rss, stats_match_ledger: $exact, rows_unlike_ceiling: $unlike,
      client_cpu_seconds: $consumer_cpu, database_cpu_seconds: $database_cpu,
      broker_cpu_seconds: $broker_cpu,
      load_average: [($before | tonumber), ($after | tonumber)]}' >"$rdir/$name.json"
  say "$name: $(jq -r '"\(.events_per_second | floor) events/s, peak RSS \(.peak_rss_kb / 1024 | floor) MiB, stats exact: \(.stats_match_ledger), rows unlike the ceiling: \(.rows_unlike_ceiling)"' "$rdir/$name.json")"
}

measure_latency() {
  local workers=$1 name="latency${1}" schema="${prefix}_lat${1}" url log pid port count
  local metrics="" deadline
  url="$(fresh_schema "$schema")"
  log="$rdir/logs/$name.log"
  topics+=("$schema")
  "$BENCH" topic create "$schema" --partitions "$partitions" >/dev/null
  port="$(free_port)"
  # The throughput runs leave PostgreSQL tables to vacuum and a checkpoint's worth of WAL to
  # write: start clean, so that neither lands in this run's tail.
  quiesce_database
  # A transaction of 100 ms or more is what decides p99 here: the log lists each, with its phases.
  "$CONSUMER" --topic "$schema" --group "$schema" --database-url "$url" --workers "$workers" \
    --batch-size "$batch_size" --http-port "$port" --http-address 127.0.0.1 \
    --slow-transaction-ms 100 >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  # Produce only once the group has settled and every partition is claimed. Workers that join
  # together do not always land in one generation: the first JoinGroup can complete alone, and the
  # others' joins then set off a second rebalance, which the first learns of only at its next
  # heartbeat (3 s). Produced into, that rebalance stalls the partitions for a few hundred ms,
  # which alone decided a 20-s p99.
  "$BENCH" settle "$schema" --members "$workers" --timeout-s 60 >/dev/null ||
    die "$name: the group did not settle with $workers members within 60 s (see $log)"
  deadline=$((SECONDS + 60))
  until [[ "$(curl -sf "http://127.0.0.1:$port/metrics" | awk '$1 == "eventsink_consumer_assigned_partitions" { print $2 }')" == "$partitions" ]]; do
    ((SECONDS < deadline)) || die "$name: the consumer did not claim all $partitions partitions within 60 s (see $log)"
    sleep 0.1
  done
  # The window opens once the first latency_warmup seconds' worth of records have committed: a
  # run's first records also wait for the producer's, the fetchers' and the new partitions' start
  # (up to 1.5 s once, with 1 worker), which is not the steady state the target is about. The
  # whole run's figures are kept beside the window's.
  local warmup_records=$((latency_rate * latency_warmup)) producer arrivals
  count=$((latency_rate * (latency_warmup + latency_seconds)))
  # Alongside, a plain consumer times the same records' arrival: what the producer, the broker and
  # fetching alone add, at this moment (eventsink-bench arrivals).
  "$BENCH" arrivals --topic "$schema" --records "$count" --skip "$warmup_records" \
    --timeout-s 300 >"$rdir/logs/$name-arrivals.json" 2>"$rdir/logs/$name-arrivals.log" &
  arrivals=$!
  pids+=("$arrivals")
  "$PRODUCER" generate --kafka-topic "$schema" --count "$count" --rate "$latency_rate" \
    --duplicates "$duplicates" --seed "$((seed + workers))" >"$rdir/logs/$name-producer.log" 2>&1 &
  producer=$!
  pids+=("$producer")
  deadline=$((SECONDS + 120))
  local committed=0
  until ((committed >= warmup_records)); do
    ((SECONDS < deadline)) || die "$name: $warmup_records records were not committed within 120 s (see $log)"
    sleep 0.1
    committed="$(curl -sf "http://127.0.0.1:$port/metrics" |
      awk '$1 == "eventsink_consumer_end_to_end_seconds_count" { printf "%d", $2 }' || true)"
    committed="${committed:-0}"
  done
  curl -sf "http://127.0.0.1:$port/metrics" >"$rdir/logs/$name-after-warmup.metrics" ||
    die "$name: the consumer's /metrics did not answer (see $log)"
  wait "$producer" || die "$name: producing failed (see $rdir/logs/$name-producer.log)"
  forget "$producer"
  "$BENCH" watch --database-url "$url" --target "$count" --timeout-s 300 >/dev/null ||
    die "$name: the sink did not count all $count records (see $log)"
  metrics="$(curl -sf "http://127.0.0.1:$port/metrics")"
  # Kept for a closer look (transaction times, batch sizes): the window is the difference.
  echo "$metrics" >"$rdir/logs/$name-final.metrics"
  local rss
  rss="$(peak_rss_kb "$pid")"
  stop "$pid"
  wait "$arrivals" || die "$name: timing the arrivals failed (see $rdir/logs/$name-arrivals.log)"
  forget "$arrivals"
  # Each logged one transaction of 100 ms or more (--slow-transaction-ms above).
  local whole_run slow
  slow="$(grep -c "slow transaction" "$log" || true)"
  whole_run="$("$BENCH" quantiles --histogram eventsink_consumer_end_to_end_seconds - <<<"$metrics")"
  "$BENCH" quantiles --histogram eventsink_consumer_end_to_end_seconds \
    --since "$rdir/logs/$name-after-warmup.metrics" - <<<"$metrics" |
    jq --argjson rate "$latency_rate" --argjson seconds "$latency_seconds" \
      --argjson warmup "$latency_warmup" --argjson rss "$rss" --argjson whole "$whole_run" \
      --argjson slow "${slow:-0}" \
      --slurpfile kafka "$rdir/logs/$name-arrivals.json" \
      '{rate: $rate, seconds: $seconds, warmup_seconds: $warmup, observations,
        p50_seconds: .p50, p99_seconds: .p99, share_at_most_100ms,
        whole_run: {observations: $whole.observations, p50_seconds: $whole.p50,
                    p99_seconds: $whole.p99, share_at_most_100ms: $whole.share_at_most_100ms},
        kafka_alone: {observations: $kafka[0].observations, p50_seconds: $kafka[0].p50,
                      p99_seconds: $kafka[0].p99, max_seconds: $kafka[0].max,
                      share_at_most_100ms: $kafka[0].share_at_most_100ms},
        peak_rss_kb: $rss, slow_transactions: $slow}' \
      >"$rdir/$name.json"
  say "$name: $(jq -r '"p50 \(.p50_seconds * 1000 | floor) ms, p99 \(.p99_seconds * 1000 | floor) ms at \(.rate) events/s after the warm-up; p99 \(.whole_run.p99_seconds * 1000 | floor) ms from the start; Kafka alone p99 \(.kafka_alone.p99_seconds * 1000 | floor) ms"' "$rdir/$name.json")"
}

# ---------------------------------------------------------------------------------------------------
# The peer: Kafka Connect + Debezium's JDBC sink. Any failure is recorded, with its reason.

source benchmarks/peer/peer.sh

# ---------------------------------------------------------------------------------------------------
# The rounds, and the report: results.json, table.txt, throughput.png

source benchmarks/report.sh

# Every measurement once, in table order, into $rdir, on schemas and groups named $prefix_*.
measure_round() {
  local workers
  # The ceiling with as many database sessions as each sink run has workers: PostgreSQL takes
  # more with several sessions (one backend per core), and the ceiling is the fastest of them.
  for workers in $workers_list; do
    say "ceiling, $workers session(s): COPY + INSERT ... ON CONFLICT DO NOTHING, $batch_size rows per transaction"
    measure_alone "ceiling$workers" ceiling --sessions "$workers"
  done
  say "the sink's transaction alone (SinkWriter, no Kafka), $batch_size records per transaction"
  measure_alone transaction sink-transaction
  say "broker: librdkafka reading the topic"
  measure_broker
  for workers in $workers_list; do
    say "sink×$workers: eventsink-consumer --workers $workers on the topic"
    measure_sink "$workers"
  done
  if ((latency)); then
    for workers in $workers_list; do
      say "latency×$workers: $latency_rate events/s for $latency_seconds s"
      measure_latency "$workers"
    done
  fi
  local name
  for name in "${PEER_CONFIGURATIONS[@]}"; do
    if ((peer)); then
      say "$name: Kafka Connect + Debezium JDBC sink (upsert, tasks.max=$peer_tasks$([[ $name == peer ]] || echo ", tuned"))"
      if ! measure_peer "$name"; then
        say "$name: could not be measured: $(jq -r .error "$rdir/$name.json")"
      else
        say "$name: $(jq -r '"\(.events_per_second | floor) events/s"' "$rdir/$name.json")"
      fi
    else
      jq -n --arg name "$name" '{name: $name, error: "skipped (--no-peer)"}' >"$rdir/$name.json"
    fi
  done
}

for ((round = 1; round <= rounds; round++)); do
  rdir="$out/round$round" prefix="${run}_r$round"
  mkdir -p "$rdir/logs" "$rdir/series"
  cp "$out/expected.json" "$rdir/"
  say "round $round of $rounds"
  measure_round
  # The round's own report, as a one-round run's.
  (out="$rdir" run="$run, round $round of $rounds" && write_report)
done
write_summary
cat "$out/table.txt"
say "results: $out/results.json, $out/table.txt, $out/throughput.png; each round's in $out/round*/"
