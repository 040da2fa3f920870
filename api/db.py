"""Database engine and sessions. SQLite is the embedded default; PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from api.settings import get_settings


class Base(DeclarativeBase):
    pass


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    # WAL lets readers go on while one writer writes; foreign keys are off by default in SQLite;
    # the busy timeout makes a second writer wait instead of failing at once.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin_immediate(conn) -> None:  # type: ignore[no-untyped-def]
    # Take the write lock at BEGIN: two transactions that read then write would otherwise
    # deadlock on lock upgrade (SQLITE_BUSY that the busy timeout cannot resolve).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling would defer BEGIN; we issue it ourselves.
        event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(get_engine(), expire_on_commit=False)


# requests of this process that hold a session on SQLite, one at a time (see get_session)
_sqlite_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _sqlite_turn() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    turn = _sqlite_turns.get(loop)
    if turn is None:
        turn = _sqlite_turns[loop] = asyncio.Lock()
    return turn


async def get_session() -> AsyncIterator[Session]:
    """FastAPI dependency: one session per request.

    On SQLite a request's transaction holds the database's one write lock (BEGIN IMMEDIATE) until
    the session is closed after the response is validated, which FastAPI does in a worker thread
    for a plain ``def`` endpoint. With 50 families at once on `make run`, every worker thread
    waited for the write lock while the request holding it waited for a worker thread to validate
    its response: 500 "database is locked" after the busy timeout, for everyone. So on SQLite the
    requests that use a session wait their turn here, on the event loop, holding no worker thread;
    SQLite allows one writer anyway. PostgreSQL needs none of this.
    """
    turn = _sqlite_turn() if get_engine().dialect.name == "sqlite" else None
    if turn is not None:
        await turn.acquire()
    try:
        with get_sessionmaker()() as session:
            yield session
    finally:
        if turn is not None:
            turn.release()


def database_reachable() -> tuple[bool, str]:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True, get_engine().dialect.name
    except Exception as exc:
        return False, type(exc).__name__
