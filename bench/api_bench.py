"""Case submissions per second on SQLite and PostgreSQL, and the hotline lookup's latency (a benchmark).

    .venv/api/bin/python bench/api_bench.py [--seconds 4] [--rounds 3] [--lookups 300] [--json PATH]
        [--backends sqlite,postgresql] [--pg-admin-url postgresql://postgres@127.0.0.1/postgres]

For each backend: a fresh database (SQLite in a temp dir; on PostgreSQL a temporary database
``bench_<random>`` created through the admin URL and dropped afterwards), ``alembic upgrade head``,
then one API process (uvicorn, one worker, no in-process deliverer) on a free loopback port.
Submissions are valid, distinct cases (a new deceased each time, check digits computed) sent with a
window-staff token, by 1 client and by 4 concurrent clients, for a few seconds per round; the
figure is completed 201s per second, median of the rounds. Hotline lookups
(``GET /api/v1/lookup?q=...`` with a hotline-staff token) are timed one at a time on the SQLite API:
p50/p95 per round. Each API's peak resident memory (VmHWM from /proc/<pid>/status) is read before it
stops. Loopback only; every process started here is stopped here. Machines are shared: quote medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api import clock  # noqa: E402 — China's date, as the API sees it
from api.identity import check_digit  # noqa: E402

WINDOW_TOKEN = "bench-window-" + secrets.token_hex(8)
HOTLINE_TOKEN = "bench-hotline-" + secrets.token_hex(8)
LOOKUPS = ["销户口", "zxhk", "抚恤金", "丧葬费咋个领", "公积金", "养老金停发", "死亡证明", "医保卡里的钱",
           "驾驶证", "yljt", "火化", "户口注销"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def vm_hwm_mb(pid: int) -> float | None:
    """Peak resident set size of a process (VmHWM), in MB; None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def id_number(region: str, birth: dt.date, seq: int) -> str:
    first = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return first + check_digit(first)


