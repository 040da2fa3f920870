"""The whole stack for the widget's browser tests, started once per session: the case API (temporary
SQLite), the action server, Rasa with the trained model (models/assistant.tar.gz, trained by
`make test-bot`, which runs before `make test-web`), and the API's chat proxy pointed at that Rasa.

    stack = {"url", "db", "rasa", "logs", "site", "site_port"}

"site" is an origin allowed by the API's WIDGET_ORIGINS, for a page of another site (a real server on
that port: Chromium does not let a page of an unknown address fetch from 127.0.0.1).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import ROOT, TEST_ASSISTANT_KEY, _missing, api_env, free_port, stop, wait_http

MODEL = ROOT / "models" / "assistant.tar.gz"
BOT = ROOT / ".venv" / "bot" / "bin"
WIDGET = ROOT / "web" / "widget" / "dist" / "widget.js"


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_model(url: str, proc: subprocess.Popen, seconds: float, log: Path) -> None:
    """Rasa answers HTTP before its model is loaded; a parse proves the model is there."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Rasa exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.post(f"{url}/model/parse", json={"text": "你好"}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"Rasa did not load {MODEL} within {seconds} s; see {log}")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not MODEL.is_file():
        _missing(f"{MODEL.relative_to(ROOT)} is missing (`make test-bot` trains it)")
    if not WIDGET.is_file():
        _missing(f"{WIDGET.relative_to(ROOT)} is missing (`make web` builds it)")
    if not (BOT / "rasa").is_file():
        _missing(".venv/bot has no rasa (`make setup`)")
    tmp = tmp_path_factory.mktemp("stack")
    api_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    # another site (another origin) that embeds the widget with one tag: test_widget.py serves it there
    site_port = free_port()
    site = f"http://127.0.0.1:{site_port}"
    env = api_env(tmp / "cases.db", RASA_URL=rasa_url, CASE_PUBLIC_URL=api_url, WIDGET_ORIGINS=site)
    procs: list[subprocess.Popen] = []
    try:
        api = _start(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(api_port)],
            env,
            tmp / "api.log",
        )
        procs.append(api)
        bot_env = {
            **os.environ,
            "CASE_API_URL": api_url,
            "CASE_PUBLIC_URL": api_url,
            "ASSISTANT_API_KEY": TEST_ASSISTANT_KEY,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        actions = _start(
            [str(BOT / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
            bot_env,
            tmp / "actions.log",
        )
        procs.append(actions)
        endpoints = tmp / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
        credentials = tmp / "credentials.yml"
        credentials.write_text("rest:\n")
        rasa = _start(
            [
                str(BOT / "rasa"),
                "run",
                "--enable-api",
                "-m",
                str(MODEL),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(credentials),
                "--port",
                str(rasa_port),
            ],
            bot_env,
            tmp / "rasa.log",
        )
        procs.append(rasa)
        wait_http(f"{api_url}/healthz", api, 60, tmp / "api.log")
        wait_http(f"http://127.0.0.1:{actions_port}/health", actions, 180, tmp / "actions.log")
        _wait_model(rasa_url, rasa, 900, tmp / "rasa.log")  # minutes on a busy machine
        yield {
            "url": api_url,
            "db": tmp / "cases.db",
            "rasa": rasa_url,
            "logs": tmp,
            "site": site,
            "site_port": site_port,
        }
    finally:
        for proc in reversed(procs):
            stop(proc)
