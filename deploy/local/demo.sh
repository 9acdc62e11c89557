#!/usr/bin/env bash
# Publish the sample conference and a few sign-ups (fixed CloudEvents ids: running this again
# has no second effect), then tell a newcomer where to look.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${TILMELD_STATE_DIR:-$ROOT/.run}"
TILMELD="$ROOT/.venv/bin/tilmeld"
EVENT=stuk-dagtilbud-2023

echo "==> publishing the sample conference ($EVENT)"
"$TILMELD" events publish "$ROOT/deploy/sample/$EVENT.yaml"

echo "==> publishing demo sign-ups"
"$TILMELD" signup --event "$EVENT" --id demo-1 --source urn:tilmeld:demo \
  --name "Mette Hansen" --email mette.hansen@aarhus.dk --organisation "Aarhus Kommune" \
  --municipality-code 751 --job-title "Pædagogisk leder" \
  --choice runde-1=temamoede-3,temamoede-1 --choice runde-2=temamoede-5
"$TILMELD" signup --event "$EVENT" --id demo-2 --source urn:tilmeld:demo \
  --name "Lars Nielsen" --email lars.nielsen@odense.dk --organisation "Odense Kommune" \
  --municipality-code 461 --job-title "Dagtilbudschef" --choice runde-1=temamoede-2
"$TILMELD" signup --event "$EVENT" --id demo-3 --source urn:tilmeld:demo --language en \
  --name "Sara Jensen" --email sara.jensen@esbjerg.dk --organisation "Esbjerg Kommune" \
  --municipality-code 561 --job-title "Pedagogical leader" --choice runde-2=temamoede-4

cat <<INFO

Tilmeld is running.
  Availability   http://127.0.0.1:8081/events/$EVENT/availability
  API docs       http://127.0.0.1:8081/docs
  Mail sink      $STATE/mail/   (one .eml file per mail; open with any mail reader)
  Metrics        http://127.0.0.1:8081/metrics  :8082/metrics  :8083/metrics  :8084/metrics (registration's decisions)
  Logs           $STATE/logs/
  CLI            .venv/bin/tilmeld --help
  Stop           make down
INFO
