# shellcheck shell=bash disable=SC2154 # the variables used here are benchmark.sh's
# The benchmark's peer: Kafka Connect (standalone) with Debezium's JDBC sink connector in upsert
# mode, on the same broker and database as our sink. Sourced by scripts/benchmark.sh, whose
# variables it uses (out, rdir, run, prefix, topic, produced, unique, peer_tasks, batch_size, BENCH,
# topics, pids) and whose helpers (fresh_schema, quiesce_database, load_average, unix_time,
# free_port, stop, cpu_seconds, backends_cpu_seconds).
#
# measure_peer NAME writes $rdir/NAME.json, for one of two configurations of the same connector:
#   peer        every default kept (500-record batches, one upsert statement per record, each
#               record applied on its own);
#   peer_tuned  with the three settings an operator would reach for first: batches as large as
#               our sink's (batch.size and the consumer's max.poll.records), the reduction buffer
#               (use.reduction.buffer: a batch's records with the same key become one upsert, as
#               our sink stages each event of a batch once) and the JDBC driver's rewriting of a
#               batch into multi-row statements (reWriteBatchedInserts, which needs the reduction:
#               PostgreSQL refuses a multi-row upsert that touches one row twice, "ON CONFLICT DO
#               UPDATE command cannot affect row a second time", seen here without it).
# The issue's target is judged against `peer`; `peer_tuned` shows how much of the distance is the
# defaults'. When the peer cannot be run it writes {"name": NAME, "error": "<exactly why>"}
# instead and returns 1, and the table says why.
#
# Why a second topic: Debezium's JDBC sink maps a record's schema to columns, so it needs records
# that carry one. Kafka Connect without a schema registry carries it in each record, in the
# JsonConverter envelope; our events are plain JSON. `eventsink-bench envelope` writes the same
# events, keys and partitions into <topic>_peer in that form (benchmarks/connect_envelope.hpp),
# before the peer's clock starts.

PEER_DIR="$EVENTSINK_ROOT/benchmarks/peer"
# The peer's configurations, in the order each round measures them and the table lists them.
PEER_CONFIGURATIONS=(peer peer_tuned)
# What eventsink-bench envelope reported once the first round has written the copy (JSON).
peer_copy=""

# Version properties of the POM: the jar cache is keyed on them.
peer_pom_property() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$PEER_DIR/pom.xml" | head -n 1; }

# peer_fail NAME WHY
peer_fail() {
  jq -n --arg name "$1" --arg error "$2" '{name: $name, error: $error}' >"$rdir/$1.json"
  return 1
}

# Copies the peer's runtime classpath into the jar cache, once (as stack.sh does for the broker):
# filled in a temporary directory and renamed, under a lock. Prints the libs directory.
peer_fetch_jars() {
  local cache versions libs tmp lock fetch_log="$out/logs/peer-fetch.log"
  cache="$(realpath -m -- "${EVENTSINK_CACHE_DIR:-$EVENTSINK_STATE_DIR/cache}")"
  versions="connect-$(peer_pom_property kafka.version)-debezium-jdbc-$(peer_pom_property debezium.version)"
  libs="$cache/peer-$versions/libs"
  if [[ ! -f "$libs/.complete" ]]; then
    command -v mvn >/dev/null || { echo "mvn not found (scripts/install-deps.sh installs maven)"; return 1; }
    mkdir -p "$cache"
    exec {lock}>"$cache/.peer-$versions.lock"
    flock "$lock"
    if [[ ! -f "$libs/.complete" ]]; then
      tmp="$(mktemp -d "$cache/.peer-libs.XXXXXX")"
      if ! mvn -q -B -Dstyle.color=never -f "$PEER_DIR/pom.xml" dependency:copy-dependencies \
        -Dpeer.libs.dir="$tmp/libs" >"$fetch_log" 2>&1; then
        rm -rf "$tmp"
        exec {lock}>&-
        echo "downloading the peer's jars from Maven Central failed: $(grep -m1 -E 'ERROR|error' "$fetch_log" || tail -n 1 "$fetch_log")"
        return 1
      fi
      touch "$tmp/libs/.complete"
      rm -rf "$libs"
      mkdir -p "$(dirname "$libs")"
      mv "$tmp/libs" "$libs"
      rmdir "$tmp"
    fi
    exec {lock}>&-
  fi
  echo "$libs"
}

