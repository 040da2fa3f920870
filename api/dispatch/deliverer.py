"""The deliverer: sends committed outbox events to each department's webhook.

One loop, as many processes as wanted (a thread in the API with DISPATCH_IN_PROCESS=1, and/or
``python -m api.dispatch.deliverer``):

1. **Claim** due events under a lease, in one short transaction: on PostgreSQL
   ``SELECT ... FOR UPDATE SKIP LOCKED`` then an UPDATE; on SQLite one atomic UPDATE (the write
   lock is taken at BEGIN) that stamps a fresh lease token, then a SELECT by that token. Due means
   ``pending`` with ``next_attempt_at <= now``, or ``delivering`` whose lease has expired (its
   deliverer crashed or hung). Each claim counts one attempt.
2. **Send** outside any transaction: POST the payload (plus the particulars the department needs,
   decrypted now) with ``Idempotency-Key``/``X-Event-Id`` = the event id and an HMAC signature.
3. **Record** the outcome, only if the lease is still ours: 2xx → ``delivered``; otherwise
   ``pending`` again after exponential backoff with full jitter, or ``dead`` after
   DISPATCH_MAX_ATTEMPTS (and at once for a permanent 4xx), visible to administrators.

A crash before 3 leaves the event ``delivering``; when the lease expires another deliverer sends
it again with the same event id, and the department drops the duplicate. Nothing is lost, and a
department that acknowledged an event never processes it twice.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.clock import utcnow
from api.identity import mask_text
from api.outbox.service import OutboxEvent

log = logging.getLogger("api.dispatch")

DEFAULT_WEBHOOK = "http://127.0.0.1:8100/deliveries"
# Events that carry the particulars a department needs to act (decrypted at delivery time).
SUBJECT_EVENTS = frozenset({"task.released", "task.resubmit"})
# Departments that pay money out and therefore need the payee account.
PAYEE_DEPARTMENTS = frozenset({"hrss", "housing_fund", "medical_security", "financial_regulation"})
# 4xx answers that may succeed later; any other 4xx is permanent and the event goes dead at once.
RETRYABLE_4XX = frozenset({408, 409, 423, 425, 429})


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def _env_json(name: str) -> dict[str, str]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object")
    return {str(k): str(v) for k, v in value.items()}


@dataclass
class DispatchConfig:
    max_attempts: int = 8
    backoff_base: float = 2.0  # seconds; the cap of attempt n is base * 2**(n-1)
    backoff_cap: float = 900.0
    timeout: float = 10.0
    lease_seconds: float = 60.0  # longer than a delivery can take (timeout + margin)
    batch_size: int = 10
    concurrency: int = 4
    poll_interval: float = 1.0
    webhooks: dict[str, str] = field(default_factory=dict)
    default_webhook: str = DEFAULT_WEBHOOK
    secrets: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> DispatchConfig:
        cfg = cls(
            max_attempts=int(_env_float("DISPATCH_MAX_ATTEMPTS", 8)),
            backoff_base=_env_float("DISPATCH_BACKOFF_BASE", 2.0),
            backoff_cap=_env_float("DISPATCH_BACKOFF_CAP", 900.0),
            timeout=_env_float("DISPATCH_TIMEOUT", 10.0),
            lease_seconds=_env_float("DISPATCH_LEASE_SECONDS", 60.0),
            batch_size=int(_env_float("DISPATCH_BATCH_SIZE", 10)),
            concurrency=int(_env_float("DISPATCH_CONCURRENCY", 4)),
            poll_interval=_env_float("DISPATCH_POLL_INTERVAL", 1.0),
            webhooks=_env_json("DEPARTMENT_WEBHOOKS"),
            default_webhook=os.environ.get("DEPARTMENT_WEBHOOK_DEFAULT", "").strip() or DEFAULT_WEBHOOK,
            secrets=_env_json("DEPARTMENT_WEBHOOK_SECRETS"),
        )
        if cfg.lease_seconds <= cfg.timeout:
            raise ValueError("DISPATCH_LEASE_SECONDS must be longer than DISPATCH_TIMEOUT")
        return cfg

    def webhook_for(self, department: str) -> str:
        return self.webhooks.get(department) or self.default_webhook

    def secret_for(self, department: str) -> str:
        """The signing secret: DEPARTMENT_WEBHOOK_SECRETS, else the department's own API key."""
        if department in self.secrets:
            return self.secrets[department]
        from api.security.config import department_keys

        return department_keys().get(department, "")


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))]."""
    ceiling = min(cap, base * (2 ** max(attempt - 1, 0)))
    return (rng or random).uniform(0, ceiling)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Signature header value: ``t=<timestamp>,v1=<HMAC-SHA256 of "<timestamp>.<body>">``
    (see verify_signature and docs/departments.md)."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """For departments (and the simulator): check X-Signature and the timestamp's freshness."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        ts = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), header)


