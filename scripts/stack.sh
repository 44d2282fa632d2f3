#!/usr/bin/env bash
# The local stack: Kafka (KRaft, single node), PostgreSQL 15 and Prometheus, as plain processes (no Docker).
#
# Usage: scripts/stack.sh COMMAND [ARGS]
#   up                        start every server that is not running (idempotent), wait until each answers
#   down                      stop every server; afterwards nothing of this stack runs and its ports are free
#   status                    one line per server; exits 1 unless all are running and answering
#   logs [SERVICE] [-f] [-n N]   last N (100) lines of a server's log, or of all; -f follows
#   start|stop|restart SERVICE   one server, leaving the others alone (SERVICE: kafka, postgres, prometheus)
#   kill SERVICE              SIGKILL the server (and, for PostgreSQL, its backends): a crash, for chaos tests
#
# Addresses come from scripts/env.sh (EVENTSINK_BROKERS, EVENTSINK_KAFKA_CONTROLLER_PORT, EVENTSINK_DATABASE_URL,
# EVENTSINK_PROMETHEUS_URL), so a second stack on other ports only needs other values and another
# EVENTSINK_STATE_DIR. Everything the stack writes lives in EVENTSINK_STATE_DIR:
#   logs/{kafka,postgres,prometheus}.log   run/*.pid   kafka/{server.properties,data}
#   postgres/data (owned by the postgres user)   prometheus/data
# Other knobs:
#   EVENTSINK_CACHE_DIR           Kafka jar cache (default $EVENTSINK_STATE_DIR/cache); stacks may share one
#   EVENTSINK_SKIP_INSTALL=1      do not run scripts/install-deps.sh from up/start
#   EVENTSINK_KAFKA_START_TIMEOUT, EVENTSINK_PG_START_TIMEOUT, EVENTSINK_PROMETHEUS_START_TIMEOUT
#                                 seconds to wait for a server to answer (60, 20, 20)
#   EVENTSINK_STOP_TIMEOUT        seconds a server gets to stop after SIGTERM before SIGKILL (30)
#   EVENTSINK_KAFKA_HEAP          broker heap, -Xms and -Xmx (512m)
#
# PostgreSQL refuses to run as root: when this script runs as root (CI), the cluster belongs to the
# `postgres` user and is run with runuser. That user must be able to reach the data directory, so `up`
# adds o+x to any directory on the way to $EVENTSINK_STATE_DIR/postgres that lacks it, and says so.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$SCRIPT_DIR/env.sh"

# Absolute paths: they are matched against process command lines to recognise this stack's processes.
STATE_DIR="$(realpath -m -- "$EVENTSINK_STATE_DIR")"
CACHE_DIR="$(realpath -m -- "${EVENTSINK_CACHE_DIR:-$STATE_DIR/cache}")"
LOG_DIR="$STATE_DIR/logs"
RUN_DIR="$STATE_DIR/run"

SERVICES=(postgres kafka prometheus)

KAFKA_VERSION=3.9.1 # must match scripts/kafka/pom.xml
KAFKA_LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
KAFKA_DIR="$STATE_DIR/kafka"
PG_DIR="$STATE_DIR/postgres"
PG_DATA="$PG_DIR/data"
PROM_DIR="$STATE_DIR/prometheus"
PROM_CONFIG="$EVENTSINK_ROOT/monitoring/prometheus.yml"

KAFKA_START_TIMEOUT="${EVENTSINK_KAFKA_START_TIMEOUT:-60}"
PG_START_TIMEOUT="${EVENTSINK_PG_START_TIMEOUT:-20}"
PROM_START_TIMEOUT="${EVENTSINK_PROMETHEUS_START_TIMEOUT:-20}"
STOP_TIMEOUT="${EVENTSINK_STOP_TIMEOUT:-30}"
KAFKA_HEAP="${EVENTSINK_KAFKA_HEAP:-512m}"

# ---------------------------------------------------------------------------------------------------------
# Small helpers

say() { echo "stack: $*"; }
die() {
  echo "stack: $*" >&2
  exit 1
}

# fail SERVICE CAUSE [LOGFILE]: the one way a server's start fails: names the server, the cause and its log.
fail() {
  local svc=$1 cause=$2 log=${3:-}
  {
    echo "stack: $svc: FAILED: $cause"
    if [[ -n "$log" ]]; then
      echo "stack: $svc: log file: $log"
      if [[ -s "$log" ]]; then
        echo "---- last lines of $log ----"
        tail -n 30 "$log"
        echo "----"
      fi
    fi
    if [[ "$COMMAND" == up ]]; then
      echo "stack: servers that did start keep running: 'scripts/stack.sh status' shows them, 'down' stops them"
    fi
  } >&2
  exit 1
}

now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

log_file() { echo "$LOG_DIR/$1.log"; }

