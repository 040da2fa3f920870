"""One conversation turn through the REST channel, with an action that calls the case API.

    .venv/bot/bin/python bench/turn_bench.py [--conversations 40] [--turns 3]

Starts the case API (SQLite in a temp dir), the action server and Rasa on free ports with the
trained model in models/, then holds conversations of a few item questions each (every answer is an
action that reads the service guide from the API) and prints p50/p95 latency of the first turn (Rasa
starts a session) and of the later turns. Machines are shared: quote medians.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "注销户口要带什么材料",
    "公积金取出来要多久",
    "养老金停发去哪里办",
    "医保个人账户的钱谁能取",
    "丧葬费抚恤金能领多少",
    "驾驶证注销要哪些东西",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(url: str, seconds: float) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--turns", type=int, default=3, help="questions per conversation (default 3)")
    parser.add_argument("--api-python", default=str(ROOT / ".venv/api/bin/python"))
    args = parser.parse_args()
    model = ROOT / "models" / "assistant.tar.gz"
    if not model.exists():
        raise SystemExit("models/assistant.tar.gz is missing: run `make run` or the training step first")

    api_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    tmp = tempfile.mkdtemp()
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
        "CASE_API_URL": f"http://127.0.0.1:{api_port}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    endpoints = Path(tmp) / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n", encoding="utf-8"
    )
    bot = ROOT / ".venv/bot/bin"
    procs = [
        subprocess.Popen(
            [
                args.api_python,
                "-m",
                "uvicorn",
                "api.main:app",
                "--port",
                str(api_port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [str(bot / "rasa"), "run", "actions", "--port", str(actions_port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                *(str(bot / "rasa"), "run", "--port", str(rasa_port), "--model", str(model)),
                *("--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml")),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        wait(f"http://127.0.0.1:{api_port}/healthz", 60)
        wait(f"http://127.0.0.1:{actions_port}/health", 120)
        wait(f"http://127.0.0.1:{rasa_port}/", 240)
        url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        first: list[float] = []  # the first message of a conversation (Rasa starts a session)
        later: list[float] = []  # a further question in the same conversation
        answered = 0
        with httpx.Client(timeout=30) as client:
            for question in QUESTIONS:  # warm-up: the action server's catalog cache, TF graphs
                client.post(url, json={"sender": "warm-up", "message": question})
            for n in range(args.conversations):
                sender = f"bench-{uuid.uuid4().hex[:8]}"
                for turn in range(args.turns):
                    question = QUESTIONS[(n + turn) % len(QUESTIONS)]
                    start = time.perf_counter()
                    replies = client.post(url, json={"sender": sender, "message": question}).json()
                    (first if turn == 0 else later).append((time.perf_counter() - start) * 1000)
                    answered += any((r.get("custom") or {}).get("items") for r in replies)
        for label, values in (("first turn", first), ("later turns", later), ("all turns", first + later)):
            if values:
                print(
                    f"REST turn with an API-calling action, {label:11}: "
                    f"p50 {statistics.median(values):4.0f} ms, p95 {percentile(values, 0.95):4.0f} ms "
                    f"over {len(values)} turns"
                )
        total = len(first) + len(later)
        print(f"{answered} of {total} replies carried the item structure (an answer from the guide)")
        print(
            "reproduce: .venv/bot/bin/python bench/turn_bench.py "
            f"--conversations {args.conversations} --turns {args.turns}"
        )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    sys.exit(main())