# The parts of EVENTSINK_DATABASE_URL a JDBC URL needs (postgresql://USER[:PASSWORD]@HOST[:PORT]/DB).
peer_parse_database_url() {
  local re='^postgres(ql)?://([^:@/]+)(:([^@/]*))?@([^:/?@]+)(:([0-9]+))?/([^?/]+)(\?.*)?$'
  [[ "$EVENTSINK_DATABASE_URL" =~ $re ]] || return 1
  local decode='s/%\([0-9A-Fa-f][0-9A-Fa-f]\)/\\x\1/g'
  PEER_DB_USER="$(printf '%b' "$(sed "$decode" <<<"${BASH_REMATCH[2]}")")"
  PEER_DB_PASSWORD="$(printf '%b' "$(sed "$decode" <<<"${BASH_REMATCH[4]}")")"
  PEER_DB_HOSTPORT="${BASH_REMATCH[5]}:${BASH_REMATCH[7]:-5432}"
  PEER_DB_NAME="${BASH_REMATCH[8]}"
}

# peer_write_config NAME SCHEMA TOPIC DIR: worker.properties and sink.properties in DIR.
peer_write_config() {
  local name=$1 schema=$2 peer_topic=$3 config_dir=$4 rest_port url_options="" worker_tuning=""
  local sink_tuning=""
  if [[ "$name" == peer_tuned ]]; then
    url_options="&reWriteBatchedInserts=true"
    worker_tuning="consumer.max.poll.records=$batch_size"
    sink_tuning="$(printf 'batch.size=%s\nuse.reduction.buffer=true' "$batch_size")"
  fi
  rest_port="$(free_port)"
  cat >"$config_dir/worker.properties" <<EOF
# Kafka Connect standalone worker (generated by scripts/benchmark.sh)
bootstrap.servers=$EVENTSINK_BROKERS
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=true
offset.storage.file.filename=$config_dir/connect.offsets
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$rest_port
$worker_tuning
EOF
  # Upsert on the primary key (topic, event_id) of the same events table our sink writes, in
  # the peer's own schema; the Kafka coordinates are added by InsertField, as our rows have them.
  # The table name is schema-qualified: Debezium looks an unqualified name up in every schema
  # (currentSchema does not narrow it) and would write into another run's events table.
  cat >"$config_dir/sink.properties" <<EOF
# Debezium JDBC sink connector (generated by scripts/benchmark.sh)
name=$schema
connector.class=io.debezium.connector.jdbc.JdbcSinkConnector
tasks.max=$peer_tasks
topics=$peer_topic
connection.url=jdbc:postgresql://$PEER_DB_HOSTPORT/$PEER_DB_NAME?currentSchema=$schema$url_options
connection.username=$PEER_DB_USER
connection.password=$PEER_DB_PASSWORD
insert.mode=upsert
primary.key.mode=record_value
primary.key.fields=topic,event_id
schema.evolution=none
collection.name.format=$schema.events
transforms=coordinates
transforms.coordinates.type=org.apache.kafka.connect.transforms.InsertField\$Value
transforms.coordinates.topic.field=kafka_topic
transforms.coordinates.partition.field=kafka_partition
transforms.coordinates.offset.field=kafka_offset
$sink_tuning
EOF
}

# The first ERROR line of Connect's log, to say why it failed.
peer_first_error() { grep -m1 -E ' (ERROR|FATAL) ' "$1" | cut -c1-300 || true; }

