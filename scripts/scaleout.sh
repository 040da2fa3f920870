#!/usr/bin/env bash
# Scale-out on one machine: two Rasa processes on a PostgreSQL tracker store and a Redis lock store,
# two case-API processes on PostgreSQL for families, a third for the departments' calls, one action
# server, one outbox deliverer, the department simulator, all behind ONE address served by haproxy
# (installed with apt-get when missing).
#
# Families first: department systems call in batches (a department that syncs its queue, the
# simulator completing every task a new case released), and a wave of that work on the same cores
# made the families' turns wait seconds. So a request carrying a department's X-Api-Key goes to
# `apidept`, which runs with a lower CPU priority (nice $SCALE_BACKGROUND_NICE, default 10) like the
# deliverer and the simulator: it uses whatever CPU the families' processes leave. api1 and api2 are
# its backups, so the departments are served while apidept is down.
#
#   scripts/scaleout.sh start [--fresh]   start everything (--fresh: drop and recreate both databases)
#   scripts/scaleout.sh stop              stop what `start` started (by the pids it recorded)
#   scripts/scaleout.sh status            what runs, where
#   scripts/scaleout.sh restart-one NAME  start again one recorded process that died (api1 rasa1 actions ...)
#   scripts/scaleout.sh reload            new model and action code: restart actions, rasa1, rasa2 in turn
#
# Ports are free ones chosen at start (or SCALE_LB_PORT, SCALE_API1_PORT ... when set) and written
# with every URL to $SCALE_DIR/state.env, which the tests (tests/scale, bench/load) read. Logs and pids
# are under $SCALE_DIR (default var/scaleout). Secrets for APP_ENV=production are generated once
# into $SCALE_DIR/secrets.env (mode 600). Every process runs from a snapshot of the code taken at
# `start` (and `reload`) with the model: $SCALE_DIR/code.<n>/ holds assistant/ actions/ api/
# knowledge/ alembic/ and the model, so that a retraining or an edit in the working tree never
# changes what a restarted process runs in the middle of a test (a Rasa restarted on newer
# components than its model's fails to load it).
#
# Environment: SCALE_DIR, SCALE_MODEL (default models/assistant.tar.gz), PGHOST/PGPORT/PGUSER
# (127.0.0.1/5432/postgres), SCALE_CASES_DB (afterlife_scale_cases), SCALE_TRACKER_DB
# (afterlife_scale_tracker), REDIS_HOST/REDIS_PORT (127.0.0.1/6379), SCALE_REDIS_LOCK_DB (1),
# SCALE_REDIS_LIMIT_DB (2), BOT_BIN/API_BIN (.venv/bot/bin, .venv/api/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1
# TensorFlow in one thread per Rasa process: its default pools (one thread per core in each process)
# contend on 2 cores — 40 → 32 ms of CPU per turn, ceiling 33 → 39 turns/s (bench/turn_bench.py)
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}" TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
DIR="${SCALE_DIR:-var/scaleout}"
BACKGROUND_NICE="${SCALE_BACKGROUND_NICE:-10}"
mkdir -p "$DIR" && DIR="$(cd "$DIR" && pwd)"
BOT_BIN="$(cd "${BOT_BIN:-.venv/bot/bin}" 2>/dev/null && pwd || echo "${BOT_BIN:-.venv/bot/bin}")"
API_BIN="$(cd "${API_BIN:-.venv/api/bin}" 2>/dev/null && pwd || echo "${API_BIN:-.venv/api/bin}")"
code_dir() { cat "$DIR/code.current" 2>/dev/null || die "no code snapshot: scripts/scaleout.sh start"; }

