#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/e2e/test_self_service_browser.py), from
# Debian's `chromium` package: Playwright drives /usr/bin/chromium and never downloads a
# browser build of its own. Idempotent: does nothing when /usr/bin/chromium is there.
#
# Usage: deploy/local/browser.sh
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x $CHROMIUM ]]; then
  exit 0
fi
if [[ $EUID -ne 0 ]]; then
  echo "browser.sh: $CHROMIUM is missing; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
command -v apt-get >/dev/null || {
  echo "browser.sh: $CHROMIUM is missing and this machine has no apt-get" >&2
  exit 1
}
echo "==> apt-get install chromium (headless browser for the self-service page tests)"
DEBIAN_FRONTEND=noninteractive apt-get update -qq
# fonts-liberation: pages and screenshots need a font with the Danish letters.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
"$CHROMIUM" --version
