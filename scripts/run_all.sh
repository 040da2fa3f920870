#!/usr/bin/env bash
# `make run`: start everything on SQLite, print where to go, stop everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
# TensorFlow in one thread per Rasa process: its default pools (one thread per core in each process)
# contend on 2 cores — 40 → 32 ms of CPU per turn, ceiling 33 → 39 turns/s (bench/turn_bench.py)
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}" TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
API_PORT="${API_PORT:-8000}" RASA_PORT="${RASA_PORT:-5005}" ACTIONS_PORT="${ACTIONS_PORT:-5055}"
SIM_PORT="${SIM_PORT:-8100}"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$PWD/var/cases.db}"
export CASE_API_URL="${CASE_API_URL:-http://127.0.0.1:$API_PORT}"
export CASE_PUBLIC_URL="${CASE_PUBLIC_URL:-http://127.0.0.1:$API_PORT}"
# A token made for this run (never a known default); the browser may call Rasa only from our pages.
export RASA_TOKEN="${RASA_TOKEN:-$(.venv/api/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')}"
RASA_CORS="${RASA_CORS:-http://127.0.0.1:$API_PORT}"
# the website widget talks to the API only; the API forwards to Rasa's REST channel here
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_PORT}"
mkdir -p var/log

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

wait_for() {  # url, name, seconds
  for _ in $(seq 1 "$3"); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 1; done
  echo "$2 did not start in $3 s; see var/log/" >&2; return 1
}

.venv/api/bin/alembic upgrade head >var/log/migrate.log 2>&1 || { cat var/log/migrate.log; exit 1; }

if [ -f api/dispatch/simulator.py ]; then
  .venv/api/bin/python -m api.dispatch.simulator --port "$SIM_PORT" >var/log/simulator.log 2>&1 &
  pids+=($!)
  export DEPARTMENT_WEBHOOK_DEFAULT="${DEPARTMENT_WEBHOOK_DEFAULT:-http://127.0.0.1:$SIM_PORT/deliveries}"
fi
DISPATCH_IN_PROCESS=1 INVITATIONS_IN_PROCESS=1 .venv/api/bin/python -m uvicorn api.main:app --host 127.0.0.1 --port "$API_PORT" \
  >var/log/api.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$API_PORT/healthz" "case API" 60

bot=""
if [ -f domain.yml ] && [ -f config.yml ]; then
  echo "Training the assistant if its data changed (a few minutes the first time)..."
  .venv/bot/bin/rasa train --data nlu_data stories assistant/generated/nlu --fixed-model-name assistant \
    --out models >var/log/train.log 2>&1 || { tail -30 var/log/train.log; exit 1; }
  PYTHONPATH="$PWD" .venv/bot/bin/rasa run actions --port "$ACTIONS_PORT" >var/log/actions.log 2>&1 &
  pids+=($!)
  # the action server's address follows ACTIONS_PORT (endpoints.yml names the default 5055)
  sed "s#127.0.0.1:5055#127.0.0.1:$ACTIONS_PORT#" endpoints.yml >var/endpoints.yml
  .venv/bot/bin/rasa run --enable-api --auth-token "$RASA_TOKEN" --cors "$RASA_CORS" --port "$RASA_PORT" \
    --model models/assistant.tar.gz --credentials credentials.yml --endpoints var/endpoints.yml \
    >var/log/rasa.log 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$RASA_PORT/" "Rasa" 180
  bot=1
fi

echo
echo "Ready."
echo "  Case API and pages:  http://127.0.0.1:$API_PORT/      (OpenAPI: http://127.0.0.1:$API_PORT/docs)"
if [ -f web/widget/dist/widget.js ]; then
  echo "  Chat widget:         http://127.0.0.1:$API_PORT/   (embed: <script src=\"http://127.0.0.1:$API_PORT/static/widget/widget.js\" data-api=\"http://127.0.0.1:$API_PORT\"></script>)"
fi
if [ -n "$bot" ]; then
  echo "  Assistant (REST):    http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook"
  echo "  Rasa HTTP API token: $RASA_TOKEN"
fi
if [ -f api/security/keys.py ]; then .venv/api/bin/python -m api.security.keys 2>/dev/null || true; fi
if [ -f api/staff/seed.py ]; then .venv/api/bin/python -m api.staff.seed 2>/dev/null || true; fi
echo "Logs in var/log/. Ctrl-C stops everything."
wait -n "${pids[@]}"