class Cases:
    """Distinct valid submissions: deceased born on consecutive days from 1930, one per call."""

    def __init__(self, salt: int) -> None:
        self.n = salt * 1_000_000
        self.lock = threading.Lock()
        self.death = clock.today() - dt.timedelta(days=3)

    def next(self) -> dict:
        with self.lock:
            self.n += 1
            n = self.n
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=(n // 1000) % 9000)
        return {
            "deceased": {
                "name": "张德明",
                "id_number": id_number("520102", birth, n),
                "death_date": str(self.death),
            },
            "applicant": {
                "name": "张晓红",
                "id_number": id_number("520103", dt.date(1969, 10, 2), n * 7),
                "phone": "13912345678",
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
            "items": ["hukou_cancel", "social_insurance_suspend", "survivor_benefits"],
            "payee_account": "6222021234567890123",
        }


def start_api(database_url: str, tmp: Path, label: str) -> tuple[subprocess.Popen, str, Path]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "APP_ENV": "development",
        "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "STAFF_TOKENS": json.dumps(
            {
                WINDOW_TOKEN: {"role": "window_staff", "staff_id": "w900"},
                HOTLINE_TOKEN: {"role": "hotline_staff", "staff_id": "h900"},
            }
        ),
        "DISPATCH_IN_PROCESS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if migrate.returncode:
        raise SystemExit(f"alembic upgrade head failed on {label}:\n{migrate.stderr[-2000:]}")
    port = free_port()
    log = tmp / f"api-{label}.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the API on {label} exited at start-up; see {log}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return proc, url, log
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"the API on {label} did not answer /healthz within 90 s; see {log}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def submissions(url: str, clients: int, seconds: float, cases: Cases) -> dict:
    """Completed submissions per second with `clients` concurrent connections for `seconds`."""
    counts = {"created": 0, "rate_limited": 0, "other": 0}
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        with httpx.Client(base_url=url, timeout=30, headers={"X-Staff-Token": WINDOW_TOKEN}) as c:
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                r = c.post("/api/v1/cases", json=cases.next())
                ms = (time.perf_counter() - t0) * 1000
                kind = (
                    "created" if r.status_code == 201 else "rate_limited" if r.status_code == 429 else "other"
                )
                with lock:
                    counts[kind] += 1
                    if kind == "created":
                        latencies.append(ms)
                    elif kind == "other" and counts["other"] == 1:
                        counts["first_error"] = f"{r.status_code} {r.text[:200]}"

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {
        "clients": clients,
        "per_second": counts["created"] / elapsed,
        "p50_ms": statistics.median(latencies) if latencies else None,
        "p95_ms": percentile(latencies, 0.95) if latencies else None,
        "seconds": elapsed,
        **counts,
    }


def lookups(url: str, n: int) -> dict:
    times: list[float] = []
    bad = 0
    with httpx.Client(base_url=url, timeout=10, headers={"X-Staff-Token": HOTLINE_TOKEN}) as c:
        for q in LOOKUPS:  # warm-up
            c.get("/api/v1/lookup", params={"q": q})
        for i in range(n):
            t0 = time.perf_counter()
            r = c.get("/api/v1/lookup", params={"q": LOOKUPS[i % len(LOOKUPS)]})
            times.append((time.perf_counter() - t0) * 1000)
            bad += r.status_code != 200
    return {"n": n, "p50_ms": statistics.median(times), "p95_ms": percentile(times, 0.95), "non_200": bad}


def create_pg_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_backend(backend: str, args: argparse.Namespace, tmp: Path, salt: int) -> dict:
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        pg_name, url = create_pg_database(args.pg_admin_url)
    proc = None
    try:
        proc, base, _log = start_api(url, tmp, backend)
        cases = Cases(salt)
        submissions(base, 1, 1.0, cases)  # warm-up
        out: dict = {"backend": backend, "database": pg_name or "temporary SQLite file"}
        for clients in (1, 4):
            rounds = [submissions(base, clients, args.seconds, cases) for _ in range(args.rounds)]
            out[f"submissions_{clients}"] = {
                "median_per_second": statistics.median(r["per_second"] for r in rounds),
                "rounds": rounds,
            }
            print(
                f"{backend:10} case submissions, {clients} client{'s' if clients > 1 else ' '}: "
                f"median {out[f'submissions_{clients}']['median_per_second']:6.1f}/s   rounds "
                + " ".join(f"{r['per_second']:.1f}" for r in rounds)
                + f"   (p95 {statistics.median(r['p95_ms'] or 0 for r in rounds):.0f} ms; "
                f"429: {sum(r['rate_limited'] for r in rounds)}, "
                f"other errors: {sum(r['other'] for r in rounds)})"
            )
        if backend == "sqlite" and args.lookups:
            rounds = [lookups(base, args.lookups) for _ in range(args.rounds)]
            out["lookup"] = {
                "median_p50_ms": statistics.median(r["p50_ms"] for r in rounds),
                "median_p95_ms": statistics.median(r["p95_ms"] for r in rounds),
                "rounds": rounds,
            }
            print(
                f"hotline lookup over HTTP: p50 {out['lookup']['median_p50_ms']:.1f} ms, "
                f"p95 {out['lookup']['median_p95_ms']:.1f} ms (median of {args.rounds} rounds of "
                f"{args.lookups}; non-200: {sum(r['non_200'] for r in rounds)})"
            )
        out["api_vm_hwm_mb"] = vm_hwm_mb(proc.pid)
        print(f"{backend:10} API process peak memory (VmHWM): {out['api_vm_hwm_mb']:.0f} MB")
        return out
    finally:
        if proc is not None:
            stop(proc)
        if pg_name:
            drop_pg_database(args.pg_admin_url, pg_name)


class Stopped(BaseException):
    """SIGTERM: not caught by the per-backend handler, so the whole run stops (cleaning up)."""


def stopped(*_: object) -> None:
    raise Stopped


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="length of one submission round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lookups", type=int, default=300, help="lookups per round (0: none)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-admin-url", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1/postgres")
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    # SIGTERM (a caller's time limit) stops the API and drops the database through the `finally`s
    signal.signal(signal.SIGTERM, stopped)
    tmp = Path(tempfile.mkdtemp(prefix="api-bench-"))
    results: dict = {}
    salt = int(time.time()) % 1000
    for n, backend in enumerate(b.strip() for b in args.backends.split(",") if b.strip()):
        try:
            results[backend] = bench_backend(backend, args, tmp, salt + n)
        except (SystemExit, Exception) as exc:  # one backend failing does not hide the other
            print(f"{backend}: not measured: {exc}", file=sys.stderr)
            results[backend] = {"error": str(exc)[:500]}
        if args.json:  # after each backend: a caller that stops us keeps what was measured
            Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    command = (
        f".venv/api/bin/python bench/api_bench.py --seconds {args.seconds} --rounds {args.rounds} "
        f"--lookups {args.lookups} --backends {args.backends}"
    )
    print(f"logs in {tmp}   reproduce: {command}")
    if args.json:
        Path(args.json).write_text(json.dumps({"command": command, **results}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    try:
        main()
    except Stopped:
        sys.exit(143)