# The command line of a live process, NULs as spaces; fails for a dead process or a zombie (empty cmdline).
cmdline_of() {
  local cmd
  cmd="$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline")" || return 1 # 2> first: it must cover the <
  [[ -n "$cmd" ]] || return 1
  echo "$cmd"
}

# A pid belongs to this stack when its command line names this stack's state directory (every server is
# started with a path under it). This guards against a stale pid file whose pid was reused by another process.
is_ours() {
  local cmd
  cmd="$(cmdline_of "$1")" || return 1
  [[ "$cmd" == *"$STATE_DIR/"* ]]
}

pid_file() {
  case "$1" in
    postgres) echo "$PG_DATA/postmaster.pid" ;; # PostgreSQL keeps its own; its first line is the pid
    *) echo "$RUN_DIR/$1.pid" ;;
  esac
}

# Prints the pid of a running server of this stack; fails if it is not running.
service_pid() {
  local file pid
  file="$(pid_file "$1")"
  [[ -r "$file" ]] || return 1
  pid=""
  read -r pid 2>/dev/null <"$file" || [[ -n "$pid" ]] || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  is_ours "$pid" || return 1
  echo "$pid"
}

port_listening() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

# Describes whoever listens on a TCP port ("pid 123 (python3 -m http.server 9092)"); fails if nobody does.
port_holder() {
  local line pid cmd
  line="$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n 1)"
  [[ -n "$line" ]] || return 1
  if [[ "$line" =~ pid=([0-9]+) ]]; then
    pid="${BASH_REMATCH[1]}"
    cmd="$(cmdline_of "$pid" || echo '?')"
    cmd="${cmd% }"
    cmd="${cmd//$'\n'/ }"
    echo "pid $pid (${cmd:0:150})"
  else
    echo "a process this user may not see (try: sudo ss -ltnp 'sport = :$1')"
  fi
}

# Adds the failure for each of the given ports (PORT:ROLE) that someone already listens on to PREFLIGHT_ERRORS.
PREFLIGHT_ERRORS=()
check_ports_free() {
  local svc=$1 entry port role holder hint
  shift
  for entry in "$@"; do
    port="${entry%%:*}"
    role="${entry#*:}"
    role="${role//,/, }"
    if holder="$(port_holder "$port")"; then
      hint=""
      if [[ "$svc" == postgres && "$holder" == *"/var/lib/postgresql"* ]]; then
        hint=" (Debian's own cluster: stop it with 'pg_ctlcluster 15 main stop')"
      elif [[ "$holder" == *"$STATE_DIR/"* ]]; then
        hint=" (a process of this stack without a valid pid file: 'scripts/stack.sh down' stops it)"
      fi
      PREFLIGHT_ERRORS+=("$svc: port $port ($role) is already in use by $holder$hint")
    fi
  done
}

# Commands that start or stop servers hold an exclusive lock on the state directory, so that concurrent
# invocations (parallel test fixtures that each run `up`, say) take turns instead of racing to start the
# same server twice. The servers must not inherit the lock's file descriptor, or they would hold it forever:
# every place that starts one closes it first (close_lock_fd).
STATE_LOCK_FD=""
take_state_lock() {
  exec {STATE_LOCK_FD}>"$STATE_DIR/.lock"
  if ! flock -n "$STATE_LOCK_FD"; then
    say "waiting for another stack.sh on $STATE_DIR to finish"
    flock -w 600 "$STATE_LOCK_FD" || die "gave up waiting for the lock on $STATE_DIR/.lock"
  fi
}
close_lock_fd() {
  if [[ -n "$STATE_LOCK_FD" ]]; then exec {STATE_LOCK_FD}>&-; fi
}

# Starts a long-running server detached from this script: setsid gives it its own session, so it outlives
# the script and its terminal (no SIGHUP) and can be signalled as a process group. The process writes its
# own pid just before exec'ing the server, so the pid file is right whether or not setsid had to fork.
launch() {
  local svc=$1 log=$2 pidfile i
  shift 2
  pidfile="$(pid_file "$svc")"
  rm -f "$pidfile"
  # From the state directory, so that nothing a server drops in its working directory (a JVM crash
  # report, say) lands in the caller's directory, typically the repository.
  # shellcheck disable=SC2016 # $$ and "$@" belong to the inner shell
  (close_lock_fd && cd "$STATE_DIR" && exec setsid bash -c 'echo $$ >"$0" && exec "$@"' "$pidfile" "$@" </dev/null >>"$log" 2>&1) &
  for ((i = 0; i < 100; i++)); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.02
  done
  fail "$svc" "could not start the process (no pid file after 2 s)" "$log"
}

