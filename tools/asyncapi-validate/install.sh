#!/usr/bin/env bash
# Install the AsyncAPI parser from package-lock.json (npm ci), only when node_modules is missing.
# --ignore-scripts: the parser needs no install scripts (one dependency's would only phone home).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null || {
    echo "!! node and npm are needed (Debian: apt-get install -y nodejs npm)" >&2; exit 1; }
  echo "==> apt-get install nodejs npm (for the AsyncAPI parser)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [[ ! -d node_modules/@asyncapi/parser ]]; then
  echo "==> npm ci (tools/asyncapi-validate)"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
