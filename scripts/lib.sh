# shellcheck shell=bash
# Helpers shared by the demo scripts. Source after scripts/env.sh.

# Sets CONSUMER and PRODUCER to the binaries. By default builds them into build/ (the plain tree;
# scripts/test.sh builds the same one); with EVENTSINK_BUILD_DIR set, uses the binaries already built
# there (the tests pass their sanitizer build).
build_binaries() {
  local dir="${EVENTSINK_BUILD_DIR:-}"
  if [[ -z "$dir" ]]; then
    dir="$EVENTSINK_ROOT/build"
    cmake -S "$EVENTSINK_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$dir" --target eventsink-consumer eventsink-producer
  fi
  CONSUMER="$dir/consumer/eventsink-consumer"
  PRODUCER="$dir/producer/eventsink-producer"
  [[ -x "$CONSUMER" && -x "$PRODUCER" ]] || {
    echo "no eventsink-consumer and eventsink-producer in $dir" >&2
    return 1
  }
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
