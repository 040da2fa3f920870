"""Fifty families at once on the embedded SQLite database: every request answered, none with 500.

`make run` serves families from one API process on SQLite. A request's transaction holds SQLite's
one write lock until its session is closed, after FastAPI has validated the response in a worker
thread. With more requests than worker threads, every worker waited for the write lock while the
request holding it waited for a worker: "database is locked" (500) for everyone after the busy
timeout. This starts the real uvicorn and sends checklists and submissions from 60 clients at once.
"""

from __future__ import annotations

import collections
import json
import threading
import time

import httpx

from tests.api.conftest import case_body, migrate
from tests.api.test_dispatch_support import wait_http
from tests.api.test_log_uvicorn import _start, _stop

STAFF = "st_concurrency_test_window_staff_token"


def test_sixty_clients_at_once_get_answers_not_database_is_locked(tmp_path):
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate(url)
    bodies = [case_body() for _ in range(400)]  # a fresh deceased each
    situation = bodies[0]["situation"]
    env = {"STAFF_TOKENS": json.dumps({STAFF: {"role": "window_staff", "staff_id": "w901"}})}
    proc, base, files = _start(tmp_path, url, extra_env=env)
    statuses: collections.Counter = collections.Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + 14  # longer than SQLite's busy timeout (10 s)

    def client(n: int) -> None:
        with httpx.Client(base_url=base, timeout=60, headers={"X-Staff-Token": STAFF}) as http:
            while time.monotonic() < stop_at:
                try:
                    if n % 3 == 0 and bodies:
                        with lock:
                            body = bodies.pop() if bodies else None
                        r = http.post("/api/v1/cases", json=body) if body else None
                    else:
                        r = http.post("/api/v1/checklist", json={"situation": situation})
                    outcome = r.status_code if r is not None else "none"
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                with lock:
                    statuses[outcome] += 1

    try:
        wait_http(base + "/healthz", 60)
        threads = [threading.Thread(target=client, args=(n,)) for n in range(60)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
    finally:
        _stop(proc, files)
    answered = statuses[200] + statuses[201]
    assert answered > 100, statuses
    assert set(statuses) <= {200, 201, "none"}, f"besides answers: {dict(statuses)}"
    assert "database is locked" not in (tmp_path / "api.err").read_text(errors="replace")