snapshot() {  # model: code and model copied together; prints nothing, records $DIR/code.current
  local n=1 dest
  while [ -e "$DIR/code.$n" ]; do n=$((n + 1)); done
  dest="$DIR/code.$n"
  mkdir -p "$dest"
  cp -a assistant actions api knowledge alembic alembic.ini credentials.yml config.yml domain.yml deploy "$dest/"
  find "$dest" -name __pycache__ -prune -exec rm -rf {} +
  cp "$1" "$dest/model.tar.gz"
  echo "$dest" >"$DIR/code.current"
  say "code and model snapshot: $dest ($(git rev-parse --short HEAD 2>/dev/null || echo '?') + working tree, model $(date -u -r "$1" +%FT%TZ))"
}
PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
CASES_DB="${SCALE_CASES_DB:-afterlife_scale_cases}"
TRACKER_DB="${SCALE_TRACKER_DB:-afterlife_scale_tracker}"
REDIS_HOST="${REDIS_HOST:-127.0.0.1}" REDIS_PORT="${REDIS_PORT:-6379}"
LOCK_DB="${SCALE_REDIS_LOCK_DB:-1}" LIMIT_DB="${SCALE_REDIS_LIMIT_DB:-2}"

say() { echo "scaleout: $*"; }
die() { echo "scaleout: $*" >&2; exit 1; }

