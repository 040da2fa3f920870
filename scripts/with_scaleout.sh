#!/usr/bin/env bash
# Runs a command against the scale-out stack (scripts/scaleout.sh): uses the running one, or starts a
# fresh one and stops it afterwards (SCALE_KEEP=1 leaves it running). For `make scale-test`,
# `make load`, `make faults`.
#   scripts/with_scaleout.sh COMMAND [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${SCALE_DIR:-var/scaleout}"
running() {
  local n
  [ -f "$DIR/state.env" ] || return 1
  for n in api1 api2 apidept rasa1 rasa2 actions deliverer sim haproxy; do
    [ -f "$DIR/pids/$n" ] && kill -0 "$(cat "$DIR/pids/$n")" 2>/dev/null || return 1
  done
}
started=""
if running; then
  echo "scale-out stack already running (scripts/scaleout.sh status); using it"
else
  scripts/scaleout.sh stop >/dev/null 2>&1 || true
  echo "starting the scale-out stack (2-4 minutes: two Rasa processes load their model)"
  scripts/scaleout.sh start --fresh
  started=1
fi
stop() { if [ -n "$started" ] && [ "${SCALE_KEEP:-0}" != 1 ]; then scripts/scaleout.sh stop; fi; }
trap stop EXIT
"$@"
