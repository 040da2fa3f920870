"""End to end through processes: the API (deliverer in-process, DISPATCH_IN_PROCESS=1) and the
department simulator told to auto-complete. One HTTP submission → every task delivered to its
department, accepted and completed through POST /tasks/{id}/transition, prerequisites first."""

from __future__ import annotations

import os
import subprocess
import time

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from api.db import make_engine
from tests.api.conftest import case_body
from tests.api.test_dispatch_support import (
    PYTHON,
    ROOT,
    free_port,
    fresh_sqlite,
    simulator_process,
    wait_http,
)


@pytest.fixture
def stack(tmp_path):
    url, engine, _ = fresh_sqlite(tmp_path)
    engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DISPATCH_IN_PROCESS": "1",
        "DISPATCH_POLL_INTERVAL": "0.1",
        "DISPATCH_BACKOFF_BASE": "0.2",
        "LOG_LEVEL": "INFO",
    }
    env.pop("DEPARTMENT_WEBHOOKS", None)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    with simulator_process(env, tmp_path / "simulator.log") as sim:
        env["DEPARTMENT_WEBHOOK_DEFAULT"] = sim + "/deliveries"
        httpx.post(sim + "/control", json={"auto_complete": True, "api_url": api_url}).raise_for_status()
        log = (tmp_path / "api.log").open("wb")
        proc = subprocess.Popen(
            [PYTHON, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(api_url + "/healthz", 60)
            yield api_url, sim, url
        finally:
            proc.terminate()
            proc.wait(20)
            log.close()


def test_one_submission_to_every_task_completed_by_the_simulated_departments(stack, tmp_path):
    from api.cases.models import Case
    from api.outbox.service import OutboxEvent
    from api.tasks.models import Task

    api_url, sim, db_url = stack
    r = httpx.post(api_url + "/api/v1/cases", json=case_body(), timeout=30)
    assert r.status_code == 201, r.text
    created = r.json()
    engine = make_engine(db_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with factory() as s:
                statuses = list(s.scalars(select(Task.status)))
            if statuses and all(st == "completed" for st in statuses):
                break
            time.sleep(0.3)
        else:
            log = (tmp_path / "api.log").read_text()[-3000:]
            pytest.fail(
                f"tasks not completed: {statuses}; simulator: {httpx.get(sim + '/deliveries').json()}\n{log}"
            )
        with factory() as s:
            case = s.scalar(select(Case).where(Case.case_no == created["case_no"]))
            tasks = {t.item_key: t for t in case.tasks}
            events = list(s.scalars(select(OutboxEvent)))
        # prerequisites respected: a task was released only after everything it waits for completed
        for t in tasks.values():
            for w in t.waits_for:
                assert tasks[w].completed_at <= t.released_at, (t.item_key, w)
        assert any(t.waits_for for t in tasks.values()), "the case should exercise a prerequisite"
        released = [e for e in events if e.event == "task.released"]
        assert sorted(e.task_id for e in released) == sorted(t.id for t in tasks.values())
        assert all(e.status == "delivered" for e in events)
        state = httpx.get(sim + "/deliveries").json()
        assert set(state["acknowledged"]) == {e.event_id for e in events}
        assert len(state["completions"]) == len(tasks)
        assert all(c.get("status_code") == 200 for c in state["completions"]), state["completions"]
        # the family sees every result through the API
        view = httpx.get(
            f"{api_url}/api/v1/cases/{created['case_no']}",
            headers={"Authorization": f"Bearer {created['access_token']}"},
        ).json()
        assert {t["status"] for t in view["tasks"]} == {"completed"}
        assert all(t["result"] is not None for t in view["tasks"])
    finally:
        engine.dispose()
