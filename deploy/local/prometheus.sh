#!/usr/bin/env bash
# Prometheus for the local stack, from Debian's `prometheus` package, run as our own process
# with our config (deploy/prometheus/prometheus.yml: scrapes 127.0.0.1:8081-8083, loads the
# alert rules). Data under .run/prometheus, log .run/logs/prometheus.log.
#
# Usage: deploy/local/prometheus.sh install|start|stop|status
#   install  apt-get install prometheus, only when `prometheus` or `promtool` is missing
#   start    install, then start on 127.0.0.1:9090 (idempotent) and wait until it is ready
#   stop     stop our Prometheus (never Debian's service, unless `start` needs its port)
#
# Debian's package also installs a system service that may start on its own and take :9090;
# `start` stops that one (it scrapes nothing of ours) rather than rely on it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${TILMELD_STATE_DIR:-$ROOT/.run}"
DATA="$STATE/prometheus" LOG="$STATE/logs/prometheus.log" PID="$STATE/pids/prometheus.pid"
CONFIG="$ROOT/deploy/prometheus/prometheus.yml"
HOST=127.0.0.1 PORT="${TILMELD_PROMETHEUS_PORT:-9090}"

ours() { [[ -f "$PID" ]] && kill -0 "$(cat "$PID")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

install() {
  if command -v prometheus >/dev/null && command -v promtool >/dev/null; then return; fi
  [[ $EUID -eq 0 ]] || { echo "!! install Prometheus: sudo apt-get install -y prometheus" >&2; exit 1; }
  echo "==> apt-get install prometheus"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
}

stop_debian_service() {
  if command -v service >/dev/null && service prometheus status >/dev/null 2>&1; then
    echo "    stopping Debian's prometheus service (it holds :$PORT and scrapes nothing of ours)"
    service prometheus stop >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 50); do port_open || return 0; sleep 0.2; done
  echo "!! 127.0.0.1:$PORT is taken by something else; stop it or set TILMELD_PROMETHEUS_PORT" >&2
  exit 1
}

start() {
  install
  if ours; then echo "    prometheus already running (pid $(cat "$PID"))"; return; fi
  port_open && stop_debian_service
  promtool check config "$CONFIG" >/dev/null
  mkdir -p "$DATA" "$(dirname "$LOG")" "$(dirname "$PID")"
  setsid nohup prometheus --config.file="$CONFIG" --storage.tsdb.path="$DATA" \
    --web.listen-address="$HOST:$PORT" --web.enable-lifecycle \
    >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PID"
  local deadline=$((SECONDS + 60))
  until curl -fsS "http://$HOST:$PORT/-/ready" >/dev/null 2>&1; do
    if ! ours; then echo "!! prometheus exited; see $LOG" >&2; tail -n 20 "$LOG" >&2; exit 1; fi
    if (( SECONDS > deadline )); then echo "!! prometheus not ready after 60 s; see $LOG" >&2; exit 1; fi
    sleep 0.3
  done
  echo "    prometheus ready on http://$HOST:$PORT"
}

stop() {
  if ours; then
    local pid; pid=$(cat "$PID")
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "    prometheus stopped"
  fi
  rm -f "$PID"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if ours; then echo "prometheus: running (pid $(cat "$PID"))"; else echo "prometheus: stopped"; fi ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
