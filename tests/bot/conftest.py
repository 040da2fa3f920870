"""Fixtures for the action tests: a real case API on a free port, and real rasa_sdk trackers.

The case API is started as a separate process with the API's own interpreter (env API_PYTHON,
default .venv/api/bin/python), on a temporary SQLite database migrated with Alembic. Trackers
are built from real rasa_sdk events, replayed the way Rasa does: slots from SlotSet events, the
latest message from the last user event, the active loop from ActiveLoop events.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

API_PYTHON = os.environ.get("API_PYTHON", str(ROOT / ".venv" / "api" / "bin" / "python"))
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def case_api(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real case API; yields its base URL and stops it (by its own process id) afterwards."""
    if not Path(API_PYTHON).exists():
        pytest.fail(f"API interpreter {API_PYTHON} not found; set API_PYTHON or run `make setup`")
    tmp = tmp_path_factory.mktemp("case_api")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'cases.db'}",
        "SECRET_KEY": "bot-tests-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "PYTHONPATH": str(ROOT),
        "SMS_OUTBOX_FILE": str(tmp / "sms-outbox.jsonl"),  # the fake SMS adapter's outbox, not var/
    }
    subprocess.run(
        [API_PYTHON, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    port = free_port()
    log = (tmp / "api.log").open("w")
    proc = subprocess.Popen(
        [API_PYTHON, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"case API exited early; see {tmp / 'api.log'}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.terminate()
        pytest.fail("case API did not start within 60 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def api_env(case_api: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CASE_API_URL", case_api)
    monkeypatch.setenv("CASE_PUBLIC_URL", "http://127.0.0.1:8000")
    from actions.api_client import CaseApi

    CaseApi._cache.clear()
    return case_api


@pytest.fixture
def api_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreachable case API: a port nobody listens on."""
    monkeypatch.setenv("CASE_API_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("CASE_API_TIMEOUT", "1")
    from actions.api_client import CaseApi

    CaseApi._cache.clear()


def user(text: str, intent: str, entities: list[dict] | None = None) -> dict:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "intent_ranking": [{"name": intent, "confidence": 0.99}],
        "entities": entities or [],
    }
    return UserUttered(text, parse_data=parse, input_channel="rest")


def ent(entity: str, value: Any) -> dict:
    return {"entity": entity, "value": value, "start": 0, "end": 0, "extractor": "test"}


def make_tracker(events: list[dict], sender_id: str = "family-1") -> Tracker:
    """Replay real rasa_sdk events into a Tracker the way Rasa serialises one for the action server."""
    slots: dict[str, Any] = {name: None for name in DOMAIN["slots"]}
    slots["requested_slot"] = None
    latest_message: dict[str, Any] = {}
    active_loop: dict[str, Any] = {}
    latest_action = None
    stamped = []
    for n, e in enumerate(events):
        e = {**e, "timestamp": e.get("timestamp") or 1_700_000_000 + n}
        stamped.append(e)
        if e["event"] == "slot":
            slots[e["name"]] = e["value"]
        elif e["event"] == "user":
            latest_message = {**e["parse_data"], "text": e["text"]}
        elif e["event"] == "active_loop":
            active_loop = {"name": e["name"]} if e["name"] else {}
        elif e["event"] == "action":
            latest_action = e["name"]
    return Tracker(
        sender_id,
        slots,
        latest_message,
        stamped,
        False,
        None,
        active_loop,
        latest_action,
    )


def slots_of(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


__all__ = [
    "DOMAIN",
    "ActionExecuted",
    "ActiveLoop",
    "SlotSet",
    "ent",
    "make_tracker",
    "slots_of",
    "texts",
    "user",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_internal: the test shows internal text on purpose (the leak scan is skipped)"
    )


@pytest.fixture(autouse=True)
def no_internal_in_bot_messages(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """Every message any CollectingDispatcher produced during the test is scanned by find_internal."""
    from tests.bot.leaks import leaks_in

    dispatchers: list[CollectingDispatcher] = []
    original_init = CollectingDispatcher.__init__

    def recording_init(self: CollectingDispatcher, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        dispatchers.append(self)

    monkeypatch.setattr(CollectingDispatcher, "__init__", recording_init)
    yield
    if request.node.get_closest_marker("allow_internal"):
        return
    found = [f for d in dispatchers for f in leaks_in(d.messages)]
    if found:
        pytest.fail("a family would see something internal:\n" + "\n".join(found), pytrace=False)
