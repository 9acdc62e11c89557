#!/usr/bin/env bash
# Local infrastructure for tilmeld: Kafka 3.9 (KRaft, single node) + PostgreSQL 15.
# No Docker: Kafka comes from Maven Central (deploy/local/kafka/pom.xml), PostgreSQL
# from the Debian package.
#
# Usage: deploy/local/infra.sh up|down|status|reset [--all]
#
#   up      install what is missing, start Kafka + PostgreSQL, create roles/dbs/topics.
#           Idempotent; a second run only checks (no Maven, no formatting).
#   down    stop both (Kafka: SIGTERM, 30 s grace, then SIGKILL; PG: pg_ctl -m fast).
#   status  print whether each is up. Exit 0 if both are up, 3 otherwise.
#   reset   down + delete all state (data, config, logs). The downloaded Kafka jars in
#           kafka/lib are kept because they are a cache, not state; `reset --all` drops
#           them too (the next `up` then re-copies them from ~/.m2, still no network).
#
# Environment:
#   TILMELD_STATE_DIR               default <repo>/.run (git-ignored)
#   TILMELD_KAFKA_PORT              default 9092
#   TILMELD_KAFKA_CONTROLLER_PORT   default TILMELD_KAFKA_PORT+1 (9093)
#   TILMELD_PG_PORT                 default 55432 (not 5432: Debian's own cluster may use it)
#   TILMELD_KAFKA_WAIT              seconds to wait for the broker, default 90
#   TILMELD_TOPICS_FILE             default deploy/local/topics.txt
set -euo pipefail

# ---------------------------------------------------------------------------
# Settings and layout
# ---------------------------------------------------------------------------
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

