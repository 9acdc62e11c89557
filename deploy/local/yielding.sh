#!/usr/bin/env bash
# yielding.sh NICENESS COMMAND...: run COMMAND at the given niceness, giving way to the other
# processes on a busy box. Start it in a session of its own (setsid), as services.sh does: with
# autogroup scheduling (CONFIG_SCHED_AUTOGROUP) the CPU is shared between sessions first, so
# there only the session's niceness (/proc/self/autogroup) counts; plain nice elsewhere.
set -euo pipefail
niceness=$1; shift
if [[ $niceness != 0 && -w /proc/self/autogroup ]]; then
  { echo "$niceness" >/proc/self/autogroup; } 2>/dev/null || true
fi
exec nice -n "$niceness" "$@"
