# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper of theirs.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# this machine's pip config names local mirrors that lack most packages: hide that noise only
QUIET_PIP := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
.DEFAULT_GOAL := help

VENV      := .venv
API_PY    := $(VENV)/api/bin/python
BOT_PY    := $(VENV)/bot/bin/python
RASA      := $(VENV)/bot/bin/rasa
API_PORT  ?= 8000
RASA_PORT ?= 5005
ACTIONS_PORT ?= 5055
GENERATED := assistant/generated
# the package both environments install from their lock files (`-e ./packages/gz_identity`)
SHARED_PKG := packages/gz_identity/pyproject.toml

export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
# pip reads only the registries this machine reaches; never prompt in CI.
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup run api test test-api test-bot test-js test-web web browser lint fmt bench generate lock-api lock-bot clean

help:
	@echo "make run    set up, train if needed, start everything on SQLite and print the URL"
	@echo "make test   set up and run every test"
	@echo "make api    start the case API alone on port $(API_PORT)"
	@echo "make bench  run the benchmarks and print their figures"

# ------------------------------------------------------------------ environments
# A stamp per environment, newer than its lock file: a second run installs nothing.
$(VENV)/api/.stamp: requirements/api.lock $(SHARED_PKG)
	@py=$$(scripts/find_python.sh 3.11) && \
	  { [ -x $(API_PY) ] || "$$py" -m venv $(VENV)/api; }
	$(API_PY) -m pip install -q -r requirements/api.lock $(QUIET_PIP)
	@touch $@

$(VENV)/bot/.stamp: requirements/bot.lock $(SHARED_PKG)
	@py=$$(scripts/find_python.sh 3.10) && \
	  { [ -x $(BOT_PY) ] || "$$py" -m venv $(VENV)/bot; }
	$(BOT_PY) -m pip install -q -r requirements/bot.lock $(QUIET_PIP)
	@touch $@

setup: $(VENV)/api/.stamp $(VENV)/bot/.stamp

lock-api:
	rm -rf /tmp/lock-api && $$(scripts/find_python.sh 3.11) -m venv /tmp/lock-api
	/tmp/lock-api/bin/pip install -q -r requirements/api.in
	{ /tmp/lock-api/bin/pip freeze | grep -v -E '^(-e |#|pkg-resources|gz-identity)'; echo '-e ./packages/gz_identity'; } > requirements/api.lock

lock-bot:
	rm -rf /tmp/lock-bot && $$(scripts/find_python.sh 3.10) -m venv /tmp/lock-bot
	/tmp/lock-bot/bin/pip install -q -r requirements/bot.in
	{ /tmp/lock-bot/bin/pip freeze | grep -v -E '^(-e |#|pkg-resources|gz-identity)'; echo '-e ./packages/gz_identity'; } > requirements/bot.lock

# ------------------------------------------------------------------ derived from knowledge/
# The bot's jieba dictionary and lookup tables come from the catalog (one source of truth).
$(GENERATED)/.stamp: $(VENV)/api/.stamp $(wildcard knowledge/*.yaml) $(wildcard api/catalog/*.py)
	$(API_PY) -m api.catalog.export $(GENERATED)
	@touch $@

generate: $(GENERATED)/.stamp

# ------------------------------------------------------------------ run
api: $(VENV)/api/.stamp
	$(API_PY) -m uvicorn api.main:app --host 127.0.0.1 --port $(API_PORT)

run: setup generate web
	@scripts/run_all.sh

# ------------------------------------------------------------------ checks
lint: $(VENV)/api/.stamp
	$(VENV)/api/bin/ruff check .
	$(VENV)/api/bin/ruff format --check .

fmt: $(VENV)/api/.stamp
	$(VENV)/api/bin/ruff format .
	$(VENV)/api/bin/ruff check --fix .

# the PDF tests need the CJK fonts that `make browser` installs (apt-get, when missing)
test-api: $(VENV)/api/.stamp browser
	$(API_PY) -m pytest tests/api -q

test-bot: setup generate
	@scripts/test_bot.sh

# the web front ends and the mini-program's tests (npm registry, the machine's Node.js)
web:
	@scripts/build_web.sh

# Debian's chromium and CJK fonts with apt-get when missing (visible and idempotent; README "Tests")
browser:
	@scripts/browser_setup.sh

# unit tests of the front ends (each web/* or miniprogram/ with an "npm test" script)
test-js: web
	@for pkg in web/*/package.json miniprogram/package.json; do \
	  [ -f "$$pkg" ] && grep -q '"test"' "$$pkg" || continue; \
	  echo "== $$(dirname $$pkg): npm test"; (cd $$(dirname $$pkg) && npm test --silent); \
	done

# the pages in Debian's Chromium with Playwright (after test-bot: the widget's test uses its model)
test-web: $(VENV)/api/.stamp browser web
	$(API_PY) -m pytest tests/browser -q -p no:cacheprovider

test: setup generate lint test-api test-js test-bot test-web

# every benchmark, bounded (~15 min), services started and stopped by the scripts themselves:
# writes docs/bench/report.md, its charts and results.json (BENCH_ARGS=--quick checks the machinery)
bench: setup generate
	$(API_PY) bench/report.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(GENERATED) models var .pytest_cache .hypothesis

# ------------------------------------------------------------------ scale-out, load and faults (issue 7)
# Each uses the running scripts/scaleout.sh stack, or starts a fresh one and stops it afterwards
# (SCALE_KEEP=1 keeps it). Loopback only. docs/deployment.md, "Load and fault tests".
.PHONY: scale-test load faults
scale-test: setup
	@scripts/with_scaleout.sh bash -c 'PYTHONPATH=$$PWD $(BOT_PY) -m pytest tests/scale/test_lock_store.py -q -p no:cacheprovider && $(API_PY) tests/scale/check_one_conversation.py'

load: setup
	@scripts/with_scaleout.sh $(API_PY) bench/load/load.py $(LOAD_ARGS)

faults: setup
	@scripts/with_scaleout.sh $(API_PY) bench/load/faults.py $(FAULT_ARGS)
