#!/usr/bin/env bash
# Start, stop or show the Tilmeld services (registration as two processes, see PROCESSES) and
# the local mail sink as background processes. Logs: .run/logs/<name>.log; pids:
# .run/pids/<name>.pid; mail: .run/mail/*.eml
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${TILMELD_STATE_DIR:-$ROOT/.run}"
LOGS="$STATE/logs" PIDS="$STATE/pids"
MAIL_DIR="${TILMELD_MAIL_SINK_DIR:-$STATE/mail}"
declare -A PORTS=([registration]=8081 [capacity]=8082 [notification]=8083
  [registration-decisions]=8084)
# The processes: each service's program, and the inputs it consumes (empty: all). Registration
# handles two of a sign-up's three hops (the request, then capacity's decision); in one process
# they share one core, so its decisions run in a process of their own (same database, same
# consumer groups): the rush went from ~2,650 to ~3,000 decided/s on 2 cores (bench/RESULTS.md,
# ninth round). Compose and Kubernetes run one registration process per instance.
PROCESSES=(registration registration-decisions capacity notification)
declare -A PROGRAM=([registration]=registration [registration-decisions]=registration
  [capacity]=capacity [notification]=notification)
declare -A INPUTS=([registration]="tilmeld.catalog,tilmeld.signups"
  [registration-decisions]="tilmeld.internal.capacity-decisions" [capacity]="" [notification]="")
# The outbox relay (one per database) publishes for both registration processes; next to the
# decisions, the lighter half, the rush went from ~2,900 to ~3,200/s.
declare -A RELAY_DEFER=([registration]=5 [registration-decisions]=0 [capacity]=0 [notification]=0)
# On a busy box the decision path (registration, capacity) comes first: the mail side is paced
# at the provider's rate anyway and catches up when the rush is over (bench/RESULTS.md, seventh
# round). 0 = equal share. The mail sink stands in for the provider's relay, which in
# production runs elsewhere: here it took ~2.6 ms of CPU a mail, ~0.3 of a core while a rush's
# mail goes out, so it gives way too (bench/RESULTS.md, twentieth round).
declare -A NICENESS=([registration]=0 [registration-decisions]=0 [capacity]=0
  [notification]=${TILMELD_NOTIFICATION_NICE:-10} [mail-sink]=${TILMELD_MAIL_SINK_NICE:-10})

running() { [[ -f "$PIDS/$1.pid" ]] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

launch() {  # name, command...
  local name=$1; shift
  if running "$name"; then echo "    $name already running (pid $(cat "$PIDS/$name.pid"))"; return; fi
  setsid nohup "$ROOT/deploy/local/yielding.sh" "${NICENESS[$name]}" "$@" \
    >>"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! >"$PIDS/$name.pid"
  echo "    $name started (pid $!)"
}

wait_ready() {  # name
  local port=${PORTS[$1]} deadline=$((SECONDS + 90))
  until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    if ! running "$1"; then
      echo "!! $1 exited; last lines of $LOGS/$1.log:" >&2; tail -n 30 "$LOGS/$1.log" >&2; exit 1
    fi
    if (( SECONDS > deadline )); then
      echo "!! $1 not ready after 90 s; see $LOGS/$1.log" >&2; exit 1
    fi
    sleep 0.3
  done
  echo "    $1 ready on http://127.0.0.1:$port"
}

start() {
  mkdir -p "$LOGS" "$PIDS" "$MAIL_DIR"
  echo "==> starting the mail sink and the services"
  launch mail-sink "$ROOT/.venv/bin/tilmeld-mail-sink" --host 127.0.0.1 \
    --port "${TILMELD_SMTP_PORT:-1025}" --dir "$MAIL_DIR"
  for name in "${PROCESSES[@]}"; do
    TILMELD_HTTP_PORT=${PORTS[$name]} TILMELD_INPUT_TOPICS=${INPUTS[$name]} \
      TILMELD_RELAY_DEFER_SECONDS=${RELAY_DEFER[$name]} launch "$name" "$ROOT/.venv/bin/tilmeld-${PROGRAM[$name]}"
  done
  for name in "${PROCESSES[@]}"; do wait_ready "$name"; done
}

stop() {
  for name in "${PROCESSES[@]}" mail-sink; do
    if running "$name"; then
      local pid; pid=$(cat "$PIDS/$name.pid")
      kill -TERM "$pid"
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      echo "    $name stopped"
    fi
    rm -f "$PIDS/$name.pid"
  done
}

status() {
  for name in "${PROCESSES[@]}" mail-sink; do
    if running "$name"; then echo "$name: running (pid $(cat "$PIDS/$name.pid"))"
    else echo "$name: stopped"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