@dataclass(frozen=True)
class Claim:
    id: int
    event_id: str
    department: str
    event: str
    task_id: int
    attempts: int
    payload: dict[str, Any]
    lease_token: str


def _due(now: dt.datetime) -> Any:
    return or_(
        and_(OutboxEvent.status == "pending", OutboxEvent.next_attempt_at <= now),
        and_(OutboxEvent.status == "delivering", OutboxEvent.lease_expires_at < now),
    )


def claim(session: Session, cfg: DispatchConfig, now: dt.datetime | None = None) -> list[Claim]:
    """Claim up to cfg.batch_size due events under a new lease; commits."""
    now = now or utcnow()
    token = str(uuid.uuid4())
    lease_until = now + dt.timedelta(seconds=cfg.lease_seconds)
    ids_q = (
        select(OutboxEvent.id)
        .where(_due(now))
        .order_by(OutboxEvent.next_attempt_at, OutboxEvent.id)
        .limit(cfg.batch_size)
    )
    with session.begin():
        if session.get_bind().dialect.name == "postgresql":
            ids = list(session.scalars(ids_q.with_for_update(skip_locked=True)))
            if not ids:
                return []
            target: Any = OutboxEvent.id.in_(ids)
        else:
            # SQLite: BEGIN IMMEDIATE holds the write lock; the subquery and the UPDATE are one
            # statement, and the repeated due-condition makes a second claimer match nothing.
            target = and_(OutboxEvent.id.in_(ids_q.scalar_subquery()), _due(now))
        session.execute(
            update(OutboxEvent)
            .where(target)
            .values(
                status="delivering",
                lease_token=token,
                lease_expires_at=lease_until,
                attempts=OutboxEvent.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        rows = session.scalars(
            select(OutboxEvent).where(OutboxEvent.lease_token == token).order_by(OutboxEvent.id)
        ).all()
        return [
            Claim(r.id, r.event_id, r.department, r.event, r.task_id, r.attempts, dict(r.payload), token)
            for r in rows
        ]


def subject_for(session: Session, claim_: Claim) -> dict[str, Any] | None:
    """The particulars a department needs for this event, decrypted now; None when not needed."""
    if claim_.event not in SUBJECT_EVENTS:
        return None
    from api.cases.models import CASE_PERSONAL
    from api.tasks.models import Task

    def clear(column: str) -> str | None:
        return CASE_PERSONAL[column].read(case)

    task = session.get(Task, claim_.task_id)
    if task is None:
        return None
    case = task.case
    subject: dict[str, Any] = {
        "deceased": {
            "name": clear("deceased_name"),
            "id_number": clear("deceased_id"),
            "death_date": case.death_date.isoformat(),
        },
        "applicant": {
            "name": clear("applicant_name"),
            "id_number": clear("applicant_id"),
            "phone": clear("applicant_phone"),
            "relationship": case.relationship,
        },
    }
    if claim_.department in PAYEE_DEPARTMENTS and case.payee_account_enc:
        subject["payee_account"] = clear("payee_account")
    return subject


@dataclass
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


class Deliverer:
    def __init__(
        self,
        session_factory: sessionmaker[Session] | None = None,
        config: DispatchConfig | None = None,
        client: httpx.Client | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if session_factory is None:
            from api.db import get_sessionmaker

            session_factory = get_sessionmaker()
        self.sessions = session_factory
        self.cfg = config or DispatchConfig.from_env()
        self.client = client or httpx.Client(timeout=self.cfg.timeout)
        self.rng = rng or random.Random()
        self.worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"

    # ------------------------------------------------------------------ one round
    def run_once(self) -> int:
        """Claim one batch and deliver it; returns the number of events handled."""
        with self.sessions() as session:
            claims = claim(session, self.cfg)
        if not claims:
            return 0
        if self.cfg.concurrency > 1 and len(claims) > 1:
            with ThreadPoolExecutor(min(self.cfg.concurrency, len(claims))) as pool:
                list(pool.map(self.deliver, claims))
        else:
            for c in claims:
                self.deliver(c)
        return len(claims)

    def drain(self, max_rounds: int = 1000) -> int:
        """Deliver until nothing is due (tests, one-shot runs)."""
        total = 0
        for _ in range(max_rounds):
            n = self.run_once()
            if not n:
                break
            total += n
        return total

    # ------------------------------------------------------------------ one event
    def _body(self, claim_: Claim) -> bytes:
        body = dict(claim_.payload)
        body["attempt"] = claim_.attempts
        with self.sessions() as session:
            subject = subject_for(session, claim_)
        if subject is not None:
            body["subject"] = subject
        return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def send(self, claim_: Claim) -> Outcome:
        url = self.cfg.webhook_for(claim_.department)
        try:
            body = self._body(claim_)
        except Exception as exc:  # e.g. a field encrypted under a key no longer configured
            return Outcome(False, error=f"could not build the delivery: {type(exc).__name__}", permanent=True)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": claim_.event_id,
            "X-Event-Id": claim_.event_id,
            "X-Event-Type": claim_.event,
            "X-Department": claim_.department,
            "X-Delivery-Attempt": str(claim_.attempts),
            "User-Agent": "guizhou-afterlife-dispatch/1",
        }
        secret = self.cfg.secret_for(claim_.department)
        if secret:
            headers["X-Signature"] = sign(secret, int(time.time()), body)
        try:
            resp = self.client.post(url, content=body, headers=headers, timeout=self.cfg.timeout)
        except httpx.HTTPError as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc}")
        if 200 <= resp.status_code < 300:
            return Outcome(True, resp.status_code)
        permanent = 400 <= resp.status_code < 500 and resp.status_code not in RETRYABLE_4XX
        return Outcome(
            False,
            resp.status_code,
            error=f"HTTP {resp.status_code}: {resp.text[:300]}",
            permanent=permanent,
            retry_after=_retry_after(resp.headers.get("Retry-After")),
        )

    def deliver(self, claim_: Claim) -> Outcome:
        outcome = self.send(claim_)
        self.record(claim_, outcome)
        return outcome

    def record(self, claim_: Claim, outcome: Outcome) -> None:
        now = utcnow()
        values: dict[str, Any] = {
            "lease_token": None,
            "lease_expires_at": None,
            "updated_at": now,
            "last_status_code": outcome.status_code,
        }
        if outcome.delivered:
            values.update(status="delivered", delivered_at=now, last_error=None)
        else:
            error = mask_text(outcome.error or "delivery failed")[:500]
            dead = outcome.permanent or claim_.attempts >= self.cfg.max_attempts
            delay = backoff_delay(claim_.attempts, self.cfg.backoff_base, self.cfg.backoff_cap, self.rng)
            if outcome.retry_after is not None:
                delay = max(delay, min(outcome.retry_after, self.cfg.backoff_cap))
            values.update(
                status="dead" if dead else "pending",
                last_error=error,
                next_attempt_at=now if dead else now + dt.timedelta(seconds=delay),
            )
        with self.sessions() as session, session.begin():
            res = session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == claim_.id, OutboxEvent.lease_token == claim_.lease_token)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        if res.rowcount == 0:  # type: ignore[attr-defined]
            # the lease expired and another deliverer took the event; it re-sends the same id
            log.warning("outbox event %s: lease lost before recording the outcome", claim_.id)
        elif outcome.delivered:
            log.info("outbox event %s (%s) delivered to %s", claim_.id, claim_.event, claim_.department)
        else:
            log.warning(
                "outbox event %s to %s failed (attempt %s): %s → %s",
                claim_.id,
                claim_.department,
                claim_.attempts,
                values["last_error"],
                values["status"],
            )

    # ------------------------------------------------------------------ the loop
    def run_forever(self, stop: threading.Event) -> None:
        log.info("deliverer %s started", self.worker_id)
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception:
                log.exception("deliverer round failed; retrying")
                handled = 0
            if not handled:
                stop.wait(self.cfg.poll_interval)
        log.info("deliverer %s stopped", self.worker_id)


