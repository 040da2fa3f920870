"""What the API checks before it serves a request: production secrets, and a schema at the newest
migration (issue 7: `make api` on a fresh database answered 500 to every submission while /healthz
said ok).

Every way of starting the API (``make api``, ``make run``, ``uvicorn api.main:app``, a test's
``TestClient``) runs the application's lifespan, which calls ``startup_checks()``:

- with ``APP_ENV=production`` the service refuses to start without ``SECRET_KEY`` (at least 32
  characters), ``DEPARTMENT_API_KEYS`` and ``STAFF_TOKENS``;
- the database schema is brought to Alembic's head (``alembic upgrade head``; on PostgreSQL under an
  advisory lock, so API processes starting together migrate once). With ``MIGRATE_ON_START=0`` the
  migration is left to the operator and a database that is not at head makes the API refuse to
  start, naming the command to run.

``/healthz`` reports the schema revision and answers 503 when it is not head.
"""

from __future__ import annotations

import fcntl
import logging
import os
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, text

from api.settings import ROOT

log = logging.getLogger("api.startup")

ALEMBIC_INI = ROOT / "alembic.ini"
_PG_LOCK_ID = 7_2026_1129  # pg_advisory_lock key of the start-up migration


class StartupError(RuntimeError):
    """The API must not start; the message says what to do."""


def _alembic_config(url: str | None = None) -> Any:
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_INI))
    if url:
        cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False  # keep the application's logging (and its masking)
    return cfg


@lru_cache
def head_revisions() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory.from_config(_alembic_config()).get_heads()))


def current_revisions(engine: Engine) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def schema_status(engine: Engine | None = None) -> dict[str, Any]:
    """{"revision": current or None, "head": the code's head, "at_head": bool} (never raises)."""
    from api.db import get_engine

    head = head_revisions()
    try:
        current = current_revisions(engine or get_engine())
    except Exception as exc:
        return {"revision": None, "head": ",".join(head), "at_head": False, "error": type(exc).__name__}
    return {"revision": ",".join(current) or None, "head": ",".join(head), "at_head": current == head}


def migrate_on_start() -> bool:
    return os.environ.get("MIGRATE_ON_START", "1").strip().lower() not in ("0", "false", "no", "off")


def upgrade_to_head(engine: Engine) -> None:
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_ID})
            try:
                command.upgrade(_alembic_config(url), "head")
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_ID})
                lock.commit()
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        # SQLite's driver commits each DDL statement by itself, so two processes migrating one file
        # would interleave: a lock file beside the database lets one migrate, the others then find head.
        with open(f"{engine.url.database}.migrate-lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                command.upgrade(_alembic_config(url), "head")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    else:
        command.upgrade(_alembic_config(url), "head")


def ensure_schema_at_head(engine: Engine | None = None) -> dict[str, Any]:
    from api.db import get_engine

    engine = engine or get_engine()
    status = schema_status(engine)
    if status["at_head"]:
        return status
    if migrate_on_start():
        log.info("database schema at %s, code at %s: upgrading to head", status["revision"], status["head"])
        try:
            upgrade_to_head(engine)
        except Exception as exc:
            raise StartupError(
                f"数据库迁移失败（{type(exc).__name__}），服务不启动：请检查数据库后运行 "
                f"alembic upgrade head。"
            ) from exc
        status = schema_status(engine)
    if not status["at_head"]:
        raise StartupError(
            f"数据库结构版本是 {status['revision'] or '空（没有迁移过）'}，代码需要 {status['head']}："
            "请先运行 alembic upgrade head（或去掉 MIGRATE_ON_START=0 让服务启动时自动迁移）。"
        )
    return status


def check_production_config() -> None:
    from api.security.config import ConfigError, department_keys, is_production, staff_tokens
    from api.settings import get_settings

    if not is_production():
        return
    missing = []
    if len(get_settings().secret_key.strip()) < 32:
        missing.append("SECRET_KEY（至少 32 个随机字符）")
    try:
        if not department_keys():
            missing.append("DEPARTMENT_API_KEYS")
        if not staff_tokens():
            missing.append("STAFF_TOKENS")
    except ConfigError as exc:
        raise StartupError(str(exc)) from None
    if missing:
        raise StartupError(f"生产环境（APP_ENV=production）必须设置 {'、'.join(missing)}，服务不启动。")


def startup_checks() -> dict[str, Any]:
    check_production_config()
    return ensure_schema_at_head()
