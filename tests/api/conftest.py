"""Shared fixtures for the case API tests.

Database-backed tests run on SQLite and on PostgreSQL (`backend` is parametrised). Each test
session creates its own SQLite file and its own uniquely named PostgreSQL database, migrates both
with Alembic (so the migrations are tested too) and drops the PostgreSQL database at the end.
PostgreSQL at 127.0.0.1:5432 (trust auth, user root or postgres; override with TEST_PG_URL):
unreachable → the PostgreSQL tests are skipped with a notice, or FAIL when CI=true.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import random
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import clock  # China's date (Asia/Shanghai), as the API sees it
from api.catalog.loader import Catalog, get_catalog
from api.identity import check_digit

ROOT = Path(__file__).resolve().parents[2]
PG_HOST = "127.0.0.1:5432"
_NOTICES: list[str] = []


def service_unreachable(msg: str) -> NoReturn:
    """A test that needs PostgreSQL or Redis: skipped with a notice on a newcomer's machine, failed in
    CI (CI=true), where the services must be running."""
    _NOTICES.append(msg)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{msg} — CI=true requires this service", pytrace=False)
    pytest.skip(msg)


# Test credentials, configured the way production configures them (environment, JSON).
STAFF_IDS = ("s001", "s002")
TEST_DEPARTMENT_KEYS = {dept: f"test-key-{dept}" for dept in get_catalog().departments}
TEST_STAFF_TOKENS = {
    f"test-{role}-{sid}": {"role": role, "staff_id": sid}
    for role in ("window_staff", "hotline_staff", "admin")
    for sid in STAFF_IDS
}
os.environ["DEPARTMENT_API_KEYS"] = json.dumps(TEST_DEPARTMENT_KEYS)
os.environ["STAFF_TOKENS"] = json.dumps(TEST_STAFF_TOKENS)
os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-case-api-tests-only-0123456789")
os.environ.setdefault("ASSISTANT_API_KEY", "test-assistant-key-for-the-case-api-tests-0123456789")
# An app started before a test picks its database (its start-up migrates the schema to head) must
# not touch the developer's var/cases.db.
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='case-api-tests-')}/default.db")
# The fake SMS adapter (api/notify/sms.py) records messages in memory and in this file, not in var/.
os.environ.setdefault("SMS_OUTBOX_FILE", f"{tempfile.mkdtemp(prefix='case-api-sms-')}/sms-outbox.jsonl")


# ------------------------------------------------------------------ databases


def migrate(url: str) -> None:
    from alembic.config import Config

    from alembic import command

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def use_database(url: str) -> None:
    """Point get_settings / get_engine / get_sessionmaker at `url` (they are lru_cached)."""
    from api import db, settings

    if db.get_engine.cache_info().currsize:
        db.get_engine().dispose()
    os.environ["DATABASE_URL"] = url
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
    db.get_sessionmaker.cache_clear()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'cases.db'}"
    migrate(url)
    return url


def pg_admin_url() -> tuple[str | None, str]:
    import psycopg

    candidates = (
        [os.environ["TEST_PG_URL"]]
        if os.environ.get("TEST_PG_URL")
        else [f"postgresql://{user}@{PG_HOST}/postgres" for user in ("root", "postgres")]
    )
    last = ""
    for url in candidates:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url, ""
        except Exception as exc:
            last = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return None, last


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:

    admin, why = pg_admin_url()
    if admin is None:
        where = os.environ.get("TEST_PG_URL") or PG_HOST
        service_unreachable(f"PostgreSQL was unreachable at {where} ({why}); PostgreSQL tests not run")
    with temporary_pg_database(admin, "case_api_test") as url:
        migrate(url)
        try:
            yield url
        finally:
            from api import db

            if db.get_engine.cache_info().currsize:
                db.get_engine().dispose()


@contextlib.contextmanager
def temporary_pg_database(admin: str, prefix: str) -> Iterator[str]:
    """A uniquely named empty database next to the admin one; dropped (connections and all) afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for msg in dict.fromkeys(_NOTICES):
        terminalreporter.write_line(f"NOTICE: {msg}", yellow=True, bold=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database URL; tests using it run once per backend."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def build_app(url: str) -> FastAPI:
    from api.security import ratelimit

    use_database(url)
    ratelimit.reset()
    from api.main import create_app

    return create_app()


@pytest.fixture
def app(backend: str) -> FastAPI:
    return build_app(backend)


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    """A client of the real application on the current backend."""
    with TestClient(app) as c:
        yield c


# ------------------------------------------------------------------ kept from the foundation


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return get_catalog()


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    """The real application (`api.main.app`) on the session's SQLite database (re-pointed for
    each test, since tests of the `api` fixture switch the cached engine between backends)."""
    use_database(sqlite_url)
    from api.main import app

    with TestClient(app) as c:
        yield c


# ------------------------------------------------------------------ test data


_serial = itertools.count(random.randint(0, 500))


def make_id_number(birth: dt.date, region: str = "520102") -> str:
    """A valid ID number, unique within the test session (the serial walks through birth days)."""
    n = next(_serial)
    day = birth + dt.timedelta(days=n // 1000)
    first17 = region + day.strftime("%Y%m%d") + f"{n % 1000:03d}"
    return first17 + check_digit(first17)


def random_phone() -> str:
    return "139" + f"{random.randint(0, 99_999_999):08d}"


def case_body(**overrides: Any) -> dict[str, Any]:
    """A valid submission with a fresh deceased (so tests never collide on the open-case rule)."""
    body: dict[str, Any] = {
        "deceased": {
            "name": "张德明",
            "id_number": make_id_number(dt.date(1941, 3, 8)),
            "death_date": (clock.today() - dt.timedelta(days=3)).isoformat(),
        },
        "applicant": {
            "name": "张晓红",
            "id_number": make_id_number(dt.date(1969, 10, 2)),
            "phone": random_phone(),
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
        "items": [
            "hukou_cancel",
            "social_insurance_suspend",
            "survivor_benefits",
            "medical_account_withdraw",
        ],
        "payee_account": "6222 0212 3456 7890 123",
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return body


class Creds:
    """Request headers for every role. Departments use X-Api-Key, staff X-Staff-Token, the family
    the case's access token."""

    def dept(self, department: str) -> dict[str, str]:
        return {"X-Api-Key": TEST_DEPARTMENT_KEYS[department]}

    def staff(self, role: str, staff_id: str = "s001") -> dict[str, str]:
        return {"X-Staff-Token": f"test-{role}-{staff_id}"}

    def applicant(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def creds() -> Creds:
    return Creds()


def db_session() -> Any:
    """A session on the current test database, for checks the HTTP API does not expose."""
    from api.db import get_sessionmaker

    return get_sessionmaker()()
