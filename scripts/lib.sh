# shellcheck shell=bash
# Helpers shared by the demo scripts. Source after scripts/env.sh.

# Builds the binaries into build/ (the plain tree; scripts/test.sh builds the same one).
build_binaries() {
  cmake -S "$EVENTSINK_ROOT" -B "$EVENTSINK_ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >/dev/null
  cmake --build "$EVENTSINK_ROOT/build" --target eventsink-consumer eventsink-producer
  CONSUMER="$EVENTSINK_ROOT/build/consumer/eventsink-consumer"
  PRODUCER="$EVENTSINK_ROOT/build/producer/eventsink-producer"
}

# A database URL whose sessions work in schema $1, which is created if missing. Demo runs use a
# schema of their own so that their numbers are theirs alone.
schema_url() {
  local schema="$1"
  psql -X -q "$EVENTSINK_DATABASE_URL" -c "CREATE SCHEMA IF NOT EXISTS \"$schema\"" >/dev/null
  local separator='?'
  [[ "$EVENTSINK_DATABASE_URL" == *\?* ]] && separator='&'
  echo "${EVENTSINK_DATABASE_URL}${separator}options=-csearch_path%3D${schema}"
}

# Polls command "$@" until it succeeds or $WAIT_SECONDS (default 60) pass.
wait_for() {
  local deadline=$((SECONDS + ${WAIT_SECONDS:-60}))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# The sink's statistics from PostgreSQL in the shape of GET /stats (without uptime), sorted keys.
sink_stats() {
  local url="$1"
  psql -X -At "$url" -c "
    SELECT json_build_object(
      'received', coalesce(sum(received), 0),
      'unique_processed', coalesce(sum(unique_events), 0),
      'duplicate_dropped', coalesce(sum(duplicates), 0),
      'dead_lettered', (SELECT count(*) FROM dead_letters),
      'topics', coalesce(json_object_agg(topic, json_build_object(
          'received', received, 'unique_processed', unique_events,
          'duplicate_dropped', duplicates)) FILTER (WHERE topic IS NOT NULL), '{}'))
    FROM topic_stats" | jq -S .
}