# ------------------------------------------------------------------ in the API process


def in_process_enabled() -> bool:
    """DISPATCH_IN_PROCESS=1: the API process runs the deliverer in a background thread."""
    return os.environ.get("DISPATCH_IN_PROCESS", "").strip().lower() in ("1", "true", "yes")


@contextlib.contextmanager
def background_deliverer() -> Iterator[threading.Event | None]:
    if not in_process_enabled():
        yield None
        return
    stop = threading.Event()
    deliverer = Deliverer()
    thread = threading.Thread(target=deliverer.run_forever, args=(stop,), name="deliverer", daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=deliverer.cfg.timeout + 5)


@asynccontextmanager
async def lifespan(_app: Any) -> Any:
    """Router lifespan (merged into the app's by include_router): DISPATCH_IN_PROCESS=1 runs the
    deliverer as a background thread of the API."""
    with background_deliverer():
        yield


# ------------------------------------------------------------------ standalone


def main(argv: list[str] | None = None, on_stop: Callable[[], None] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deliver outbox events to department webhooks.")
    parser.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    args = parser.parse_args(argv)
    from api.security.masking_log import install_log_masking
    from api.settings import get_settings

    logging.basicConfig(
        level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    install_log_masking()
    deliverer = Deliverer()
    if args.once:
        n = deliverer.drain()
        log.info("delivered or retried %s events", n)
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    deliverer.run_forever(stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
