"""Helpers for the security and dispatch tests (no tests here).

Cases and tasks are made directly with the ORM (the cases engineer's HTTP API is exercised by
their own tests); tables come from Base.metadata.create_all on every registered model.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.db import make_engine
from api.identity import mask_account, mask_id_number, mask_name, mask_phone
from tests.api.conftest import pg_admin_url, temporary_pg_database

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

DECEASED_ID = "520102194103081236"  # check digit valid (GB 11643)
DECEASED_NAME = "张德明"
APPLICANT_ID = "520102196910020025"
APPLICANT_PHONE = "13912345678"
PAYEE_ACCOUNT = "6222021234567890123"


def fresh_sqlite(tmp_path: Path) -> tuple[str, Engine, sessionmaker[Session]]:
    from api.models_registry import metadata

    url = f"sqlite:///{tmp_path / f'dispatch-{uuid.uuid4().hex[:8]}.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    stamp_head(url)
    return url, engine, sessionmaker(engine, expire_on_commit=False)


def stamp_head(url: str) -> None:
    """Tables made by create_all are the schema at head (test_migrations checks it): record that,
    so an API started on this database does not try to migrate it again."""
    from alembic.config import Config

    from alembic import command

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.stamp(cfg, "head")


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    """A uniquely named database with every table; dropped afterwards."""
    from api.models_registry import metadata

    admin, why = pg_admin_url()
    if admin is None:
        raise ConnectionError(why)
    with temporary_pg_database(admin, "dispatch_test") as url:
        engine = make_engine(url)
        try:
            metadata.create_all(engine)
        finally:
            engine.dispose()
        stamp_head(url)
        yield url


def make_case(session: Session, departments: list[tuple[str, str]], case_no: str | None = None) -> Any:
    """A case with one ready task per (item, department); personal data encrypted as in production."""
    from api.cases.models import Case
    from api.security.crypto import encrypt, lookup_hash
    from api.tasks.models import Task

    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    case = Case(
        case_no=case_no or f"SH{uuid.uuid4().hex[:10].upper()}",
        status="open",
        region="520102",
        channel="online",
        situation={},
        checklist={},
        deceased_name_enc=encrypt(DECEASED_NAME),
        deceased_name_masked=mask_name(DECEASED_NAME),
        deceased_id_enc=encrypt(DECEASED_ID),
        deceased_id_hash=lookup_hash(DECEASED_ID),
        deceased_id_masked=mask_id_number(DECEASED_ID),
        death_date=dt.date(2026, 11, 20),
        open_deceased_hash=None,
        applicant_name_enc=encrypt("张晓红"),
        applicant_name_masked=mask_name("张晓红"),
        applicant_id_enc=encrypt(APPLICANT_ID),
        applicant_id_hash=lookup_hash(APPLICANT_ID),
        applicant_phone_enc=encrypt(APPLICANT_PHONE),
        applicant_phone_hash=lookup_hash(APPLICANT_PHONE),
        applicant_phone_masked=mask_phone(APPLICANT_PHONE),
        relationship="child",
        payee_account_enc=encrypt(PAYEE_ACCOUNT),
        payee_account_masked=mask_account(PAYEE_ACCOUNT),
        access_token_hash=uuid.uuid4().hex,
    )
    session.add(case)
    for item, dept in departments:
        case.tasks.append(Task(item_key=item, department=dept, status="ready", waits_for=[], released_at=now))
    session.flush()
    return case


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer in {seconds} s")


@contextlib.contextmanager
def simulator_process(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [PYTHON, "-m", "api.dispatch.simulator", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