# Waits until PROBE succeeds; fails naming the server if its process dies first or the deadline passes.
wait_ready() {
  local svc=$1 timeout=$2 probe=$3 pid=$4 started=$5 log deadline
  log="$(log_file "$svc")"
  deadline=$((SECONDS + timeout))
  until "$probe"; do
    if ! is_ours "$pid"; then
      fail "$svc" "the process (pid $pid) exited during startup" "$log"
    fi
    if ((SECONDS >= deadline)); then
      signal_and_wait "$svc" "$pid" 5 >/dev/null 2>&1 || true
      fail "$svc" "not ready after ${timeout}s (stopped it again)" "$log"
    fi
    sleep 0.2
  done
  say "$svc: started (pid $pid, $(service_address "$svc")) in $(elapsed_since "$started")"
}

# The processes to signal for a server: the process itself plus, for PostgreSQL, its children (each
# backend and auxiliary process calls setsid(), so they are not in the postmaster's process group).
service_pids() {
  echo "$2"
  if [[ "$1" == postgres ]]; then pgrep -P "$2" 2>/dev/null || true; fi
}

# Waits until a dead process no longer exists at all. A killed process lingers as a zombie until its
# parent (init, for our detached servers) reaps it, which on this machine takes up to 2 s, and
# PostgreSQL refuses to start while the pid in a stale postmaster.pid still exists, zombie or not. Only
# PostgreSQL needs this: Kafka's and Prometheus's ports are free once their process is dead.
wait_reaped() {
  local pid=$1 deadline=$((SECONDS + ${2:-10}))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# The state letter of a process (R, S, D, Z, ...); fails if there is no such process.
proc_state() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }" # after the command name, which may contain spaces and parentheses
  echo "${stat%% *}"
}

# Waits (up to 10 s) until nobody listens on a stopped server's ports any more. A dying process loses its
# command line (its memory) before its files are closed, and in a multi-threaded one like the JVM the main
# thread is a zombie while other threads still hold the sockets: neither says that the ports are free.
wait_ports_closed() {
  local entry deadline=$((SECONDS + 10))
  for entry in $(service_ports "$1"); do
    while port_listening "${entry%%:*}" && ((SECONDS < deadline)); do sleep 0.02; done
  done
}

# SIGTERM, wait up to TIMEOUT seconds, then SIGKILL. Liveness is judged by the command line, not kill -0:
# a dead server is a zombie until init reaps it (or, started by this very invocation, until we exit).
signal_and_wait() {
  local svc=$1 pid=$2 timeout=$3 deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + timeout))
  while is_ours "$pid"; do
    if ((SECONDS >= deadline)); then
      say "$svc: still running ${timeout}s after SIGTERM: sending SIGKILL"
      # shellcheck disable=SC2046 # one pid per word
      kill -KILL $(service_pids "$svc" "$pid") 2>/dev/null || true
      deadline=$((SECONDS + 5))
      while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.05; done
      is_ours "$pid" && die "$svc: pid $pid survived SIGKILL"
      break
    fi
    sleep 0.05
  done
}

run_install_deps() {
  [[ "${EVENTSINK_SKIP_INSTALL:-0}" == 1 ]] && return 0
  "$SCRIPT_DIR/install-deps.sh" --quiet || die "scripts/install-deps.sh failed"
}

# ---------------------------------------------------------------------------------------------------------
# Addresses, from scripts/env.sh's variables

parse_addresses() {
  local first=${EVENTSINK_BROKERS%%,*}
  [[ "$first" =~ ^([^:/]+):([0-9]+)$ ]] ||
    die "EVENTSINK_BROKERS='$EVENTSINK_BROKERS': expected host:port[,host:port...]"
  KAFKA_HOST="${BASH_REMATCH[1]}"
  KAFKA_PORT="${BASH_REMATCH[2]}"
  [[ "$EVENTSINK_KAFKA_CONTROLLER_PORT" =~ ^[0-9]+$ ]] ||
    die "EVENTSINK_KAFKA_CONTROLLER_PORT='$EVENTSINK_KAFKA_CONTROLLER_PORT': expected a port number"
  KAFKA_CONTROLLER_PORT="$EVENTSINK_KAFKA_CONTROLLER_PORT"

  # postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?params]; user, password and name may be %-encoded.
  local re='^postgres(ql)?://([^:@/]+)(:([^@/]*))?@([^:/?@]+)(:([0-9]+))?/([^?/]+)(\?.*)?$'
  [[ "$EVENTSINK_DATABASE_URL" =~ $re ]] ||
    die "EVENTSINK_DATABASE_URL='$EVENTSINK_DATABASE_URL': expected postgresql://USER[:PASSWORD]@HOST:PORT/DBNAME"
  PG_USER="$(url_decode "${BASH_REMATCH[2]}")"
  PG_HAS_PASSWORD=0
  [[ -n "${BASH_REMATCH[3]}" ]] && PG_HAS_PASSWORD=1
  PG_PASSWORD="$(url_decode "${BASH_REMATCH[4]}")"
  PG_HOST="${BASH_REMATCH[5]}"
  PG_PORT="${BASH_REMATCH[7]:-5432}"
  PG_DB="$(url_decode "${BASH_REMATCH[8]}")"

  re='^https?://([^:/]+)(:([0-9]+))?/?$'
  [[ "$EVENTSINK_PROMETHEUS_URL" =~ $re ]] ||
    die "EVENTSINK_PROMETHEUS_URL='$EVENTSINK_PROMETHEUS_URL': expected http://HOST:PORT"
  PROM_HOST="${BASH_REMATCH[1]}"
  PROM_PORT="${BASH_REMATCH[3]:-9090}"
}

