"""A department simulator: accepts deliveries like a department system would.

``python -m api.dispatch.simulator --port 8100`` (``make run`` starts it). Behaviour:

- ``POST /deliveries`` checks the HMAC signature (when it knows the department's secret),
  records the event, and answers 200. An event id it has already acknowledged is answered 200
  with ``"status": "duplicate"`` and not processed again — the dedupe every department must do.
- It records an event *before* its (optional) delay and answers after it: a deliverer killed
  during the delay has had its event processed but never saw the acknowledgement — the case
  the outbox must survive without processing anything twice.
- Control (``POST /control``, JSON, every field optional): ``fail_next`` (answer the next N
  deliveries with ``fail_status``, default 503, without processing them), ``delay`` (seconds
  before answering), ``auto_complete`` (after a ``task.released`` event, accept and complete the
  task through the case API's ``POST /api/v1/tasks/{id}/transition`` with the department's key)
  and ``api_url``. ``POST /control/reset`` forgets everything; ``GET /deliveries`` shows what
  was received and acknowledged (personal data masked, never stored in clear).
- ``--ack-log FILE`` keeps acknowledged event ids across restarts of the simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api import outbound
from api.identity import mask_id_number

log = logging.getLogger("api.dispatch.simulator")

RESULTS = {
    "hukou_cancel": {"certificate_no": "SIM-HK-0001", "note": "户口已注销（模拟）"},
    "will_inquiry": {"notarised_will_found": False},
}


class Control(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fail_next: int | None = Field(default=None, ge=0, le=10_000)
    fail_status: int | None = Field(default=None, ge=400, le=599)
    delay: float | None = Field(default=None, ge=0, le=600)
    auto_complete: bool | None = None
    api_url: str | None = None
    verify_signatures: bool | None = None


class State:
    def __init__(self, ack_log: Path | None = None) -> None:
        self.lock = threading.Lock()
        self.ack_log = ack_log
        self.reset()
        if ack_log and ack_log.exists():
            for line in ack_log.read_text().splitlines():
                if line.strip():
                    entry = json.loads(line)
                    self.acknowledged[entry["event_id"]] = entry

    def reset(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.acknowledged: dict[str, dict[str, Any]] = {}
        self.fail_next = 0
        self.fail_status = 503
        self.delay = 0.0
        self.auto_complete = False
        self.api_url = os.environ.get("CASE_API_URL", "http://127.0.0.1:8000")
        self.verify_signatures = True
        self.completions: list[dict[str, Any]] = []


def _secret(department: str) -> str | None:
    from api.dispatch.deliverer import DispatchConfig

    try:
        return DispatchConfig.from_env().secret_for(department) or None
    except Exception:
        return None


def _api_key(department: str) -> str | None:
    from api.security.config import department_keys

    return department_keys().get(department)


async def _auto_complete(
    state: State, task_id: int, department: str, item: str, version: int | None = None
) -> None:
    """Accept and complete a released task, as a department's system would: with the version the
    delivery carried (one call fewer); the task is read first only when that version is stale."""
    key = _api_key(department)
    if not key:
        log.warning("no API key for %s: cannot auto-complete task %s", department, task_id)
        return
    headers = {"X-Api-Key": key}
    base = state.api_url.rstrip("/")
    outcome: dict[str, Any] = {"task_id": task_id, "department": department}
    try:
        client = outbound.client()

        async def transition(action: str, version: int, **extra: Any) -> httpx.Response:
            return await client.post(
                f"{base}/api/v1/tasks/{task_id}/transition",
                headers=headers,
                json={"action": action, "version": version, **extra},
                timeout=15,
            )

        r = await transition("accept", version) if version is not None else None
        if r is not None and r.status_code == 200:
            version = r.json()["version"]
        else:  # no version delivered, or it is stale (the task moved on): read the task first
            task = (await client.get(f"{base}/api/v1/tasks/{task_id}", headers=headers, timeout=15)).json()
            version = task["version"]
            if task["status"] in ("ready", "resubmitted"):
                r = await transition("accept", version)
                r.raise_for_status()
                version = r.json()["version"]
        r = await transition("complete", version, result=RESULTS.get(item, {"note": "已办结（模拟部门）"}))
        outcome["status_code"] = r.status_code
    except Exception as exc:
        outcome["error"] = type(exc).__name__
        log.warning("auto-complete of task %s failed: %s", task_id, type(exc).__name__)
    with state.lock:
        state.completions.append(outcome)


def create_app(ack_log: Path | None = None) -> FastAPI:
    app = FastAPI(title="部门系统模拟器", version="1.0.0")
    state = State(ack_log)
    app.state.sim = state

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/deliveries")
    async def deliveries(request: Request, background: BackgroundTasks) -> JSONResponse:
        raw = await request.body()
        event_id = request.headers.get("X-Event-Id") or request.headers.get("Idempotency-Key") or ""
        department = request.headers.get("X-Department", "")
        if state.verify_signatures:
            secret = _secret(department)
            if secret is not None:
                from api.dispatch.deliverer import verify_signature

                if not verify_signature(secret, request.headers.get("X-Signature", ""), raw):
                    return JSONResponse({"status": "bad_signature"}, status_code=401)
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            return JSONResponse({"status": "bad_json"}, status_code=400)
        if not event_id or body.get("event_id") != event_id:
            return JSONResponse({"status": "missing_event_id"}, status_code=400)
        subject = body.get("subject") or {}
        entry = {
            "event_id": event_id,
            "event": body.get("event"),
            "department": department,
            "task_id": (body.get("task") or {}).get("id"),
            "case_no": (body.get("case") or {}).get("case_no"),
            "attempt": body.get("attempt"),
            "deceased_id_number": mask_id_number((subject.get("deceased") or {}).get("id_number")),
            "at": time.time(),
        }
        with state.lock:
            if state.fail_next > 0:
                state.fail_next -= 1
                state.received.append({**entry, "outcome": "failed"})
                return JSONResponse({"status": "failed_on_purpose"}, status_code=state.fail_status)
            duplicate = event_id in state.acknowledged
            state.received.append({**entry, "outcome": "duplicate" if duplicate else "acknowledged"})
            if not duplicate:
                state.acknowledged[event_id] = entry
                if state.ack_log:
                    with state.ack_log.open("a") as fh:
                        fh.write(json.dumps(entry) + "\n")
            delay = state.delay
            auto = state.auto_complete and not duplicate and body.get("event") == "task.released"
        if delay:
            await asyncio.sleep(delay)
        if auto and entry["task_id"]:
            item = (body.get("task") or {}).get("item", "")
            delivered = (body.get("task") or {}).get("version")
            background.add_task(
                _auto_complete,
                state,
                int(entry["task_id"]),
                department,
                item,
                delivered if isinstance(delivered, int) else None,
            )
        return JSONResponse({"status": "duplicate" if duplicate else "accepted", "event_id": event_id})

    @app.get("/deliveries")
    def list_deliveries() -> dict[str, Any]:
        with state.lock:
            return {
                "received": list(state.received),
                "acknowledged": dict(state.acknowledged),
                "completions": list(state.completions),
            }

    @app.post("/control")
    def control(body: Control) -> dict[str, Any]:
        with state.lock:
            for name, value in body.model_dump(exclude_none=True).items():
                setattr(state, name, value)
            return {
                "fail_next": state.fail_next,
                "fail_status": state.fail_status,
                "delay": state.delay,
                "auto_complete": state.auto_complete,
                "api_url": state.api_url,
                "verify_signatures": state.verify_signatures,
            }

    @app.post("/control/reset")
    def reset() -> dict[str, str]:
        with state.lock:
            state.reset()
            if state.ack_log and state.ack_log.exists():
                state.ack_log.unlink()
        return {"status": "reset"}

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Department simulator for the case API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--ack-log", type=Path, default=None, help="keep acknowledged event ids here")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--auto-complete", action="store_true")
    args = parser.parse_args(argv)
    import uvicorn

    app = create_app(args.ack_log)
    app.state.sim.delay = args.delay
    app.state.sim.auto_complete = args.auto_complete
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
