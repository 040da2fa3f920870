"""Every way of starting the API brings the schema to head or refuses to start; /healthz reports the
revision; production refuses to start without its secrets (issue 7).

`make api` on a fresh database once answered 500 to every submission ("no such table: cases": only
`make run` migrated) while /healthz reported ok.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from api.db import make_engine
from api.startup import StartupError, head_revisions
from tests.api.conftest import build_app, case_body, migrate, use_database
from tests.api.test_dispatch_support import wait_http
from tests.api.test_log_uvicorn import _start, _stop

HEAD = ",".join(head_revisions())


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_the_real_server_on_a_fresh_database_migrates_and_accepts_submissions(tmp_path):
    """What `make api` does: uvicorn api.main:app on a database nobody migrated."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    proc, base, files = _start(tmp_path, url)
    try:
        wait_http(base + "/healthz", 60)
        health = httpx.get(base + "/healthz").json()
        assert health["status"] == "ok" and health["schema"]["revision"] == HEAD
        assert health["schema"]["at_head"] is True
        r = httpx.post(base + "/api/v1/cases", json=case_body(), timeout=30)
        assert r.status_code == 201, r.text
    finally:
        _stop(proc, files)
    assert "cases" in _tables(url)


def test_in_process_start_migrates_a_fresh_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh-in-process.db'}"
    app = build_app(url)
    with TestClient(app) as c:
        assert c.get("/healthz").json()["schema"] == {"revision": HEAD, "head": HEAD, "at_head": True}
        assert c.post("/api/v1/cases", json=case_body()).status_code == 201


def test_without_migrate_on_start_a_stale_schema_refuses_to_start(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'stale.db'}"
    monkeypatch.setenv("MIGRATE_ON_START", "0")
    app = build_app(url)
    with pytest.raises(StartupError, match="alembic upgrade head"), TestClient(app):
        pass
    assert "cases" not in _tables(url)
    # the real server exits instead of answering 500s
    proc, _base, files = _start(tmp_path, url, name="stale", extra_env={"MIGRATE_ON_START": "0"})
    try:
        assert proc.wait(60) != 0
    finally:
        _stop(proc, files)
    assert "alembic upgrade head" in (tmp_path / "stale.err").read_text("utf-8")


def test_healthz_is_503_when_the_schema_is_behind(tmp_path):
    from alembic.config import Config

    from alembic import command
    from tests.api.conftest import ROOT

    url = f"sqlite:///{tmp_path / 'behind.db'}"
    migrate(url)
    app = build_app(url)
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 200
        cfg = Config(str(ROOT / "alembic.ini"))
        cfg.attributes["database_url"] = url
        cfg.attributes["configure_logger"] = False
        command.downgrade(cfg, "-1")  # someone rolled the database back under a running API
        r = c.get("/healthz")
        assert r.status_code == 503
        assert r.json()["status"] == "degraded" and r.json()["schema"]["at_head"] is False
        assert r.json()["schema"]["revision"] != HEAD


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DEPARTMENT_API_KEYS": ""}, "DEPARTMENT_API_KEYS"),
        ({"STAFF_TOKENS": ""}, "STAFF_TOKENS"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(sqlite_url, monkeypatch, env, named):
    monkeypatch.setenv("APP_ENV", "production")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    from api import settings

    settings.get_settings.cache_clear()
    try:
        app = build_app(sqlite_url)
        with pytest.raises(StartupError, match=named), TestClient(app):
            pass
    finally:
        monkeypatch.undo()
        settings.get_settings.cache_clear()
        use_database(sqlite_url)


def test_production_with_its_secrets_starts(sqlite_url, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    from api import settings

    settings.get_settings.cache_clear()
    try:
        app = build_app(sqlite_url)
        with TestClient(app) as c:
            assert c.get("/healthz").status_code == 200
    finally:
        monkeypatch.undo()
        settings.get_settings.cache_clear()
        use_database(sqlite_url)


@pytest.mark.parametrize("value", ["production", "prod", "Production ", "PRODUCTION", "staging", "prodution"])
def test_any_app_env_but_development_is_production(monkeypatch, value):
    """Development credentials were active unless APP_ENV was exactly production/prod."""
    from api.security import config

    monkeypatch.setenv("APP_ENV", value)
    monkeypatch.delenv("DEPARTMENT_API_KEYS", raising=False)
    monkeypatch.delenv("STAFF_TOKENS", raising=False)
    assert config.is_production()
    assert config.department_keys() == {} and config.staff_tokens() == {}


@pytest.mark.parametrize("value", ["", "development", "dev", "test", "CI", "local"])
def test_development_app_envs(monkeypatch, value):
    from api.security import config

    monkeypatch.setenv("APP_ENV", value)
    assert not config.is_production()


def test_processes_starting_together_migrate_once(tmp_path):
    """Two or three API processes starting at once on a fresh database (PostgreSQL: advisory lock;
    SQLite: a lock file beside the database) all end at head, none fails."""
    import os
    import subprocess

    from tests.api.conftest import ROOT, pg_admin_url, service_unreachable, temporary_pg_database
    from tests.api.test_dispatch_support import PYTHON

    code = "from api.startup import ensure_schema_at_head; print(ensure_schema_at_head()['at_head'])"

    def race(url: str) -> None:
        env = {**os.environ, "DATABASE_URL": url}
        procs = [
            subprocess.Popen([PYTHON, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        outs = [p.communicate(timeout=120)[0].strip() for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0] and outs == ["True"] * 3, outs

    race(f"sqlite:///{tmp_path / 'race.db'}")
    admin, why = pg_admin_url()
    if admin is None:
        service_unreachable(f"PostgreSQL was unreachable ({why}); concurrent migration test not run")
    with temporary_pg_database(admin, "startup_race") as url:
        race(url)