# %XX escapes only ('+' is a literal plus in a URL's user info and path); other backslashes stay literal.
url_decode() {
  local s="${1//\\/\\\\}"
  printf '%b' "${s//%/\\x}"
}

service_address() {
  case "$1" in
    kafka) echo "$KAFKA_HOST:$KAFKA_PORT, controller :$KAFKA_CONTROLLER_PORT" ;;
    postgres) echo "$PG_HOST:$PG_PORT, database $PG_DB, user $PG_USER" ;;
    prometheus) echo "http://$PROM_HOST:$PROM_PORT" ;;
  esac
}

# PORT:ROLE for each port a server listens on.
service_ports() {
  case "$1" in
    kafka) echo "$KAFKA_PORT:broker,EVENTSINK_BROKERS $KAFKA_CONTROLLER_PORT:controller,EVENTSINK_KAFKA_CONTROLLER_PORT" ;;
    postgres) echo "$PG_PORT:EVENTSINK_DATABASE_URL" ;;
    prometheus) echo "$PROM_PORT:EVENTSINK_PROMETHEUS_URL" ;;
  esac
}

# Is the server answering (not just alive)?
service_ready() {
  case "$1" in
    kafka) kafka_ready ;;
    postgres) pg_ready ;;
    prometheus) prometheus_ready ;;
  esac
}

# ---------------------------------------------------------------------------------------------------------
# Kafka

find_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java
  fi
}

