# shellcheck shell=bash
# The one place that names the project's addresses and credentials.
#
# Sourced by every script. Each variable may be set by the caller; these are the defaults for the local
# stack. The C++ binaries read the same variables (common/settings.hpp) with the same defaults, so a
# binary started by hand talks to the stack the scripts started.
#
#   EVENTSINK_BROKERS          Kafka bootstrap servers, host:port[,host:port...]
#   EVENTSINK_KAFKA_CONTROLLER_PORT  KRaft controller port of the local broker (stack only)
#   EVENTSINK_DATABASE_URL     libpq connection URL: postgresql://USER[:PASSWORD]@HOST:PORT/DBNAME
#   EVENTSINK_PROMETHEUS_URL   Prometheus base URL
#   EVENTSINK_HTTP_PORT        port of the consumer service's HTTP API and /metrics
#   EVENTSINK_KAFKA_TOPIC      the Kafka topic that carries every event
#   EVENTSINK_GROUP            the consumer group id
#   EVENTSINK_STATE_DIR        where the local stack keeps data, logs and pids (git-ignored)

EVENTSINK_ROOT="${EVENTSINK_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export EVENTSINK_ROOT
export EVENTSINK_BROKERS="${EVENTSINK_BROKERS:-127.0.0.1:9092}"
export EVENTSINK_KAFKA_CONTROLLER_PORT="${EVENTSINK_KAFKA_CONTROLLER_PORT:-9093}"
export EVENTSINK_DATABASE_URL="${EVENTSINK_DATABASE_URL:-postgresql://eventsink@127.0.0.1:5432/eventsink}"
export EVENTSINK_PROMETHEUS_URL="${EVENTSINK_PROMETHEUS_URL:-http://127.0.0.1:9090}"
export EVENTSINK_HTTP_PORT="${EVENTSINK_HTTP_PORT:-8080}"
export EVENTSINK_KAFKA_TOPIC="${EVENTSINK_KAFKA_TOPIC:-events}"
export EVENTSINK_GROUP="${EVENTSINK_GROUP:-eventsink}"
export EVENTSINK_STATE_DIR="${EVENTSINK_STATE_DIR:-$EVENTSINK_ROOT/.stack}"
