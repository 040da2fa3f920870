"""Browser tests: the pages in Debian's Chromium (/usr/bin/chromium) driven by Playwright.

No browser is ever downloaded: `make test` installs Debian's chromium with apt-get when missing
(scripts/browser_setup.sh) and Playwright launches it through `executable_path`. Without chromium the
tests fail in CI (CI=true) and are skipped with a notice on a newcomer's machine.

Shared here: a real case API on a free port (temporary SQLite, migrated at start-up), a browser, a
fresh page per test, an axe-core scan (`axe_clean`) and screenshots (`screenshot`), written to
var/screenshots/ by every run and copied to docs/screenshots/ with UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.clock import today as china_today
from api.identity import check_digit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = ROOT / "var" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
IN_CI = os.environ.get("CI", "").lower() == "true"

# Credentials of this test run, configured the way production configures them (environment, JSON).
TEST_SECRET = "browser-tests-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
TEST_ASSISTANT_KEY = "browser-tests-assistant-key-0123456789-abcdefghij"


def _missing(msg: str) -> None:
    if IN_CI:
        pytest.fail(f"{msg} — CI=true requires it (scripts/browser_setup.sh installs it)", pytrace=False)
    pytest.skip(f"{msg}; run `make browser` (apt-get install chromium) to run the browser tests")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"{url} did not answer within {seconds} s; see {log}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def api_env(db_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "SECRET_KEY": TEST_SECRET,
        "ASSISTANT_API_KEY": TEST_ASSISTANT_KEY,
        "PYTHONPATH": str(ROOT),
        # the fake SMS adapter's outbox (api/notify/sms.py) next to the database, read by tests
        "SMS_ADAPTER": "fake",
        "SMS_OUTBOX_FILE": str(db_path.parent / "sms-outbox.jsonl"),
        **extra,
    }


@pytest.fixture(scope="session")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A real case API: {"url", "db", "env", "log"}. Its start-up migrates the temporary database."""
    tmp = tmp_path_factory.mktemp("live_api")
    env = api_env(tmp / "cases.db")
    port = free_port()
    log = tmp / "api.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/healthz", proc, 60, log)
    yield {"url": url, "db": tmp / "cases.db", "env": env, "log": log, "sms_outbox": tmp / "sms-outbox.jsonl"}
    stop(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing(f"Debian's chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    p = context.new_page()
    yield p
    context.close()


def axe_clean(page: Any, name: str) -> list[dict[str, Any]]:
    """axe-core (bundled in axe-playwright-python, run in the page): no serious or critical violation.
    Every violation found is written to var/screenshots/<name>.axe.json; the minor ones are returned."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response.get("violations", [])
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"{name}.axe.json").write_text(
        json.dumps(violations, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{name}: axe found " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
    )
    return violations


def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    """var/screenshots/<name>.png on every run; docs/screenshots/<name>.png with UPDATE_SCREENSHOTS=1."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_SHOTS / path.name)
    return path


# ------------------------------------------------------------------ data the pages are tried with


def id_number(birth: dt.date) -> str:
    """A valid resident ID number (check digit right) born on ``birth``, with a random serial."""
    first17 = "520102" + birth.strftime("%Y%m%d") + f"{random.randint(0, 999):03d}"
    return first17 + check_digit(first17)


def family_case(**overrides: Any) -> dict[str, Any]:
    """The unified application as a family files it (a retired father, his daughter applying), with
    people who do not exist yet in this run; ``overrides`` replace top-level parts."""
    born = dt.date(1940, 5, 6) + dt.timedelta(days=random.randint(0, 3000))
    return {
        "deceased": {
            "name": "王德明",
            "id_number": id_number(born),
            "death_date": (china_today() - dt.timedelta(days=3)).isoformat(),
        },
        "applicant": {
            "name": "王晓红",
            "id_number": id_number(dt.date(1970, 2, 3) + dt.timedelta(days=random.randint(0, 3000))),
            "phone": "139" + f"{random.randint(0, 99_999_999):08d}",
            "relationship": "child",
        },
        "situation": {
            "death_nature": "normal",
            "death_place": "hospital",
            "funeral": "cremation",
            "hukou_in_guizhou": True,
            "pension_scheme": "enterprise",
            "pension_status": "retired",
            "medical_scheme": "employee",
        },
        "items": ["hukou_cancel", "social_insurance_suspend"],
        **overrides,
    }


def file_case(url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /api/v1/cases as the assistant files it (its service key, one conversation per case, so
    the per-address submission limit does not count every test's cases together); the 201 answer."""
    headers = {"X-Assistant-Key": TEST_ASSISTANT_KEY, "X-Conversation-Id": uuid.uuid4().hex}
    r = httpx.post(f"{url}/api/v1/cases", json=body, headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def run_in_api(env: dict[str, str], script: str, *args: str) -> None:
    """A Python snippet in the live API's environment (its database): staff accounts, or a state that
    months of work would leave (an overdue task)."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]


_STAFF = """
import json, sys
from api.db import get_sessionmaker
from api.staff import service

s = get_sessionmaker()()
for a in json.loads(sys.argv[1]):
    if service.authenticate(s, a["user"], a["password"]) is None:
        service.create_account(s, a["user"], a["password"], a["role"], **a.get("fields", {}))
s.commit()
"""


def create_staff(env: dict[str, str], *accounts: dict[str, Any]) -> None:
    """Staff accounts in the live API's database: {"user", "password", "role", "fields": {...}}
    (fields: department, region, display_name); an existing one is kept."""
    run_in_api(env, _STAFF, json.dumps(accounts, ensure_ascii=False))