measure_peer() {
  local name=$1 java libs peer_topic="${run}_peer" url log pid watch started load_before timeout_s
  local schema="${prefix}_$name" config_dir="$rdir/$name"
  java="$(command -v java)" || { peer_fail "$name" "java not found (scripts/install-deps.sh installs openjdk-17-jre-headless)"; return 1; }
  libs="$(peer_fetch_jars)" || { peer_fail "$name" "$libs"; return 1; }
  peer_parse_database_url || { peer_fail "$name" "EVENTSINK_DATABASE_URL is not a postgresql://USER@HOST:PORT/DB URL"; return 1; }

  # The copy is written once, by the first round, and read by every round's connector.
  if [[ -z "$peer_copy" ]]; then
    topics+=("$peer_topic")
    peer_copy="$("$BENCH" envelope --topic "$topic" --to "$peer_topic" 2>>"$out/logs/peer-envelope.log")" ||
      { peer_copy=""; peer_fail "$name" "writing the events in Connect's JSON envelope failed: $(tail -n 1 "$out/logs/peer-envelope.log")"; return 1; }
  fi
  url="$(fresh_schema "$schema")"
  mkdir -p "$config_dir"
  peer_write_config "$name" "$schema" "$peer_topic" "$config_dir"

  log="$rdir/logs/$name.log"
  quiesce_database
  load_before="$(load_average)"
  "$java" -Xms512m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$PEER_DIR/log4j.properties" -cp "$libs/*" \
    org.apache.kafka.connect.cli.ConnectStandalone "$config_dir/worker.properties" \
    "$config_dir/sink.properties" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  # Connect's CPU time when its clock starts (below): the JVM's start-up and the connector's
  # set-up are no more counted against its CPU per event than against its throughput.
  (
    until grep -q 'Adding newly assigned partitions' "$log" 2>/dev/null; do
      kill -0 "$pid" 2>/dev/null || exit 0
      sleep 0.05
    done
    cpu_seconds "$pid" >"$config_dir/cpu_at_start"
    broker_cpu_seconds >"$config_dir/broker_cpu_at_start"
  ) &
  # A slow peer gets time: at the 2,300 events/s its authors report, plus start-up.
  timeout_s=$((600 + unique / 1000))
  if ! watch="$("$BENCH" watch --count rows --database-url "$url" --target "$unique" \
    --interval-ms 500 --timeout-s "$timeout_s" --series "$rdir/series/$name.txt")"; then
    local why
    if ! kill -0 "$pid" 2>/dev/null; then
      why="Kafka Connect exited: $(peer_first_error "$log")"
    else
      why="$(jq -r .count <<<"$watch") of $unique rows after ${timeout_s} s. $(peer_first_error "$log")"
    fi
    stop "$pid"
    peer_fail "$name" "$why"
    return 1
  fi
  local connect_cpu database_cpu broker_cpu
  connect_cpu="$(cpu_since "$(cpu_seconds "$pid")" "$(cat "$config_dir/cpu_at_start" 2>/dev/null || echo 0)")"
  database_cpu="$(backends_cpu_seconds "$pid")"
  broker_cpu="$(cpu_since "$(broker_cpu_seconds)" "$(cat "$config_dir/broker_cpu_at_start" 2>/dev/null)")"
  stop "$pid"
  # The clock starts when the connector's consumer is given its partitions, as our sink's starts
  # when a worker has claimed them: the JVM's start and the connector's set-up are not counted.
  started="$(grep -m1 'Adding newly assigned partitions' "$log" | sed -n 's/^\[\([^]]*\)\].*/\1/p')"
  [[ -n "$started" ]] || { peer_fail "$name" "no partition assignment in Connect's log ($log)"; return 1; }
  started="$(unix_time "$started")"
  jq -n --arg name "$name" --argjson watch "$watch" --argjson started "$started" --argjson copy "$peer_copy" \
    --argjson tasks "$peer_tasks" --argjson produced "$produced" \
    --argjson connect_cpu "$connect_cpu" --argjson database_cpu "$database_cpu" \
    --argjson broker_cpu "$broker_cpu" --arg before "$load_before" --arg after "$(load_average)" \
    '{name: $name, tasks: $tasks, started_at: $started, finished_at: $watch.reached_at,
      seconds: ($watch.reached_at - $started),
      events_per_second: ($copy.written / ($watch.reached_at - $started)),
      rows: $watch.count, records: $copy.written, produced: $produced,
      client_cpu_seconds: $connect_cpu, database_cpu_seconds: $database_cpu,
      broker_cpu_seconds: $broker_cpu,
      load_average: [($before | tonumber), ($after | tonumber)]}' >"$rdir/$name.json"
}
