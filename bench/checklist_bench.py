"""Checklists per second, in-process and over HTTP (a benchmark, not a test).

    .venv/api/bin/python bench/checklist_bench.py [--seconds 3] [--rounds 5] [--json PATH]

Prints the median of several rounds and the spread: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.catalog.loader import get_catalog  # noqa: E402
from api.checklist.engine import build_checklist  # noqa: E402


def random_requests(n: int, seed: int = 7) -> list[dict]:
    catalog = get_catalog()
    rng = random.Random(seed)
    keys = list(catalog.items)
    out = []
    for _ in range(n):
        situation = {
            f: rng.choice(catalog.allowed_values(f)) for f in catalog.situation_fields if rng.random() < 0.85
        }
        items = None if rng.random() < 0.3 else rng.sample(keys, rng.randint(1, len(keys)))
        out.append({"situation": situation, "items": items})
    return out


def rounds(fn, seconds: float, count: int) -> list[float]:
    rates = []
    for _ in range(count):
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            done += fn(done)
        rates.append(done / (time.perf_counter() - start))
    return rates


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report(label: str, rates: list[float]) -> dict:
    print(
        f"{label:<28} median {statistics.median(rates):8.1f}/s   "
        f"min {min(rates):8.1f}   max {max(rates):8.1f}   ({len(rates)} rounds)"
    )
    return {"median_per_second": statistics.median(rates), "rounds": rates}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    out: dict = {}
    catalog = get_catalog()
    requests = random_requests(500)
    today = dt.date(2026, 11, 30)

    def in_process(i: int) -> int:
        r = requests[i % len(requests)]
        build_checklist(catalog, r["situation"], r["items"], today)
        return 1

    out["in_process"] = report("checklist in-process", rounds(in_process, args.seconds, args.rounds))

    port = free_port()
    tmp = tempfile.mkdtemp(prefix="checklist-bench-")  # the API migrates this file at start-up
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
        "LOG_LEVEL": "WARNING",
        # anonymous callers are limited per address (120/minute by default): the limiter still runs
        # on every request, but its budget is out of the benchmark's way
        "RATE_LIMIT_CHECKLIST": "1000000/minute",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for _ in range(100):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)

            def over_http(i: int) -> int:
                r = client.post("/api/v1/checklist", json=requests[i % len(requests)])
                r.raise_for_status()
                return 1

            out["http"] = report("checklist over HTTP (1 conn)", rounds(over_http, args.seconds, args.rounds))
    finally:
        server.terminate()
        server.wait(10)
    python = Path(sys.executable)
    shown = python.relative_to(ROOT) if ROOT in python.parents else python
    command = f"{shown} bench/checklist_bench.py --seconds {args.seconds:g} --rounds {args.rounds}"
    print(f"reproduce: {command}")
    if args.json:
        Path(args.json).write_text(json.dumps({**out, "command": command}), encoding="utf-8")


if __name__ == "__main__":
    main()