# Copies the broker's runtime classpath into the jar cache, once. Filled in a temporary directory and
# renamed, so an interrupted download never looks complete; under a lock, because stacks may share a cache.
kafka_fetch_jars() {
  [[ -f "$KAFKA_LIBS/.complete" ]] && return 0
  local fetch_log="$LOG_DIR/kafka-fetch.log" tmp lock started
  command -v mvn >/dev/null || fail kafka "mvn not found: cannot download the broker's jars (scripts/install-deps.sh installs maven)"
  mkdir -p "$CACHE_DIR"
  exec {lock}>"$CACHE_DIR/.kafka-$KAFKA_VERSION.lock"
  flock "$lock"
  if [[ ! -f "$KAFKA_LIBS/.complete" ]]; then
    started="$(now)"
    say "kafka: downloading the Kafka $KAFKA_VERSION jars into $KAFKA_LIBS (once per cache)"
    tmp="$(mktemp -d "$CACHE_DIR/.kafka-libs.XXXXXX")"
    if ! mvn -q -B -Dstyle.color=never -f "$SCRIPT_DIR/kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.libs.dir="$tmp/libs" >"$fetch_log" 2>&1; then
      rm -rf "$tmp"
      fail kafka "downloading the broker's jars with Maven failed" "$fetch_log"
    fi
    if [[ ! -f "$tmp/libs/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
      rm -rf "$tmp"
      fail kafka "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is not among the downloaded jars" "$fetch_log"
    fi
    touch "$tmp/libs/.complete"
    rm -rf "$KAFKA_LIBS"
    mkdir -p "$(dirname "$KAFKA_LIBS")"
    mv "$tmp/libs" "$KAFKA_LIBS"
    rmdir "$tmp"
    say "kafka: jars downloaded in $(elapsed_since "$started")"
  fi
  exec {lock}>&-
}

# Regenerated at every start, so the broker always follows the current EVENTSINK_* addresses.
kafka_write_config() {
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Generated by scripts/stack.sh at every start: edit the script, not this file.
# Single-node KRaft: this process is both the broker and the (only) controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data

# One broker: every internal topic has one replica, and one in-sync replica is enough.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Fewer internal partitions than the default 50: quicker to create on a 2-core machine, plenty for tests.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10

# Topics a test produces to are created on first use, with several partitions so rebalances move work.
auto.create.topics.enable=true
num.partitions=6
delete.topic.enable=true

# A new consumer group starts consuming at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0

# A broker restart (tests do that mid-stream) recovers its logs with more than one thread.
num.recovery.threads.per.data.dir=2
# After a crash (stack.sh kill kafka) the restarted broker cannot register until the dead incarnation's
# session expires (counted from the controller's start), retrying with exponential backoff: with the
# default 9 s session, start after kill took ~15 s; with 3 s it takes ~6 s. The broker heartbeats its
# controller (the same process) every 0.75 s, so only a stall of seconds would fence it.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=750
EOF
}

# Formats the log directory once; the cluster id is kept in its meta.properties.
kafka_format_storage() {
  local java=$1 log cluster_id
  [[ -f "$KAFKA_DIR/data/meta.properties" ]] && return 0
  log="$(log_file kafka)"
  # A random 16-byte id in Kafka's base64url form, without a JVM start for `StorageTool random-uuid`.
  # One starting with '-' would read as a command-line option: draw again.
  cluster_id=-
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  say "kafka: formatting storage (cluster id $cluster_id)"
  if ! "$java" -Xmx256m -Dlog4j.configuration="file:$SCRIPT_DIR/kafka/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_DIR/server.properties" \
    >>"$log" 2>&1; then
    fail kafka "formatting the storage directory $KAFKA_DIR/data failed" "$log"
  fi
}

kafka_ready() {
  # kcat waits its whole metadata timeout when nobody listens: look at the port first.
  port_listening "$KAFKA_PORT" || return 1
  local out
  # Captured rather than piped into grep -q, which could close the pipe early and fail kcat under pipefail.
  out="$(timeout 10 kcat -b "$KAFKA_HOST:$KAFKA_PORT" -m 3 -L 2>/dev/null)" || return 1
  [[ "$out" =~ (^|$'\n')\ *1\ brokers: ]]
}

# Starts the broker without waiting for it; kafka_wait waits. (Its JVM takes seconds to come up, so `up`
# starts PostgreSQL and Prometheus meanwhile.)
KAFKA_LAUNCHED_PID=""
kafka_launch() {
  local java log
  KAFKA_LAUNCHED_PID=""
  KAFKA_STARTED_AT="$(now)"
  java="$(find_java)" || fail kafka "java not found (set JAVA_HOME, or scripts/install-deps.sh installs openjdk-17-jre-headless)" ""
  kafka_fetch_jars
  kafka_write_config
  kafka_format_storage "$java"
  log="$(log_file kafka)"
  # -Xms = -Xmx: no heap resizing; G1 with short pauses as Kafka's own start scripts use.
  launch kafka "$log" "$java" "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -XX:ErrorFile="$LOG_DIR/kafka-hs_err_pid%p.log" \
    -Dlog4j.configuration="file:$SCRIPT_DIR/kafka/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
  KAFKA_LAUNCHED_PID="$(service_pid kafka)" || fail kafka "the process exited at once" "$log"
}

kafka_wait() {
  [[ -n "$KAFKA_LAUNCHED_PID" ]] || return 0
  wait_ready kafka "$KAFKA_START_TIMEOUT" kafka_ready "$KAFKA_LAUNCHED_PID" "$KAFKA_STARTED_AT"
}

kafka_start() {
  kafka_launch
  kafka_wait
}

kafka_stop() {
  local pid
  pid="$(service_pid kafka)" || return 0
  # SIGTERM makes the broker shut down cleanly (controlled shutdown, clean log close: no log recovery at
  # the next start).
  signal_and_wait kafka "$pid" "$STOP_TIMEOUT"
  rm -f "$(pid_file kafka)"
}

# ---------------------------------------------------------------------------------------------------------
# PostgreSQL

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [[ -x "$d/pg_ctl" && -x "$d/initdb" ]] && {
      echo "$d"
      return 0
    }
  done
  return 1
}

# Runs a PostgreSQL server program as the postgres user when we are root. From /, because runuser keeps
# the working directory, which that user may not be allowed to enter.
as_pg() {
  if ((EUID == 0)); then
    (close_lock_fd && cd / && runuser -u postgres -- "$@")
  else
    (close_lock_fd && cd / && "$@")
  fi
}

# As root: the data directory belongs to postgres, and every directory above it must be traversable by it.
pg_prepare_dirs() {
  local log dir
  log="$(log_file postgres)"
  mkdir -p "$PG_DIR"
  touch "$log"
  ((EUID == 0)) || return 0
  chown postgres:postgres "$PG_DIR" "$log"
  if ! as_pg test -x "$PG_DIR" -a -w "$PG_DIR" -a -w "$log"; then
    dir="$PG_DIR"
    while [[ "$dir" != / ]]; do
      dir="$(dirname "$dir")"
      if ! as_pg test -x "$dir"; then
        say "postgres: chmod o+x $dir (the postgres user must be able to traverse it)"
        chmod o+x "$dir"
      fi
    done
    as_pg test -x "$PG_DIR" -a -w "$PG_DIR" -a -w "$log" ||
      fail postgres "the postgres user cannot write to $PG_DIR or $log" ""
  fi
}

# Unix sockets are limited to 107 bytes of path: keep the socket in the data directory when it fits.
pg_socket_dir() {
  local candidate="$PG_DATA/.s.PGSQL.$PG_PORT"
  if ((${#candidate} < 100)); then echo "$PG_DATA"; else echo /tmp; fi
}

pg_init() {
  local bindir=$1
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    rm -rf "$PG_DATA" # what an interrupted initdb left
    say "postgres: creating the cluster in $PG_DATA"
    # trust: local test stack; the URL's password (if any) is still set on the role.
    # Its own log: its chatter ("Success. You can now start the database server using ...") would
    # only confuse a reader of the server log.
    if ! as_pg "$bindir/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$LOG_DIR/postgres-initdb.log" 2>&1; then
      fail postgres "initdb failed" "$LOG_DIR/postgres-initdb.log"
    fi
    echo "include_if_exists = 'eventsink.conf'" >>"$PG_DATA/postgresql.conf"
  fi
  # Rewritten at every start so the server follows the current EVENTSINK_DATABASE_URL. Last in
  # postgresql.conf, so it wins over initdb's values.
  cat >"$PG_DATA/eventsink.conf" <<EOF
# Generated by scripts/stack.sh at every start: edit the script, not this file.
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$(pg_socket_dir)'
max_connections = 200
shared_buffers = 256MB
# An ingest database: each sink transaction writes megabytes of WAL. With the default 8 MB of WAL
# buffers backends wait for one another to write them out, and the default max_wal_size forces a
# checkpoint (and with it a full page image of every index page touched next) every 1 GB.
wal_buffers = 64MB
max_wal_size = 4GB
# We sell durability: a commit is on disk before it is acknowledged, in tests too.
fsync = on
synchronous_commit = on
full_page_writes = on
log_line_prefix = '%m [%p] %q%u@%d '
log_connections = off
log_lock_waits = on
# Every autovacuum run, with its duration: one that lands in a measurement shows here (one did,
# in the benchmark's latency runs; scripts/benchmark.sh quiesce_database).
log_autovacuum_min_duration = 0
EOF
  ((EUID == 0)) && chown postgres:postgres "$PG_DATA/eventsink.conf"
  return 0
}

# After a crash (stack.sh kill, or a test's own kill -9) postmaster.pid stays behind. PostgreSQL replaces it
# itself when its pid no longer exists, but refuses to start while that pid exists in any form.
pg_check_stale_lock() {
  local lock="$PG_DATA/postmaster.pid" pid state
  [[ -r "$lock" ]] || return 0
  pid=""
  read -r pid <"$lock" || true
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  state="$(proc_state "$pid" || true)"
  if [[ "$state" == Z ]]; then
    # The dead postmaster waits for init to reap it.
    wait_reaped "$pid" 10 || fail postgres "the dead postmaster (pid $pid) of $PG_DATA was not reaped within 10 s" ""
  elif [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != postgres ]]; then
    # The pid was reused by an unrelated program: the lock is certainly stale.
    say "postgres: removing stale postmaster.pid (pid $pid is now $(cat "/proc/$pid/comm" 2>/dev/null))"
    rm -f "$lock"
  fi
  # A live postgres process with that pid: let the server itself decide (and report) whether it may start.
}

pg_ready() {
  # As the superuser: probing as the calling OS user logs a FATAL "role does not exist" each time.
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -t 2 >/dev/null 2>&1
}

# The role and database from EVENTSINK_DATABASE_URL, idempotently, as the superuser over TCP (trust).
pg_ensure_role_and_db() {
  local out
  if ! out="$(psql -X -q -At -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres \
    -v u="$PG_USER" -v p="$PG_PASSWORD" -v has_p="$PG_HAS_PASSWORD" -v d="$PG_DB" 2>&1 <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'u')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB', :'u') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'u', :'p') WHERE :'has_p' = '1' \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'d', :'u')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'d') \gexec
SQL
  )"; then
    fail postgres "creating role '$PG_USER' / database '$PG_DB' failed: $out" "$(log_file postgres)"
  fi
}

postgres_start() {
  local bindir log started pid out
  started="$(now)"
  log="$(log_file postgres)"
  bindir="$(pg_bindir)" || fail postgres "PostgreSQL server binaries not found under /usr/lib/postgresql (scripts/install-deps.sh installs postgresql)" ""
  pg_prepare_dirs
  pg_init "$bindir"
  pg_check_stale_lock
  # pg_ctl -w returns once the server accepts connections, or fails if it dies or the deadline passes.
  # It detaches the postmaster itself (setsid), so the server outlives this script.
  if ! out="$(as_pg "$bindir/pg_ctl" -D "$PG_DATA" -l "$log" -w -t "$PG_START_TIMEOUT" start </dev/null 2>&1)"; then
    pid="$(service_pid postgres)" && signal_and_wait postgres "$pid" 5 >/dev/null 2>&1
    fail postgres "pg_ctl start failed: ${out//$'\n'/ }" "$log"
  fi
  pid="$(service_pid postgres)" || fail postgres "pg_ctl reported success but no server runs" "$log"
  local deadline=$((SECONDS + PG_START_TIMEOUT))
  until pg_ready; do
    ((SECONDS < deadline)) || fail postgres "pg_isready: no answer on $PG_HOST:$PG_PORT after ${PG_START_TIMEOUT}s" "$log"
    sleep 0.1
  done
  pg_ensure_role_and_db
  say "postgres: started (pid $pid, $(service_address postgres)) in $(elapsed_since "$started")"
}

postgres_stop() {
  local pid bindir
  pid="$(service_pid postgres)" || return 0
  bindir="$(pg_bindir)" || die "postgres: PostgreSQL binaries not found"
  # Fast shutdown: roll back open transactions, disconnect clients, checkpoint, exit. Takes well under a
  # second; the default (smart) mode would wait for every client to disconnect.
  if ! as_pg "$bindir/pg_ctl" -D "$PG_DATA" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1; then
    say "postgres: fast shutdown did not finish in ${STOP_TIMEOUT}s: sending SIGKILL"
    # shellcheck disable=SC2046
    kill -KILL $(service_pids postgres "$pid") 2>/dev/null || true
  fi
  while is_ours "$pid"; do sleep 0.05; done
}

# ---------------------------------------------------------------------------------------------------------
# Prometheus

prometheus_ready() {
  curl -fsS -m 2 -o /dev/null "http://$PROM_HOST:$PROM_PORT/-/ready" 2>/dev/null
}

PROM_LAUNCHED_PID=""
prometheus_start() {
  local log started prom
  started="$(now)"
  log="$(log_file prometheus)"
  prom="$(command -v prometheus)" || fail prometheus "prometheus not found (scripts/install-deps.sh installs it)" ""
  [[ -r "$PROM_CONFIG" ]] || fail prometheus "configuration $PROM_CONFIG not found" ""
  mkdir -p "$PROM_DIR/data"
  # --web.enable-lifecycle: POST /-/reload picks up an edited monitoring/prometheus.yml without a restart.
  launch prometheus "$log" "$prom" --config.file="$PROM_CONFIG" --storage.tsdb.path="$PROM_DIR/data" \
    --web.listen-address="$PROM_HOST:$PROM_PORT" --web.enable-lifecycle
  PROM_LAUNCHED_PID="$(service_pid prometheus)" || fail prometheus "the process exited at once" "$log"
  wait_ready prometheus "$PROM_START_TIMEOUT" prometheus_ready "$PROM_LAUNCHED_PID" "$started"
}

prometheus_stop() {
  local pid
  pid="$(service_pid prometheus)" || return 0
  signal_and_wait prometheus "$pid" "$STOP_TIMEOUT"
  rm -f "$(pid_file prometheus)"
}

# ---------------------------------------------------------------------------------------------------------
# Commands

prepare_state_dir() {
  mkdir -p "$STATE_DIR" "$LOG_DIR" "$RUN_DIR"
  take_state_lock
}

# Fails (before anything is started) if a port of a server that is not running is taken.
preflight() {
  local svc pid
  PREFLIGHT_ERRORS=()
  for svc in "$@"; do
    pid="$(service_pid "$svc")" && continue
    # shellcheck disable=SC2046 # one port per word
    check_ports_free "$svc" $(service_ports "$svc")
  done
  if ((${#PREFLIGHT_ERRORS[@]} > 0)); then
    local e
    for e in "${PREFLIGHT_ERRORS[@]}"; do echo "stack: $e" >&2; done
    echo "stack: nothing was started: free the port(s) or point EVENTSINK_* (scripts/env.sh) elsewhere" >&2
    exit 1
  fi
}

# Says so and returns 0 if the server already runs.
already_running() {
  local pid
  pid="$(service_pid "$1")" || return 1
  say "$1: already running (pid $pid, $(service_address "$1"))"
}

start_service() {
  already_running "$1" && return 0
  preflight "$1"
  "$1_start"
}

STOPPED_PIDS=()
stop_service() {
  local pid
  if ! pid="$(service_pid "$1")"; then
    say "$1: not running"
    return 0
  fi
  local started
  started="$(now)"
  "$1_stop"
  wait_ports_closed "$1"
  STOPPED_PIDS+=("$pid")
  say "$1: stopped (was pid $pid) in $(elapsed_since "$started")"
}

kill_service() {
  local pid
  if ! pid="$(service_pid "$1")"; then
    say "$1: not running"
    return 0
  fi
  local victims victim
  victims="$(service_pids "$1" "$pid")"
  # shellcheck disable=SC2086 # one pid per word
  kill -KILL $victims 2>/dev/null || true
  for victim in $victims; do
    while is_ours "$victim"; do sleep 0.05; done
  done
  wait_ports_closed "$1"
  # So that `kill postgres; start postgres` works at once (see wait_reaped).
  [[ "$1" == postgres ]] && { wait_reaped "$pid" 10 || die "postgres: pid $pid not reaped after SIGKILL"; }
  # For PostgreSQL the stale postmaster.pid stays: the next start notices its pid is gone and replaces it,
  # then replays the WAL (crash recovery), which is the point of a kill.
  [[ "$1" == postgres ]] || rm -f "$(pid_file "$1")"
  say "$1: killed (SIGKILL, was pid $pid)"
}

cmd_up() {
  local started svc
  started="$(now)"
  prepare_state_dir
  run_install_deps
  preflight "${SERVICES[@]}"
  # Kafka's JVM takes the longest to come up: launch it first, start the others meanwhile, then wait for it.
  already_running kafka || kafka_launch
  already_running postgres || postgres_start
  already_running prometheus || prometheus_start
  kafka_wait
  say "up in $(elapsed_since "$started") (state: $STATE_DIR)"
}

cmd_down() {
  local svc started strays pid
  started="$(now)"
  [[ -d "$STATE_DIR" ]] && take_state_lock
  # Reverse start order; each waits for its process to be gone, so the ports are free when down returns.
  for svc in prometheus kafka postgres; do stop_service "$svc"; done
  # A server whose pid file was lost would escape the loop above: look for leftovers by command line
  # (only server programs, never a shell that merely mentions the state directory).
  strays="$( (pgrep -f -- "$STATE_DIR/" 2>/dev/null || true) | while read -r pid; do
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
      java | postgres | prometheus) if is_ours "$pid"; then echo "$pid"; fi ;;
    esac
  done)"
  if [[ -n "$strays" ]]; then
    say "stray processes of this stack (no pid file): $(echo "$strays" | tr '\n' ' ')- sending SIGTERM"
    # shellcheck disable=SC2086
    kill -TERM $strays 2>/dev/null || true
    sleep 2
    # shellcheck disable=SC2086
    kill -KILL $strays 2>/dev/null || true
    # shellcheck disable=SC2206
    STOPPED_PIDS+=($strays)
  fi
  # The servers are dead and their ports free already; wait (briefly) until init has reaped them too, so
  # that `ps` right after `down` shows no <defunct> java/postgres/prometheus. (Init here reaps every ~2 s.)
  for pid in "${STOPPED_PIDS[@]}"; do wait_reaped "$pid" 3 || true; done
  say "down in $(elapsed_since "$started")"
}

cmd_status() {
  local svc pid state rc=0
  printf '%-11s %-18s %-8s %s\n' SERVICE STATE PID ADDRESS
  for svc in "${SERVICES[@]}"; do
    if pid="$(service_pid "$svc")"; then
      if service_ready "$svc"; then
        state=running
      else
        state="running, no answer"
        rc=1
      fi
    else
      pid=-
      state=stopped
      rc=1
    fi
    printf '%-11s %-18s %-8s %s\n' "$svc" "$state" "$pid" "$(service_address "$svc")"
  done
  echo "state: $STATE_DIR   logs: $LOG_DIR"
  return "$rc"
}

cmd_logs() {
  local follow=0 lines=100 files=() svc=""
  while (($# > 0)); do
    case "$1" in
      -f | --follow) follow=1 ;;
      -n)
        lines=${2:?-n needs a number}
        shift
        ;;
      kafka | postgres | prometheus) svc=$1 ;;
      *) die "logs: unknown argument '$1' (usage: logs [kafka|postgres|prometheus] [-f] [-n N])" ;;
    esac
    shift
  done
  if [[ -n "$svc" ]]; then
    files=("$(log_file "$svc")")
  else
    for svc in "${SERVICES[@]}"; do files+=("$(log_file "$svc")"); done
  fi
  local existing=() f
  for f in "${files[@]}"; do [[ -e "$f" ]] && existing+=("$f"); done
  ((${#existing[@]} > 0)) || die "no log yet under $LOG_DIR"
  if ((follow)); then exec tail -n "$lines" -F "${existing[@]}"; fi
  tail -n "$lines" "${existing[@]}"
}

usage() {
  # The header comment above, up to `set -euo pipefail`.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

COMMAND=""
main() {
  local cmd=${1:-}
  COMMAND=$cmd
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    -h | --help | help)
      usage
      return 0
      ;;
    "")
      usage >&2
      return 2
      ;;
  esac
  parse_addresses
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    start | stop | restart | kill)
      local svc=${1:-}
      case "$svc" in
        kafka | postgres | prometheus) ;;
        *) die "$cmd: expected one of: kafka postgres prometheus (got '${svc}')" ;;
      esac
      prepare_state_dir
      case "$cmd" in
        start)
          run_install_deps
          start_service "$svc"
          ;;
        stop) stop_service "$svc" ;;
        restart)
          stop_service "$svc"
          start_service "$svc"
          ;;
        kill) kill_service "$svc" ;;
      esac
      ;;
    *) die "unknown command '$cmd' (try: $0 help)" ;;
  esac
}

main "$@"
