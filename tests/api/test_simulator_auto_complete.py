"""The department simulator accepts and completes a released task with the version its delivery
carried, as a department's system would; it reads the task first only when that version is stale."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from api.dispatch import simulator


def run(version_delivered, current_version):
    calls: list[str] = []
    task = {"version": current_version, "status": "ready"}

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.method == "GET":
            return httpx.Response(200, json={"id": 7, **task})
        body = json.loads(request.content)
        if body["version"] != task["version"]:
            return httpx.Response(409, json={"error": "version_conflict"})
        task["version"] += 1
        task["status"] = {"accept": "accepted", "complete": "completed"}[body["action"]]
        return httpx.Response(200, json={"id": 7, **task})

    state = simulator.State()
    state.api_url = "http://api.test"
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))

    async def go():
        async with client:
            await simulator._auto_complete(state, 7, "health", "death_cert_normal", version_delivered)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(simulator.outbound, "client", lambda: client)
        mp.setattr(simulator, "_api_key", lambda department: "key")
        asyncio.run(go())
    return calls, task, state.completions


def test_the_delivered_version_saves_the_read():
    calls, task, done = run(version_delivered=3, current_version=3)
    assert calls == ["POST /api/v1/tasks/7/transition", "POST /api/v1/tasks/7/transition"]
    assert task["status"] == "completed" and done[0]["status_code"] == 200


def test_a_stale_delivered_version_reads_the_task_first():
    calls, task, done = run(version_delivered=2, current_version=3)
    assert calls == [
        "POST /api/v1/tasks/7/transition",
        "GET /api/v1/tasks/7",
        "POST /api/v1/tasks/7/transition",
        "POST /api/v1/tasks/7/transition",
    ]
    assert task["status"] == "completed" and done[0]["status_code"] == 200


def test_no_delivered_version_reads_the_task_first():
    calls, task, _ = run(version_delivered=None, current_version=5)
    assert calls[0] == "GET /api/v1/tasks/7" and task["status"] == "completed"