free_port() {
  "$API_BIN/python" - "$@" <<'PY'
import socket, sys
taken = {int(p) for p in sys.argv[1:]}
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if p not in taken:
        print(p); break
PY
}
port_busy() { "$API_BIN/python" -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1', $1)) == 0 else 1)"; }

pid_alive() { [ -f "$DIR/pids/$1" ] && kill -0 "$(cat "$DIR/pids/$1")" 2>/dev/null; }

wait_http() {  # name url seconds
  local name=$1 url=$2 secs=$3
  for _ in $(seq 1 "$secs"); do
    pid_alive "$name" || { say "$name exited; last lines of $DIR/logs/$name.log:"; tail -25 "$DIR/logs/$name.log" >&2; return 1; }
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    sleep 1
  done
  say "$name did not answer $url within $secs s"; tail -25 "$DIR/logs/$name.log" >&2; return 1
}

wait_model() {  # name port: /status answers before the model is loaded
  for _ in $(seq 1 600); do
    pid_alive "$1" || { tail -25 "$DIR/logs/$1.log" >&2; return 1; }
    curl -fsS --max-time 2 "http://127.0.0.1:$2/status?token=$RASA_TOKEN" 2>/dev/null | grep -qE '"model_file": ?"[^"]' && return 0
    sleep 1
  done
  say "$1: no model loaded after 600 s"; return 1
}

launch() {  # name command... : background, log and pid under $DIR
  local name=$1; shift
  pid_alive "$name" && { say "$name already runs (pid $(cat "$DIR/pids/$name"))"; return 0; }
  # setsid: its own process group, so `stop` ends it with the children it forks
  setsid "$@" >>"$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$DIR/pids/$name"
  echo "$*" >"$DIR/cmds/$name"
}

psql_q() { psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -v ON_ERROR_STOP=1 -qAtc "$1"; }

ensure_haproxy() {
  if ! command -v haproxy >/dev/null 2>&1; then
    say "haproxy is missing: installing Debian's package (apt-get install haproxy)"
    [ "$(id -u)" = 0 ] || die "not root: install haproxy yourself (apt-get install haproxy)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  fi
  say "load balancer: $(haproxy -v 2>/dev/null | head -1)"
}

write_haproxy_cfg() {
  cat >"$DIR/haproxy.cfg" <<CFG
# generated by scripts/scaleout.sh: one address for the assistant (Rasa) and the case API
global
    maxconn 4096
defaults
    mode http
    option httplog
    log stdout format raw local0 warning
    timeout connect 2s
    timeout client 150s
    timeout server 150s
    # a refused connection (a process just killed) is retried once on the other server;
    # a request already sent is never replayed (POSTs are not idempotent)
    retries 2
    option redispatch 1
    retry-on conn-failure
frontend one_address
    bind 127.0.0.1:$LB_PORT
    option forwardfor
    acl to_rasa path_beg /webhooks/ /conversations/ /socket.io/ /model
    acl to_rasa path /status /version
    # fail open: when the checks find no server up (all overloaded, answering checks late), send the
    # traffic anyway rather than answer 503 to everyone (a dead server is still skipped: the
    # connection is refused and retried on the other one)
    use_backend rasa if to_rasa { nbsrv(rasa) gt 0 }
    use_backend rasa_unchecked if to_rasa
    # a department's system (X-Api-Key): its own process at a lower CPU priority, see the top of
    # scripts/scaleout.sh; the families' API processes are its backups
    use_backend department_api if { req.hdr(X-Api-Key) -m found }
    use_backend case_api if { nbsrv(case_api) gt 0 }
    default_backend case_api_unchecked
backend rasa
    balance roundrobin
    # /status answers 409 until the model is loaded (/version and / answer 200 at once, and a Rasa
    # without its model answers every message with an empty 200: "no agent to handle it")
    option httpchk GET /status?token=$RASA_TOKEN
    http-check expect status 200
    # a Rasa process busy with a turn answers its health check late: generous timeout, 3 misses
    timeout check 5s
    default-server check inter 2s fall 3 rise 2
    server rasa1 127.0.0.1:$RASA1_PORT
    server rasa2 127.0.0.1:$RASA2_PORT
backend case_api
    balance roundrobin
    option httpchk GET /healthz
    timeout check 5s
    default-server check inter 2s fall 3 rise 1
    server api1 127.0.0.1:$API1_PORT
    server api2 127.0.0.1:$API2_PORT
backend department_api
    balance roundrobin
    option httpchk GET /healthz
    timeout check 5s
    default-server check inter 2s fall 3 rise 1
    server apidept 127.0.0.1:$APIDEPT_PORT
    server api1 127.0.0.1:$API1_PORT backup
    server api2 127.0.0.1:$API2_PORT backup
backend rasa_unchecked
    balance roundrobin
    server rasa1 127.0.0.1:$RASA1_PORT
    server rasa2 127.0.0.1:$RASA2_PORT
backend case_api_unchecked
    balance roundrobin
    server api1 127.0.0.1:$API1_PORT
    server api2 127.0.0.1:$API2_PORT
CFG
  chmod 600 "$DIR/haproxy.cfg"  # it holds the Rasa token
  haproxy -c -q -f "$DIR/haproxy.cfg" || die "haproxy rejected $DIR/haproxy.cfg"
}

make_secrets() {
  if [ -f "$DIR/secrets.env" ] && ! grep -q '^ASSISTANT_API_KEY=' "$DIR/secrets.env"; then
    echo "ASSISTANT_API_KEY=$("$API_BIN/python" -c 'import secrets; print(secrets.token_urlsafe(32))')" >>"$DIR/secrets.env"
  fi
  [ -f "$DIR/secrets.env" ] && return 0
  say "generating production secrets into $DIR/secrets.env"
  (umask 077; APP_ENV=development DEV_SECRET_FILE="$DIR/dev-secret.tmp" PYTHONPATH="$ROOT" "$API_BIN/python" - >"$DIR/secrets.env" <<'PY'
import json, secrets, shlex
from api.security import config
depts = {d: secrets.token_urlsafe(32) for d in sorted(config.department_keys())}
staff = {secrets.token_urlsafe(32): {"role": r, "staff_id": s}
         for r, s in (("window_staff", "w001"), ("hotline_staff", "h001"), ("admin", "a001"))}
print("SECRET_KEY=" + shlex.quote(secrets.token_urlsafe(48)))
print("DEPARTMENT_API_KEYS=" + shlex.quote(json.dumps(depts)))
print("STAFF_TOKENS=" + shlex.quote(json.dumps(staff)))
print("RASA_TOKEN=" + shlex.quote(secrets.token_hex(24)))
# the action server's service credential (API and action server): limits per conversation
print("ASSISTANT_API_KEY=" + shlex.quote(secrets.token_urlsafe(32)))
PY
  ); rm -f "$DIR/dev-secret.tmp"
}

choose_ports() {
  local taken=() name var value
  for name in LB API1 API2 APIDEPT RASA1 RASA2 ACTIONS SIM; do
    var="SCALE_${name}_PORT"; value="${!var:-}"
    if [ -n "$value" ]; then
      port_busy "$value" && die "port $value ($var) is taken"
    else
      value=$(free_port "${taken[@]}")
    fi
    taken+=("$value"); printf -v "${name}_PORT" '%s' "$value"
  done
}

write_state() {
  cat >"$DIR/state.env" <<ENV
# written by scripts/scaleout.sh start at $(date -u +%FT%TZ); read by tests/scale and bench/load
SCALE_DIR=$DIR
LB_URL=http://127.0.0.1:$LB_PORT
API1_URL=http://127.0.0.1:$API1_PORT
API2_URL=http://127.0.0.1:$API2_PORT
APIDEPT_URL=http://127.0.0.1:$APIDEPT_PORT
RASA1_URL=http://127.0.0.1:$RASA1_PORT
RASA2_URL=http://127.0.0.1:$RASA2_PORT
ACTIONS_URL=http://127.0.0.1:$ACTIONS_PORT
SIM_URL=http://127.0.0.1:$SIM_PORT
LB_PORT=$LB_PORT
API1_PORT=$API1_PORT
API2_PORT=$API2_PORT
APIDEPT_PORT=$APIDEPT_PORT
RASA1_PORT=$RASA1_PORT
RASA2_PORT=$RASA2_PORT
ACTIONS_PORT=$ACTIONS_PORT
SIM_PORT=$SIM_PORT
DATABASE_URL=postgresql://$PGUSER@$PGHOST:$PGPORT/$CASES_DB
TRACKER_DATABASE_URL=postgresql://$PGUSER@$PGHOST:$PGPORT/$TRACKER_DB
REDIS_LOCK_URL=redis://$REDIS_HOST:$REDIS_PORT/$LOCK_DB
REDIS_KEY_PREFIX=${SCALE_REDIS_KEY_PREFIX:-afterlife}
ENV
}

# The environment of one service, exported by a subshell before `launch`.
api_env() {
  set -a; . "$DIR/secrets.env"; set +a
  export APP_ENV=production PYTHONPATH="$(code_dir)" LOG_LEVEL="${SCALE_LOG_LEVEL:-WARNING}"
  export DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/$CASES_DB"
  export RATE_LIMIT_STORAGE=redis REDIS_URL="redis://$REDIS_HOST:$REDIS_PORT/$LIMIT_DB"
  export DISPATCH_IN_PROCESS=0 DEPARTMENT_WEBHOOK_DEFAULT="http://127.0.0.1:$SIM_PORT/deliveries"
  # a department down for minutes or hours must not turn events dead: many attempts, backoff capped
  # at a minute so that a department that is back is served within a minute (defaults: 8 and 900 s)
  export DISPATCH_MAX_ATTEMPTS="${DISPATCH_MAX_ATTEMPTS:-40}" DISPATCH_BACKOFF_CAP="${DISPATCH_BACKOFF_CAP:-60}"
  export CASE_API_URL="http://127.0.0.1:$LB_PORT" API_PUBLIC_URL="http://127.0.0.1:$LB_PORT"
}
rasa_env() {
  set -a; . "$DIR/secrets.env"; set +a
  export ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTIONS_PORT/webhook"
  export TRACKER_DB_HOST="$PGHOST" TRACKER_DB_PORT="$PGPORT" TRACKER_DB_NAME="$TRACKER_DB"
  export TRACKER_DB_USER="$PGUSER" TRACKER_DB_PASSWORD="${TRACKER_DB_PASSWORD:-}"
  export REDIS_HOST REDIS_PORT REDIS_LOCK_DB="$LOCK_DB" REDIS_PASSWORD="${REDIS_PASSWORD:-}"
  export REDIS_KEY_PREFIX="${SCALE_REDIS_KEY_PREFIX:-afterlife}"
  # A conversation's lock outlives a Rasa process killed mid-turn by this long (Rasa's default: 60 s
  # of silence for that family); a turn, with its action calls (5 s timeout each), takes far less.
  export TICKET_LOCK_LIFETIME="${TICKET_LOCK_LIFETIME:-20}"
}

start_api() {  # name port [nice]
  (api_env; cd "$(code_dir)"; launch "$1" nice -n "${3:-0}" "$API_BIN/python" -m uvicorn api.main:app --host 127.0.0.1 --port "$2" \
     --proxy-headers --forwarded-allow-ips 127.0.0.1 --log-level warning --no-access-log)
}
start_rasa() {  # name port
  (rasa_env; cd "$(code_dir)"; export PYTHONPATH="$PWD"
   launch "$1" "$BOT_BIN/rasa" run --enable-api --auth-token "$RASA_TOKEN" --port "$2" \
     --model model.tar.gz --credentials credentials.yml --endpoints deploy/endpoints.production.yml)
}
start_actions() {
  (api_env; export CASE_PUBLIC_URL="http://127.0.0.1:$LB_PORT"; cd "$(code_dir)"
   launch actions "$BOT_BIN/rasa" run actions --actions actions --port "$ACTIONS_PORT")
}
start_deliverer() { (api_env; export DISPATCH_POLL_INTERVAL="${DISPATCH_POLL_INTERVAL:-0.5}"; cd "$(code_dir)"
                     launch deliverer nice -n "$BACKGROUND_NICE" "$API_BIN/python" -m api.dispatch.deliverer); }
start_sim() {
  (api_env; cd "$(code_dir)"; launch sim nice -n "$BACKGROUND_NICE" "$API_BIN/python" -m api.dispatch.simulator --port "$SIM_PORT" \
     --ack-log "$DIR/sim-acks.jsonl" --auto-complete)
}
start_lb() { launch haproxy haproxy -db -f "$DIR/haproxy.cfg"; }

load_state() {
  [ -f "$DIR/state.env" ] || die "$DIR/state.env missing: run scripts/scaleout.sh start"
  set -a; . "$DIR/state.env"; . "$DIR/secrets.env"; set +a
}

cmd_start() {
  local fresh=""
  [ "${1:-}" = "--fresh" ] && fresh=1
  [ -x "$BOT_BIN/rasa" ] || die "$BOT_BIN/rasa not found: run 'make setup'"
  [ -x "$API_BIN/python" ] || die "$API_BIN/python not found: run 'make setup'"
  local model="${SCALE_MODEL:-models/assistant.tar.gz}"
  [ -f "$model" ] || die "$model not found: train first (make run)"
  mkdir -p "$DIR/logs" "$DIR/pids" "$DIR/cmds"
  for n in api1 api2 apidept rasa1 rasa2 actions deliverer sim haproxy; do
    pid_alive "$n" && die "$n already runs (pid $(cat "$DIR/pids/$n")): scripts/scaleout.sh stop first"
  done
  ensure_haproxy
  psql_q "select 1" >/dev/null || die "PostgreSQL at $PGHOST:$PGPORT does not answer (pg_ctlcluster ... main start)"
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null 2>&1 || die "Redis at $REDIS_HOST:$REDIS_PORT does not answer"
  for db in "$CASES_DB" "$TRACKER_DB"; do
    if [ -n "$fresh" ]; then psql_q "drop database if exists $db with (force)"; fi
    [ "$(psql_q "select 1 from pg_database where datname='$db'")" = 1 ] || { psql_q "create database $db"; say "created database $db"; }
  done
  if [ -n "$fresh" ]; then
    redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$LOCK_DB" flushdb >/dev/null
    redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$LIMIT_DB" flushdb >/dev/null
    rm -f "$DIR/sim-acks.jsonl"
  fi
  snapshot "$model"
  make_secrets
  set -a; . "$DIR/secrets.env"; set +a
  choose_ports
  write_state
  write_haproxy_cfg
  : >"$DIR/logs/start.log"
  say "migrating $CASES_DB to Alembic head"
  (api_env; cd "$(code_dir)"; "$API_BIN/python" -m alembic upgrade head >>"$DIR/logs/migrate.log" 2>&1) \
    || { tail -20 "$DIR/logs/migrate.log"; die "migration failed"; }

  # the Rasa processes take longest (model load): start them first, in parallel with the rest
  start_rasa rasa1 "$RASA1_PORT"
  start_rasa rasa2 "$RASA2_PORT"
  start_sim
  start_api api1 "$API1_PORT"
  start_api api2 "$API2_PORT"
  start_api apidept "$APIDEPT_PORT" "$BACKGROUND_NICE"
  start_actions
  start_deliverer
  start_lb
  wait_http sim "http://127.0.0.1:$SIM_PORT/healthz" 60
  wait_http api1 "http://127.0.0.1:$API1_PORT/healthz" 90
  wait_http api2 "http://127.0.0.1:$API2_PORT/healthz" 90
  wait_http apidept "http://127.0.0.1:$APIDEPT_PORT/healthz" 90
  wait_http haproxy "http://127.0.0.1:$LB_PORT/healthz" 30
  wait_http actions "http://127.0.0.1:$ACTIONS_PORT/health" 180
  wait_model rasa1 "$RASA1_PORT"
  wait_model rasa2 "$RASA2_PORT"
  wait_http haproxy "http://127.0.0.1:$LB_PORT/version" 30
  say "ready"
  cmd_status
}

cmd_stop() {
  [ -d "$DIR/pids" ] || { say "nothing recorded under $DIR/pids"; return 0; }
  local f name pid
  for f in "$DIR"/pids/*; do
    [ -e "$f" ] || continue
    name=$(basename "$f"); pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for f in "$DIR"/pids/*; do
    [ -e "$f" ] || continue
    name=$(basename "$f"); pid=$(cat "$f")
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
    rm -f "$f"; say "stopped $name"
  done
  rm -rf "$DIR"/code.[0-9]* "$DIR/code.current"
}

cmd_status() {
  load_state
  local f name
  printf '%-10s %-8s %s\n' process pid state
  for f in "$DIR"/pids/*; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    if pid_alive "$name"; then printf '%-10s %-8s %s\n' "$name" "$(cat "$f")" running
    else printf '%-10s %-8s %s\n' "$name" "$(cat "$f")" "NOT RUNNING (log: $DIR/logs/$name.log)"; fi
  done
  echo "one address:  $LB_URL  (Rasa: $LB_URL/webhooks/rest/webhook, case API: $LB_URL/api/v1/...)"
  echo "Rasa:         $RASA1_URL $RASA2_URL   (tracker: $TRACKER_DATABASE_URL, locks: $REDIS_LOCK_URL)"
  echo "case API:     $API1_URL $API2_URL, for departments $APIDEPT_URL   (cases: $DATABASE_URL)"
  echo "actions: $ACTIONS_URL  simulator: $SIM_URL  logs: $DIR/logs/  state: $DIR/state.env"
}

cmd_restart_one() {  # start a recorded process again with the same ports (fault tests)
  load_state
  local name=$1
  pid_alive "$name" && { say "$name still runs"; return 0; }
  case $name in
    api1) start_api api1 "$API1_PORT"; wait_http api1 "$API1_URL/healthz" 90 ;;
    api2) start_api api2 "$API2_PORT"; wait_http api2 "$API2_URL/healthz" 90 ;;
    apidept) start_api apidept "$APIDEPT_PORT" "$BACKGROUND_NICE"; wait_http apidept "$APIDEPT_URL/healthz" 90 ;;
    rasa1) start_rasa rasa1 "$RASA1_PORT"; wait_model rasa1 "$RASA1_PORT" ;;
    rasa2) start_rasa rasa2 "$RASA2_PORT"; wait_model rasa2 "$RASA2_PORT" ;;
    actions) start_actions; wait_http actions "$ACTIONS_URL/health" 180 ;;
    deliverer) start_deliverer ;;
    sim) start_sim; wait_http sim "$SIM_URL/healthz" 60 ;;
    haproxy) write_haproxy_cfg; start_lb ;;
    *) die "unknown process $name" ;;
  esac
  say "$name running again (pid $(cat "$DIR/pids/$name"))"
}

cmd_reload() {  # a new model (and the action server's code): restart both Rasa processes one at a time
  load_state
  local model="${SCALE_MODEL:-models/assistant.tar.gz}" name pid
  snapshot "$model"
  for name in actions rasa1 rasa2; do
    if pid=$(cat "$DIR/pids/$name" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    cmd_restart_one "$name"
  done
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  reload) cmd_reload ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart-one) [ -n "${2:-}" ] || die "restart-one NAME"; cmd_restart_one "$2" ;;
  *) echo "usage: scripts/scaleout.sh start [--fresh] | stop | status | reload | restart-one NAME" >&2; exit 2 ;;
esac