STATE_DIR="${TILMELD_STATE_DIR:-$REPO_ROOT/.run}"
case "$STATE_DIR" in /*) ;; *) STATE_DIR="$PWD/$STATE_DIR" ;; esac  # make absolute

KAFKA_PORT="${TILMELD_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${TILMELD_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
PG_PORT="${TILMELD_PG_PORT:-55432}"
KAFKA_WAIT="${TILMELD_KAFKA_WAIT:-90}"
HOST=127.0.0.1

POM="$SCRIPT_DIR/kafka/pom.xml"
TOPICS_FILE="${TILMELD_TOPICS_FILE:-$SCRIPT_DIR/topics.txt}"

KAFKA_DIR="$STATE_DIR/kafka"
KAFKA_LIB="$KAFKA_DIR/lib"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_CONF="$KAFKA_DIR/config"
KAFKA_PROPS="$KAFKA_CONF/server.properties"
KAFKA_CLUSTER_ID_FILE="$KAFKA_DIR/cluster-id"
PG_DIR="$STATE_DIR/pg"
PG_DATA="$PG_DIR/data"
PG_SOCKET="$PG_DIR/socket"
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
KAFKA_LOG="$LOG_DIR/kafka.log"            # log4j output of the broker
KAFKA_STDOUT="$LOG_DIR/kafka-stdout.log"  # JVM stdout/stderr (crashes, JVM warnings)
PG_LOG="$LOG_DIR/postgres.log"
KAFKA_PID_FILE="$PID_DIR/kafka.pid"

PG_SUPERUSER=postgres
PG_SUPERPASS=postgres
# One role + database per service (role = db = password), plus `bench` for the benchmark baseline.
PG_SERVICE_DBS=(registration capacity notification)
PG_EXTRA_DBS=(bench)

# The broker's JIT stops at C1 (-XX:TieredStopAtLevel=1). On a 2-core box that runs everything,
# C2's compiler threads took ~2 s more of the broker's CPU in the first rush after a start (4.1-4.8
# against 2.1-2.2 s) and competed with the decision path; the broker's time is mostly native I/O,
# so later runs showed no difference we could measure (bench/RESULTS.md, nineteenth round). A broker
# on a machine of its own may want C2 back: TILMELD_KAFKA_JVM_OPTS replaces these options.
KAFKA_JVM_OPTS=${TILMELD_KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:TieredStopAtLevel=1}
# The broker's request threads (see kafka_write_config); a broker on a machine of its own may
# want Kafka's defaults back (3 and 8).
KAFKA_NETWORK_THREADS=${TILMELD_KAFKA_NETWORK_THREADS:-1}
KAFKA_IO_THREADS=${TILMELD_KAFKA_IO_THREADS:-2}

# Short-lived CLI JVMs (StorageTool, TopicCommand): C1 only + serial GC roughly halves
# start-up cost compared to the default tiered/G1 setup; they never run long enough to
# benefit from C2.
TOOL_JVM_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -Xms32m -Xmx256m
               "-Dlog4j.configuration=file:$KAFKA_CONF/tools-log4j.properties")

# ---------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------
step() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# die with the tail of one or more log files, so failures are diagnosable from the console.
die_with_log() {
  local msg="$1"; shift
  printf 'ERROR: %s\n' "$msg" >&2
  local f
  for f in "$@"; do
    if [[ -s "$f" ]]; then
      printf -- '---- last 30 lines of %s ----\n' "$f" >&2
      tail -n 30 "$f" >&2
      printf -- '---- end of %s ----\n' "$f" >&2
    else
      printf '(log %s is empty or missing)\n' "$f" >&2
    fi
  done
  exit 1
}

# True if something accepts TCP connections on 127.0.0.1:$1 (bash /dev/tcp, no extra tools).
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# ---------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
  [[ $EUID -eq 0 ]] || die "missing packages ($*) and not root; install them with: sudo apt-get install -y $*"
  command -v apt-get >/dev/null || die "missing packages ($*) and no apt-get on this machine"
  if [[ $APT_UPDATED -eq 0 ]]; then
    step "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  step "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Directory of the PostgreSQL server binaries: prefer 15 (what Debian 12 ships and what we
# target), otherwise the newest installed major version.
find_pg_bin() {
  if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
    echo /usr/lib/postgresql/15/bin; return 0
  fi
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  [[ -n "$d" && -x "$d/initdb" ]] && { echo "$d"; return 0; }
  return 1
}

ensure_prereqs() {
  local pkgs=()
  command -v java >/dev/null || pkgs+=(openjdk-17-jre-headless)
  command -v mvn  >/dev/null || pkgs+=(maven)
  find_pg_bin >/dev/null || pkgs+=(postgresql)
  if ((${#pkgs[@]})); then apt_install "${pkgs[@]}"; fi
  PG_BIN="$(find_pg_bin)" || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
  for c in sha256sum setsid flock; do command -v "$c" >/dev/null || die "missing command: $c"; done
  if [[ $EUID -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 || die "system user 'postgres' missing (normally created by the postgresql package)"
    command -v runuser >/dev/null || die "missing command: runuser (util-linux)"
  fi
}

# ---------------------------------------------------------------------------
# State directory
# ---------------------------------------------------------------------------
ensure_state_dirs() {
  mkdir -p "$KAFKA_LIB" "$KAFKA_DATA" "$KAFKA_CONF" "$PG_DIR" "$LOG_DIR" "$PID_DIR"
  # Self-ignoring, so a custom TILMELD_STATE_DIR inside some checkout never shows up in git.
  [[ -f "$STATE_DIR/.gitignore" ]] || printf '*\n' >"$STATE_DIR/.gitignore"
}

# Serialise concurrent infra.sh invocations (e.g. two test runners calling `up` at once).
take_lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  flock -w 300 9 || die "another infra.sh is holding $STATE_DIR/.lock"
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------
# PostgreSQL refuses to run as root, so as root everything runs as the Debian `postgres`
# user. cd first: otherwise it inherits a cwd it may not be allowed to read (e.g. /root).
# 9>&-: the postmaster must not inherit our lock fd, or it would hold the lock forever.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd "$PG_DIR" && runuser -u postgres -- "$@") 9>&-
  else
    (cd "$PG_DIR" && "$@") 9>&-
  fi
}

pg_running() { [[ -f "$PG_DATA/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

psql_super() {
  PGPASSWORD="$PG_SUPERPASS" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$HOST" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres "$@"
}

pg_prepare_dirs() {
  mkdir -p "$PG_DATA" "$PG_SOCKET"
  touch "$PG_LOG"
  if [[ $EUID -eq 0 ]]; then
    # pg_ctl opens the log file as postgres, so the file (not the root-owned logs dir) must be its.
    chown postgres:postgres "$PG_DIR" "$PG_DATA" "$PG_SOCKET" "$PG_LOG"
    chmod 755 "$STATE_DIR" "$PG_DIR" "$LOG_DIR"
    if ! runuser -u postgres -- test -x "$PG_DATA" -a -w "$PG_LOG"; then
      die "user postgres cannot reach $PG_DATA (every parent directory needs o+x); set TILMELD_STATE_DIR to a path outside e.g. /root"
    fi
  fi
  chmod 700 "$PG_DATA"
}

pg_init() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  step "initialising PostgreSQL cluster in $PG_DATA"
  local pwfile="$PG_DIR/.pwfile"
  printf '%s\n' "$PG_SUPERPASS" >"$pwfile"
  chmod 600 "$pwfile"
  [[ $EUID -eq 0 ]] && chown postgres:postgres "$pwfile"
  if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" --pwfile="$pwfile" \
        -E UTF8 --locale=C.UTF-8 -A scram-sha-256 >"$LOG_DIR/initdb.log" 2>&1; then
    rm -f "$pwfile"
    die_with_log "initdb failed" "$LOG_DIR/initdb.log"
  fi
  rm -f "$pwfile"
  # Our settings live in their own file (rewritten on every start, so port changes apply);
  # postgresql.conf only gets the include line, once.
  printf "\n# tilmeld local settings (written by deploy/local/infra.sh)\ninclude_if_exists = 'tilmeld.conf'\n" \
    >>"$PG_DATA/postgresql.conf"
}

pg_write_conf() {
  # Unix socket paths are limited to ~107 bytes; in a deeply nested checkout fall back to
  # TCP only (everything we do uses 127.0.0.1 anyway).
  local sockdir="$PG_SOCKET"
  if (( ${#PG_SOCKET} + 20 > 107 )); then
    warn "socket path $PG_SOCKET too long for a Unix socket; PostgreSQL will listen on TCP only"
    sockdir=""
  fi
  cat >"$PG_DATA/tilmeld.conf" <<EOF
# Written by deploy/local/infra.sh on every start -- edit the script, not this file.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$sockdir'
# Sized for tests/benchmarks on a 2-core dev box.
max_connections = 200
shared_buffers = 256MB
# fsync stays on, so a crash never corrupts the cluster. synchronous_commit=off only means a
# crash may lose the last few hundred ms of *acknowledged* commits -- fine for a throwaway dev
# cluster, and it removes the WAL flush from every commit, which dominates test/bench latency.
fsync = on
synchronous_commit = off
# Checkpoints at most every 15 min instead of whenever 1 GB of WAL piled up (every ~2 min under
# a rush): the first change to a page after a checkpoint writes the whole page into the WAL, so
# frequent checkpoints doubled the WAL (~480 -> ~245 MB per benchmark run), and a checkpoint's
# closing fsync stalled every hop for ~0.5 s in one measured run (bench/RESULTS.md, eleventh round).
max_wal_size = 4GB
checkpoint_timeout = 15min
# Everything goes to stderr, which pg_ctl -l redirects into $PG_LOG.
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = -1
# Per-statement cost (pg_stat_statements view; CREATE EXTENSION in a database to read it):
# how the benchmark's database profile was taken, and what an operator looks at first.
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
EOF
  [[ $EUID -eq 0 ]] && chown postgres:postgres "$PG_DATA/tilmeld.conf"
  return 0
}

pg_start() {
  if pg_running; then
    # A cluster started by an older script gets today's settings; the reloadable ones (the
    # checkpoint settings) apply at once, port, addresses and memory only after `down` + `up`.
    pg_write_conf
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" reload >/dev/null || warn "PostgreSQL: reload failed"
    info "PostgreSQL already running (port $PG_PORT), settings reloaded"
    return 0
  fi
  if port_open "$PG_PORT"; then
    die "port $HOST:$PG_PORT is already in use by another process; set TILMELD_PG_PORT"
  fi
  pg_write_conf
  step "starting PostgreSQL on $HOST:$PG_PORT"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null \
    || die_with_log "PostgreSQL failed to start" "$PG_LOG"
}

# Idempotent: create missing roles/databases, (re)set passwords so they always match the DSN.
pg_ensure_dbs() {
  step "ensuring PostgreSQL roles and databases: ${PG_SERVICE_DBS[*]} ${PG_EXTRA_DBS[*]}"
  local names; names="$(IFS=,; echo "${PG_SERVICE_DBS[*]},${PG_EXTRA_DBS[*]}")"
  # \gexec runs every produced statement on its own, outside a transaction block,
  # which CREATE DATABASE requires.
  psql_super -v names="$names" <<'SQL' || die_with_log "creating roles/databases failed" "$PG_LOG"
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', n, n)
  FROM unnest(string_to_array(:'names', ',')) AS n
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = n)
\gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', n, n)
  FROM unnest(string_to_array(:'names', ',')) AS n
\gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', n, n)
  FROM unnest(string_to_array(:'names', ',')) AS n
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = n)
\gexec
SQL
}

pg_stop() {
  if pg_running; then
    step "stopping PostgreSQL"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null \
      || die_with_log "pg_ctl stop failed" "$PG_LOG"
  else
    info "PostgreSQL not running"
  fi
}

# ---------------------------------------------------------------------------
# Kafka
# ---------------------------------------------------------------------------
kafka_java() { java -cp "$KAFKA_LIB/*" "$@"; }
kafka_tool() { java "${TOOL_JVM_OPTS[@]}" -cp "$KAFKA_LIB/*" "$@"; }

# Copy Kafka + deps from Maven Central into kafka/lib, but only when the pom changed:
# the marker holds the pom's sha256, so a warm `up` never invokes Maven.
kafka_ensure_libs() {
  local want have=""
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  [[ -f "$KAFKA_LIB/.pom.sha256" ]] && have="$(cat "$KAFKA_LIB/.pom.sha256")"
  if [[ "$want" == "$have" ]] && compgen -G "$KAFKA_LIB/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  step "resolving Kafka jars with Maven (first run downloads ~50 MB into ~/.m2)"
  local tmp="$KAFKA_DIR/lib.tmp"
  rm -rf "$tmp"
  if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$LOG_DIR/mvn.log" 2>&1; then
    die_with_log "Maven could not resolve Kafka (is Maven Central reachable?)" "$LOG_DIR/mvn.log"
  fi
  printf '%s\n' "$want" >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_LIB"
  mv "$tmp" "$KAFKA_LIB"
  local jars=("$KAFKA_LIB"/*.jar)
  info "${#jars[@]} jars in $KAFKA_LIB"
}

kafka_write_config() {
  cat >"$KAFKA_PROPS" <<EOF
# Written by deploy/local/infra.sh on every start -- edit the script, not this file.
# Single KRaft node acting as broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
# One broker: every internal topic must get by with a single replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Do not make consumer groups wait 3 s for more members (tests start single consumers).
group.initial.rebalance.delay.ms=0
num.partitions=3
# Topics come from deploy/local/topics.txt only; a typo in a service should fail, not create.
auto.create.topics.enable=false
log.retention.hours=168
# Request threads for a box that runs everything on two cores: one network thread per listener
# and two request handlers (Kafka's defaults: 3 and 8). Each request goes from a network thread
# to a handler and back; fewer threads took ~5 % off the broker's CPU at 1,000 sign-ups/s (lower
# in all five alternating pairs; bench/RESULTS.md, twenty-third round).
num.network.threads=$KAFKA_NETWORK_THREADS
num.io.threads=$KAFKA_IO_THREADS
EOF

  # Broker logging: one rolling file instead of Kafka's default six, INFO with the
  # chattiest loggers (request log, state changes, authorizer) at WARN.
  cat >"$KAFKA_CONF/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=\${kafka.logs.dir}/kafka.log
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel\$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.zookeeper=WARN
EOF

  # CLI tools: warnings to stderr only (silences AdminClient's INFO config dump).
  cat >"$KAFKA_CONF/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

# Format the KRaft log dir exactly once; the cluster id is generated once and kept so
# a re-format (e.g. after deleting data/) keeps the same id.
kafka_format() {
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  if [[ ! -s "$KAFKA_CLUSTER_ID_FILE" ]]; then
    kafka_tool kafka.tools.StorageTool random-uuid >"$KAFKA_CLUSTER_ID_FILE" 2>"$LOG_DIR/storage-tool.log" \
      || die_with_log "StorageTool random-uuid failed" "$LOG_DIR/storage-tool.log"
  fi
  local cid; cid="$(tr -d '[:space:]' <"$KAFKA_CLUSTER_ID_FILE")"
  step "formatting Kafka storage (cluster id $cid)"
  kafka_tool kafka.tools.StorageTool format -t "$cid" -c "$KAFKA_PROPS" >>"$LOG_DIR/storage-tool.log" 2>&1 \
    || die_with_log "StorageTool format failed" "$LOG_DIR/storage-tool.log"
}

# Pid of our broker if it is alive. Checks the command line too, so a stale pid file whose
# number got reused by some other process is not mistaken for Kafka.
kafka_pid() {
  [[ -f "$KAFKA_PID_FILE" ]] || return 1
  local pid; pid="$(cat "$KAFKA_PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $KAFKA_PROPS" || return 1
  echo "$pid"
}

kafka_start() {
  local pid
  if pid="$(kafka_pid)"; then
    info "Kafka already running (pid $pid, $HOST:$KAFKA_PORT)"
    return 0
  fi
  rm -f "$KAFKA_PID_FILE"
  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$p" && die "port $HOST:$p is already in use by another process; set TILMELD_KAFKA_PORT / TILMELD_KAFKA_CONTROLLER_PORT"
  done
  kafka_write_config
  kafka_format
  step "starting Kafka (KRaft broker+controller) on $HOST:$KAFKA_PORT"
  # setsid: own session, so Ctrl-C / closing the calling shell does not take the broker down.
  # In a non-interactive shell the background child is not a group leader, so setsid execs
  # in place (no fork) and $! is the JVM's pid. 9>&-: don't leak the lock fd into the broker.
  printf '\n==== %s infra.sh starting Kafka ====\n' "$(date -Is)" >>"$KAFKA_STDOUT"
  # shellcheck disable=SC2086  # the JVM options are words on purpose
  setsid nohup java -Xms256m -Xmx512m $KAFKA_JVM_OPTS \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "-Dkafka.logs.dir=$LOG_DIR" "-Dlog4j.configuration=file:$KAFKA_CONF/log4j.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_PROPS" >>"$KAFKA_STDOUT" 2>&1 </dev/null 9>&- &
  echo $! >"$KAFKA_PID_FILE"
}

# Wait until the broker answers metadata requests. Cheap /dev/tcp polling first (no JVM per
# probe), then one real metadata round trip via TopicCommand -- the actual readiness check --
# whose --describe output we reuse for topic creation.
KAFKA_DESCRIBE=""
kafka_wait_ready() {
  local deadline=$((SECONDS + KAFKA_WAIT)) pid
  printf '    waiting for the broker '
  until port_open "$KAFKA_PORT"; do
    if ! pid="$(kafka_pid)"; then
      echo; die_with_log "Kafka exited during start-up" "$KAFKA_LOG" "$KAFKA_STDOUT"
    fi
    ((SECONDS < deadline)) || { echo; die_with_log "Kafka (pid $pid, left running; stop it with '$0 down') not listening on $HOST:$KAFKA_PORT after ${KAFKA_WAIT}s" "$KAFKA_LOG" "$KAFKA_STDOUT"; }
    printf '.'; sleep 0.5
  done
  until KAFKA_DESCRIBE="$(kafka_tool org.apache.kafka.tools.TopicCommand \
          --bootstrap-server "$HOST:$KAFKA_PORT" --describe --exclude-internal 2>"$LOG_DIR/topic-command.log")"; do
    ((SECONDS < deadline)) || { echo; die_with_log "Kafka does not answer metadata requests after ${KAFKA_WAIT}s" "$LOG_DIR/topic-command.log" "$KAFKA_LOG"; }
    printf '.'; sleep 1
  done
  echo " ready"
}

# Create the topics from topics.txt that do not exist yet. The existence check reuses the
# single --describe from kafka_wait_ready, so a warm `up` starts no extra JVM here. Each
# create is its own JVM (~1.5 s); they run in parallel. Existing topics are never altered
# (more partitions would re-map keys), we only warn about drift.
kafka_ensure_topics() {
  [[ -f "$TOPICS_FILE" ]] || die "topics file $TOPICS_FILE missing"
  step "ensuring Kafka topics from ${TOPICS_FILE#"$REPO_ROOT"/}"
  local line name parts cfgs extra pids=() names=() created=0 existing=0
  local tmpdir="$STATE_DIR/tmp"; rm -rf "$tmpdir"; mkdir -p "$tmpdir"
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%%#*}"
    read -r name parts cfgs extra <<<"$line" || true
    [[ -z "${name:-}" ]] && continue
    [[ "$parts" =~ ^[0-9]+$ && -z "${extra:-}" ]] || die "bad line in $TOPICS_FILE: '$line' (want: name partitions [k=v,...])"

    local desc
    desc="$(awk -v t="$name" 'index($0, "Topic: ") == 1 && $2 == t' <<<"$KAFKA_DESCRIBE")"
    if [[ -n "$desc" ]]; then
      existing=$((existing + 1))
      local have_parts
      have_parts="$(sed -nE 's/.*PartitionCount: ([0-9]+).*/\1/p' <<<"$desc")"
      [[ "$have_parts" == "$parts" ]] || warn "topic $name has $have_parts partitions, topics.txt says $parts (not changed)"
      local kv
      for kv in ${cfgs//,/ }; do
        grep -qE "Configs:.*(^|[ ,:])$kv(,|$)" <<<"$desc" || warn "topic $name lacks config $kv (not changed)"
      done
      continue
    fi

    local args=(--bootstrap-server "$HOST:$KAFKA_PORT" --create --if-not-exists
                --topic "$name" --partitions "$parts" --replication-factor 1)
    local kv
    for kv in ${cfgs//,/ }; do args+=(--config "$kv"); done
    kafka_tool org.apache.kafka.tools.TopicCommand "${args[@]}" >"$tmpdir/$name.log" 2>&1 &
    pids+=($!); names+=("$name")
  done <"$TOPICS_FILE"

  local i failed=()
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      created=$((created + 1)); info "created ${names[$i]}"
    else
      failed+=("${names[$i]}")
    fi
  done
  if ((${#failed[@]})); then
    for name in "${failed[@]}"; do cat "$tmpdir/$name.log" >>"$LOG_DIR/topic-command.log"; done
    die_with_log "could not create topic(s): ${failed[*]}" "$LOG_DIR/topic-command.log"
  fi
  rm -rf "$tmpdir"
  info "$created created, $existing already present"
}

kafka_stop() {
  local pid
  if ! pid="$(kafka_pid)"; then
    info "Kafka not running"
    rm -f "$KAFKA_PID_FILE"
    return 0
  fi
  step "stopping Kafka (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local i
  printf '    waiting for controlled shutdown '
  for ((i = 0; i < 60; i++)); do   # 60 x 0.5 s = 30 s grace
    kill -0 "$pid" 2>/dev/null || break
    printf '.'; sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo " still alive after 30 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  else
    echo " stopped"
  fi
  rm -f "$KAFKA_PID_FILE"
}

# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------
dsn() { printf 'postgresql://%s:%s@%s:%s/%s' "$1" "$1" "$HOST" "$PG_PORT" "$1"; }

print_endpoints() {
  echo
  echo "Local infrastructure is up. Copy/paste:"
  echo "  export TILMELD_KAFKA_BOOTSTRAP=$HOST:$KAFKA_PORT"
  local db
  for db in "${PG_SERVICE_DBS[@]}"; do
    printf '  export TILMELD_%s_DSN=%s\n' "${db^^}" "$(dsn "$db")"
  done
  printf '  # benchmark baseline: %s\n' "$(dsn bench)"
  printf '  # superuser:          postgresql://%s:%s@%s:%s/postgres\n' "$PG_SUPERUSER" "$PG_SUPERPASS" "$HOST" "$PG_PORT"
  echo "  state: $STATE_DIR   logs: $LOG_DIR"
}

cmd_up() {
  local t0=$SECONDS
  ensure_prereqs
  take_lock
  ensure_state_dirs

  kafka_ensure_libs
  pg_prepare_dirs
  pg_init
  pg_start
  kafka_start          # broker boots in the background while we set up PostgreSQL
  pg_ensure_dbs
  kafka_wait_ready
  kafka_ensure_topics

  print_endpoints
  echo "up finished in $((SECONDS - t0)) s"
}

cmd_down() {
  [[ -d "$STATE_DIR" ]] || { info "nothing to stop ($STATE_DIR does not exist)"; return 0; }
  PG_BIN="$(find_pg_bin || true)"
  take_lock
  kafka_stop
  if [[ -n "$PG_BIN" && -d "$PG_DIR" ]]; then pg_stop; else info "PostgreSQL not set up"; fi
}

cmd_status() {
  local rc=0 pid
  PG_BIN="$(find_pg_bin || true)"
  if pid="$(kafka_pid)" && port_open "$KAFKA_PORT"; then
    echo "kafka:    up   (pid $pid, bootstrap $HOST:$KAFKA_PORT)"
  elif [[ -n "${pid:-}" ]]; then
    echo "kafka:    starting (pid $pid, port $KAFKA_PORT not open yet)"; rc=3
  else
    echo "kafka:    down"; rc=3
  fi
  if [[ -n "$PG_BIN" && -d "$PG_DIR" ]] && pg_running; then
    if "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT"; then
      echo "postgres: up   ($HOST:$PG_PORT, data $PG_DATA)"
    else
      echo "postgres: running but not accepting connections on $HOST:$PG_PORT"; rc=3
    fi
  else
    echo "postgres: down"; rc=3
  fi
  return $rc
}

cmd_reset() {
  cmd_down
  # Guard against deleting something that is clearly not our state dir.
  case "$STATE_DIR" in
    / | "$REPO_ROOT" | "$HOME" | "") die "refusing to delete STATE_DIR='$STATE_DIR'" ;;
  esac
  [[ -d "$STATE_DIR" ]] || { info "nothing to delete"; return 0; }
  if [[ "${1:-}" == "--all" ]]; then
    step "deleting $STATE_DIR"
    rm -rf "$STATE_DIR"
  else
    step "deleting state in $STATE_DIR (keeping downloaded jars in kafka/lib; use 'reset --all' to drop them)"
    find "$STATE_DIR" -mindepth 1 -maxdepth 1 ! -name kafka -exec rm -rf {} +
    find "$KAFKA_DIR" -mindepth 1 -maxdepth 1 ! -name lib -exec rm -rf {} + 2>/dev/null || true
  fi
}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

main() {
  case "${1:-}" in
    up)     cmd_up ;;
    down)   cmd_down ;;
    status) cmd_status ;;
    reset)  cmd_reset "${2:-}" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
