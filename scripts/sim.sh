#!/usr/bin/env bash
# Typed-family simulator: a case API (temporary SQLite), the action server and the Rasa server with
# models/assistant.tar.gz, each on a free port; then tests/sim/run.py drives every persona through
# the REST channel in free text. All three are stopped on exit. Non-zero when a persona fails.
#   scripts/sim.sh [run.py options: --persona son -v --max-turns 12 ...]
# Env: BOT_BIN, API_BIN (interpreters, as in scripts/test_bot.sh); SIM_MODEL (default
# models/assistant.tar.gz); SIM_OUT (logs and transcripts, default a new var/sim/<time>-<pid>);
# SIM_RASA_WAIT (seconds for Rasa to load its model, default 300; 30-60 s on an idle machine).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1
BOT_BIN="${BOT_BIN:-.venv/bot/bin}"
API_BIN="${API_BIN:-.venv/api/bin}"
MODEL="${SIM_MODEL:-models/assistant.tar.gz}"
# one folder per run: several engineers may run the simulator at the same time; the last 10 are kept
OUT="${SIM_OUT:-var/sim/$(date -u +%Y%m%dT%H%M%SZ)-$$}"

fail() { echo "sim: $*" >&2; exit 1; }
[ -x "$BOT_BIN/rasa" ] || fail "$BOT_BIN/rasa not found: run 'make setup' or set BOT_BIN"
[ -x "$API_BIN/python" ] || fail "$API_BIN/python not found: run 'make setup' or set API_BIN"
[ -f "$MODEL" ] || fail "$MODEL not found: train first (scripts/test_bot.sh or rasa train ... --fixed-model-name assistant --out models)"

echo "== simulator self-check (personas, reading of the catalog's questions)"
PYTHONPATH="$PWD" "$BOT_BIN/python" -m pytest tests/sim -q -p no:cacheprovider

mkdir -p "$OUT"
if [ -z "${SIM_OUT:-}" ]; then
  ls -1d var/sim/*-* 2>/dev/null | sort | head -n -10 | while read -r old; do rm -rf "$old"; done
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sim.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$API_BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port); ACTIONS_PORT=$(free_port); RASA_PORT=$(free_port)
while [ "$ACTIONS_PORT" = "$API_PORT" ]; do ACTIONS_PORT=$(free_port); done
while [ "$RASA_PORT" = "$API_PORT" ] || [ "$RASA_PORT" = "$ACTIONS_PORT" ]; do RASA_PORT=$(free_port); done
TOKEN=$("$API_BIN/python" -c 'import secrets; print(secrets.token_hex(16))')

wait_for() {  # url, name, seconds, pid
  for _ in $(seq 1 "$3"); do
    kill -0 "$4" 2>/dev/null || { echo "sim: $2 exited; its log:" >&2; return 1; }
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 1
  done
  echo "sim: $2 did not answer within $3 s; its log:" >&2
  return 1
}

# 1. The case API on a fresh SQLite database, outbox deliverer off.
export DATABASE_URL="sqlite:///$TMP/cases.db"
export SECRET_KEY="sim-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
export DISPATCH_IN_PROCESS=0 PYTHONPATH="$PWD"
"$API_BIN/python" -m alembic upgrade head >"$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log"; fail "alembic upgrade failed"; }
"$API_BIN/python" -m uvicorn api.main:app --host 127.0.0.1 --port "$API_PORT" >"$OUT/api.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$API_PORT/healthz" "case API" 60 "${pids[-1]}" || { tail -30 "$OUT/api.log"; exit 1; }

# 2. The action server, pointed at that API.
CASE_API_URL="http://127.0.0.1:$API_PORT" CASE_PUBLIC_URL="http://127.0.0.1:$API_PORT" \
  "$BOT_BIN/rasa" run actions --actions actions --port "$ACTIONS_PORT" >"$OUT/actions.log" 2>&1 &
pids+=($!)
ACTIONS_PID=${pids[-1]}

# 3. The Rasa server with the trained model, pointed at that action server.
cat >"$TMP/endpoints.yml" <<YAML
action_endpoint:
  url: "http://127.0.0.1:$ACTIONS_PORT/webhook"
YAML
"$BOT_BIN/rasa" run --enable-api --auth-token "$TOKEN" --port "$RASA_PORT" --model "$MODEL" \
  --credentials credentials.yml --endpoints "$TMP/endpoints.yml" >"$OUT/rasa.log" 2>&1 &
pids+=($!)
RASA_PID=${pids[-1]}

wait_for "http://127.0.0.1:$ACTIONS_PORT/health" "action server" 120 "$ACTIONS_PID" || { tail -30 "$OUT/actions.log"; exit 1; }
# Rasa answers /status before its model is loaded (409 "No agent loaded"), and stays up without one
# when the model does not load with the current code (a component changed since training).
rasa_ready=""
for _ in $(seq 1 "${SIM_RASA_WAIT:-300}"); do
  kill -0 "$RASA_PID" 2>/dev/null || { tail -30 "$OUT/rasa.log"; fail "Rasa exited (log: $OUT/rasa.log)"; }
  if grep -q "Could not load model" "$OUT/rasa.log"; then
    grep -A3 "Could not load model" "$OUT/rasa.log" | head -8
    fail "Rasa could not load $MODEL with the current code: retrain it (log: $OUT/rasa.log)"
  fi
  if curl -sS -m 5 "http://127.0.0.1:$RASA_PORT/status?token=$TOKEN" 2>/dev/null | grep -qE '"model_file": ?"[^"]'; then
    rasa_ready=1
    break
  fi
  sleep 1
done
[ -n "$rasa_ready" ] || { tail -30 "$OUT/rasa.log"; fail "Rasa did not load its model within ${SIM_RASA_WAIT:-300} s"; }

echo "== typed-family simulator, servers up after ${SECONDS} s (API :$API_PORT, actions :$ACTIONS_PORT, Rasa :$RASA_PORT; logs in $OUT)"
"$BOT_BIN/python" tests/sim/run.py --rasa-url "http://127.0.0.1:$RASA_PORT" --api-url "http://127.0.0.1:$API_PORT" \
  --transcripts "$OUT/transcripts" "$@"
