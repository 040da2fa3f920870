"""The outbox and the deliverer, in one process: a department simulator behind TestClient."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from api.db import make_engine
from api.dispatch.deliverer import (
    Claim,
    Deliverer,
    DispatchConfig,
    Outcome,
    backoff_delay,
    claim,
    sign,
    verify_signature,
)
from api.dispatch.simulator import create_app as create_simulator
from api.outbox.service import OutboxEvent, enqueue, utcnow
from api.security import config as sec_config
from tests.api.conftest import service_unreachable
from tests.api.test_dispatch_support import (
    APPLICANT_PHONE,
    DECEASED_ID,
    DECEASED_NAME,
    PAYEE_ACCOUNT,
    fresh_postgres,
    fresh_sqlite,
    make_case,
    pg_admin_url,
)

ITEMS = [("hukou_cancel", "public_security"), ("survivor_benefits", "hrss"), ("will_inquiry", "justice")]


@pytest.fixture
def db(tmp_path):
    _url, engine, factory = fresh_sqlite(tmp_path)
    yield factory
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path):
    """SQLite, and a fresh PostgreSQL database (skipped with a notice when unreachable; CI=true fails)."""
    if request.param == "sqlite":
        _url, engine, factory = fresh_sqlite(tmp_path)
        yield factory
        engine.dispose()
        return
    admin, why = pg_admin_url()
    if admin is None:
        service_unreachable(f"PostgreSQL was unreachable ({why}); PostgreSQL claim tests not run")
    with fresh_postgres() as url:
        engine = make_engine(url)
        yield sessionmaker(engine, expire_on_commit=False)
        engine.dispose()


@pytest.fixture
def sim():
    app = create_simulator()
    with TestClient(app) as client:
        yield client


def deliverer(db, sim, **cfg) -> Deliverer:
    base = {"default_webhook": "http://testserver/deliveries", "backoff_base": 1.0, "concurrency": 1}
    base.update(cfg)
    return Deliverer(db, DispatchConfig(**base), client=sim, rng=random.Random(7))


def seed(db, items=ITEMS, event="task.released") -> list[int]:
    with db() as s:
        case = make_case(s, items)
        rows = [enqueue(s, t, event) for t in case.tasks]
        s.commit()
        return [r.id for r in rows]


def rows(db) -> dict[int, OutboxEvent]:
    with db() as s:
        return {r.id: r for r in s.scalars(select(OutboxEvent))}


def make_due(db) -> None:
    with db() as s, s.begin():
        s.execute(update(OutboxEvent).where(OutboxEvent.status == "pending").values(next_attempt_at=utcnow()))


# ------------------------------------------------------------------ the outbox row


def test_enqueue_is_part_of_the_callers_transaction(db):
    with db() as s:
        case = make_case(s, ITEMS[:1])
        enqueue(s, case.tasks[0], "task.released")
        s.rollback()
    assert rows(db) == {}, "a rolled-back task change must leave no event behind"
    ids = seed(db, ITEMS[:1])
    assert len(ids) == 1 and rows(db)[ids[0]].status == "pending"


def test_stored_payload_holds_no_personal_data(db):
    seed(db)
    for row in rows(db).values():
        text = json.dumps(row.payload, ensure_ascii=False)
        for secret in (DECEASED_ID, DECEASED_NAME, APPLICANT_PHONE, PAYEE_ACCOUNT, "张晓红"):
            assert secret not in text
        assert row.payload["event_id"] == row.event_id
        assert row.payload["task"]["id"] == row.task_id


# ------------------------------------------------------------------ delivery


def test_delivers_signed_with_event_id_and_particulars_only_where_needed(db, sim):
    captured = []
    original = sim.post

    def spy(url, **kw):
        captured.append(kw)
        return original(url, **kw)

    sim.post = spy  # type: ignore[method-assign]
    ids = seed(db)
    assert deliverer(db, sim).drain() == 3
    state = rows(db)
    assert all(state[i].status == "delivered" and state[i].attempts == 1 for i in ids)
    acked = sim.get("/deliveries").json()["acknowledged"]
    assert set(acked) == {state[i].event_id for i in ids}
    keys = sec_config.department_keys()
    for kw in captured:
        h, body = kw["headers"], kw["content"]
        assert h["Idempotency-Key"] == h["X-Event-Id"] == json.loads(body)["event_id"]
        assert verify_signature(keys[h["X-Department"]], h["X-Signature"], body)
        assert not verify_signature("wrong", h["X-Signature"], body)
        sent = json.loads(body)
        assert sent["subject"]["deceased"]["id_number"] == DECEASED_ID  # decrypted at delivery time
        # the payee account only goes to departments that pay money out
        assert ("payee_account" in sent["subject"]) == (h["X-Department"] == "hrss")
    # the simulator keeps the ID number masked
    assert all(a["deceased_id_number"] == "520***********1236" for a in acked.values())


def test_events_without_need_carry_no_particulars(db, sim):
    seed(db, ITEMS[:1], event="task.completed_by_shared_record")
    captured = []
    original = sim.post
    sim.post = lambda url, **kw: captured.append(kw) or original(url, **kw)  # type: ignore[method-assign]
    deliverer(db, sim).drain()
    assert captured and "subject" not in json.loads(captured[0]["content"])


def test_bad_signature_is_refused_by_the_simulator(sim):
    body = json.dumps({"event_id": "e1"}).encode()
    h = {"X-Event-Id": "e1", "X-Department": "justice", "Content-Type": "application/json"}
    r = sim.post("/deliveries", content=body, headers={**h, "X-Signature": sign("nope", 1, body)})
    assert r.status_code == 401
    good = sign(sec_config.department_keys()["justice"], int(dt.datetime.now().timestamp()), body)
    assert sim.post("/deliveries", content=body, headers={**h, "X-Signature": good}).status_code == 200


def test_failures_back_off_then_deliver(db, sim):
    (eid,) = seed(db, ITEMS[:1])
    sim.post("/control", json={"fail_next": 2})
    d = deliverer(db, sim, backoff_base=10.0, max_attempts=5)
    before = utcnow()
    assert d.run_once() == 1
    row = rows(db)[eid]
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 503)
    assert "503" in row.last_error
    # full jitter: within [now, now + base * 2**0]
    assert before <= row.next_attempt_at <= utcnow() + dt.timedelta(seconds=10)
    assert d.run_once() == 0, "not due yet: the backoff must be respected"
    make_due(db)
    d.run_once()
    row = rows(db)[eid]
    assert (row.status, row.attempts) == ("pending", 2)
    make_due(db)
    d.run_once()
    row = rows(db)[eid]
    assert (row.status, row.attempts, row.last_error) == ("delivered", 3, None)
    outcomes = [r["outcome"] for r in sim.get("/deliveries").json()["received"]]
    assert outcomes == ["failed", "failed", "acknowledged"]


@given(st.integers(1, 40), st.floats(0.1, 30), st.floats(1, 3600), st.integers(0, 2**32))
def test_backoff_is_full_jitter_within_the_exponential_cap(attempt, base, cap, seed_):
    d = backoff_delay(attempt, base, cap, random.Random(seed_))
    assert 0 <= d <= min(cap, base * 2 ** (attempt - 1))


def test_backoff_grows_and_spreads():
    rng = random.Random(1)
    means = [sum(backoff_delay(n, 1, 10_000, rng) for _ in range(2000)) / 2000 for n in (1, 4, 8)]
    assert means[0] < means[1] < means[2]
    assert 0.4 < means[0] < 0.6 and 60 < means[2] < 68  # mean of U(0, 2**(n-1))


def test_dead_after_max_attempts_then_admin_sees_and_retries(db, sim, tmp_path):
    (eid,) = seed(db, ITEMS[:1])
    sim.post("/control", json={"fail_next": 100})
    d = deliverer(db, sim, max_attempts=3)
    for _ in range(5):
        make_due(db)
        d.run_once()
    row = rows(db)[eid]
    assert (row.status, row.attempts) == ("dead", 3)

    from api.db import get_session
    from api.main import create_app

    app = create_app()

    def session_override():
        with db() as s:
            yield s

    app.dependency_overrides[get_session] = session_override
    admin = next(t for t, (role, _) in sec_config.staff_tokens().items() if role == "admin")
    window = next(t for t, (role, _) in sec_config.staff_tokens().items() if role == "window_staff")
    with TestClient(app) as api:
        assert api.get("/api/v1/admin/outbox", params={"status": "dead"}).status_code == 401
        r = api.get("/api/v1/admin/outbox", params={"status": "dead"}, headers={"X-Staff-Token": window})
        assert r.status_code == 403 and "管理员" in r.json()["message"]
        r = api.get("/api/v1/admin/outbox", params={"status": "dead"}, headers={"X-Staff-Token": admin})
        assert r.status_code == 200
        listed = r.json()
        assert [e["id"] for e in listed["events"]] == [eid] and listed["counts"] == {"dead": 1}
        assert "503" in listed["events"][0]["last_error"]

        sim.post("/control", json={"fail_next": 0})
        r = api.post(f"/api/v1/admin/outbox/{eid}/retry", headers={"X-Staff-Token": admin})
        assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["attempts"] == 0
        d.run_once()
        row = rows(db)[eid]
        assert row.status == "delivered" and row.attempts == 1
        r = api.post(f"/api/v1/admin/outbox/{eid}/retry", headers={"X-Staff-Token": admin})
        assert r.status_code == 409 and "投递成功" in r.json()["message"]
        assert (
            api.post("/api/v1/admin/outbox/999999/retry", headers={"X-Staff-Token": admin}).status_code == 404
        )
    # same event id on every attempt, before and after the admin's retry
    received = sim.get("/deliveries").json()["received"]
    assert {r["event_id"] for r in received} == {row.event_id}


def test_permanent_client_error_goes_dead_at_once(db, sim):
    (eid,) = seed(db, ITEMS[:1])
    sim.post("/control", json={"fail_next": 1, "fail_status": 400})
    deliverer(db, sim, max_attempts=8).run_once()
    row = rows(db)[eid]
    assert (row.status, row.attempts, row.last_status_code) == ("dead", 1, 400)


def test_unreachable_department_is_retried(db):
    import httpx

    (eid,) = seed(db, ITEMS[:1])
    cfg = DispatchConfig(default_webhook="http://127.0.0.1:9/deliveries", timeout=1, lease_seconds=5)
    Deliverer(db, cfg, client=httpx.Client()).run_once()
    row = rows(db)[eid]
    assert row.status == "pending" and row.attempts == 1 and "ConnectError" in row.last_error


# ------------------------------------------------------------------ leases


def test_a_claimed_event_is_not_claimed_twice_until_its_lease_expires(any_db):
    db = any_db
    (eid,) = seed(db, ITEMS[:1])
    cfg = DispatchConfig(lease_seconds=30)
    now = utcnow()
    with db() as s:
        first = claim(s, cfg, now)
    with db() as s:
        assert claim(s, cfg, now + dt.timedelta(seconds=29)) == []
    with db() as s:
        second = claim(s, cfg, now + dt.timedelta(seconds=31))
    assert [c.id for c in first] == [c.id for c in second] == [eid]
    assert first[0].event_id == second[0].event_id, "a re-delivery carries the same event id"
    assert second[0].attempts == 2 and first[0].lease_token != second[0].lease_token


def test_an_outcome_under_a_lost_lease_is_not_recorded(any_db, sim):
    db = any_db
    (eid,) = seed(db, ITEMS[:1])
    d = deliverer(db, sim)
    now = utcnow()
    with db() as s:
        (old,) = claim(s, d.cfg, now)
    with db() as s:
        (new,) = claim(s, d.cfg, now + dt.timedelta(seconds=d.cfg.lease_seconds + 1))
    d.record(old, Outcome(False, 503, "late answer"))  # the first deliverer wakes up late
    row = rows(db)[eid]
    assert row.status == "delivering" and row.lease_token == new.lease_token
    d.record(new, Outcome(True, 200))
    assert rows(db)[eid].status == "delivered"


def test_concurrent_claimers_never_share_an_event(any_db):
    db = any_db
    import threading

    seed(db, ITEMS * 1)
    with db() as s:
        for _ in range(5):
            case = make_case(s, ITEMS)
            for t in case.tasks:
                enqueue(s, t, "task.released")
        s.commit()
    cfg = DispatchConfig(batch_size=3)
    got: list[Claim] = []
    lock = threading.Lock()

    def worker():
        while True:
            with db() as s:
                batch = claim(s, cfg)
            if not batch:
                return
            with lock:
                got.extend(batch)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [c.id for c in got]
    assert len(ids) == len(set(ids)) == 18


def test_config_refuses_a_lease_shorter_than_the_timeout(monkeypatch):
    monkeypatch.setenv("DISPATCH_TIMEOUT", "10")
    monkeypatch.setenv("DISPATCH_LEASE_SECONDS", "5")
    with pytest.raises(ValueError, match="LEASE"):
        DispatchConfig.from_env()
    monkeypatch.setenv("DISPATCH_LEASE_SECONDS", "30")
    monkeypatch.setenv("DEPARTMENT_WEBHOOKS", '{"justice": "http://justice.example/hook"}')
    cfg = DispatchConfig.from_env()
    assert cfg.webhook_for("justice") == "http://justice.example/hook"
    assert cfg.webhook_for("hrss") == cfg.default_webhook
