"""The supervisor statistics (GET /api/v1/stats) on N cases, SQLite or PostgreSQL (a benchmark, not a test).

    .venv/api/bin/python bench/stats_bench.py [--cases 1000] [--db sqlite|postgresql] [--rounds 5]

Files N cases through the real application (a temporary SQLite file, or a temporary PostgreSQL
database at 127.0.0.1:5432 dropped afterwards), then times the statistics request and prints the
median, the number of SQL statements and the slowest ones. The machines are shared: the load average
is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ASSISTANT_API_KEY", "bench-assistant-key-0123456789-abcdefghij")

REGIONS = ("520102", "520111", "520112", "520300", "520500")


def run(url: str, cases: int, rounds: int) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from api.db import get_engine
    from api.security import ratelimit
    from tests.api.conftest import case_body, migrate, use_database  # test credentials, case bodies

    migrate(url)
    use_database(url)
    from api.main import create_app

    with TestClient(create_app()) as c:
        t0 = time.time()
        for i in range(cases):
            ratelimit.reset()
            r = c.post("/api/v1/cases", json=case_body(region=REGIONS[i % len(REGIONS)]))
            assert r.status_code == 201, r.text
        print(f"filed {cases} cases in {time.time() - t0:.1f} s")
        headers = {"X-Staff-Token": "test-admin-s001"}
        c.get("/api/v1/stats", headers=headers)  # fills the calendar table once
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            r = c.get("/api/v1/stats", headers=headers)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
        timing: list[tuple[float, str]] = []

        def before(_conn, _cur, _stmt, _params, context, _many):  # type: ignore[no-untyped-def]
            context._bench_t0 = time.perf_counter()

        def after(_conn, _cur, stmt, _params, context, _many):  # type: ignore[no-untyped-def]
            timing.append((time.perf_counter() - context._bench_t0, " ".join(stmt.split())[:80]))

        event.listen(get_engine(), "before_cursor_execute", before)
        event.listen(get_engine(), "after_cursor_execute", after)
        c.get("/api/v1/stats", headers=headers)
        event.remove(get_engine(), "before_cursor_execute", before)
        event.remove(get_engine(), "after_cursor_execute", after)
    out = r.json()
    print(
        f"{get_engine().dialect.name}: {out['cases']['total']} cases, {out['tasks']['tasks']} tasks — "
        f"GET /api/v1/stats median {statistics.median(times) * 1000:.0f} ms "
        f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {rounds} rounds), "
        f"{len(timing)} SQL statements; load average {os.getloadavg()[0]:.1f}"
    )
    for seconds, stmt in sorted(timing, reverse=True)[:5]:
        print(f"  {seconds * 1000:6.1f} ms  {stmt}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory(prefix="stats-bench-") as tmp:
            run(f"sqlite:///{tmp}/cases.db", args.cases, args.rounds)
        return 0
    from tests.api.conftest import pg_admin_url, temporary_pg_database

    admin, why = pg_admin_url()
    if admin is None:
        print(f"PostgreSQL unreachable: {why}")
        return 1
    with temporary_pg_database(admin, "stats_bench") as url:
        try:
            run(url, args.cases, args.rounds)
        finally:
            from api.db import get_engine

            get_engine().dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
