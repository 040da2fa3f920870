"""One conversation turn through the REST channel, with an action that calls the case API.

    .venv/bot/bin/python bench/turn_bench.py [--conversations 40] [--turns 3]

Starts the case API (SQLite in a temp dir), the action server and Rasa on free ports with the
trained model in models/, then holds conversations of a few item questions each (every answer is an
action that reads the service guide from the API) and prints p50/p95 latency of the first turn (Rasa
starts a session) and of the later turns. Machines are shared: quote medians.

Open-loop rates and the throughput ceiling (what `make bench` runs, bounded, loopback only):

    .venv/bot/bin/python bench/turn_bench.py --rates 1,5,10 --seconds 30 --rounds 3 \
        --ceiling-clients 4,16,32 --ceiling-seconds 12 [--model PATH] [--json PATH]

``--rates``: messages are *sent on a fixed schedule* (rate r: one every 1/r s, whether or not earlier
ones were answered) to a pool of conversations taken in turn (each gets a message about every 3 s
and is replaced by a new one after ``--turns`` questions); latency counts from the scheduled send,
so a server that falls behind shows it. At most ``--max-in-flight`` requests are outstanding (more
are counted as dropped) and each waits at most 30 s. ``--ceiling-clients C[,C2...]``: C conversations
each send their next question as soon as the previous one is answered, for ``--ceiling-seconds``; the
completed turns per second, the highest over the levels given, is the throughput ceiling of the one
Rasa process. Before the services
stop, each one's peak resident memory (VmHWM from /proc/<pid>/status) is read.

``--families C``: the measurement of issue 7 when it was filed (14 turns/s on the stack of `make
run`, one Rasa process): C families each typing the answers of a whole intake, answer by answer,
until the case is filed (bench/load/common.py ``Family``, the load script's closed loop), the next
family starting at once, for ``--families-seconds`` per round. The stack is the one of `make run`:
the case API on SQLite dispatching in process to the department simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
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


def wait_model(status_url: str, seconds: float, log: Path | None = None) -> None:
    """Rasa answers before its model is loaded: wait until /status names a model file. A model that
    cannot be loaded (trained with other code or another config.yml) fails at once, saying why."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace") if log and log.exists() else ""
        if "Error initializing graph component" in text or "Traceback (most recent call last)" in text:
            last = [line for line in text.splitlines() if "Exception" in line or "Error" in line][-1:]
            raise SystemExit(
                "Rasa could not load the model (retrain it with the current code and config.yml): "
                + (last[0].strip()[:300] if last else "see the log")
            )
        try:
            r = httpx.get(status_url, timeout=2)
            if r.status_code == 200 and r.json().get("model_file"):
                return
        except (httpx.TransportError, ValueError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"Rasa loaded no model within {seconds:.0f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def vm_hwm_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a process and its children, in MB; None when it is gone."""
    total, found = 0.0, False
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
                found = True
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                pids.extend(int(c) for c in task.read_text().split())
    return total if found else None


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children, in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pids = 0.0, [pid]
    while pids:
        p = pids.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                pids.extend(int(c) for c in task.read_text().split())
    return total


def measured(run, procs: list[tuple[str, subprocess.Popen]]) -> dict:
    """Run one round and add the CPU milliseconds each service spent per completed turn: unlike the
    latency, it hardly depends on what else runs on the machine (the capacity a core gives)."""
    before = {name: cpu_seconds(p.pid) for name, p in procs}
    result = run()
    done = result["n"]
    result["cpu_ms_per_turn"] = {
        name: (cpu_seconds(p.pid) - before[name]) * 1000 / done if done else None for name, p in procs
    }
    return result


def median_cpu(rounds: list[dict], procs: list[tuple[str, subprocess.Popen]]) -> dict[str, float]:
    """Each service's CPU milliseconds per turn, the median over the rounds that measured it."""
    return {
        name: statistics.median(r["cpu_ms_per_turn"][name] for r in rounds if r["cpu_ms_per_turn"][name])
        for name, _ in procs
        if any(r["cpu_ms_per_turn"][name] for r in rounds)
    }


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "max_ms": None}
    return {
        "n": len(values),
        "p50_ms": statistics.median(values),
        "p95_ms": percentile(values, 0.95),
        "max_ms": max(values),
    }


async def open_loop(url: str, rate: float, seconds: float, turns: int, max_in_flight: int) -> dict:
    """Send messages on a fixed schedule (open loop) and time each from its scheduled send."""
    total = max(1, round(rate * seconds))
    pool = max(2, math.ceil(rate * 3))  # each conversation gets a message about every 3 s
    senders = [f"open-{uuid.uuid4().hex[:8]}" for _ in range(pool)]
    sent = [0] * pool
    latencies: list[float] = []
    errors = {"http": 0, "timeout": 0, "transport": 0, "dropped": 0}
    in_flight = 0
    limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight)

    async def one(client: httpx.AsyncClient, sender: str, question: str, scheduled: float) -> None:
        nonlocal in_flight
        try:
            r = await client.post(url, json={"sender": sender, "message": question})
            if r.status_code == 200:
                latencies.append((time.perf_counter() - scheduled) * 1000)
            else:
                errors["http"] += 1
        except httpx.TimeoutException:
            errors["timeout"] += 1
        except httpx.TransportError:
            errors["transport"] += 1
        finally:
            in_flight -= 1

    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        tasks = []
        t0 = time.perf_counter()
        for i in range(total):
            scheduled = t0 + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if in_flight >= max_in_flight:
                errors["dropped"] += 1
                continue
            k = i % pool
            if sent[k] >= turns:  # this family is done: a new conversation takes its place
                senders[k], sent[k] = f"open-{uuid.uuid4().hex[:8]}", 0
            question = QUESTIONS[(i + k) % len(QUESTIONS)]
            sent[k] += 1
            in_flight += 1
            tasks.append(asyncio.create_task(one(client, senders[k], question, scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    return {
        "offered_per_second": rate,
        # over the schedule's length, or longer when the answers came in after it
        "completed_per_second": len(latencies) / max(seconds, elapsed),
        "seconds": elapsed,
        "errors": errors,
        "latencies_ms": [round(v, 1) for v in latencies],
        **summary(latencies),
    }


async def closed_loop(url: str, clients: int, seconds: float, turns: int) -> dict:
    """`clients` conversations, each sending its next question as soon as the last is answered."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def family(client: httpx.AsyncClient, n: int) -> None:
        nonlocal errors
        turn, sender = 0, f"ceiling-{uuid.uuid4().hex[:8]}"
        while time.perf_counter() < stop_at:
            if turn >= turns:
                turn, sender = 0, f"ceiling-{uuid.uuid4().hex[:8]}"
            t = time.perf_counter()
            try:
                r = await client.post(
                    url, json={"sender": sender, "message": QUESTIONS[(n + turn) % len(QUESTIONS)]}
                )
                if r.status_code == 200:
                    latencies.append((time.perf_counter() - t) * 1000)
                else:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            turn += 1

    t0 = time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        await asyncio.gather(*(family(client, n) for n in range(clients)))
    elapsed = time.perf_counter() - t0
    return {
        "clients": clients,
        "completed_per_second": len(latencies) / elapsed,
        "seconds": elapsed,
        "errors": errors,
        **summary(latencies),
    }


def start_services(model: Path, api_python: str, tmp: str) -> tuple[list[tuple[str, subprocess.Popen]], str]:
    api_port, actions_port, rasa_port, sim_port = free_port(), free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # as deployed (scripts/scaleout.sh, scripts/run_all.sh): TensorFlow in one thread per process
        "TF_INTRA_OP_PARALLELISM_THREADS": os.environ.get("TF_INTRA_OP_PARALLELISM_THREADS", "1"),
        "TF_INTER_OP_PARALLELISM_THREADS": os.environ.get("TF_INTER_OP_PARALLELISM_THREADS", "1"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
        "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
        "CASE_API_URL": f"http://127.0.0.1:{api_port}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
        # as `make run` (scripts/run_all.sh): cases dispatched in process to the department simulator
        "DISPATCH_IN_PROCESS": "1",
        "DEPARTMENT_WEBHOOK_DEFAULT": f"http://127.0.0.1:{sim_port}/deliveries",
    }
    migrate = subprocess.run(
        [api_python, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if migrate.returncode:
        raise SystemExit(f"alembic upgrade head failed:\n{migrate.stderr[-2000:]}")
    endpoints = Path(tmp) / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n", encoding="utf-8"
    )
    bot = ROOT / ".venv/bot/bin"
    token = uuid.uuid4().hex

    def log(name: str):
        return (Path(tmp) / f"{name}.log").open("w")

    procs = [
        (
            "simulator",
            subprocess.Popen(
                [api_python, "-m", "api.dispatch.simulator", "--port", str(sim_port)],
                cwd=ROOT,
                env=env,
                stdout=log("simulator"),
                stderr=subprocess.STDOUT,
            ),
        ),
        (
            "api",
            subprocess.Popen(
                [
                    api_python,
                    "-m",
                    "uvicorn",
                    "api.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(api_port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                cwd=ROOT,
                env=env,
                stdout=log("api"),
                stderr=subprocess.STDOUT,
            ),
        ),
        (
            "actions",
            subprocess.Popen(
                [str(bot / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
                cwd=ROOT,
                env=env,
                stdout=log("actions"),
                stderr=subprocess.STDOUT,
            ),
        ),
        (
            "rasa",
            subprocess.Popen(
                [
                    *(str(bot / "rasa"), "run", "--port", str(rasa_port), "--model", str(model)),
                    *("--enable-api", "--auth-token", token),
                    *("--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml")),
                ],
                cwd=ROOT,
                env=env,
                stdout=log("rasa"),
                stderr=subprocess.STDOUT,
            ),
        ),
    ]
    try:
        wait(f"http://127.0.0.1:{api_port}/healthz", 90)
        wait(f"http://127.0.0.1:{actions_port}/health", 180)
        wait(f"http://127.0.0.1:{rasa_port}/", 300)
        wait_model(f"http://127.0.0.1:{rasa_port}/status?token={token}", 300, Path(tmp) / "rasa.log")
    except SystemExit as exc:
        stop_services(procs)
        raise SystemExit(f"{exc} (logs in {tmp})") from None
    return procs, f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"


def stop_services(procs: list[tuple[str, subprocess.Popen]]) -> None:
    for _, p in procs:
        p.terminate()
    for _, p in procs:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()


def sequential(url: str, conversations: int, turns: int) -> dict:
    first: list[float] = []  # the first message of a conversation (Rasa starts a session)
    later: list[float] = []  # a further question in the same conversation
    answered = 0
    with httpx.Client(timeout=30) as client:
        for n in range(conversations):
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            for turn in range(turns):
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
    return {
        "first": summary(first),
        "later": summary(later),
        "all": summary(first + later),
        "answered": answered,
    }


def families_ceiling(
    url: str, families: int, seconds: float, rounds: int, procs: list[tuple[str, subprocess.Popen]]
) -> dict:
    """``families`` conversations typing whole intakes back to back: turns/s, latency, cases, CPU."""
    sys.path.insert(0, str(ROOT))
    from bench.load.load import closed_loop  # the load script's families (httpx, no API import)

    base = url.removesuffix("/webhooks/rest/webhook")
    runs = []
    for _ in range(rounds):

        def one() -> dict:
            stats, secs = asyncio.run(closed_loop(base, families, seconds))
            ms = [x * 1000 for x in stats.latencies]
            return {
                "n": len(ms),
                "completed_per_second": len(ms) / secs,
                "p50_ms": statistics.median(ms) if ms else None,
                "p95_ms": percentile(ms, 0.95) if ms else None,
                "errors": sum(stats.errors.values()),
                "cases": len(stats.submitted),
            }

        runs.append(measured(one, procs))
    result = {
        "clients": families,
        "median_per_second": statistics.median(r["completed_per_second"] for r in runs),
        "median_p50_ms": statistics.median(r["p50_ms"] for r in runs if r["p50_ms"] is not None),
        "median_p95_ms": statistics.median(r["p95_ms"] for r in runs if r["p95_ms"] is not None),
        "errors": sum(r["errors"] for r in runs),
        "cases": sum(r["cases"] for r in runs),
        "cpu_ms_per_turn": median_cpu(runs, procs),
        "rounds": runs,
    }
    print(
        f"families, {families} typing whole intakes back to back: median "
        f"{result['median_per_second']:.1f} turns/s (rounds "
        + ", ".join(f"{r['completed_per_second']:.1f}" for r in runs)
        + f"), p50 {result['median_p50_ms']:.0f} ms, p95 {result['median_p95_ms']:.0f} ms, "
        f"{result['cases']} cases filed, errors {result['errors']}; CPU per turn "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in result["cpu_ms_per_turn"].items())
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--turns", type=int, default=3, help="questions per conversation (default 3)")
    parser.add_argument("--api-python", default=str(ROOT / ".venv/api/bin/python"))
    parser.add_argument("--model", default=str(ROOT / "models" / "assistant.tar.gz"))
    parser.add_argument(
        "--rates", help="open-loop rates in turns/s, e.g. 1,5,10 (replaces the sequential run)"
    )
    parser.add_argument("--seconds", type=float, default=30, help="length of one open-loop round")
    parser.add_argument("--rounds", type=int, default=3, help="open-loop and ceiling rounds")
    parser.add_argument("--max-in-flight", type=int, default=300)
    parser.add_argument(
        "--ceiling-clients",
        default="",
        help="closed-loop conversations, one level or several (4,16,32): the ceiling is the best level",
    )
    parser.add_argument("--ceiling-seconds", type=float, default=20)
    parser.add_argument(
        "--families",
        type=int,
        default=0,
        help="closed loop of C families typing whole intakes until the case is filed (issue 7's measurement)",
    )
    parser.add_argument("--families-seconds", type=float, default=60, help="length of one --families round")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    model = Path(args.model).resolve()
    if not model.exists():
        raise SystemExit(f"{model} is missing: run `make run` or the training step first")

    # SIGTERM (a caller's time limit) stops the services through the `finally` below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = tempfile.mkdtemp(prefix="turn-bench-")
    procs, url = start_services(model, args.api_python, tmp)
    out: dict = {"model": str(model), "turns_per_conversation": args.turns}

    def save() -> None:  # after each measurement: a caller that stops us keeps what was measured
        if args.json:
            Path(args.json).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")

    try:
        with httpx.Client(timeout=30) as client:
            for question in QUESTIONS:  # warm-up: the action server's catalog cache, TF graphs
                client.post(url, json={"sender": "warm-up", "message": question})
        if not args.rates:
            out["sequential"] = sequential(url, args.conversations, args.turns)
            command = (
                ".venv/bot/bin/python bench/turn_bench.py "
                f"--conversations {args.conversations} --turns {args.turns}"
            )
        else:
            rates = [float(r) for r in args.rates.split(",") if r.strip()]
            asyncio.run(
                open_loop(url, max(rates), min(5.0, args.seconds), args.turns, args.max_in_flight)
            )  # warm-up
            out["rates"] = []
            for rate in rates:
                rounds = [
                    measured(
                        lambda rate=rate: asyncio.run(
                            open_loop(url, rate, args.seconds, args.turns, args.max_in_flight)
                        ),
                        procs,
                    )
                    for _ in range(args.rounds)
                ]
                pooled = [v for r in rounds for v in r["latencies_ms"]]
                entry = {
                    "offered_per_second": rate,
                    "median_p50_ms": statistics.median(
                        r["p50_ms"] for r in rounds if r["p50_ms"] is not None
                    ),
                    "median_p95_ms": statistics.median(
                        r["p95_ms"] for r in rounds if r["p95_ms"] is not None
                    ),
                    "median_completed_per_second": statistics.median(
                        r["completed_per_second"] for r in rounds
                    ),
                    "errors": sum(sum(r["errors"].values()) for r in rounds),
                    "cpu_ms_per_turn": median_cpu(rounds, procs),
                    "pooled": summary(pooled),
                    "rounds": rounds,
                }
                out["rates"].append(entry)
                cpu = entry["cpu_ms_per_turn"]
                print(
                    f"   CPU per turn at {rate:g}/s (median of rounds): "
                    + ", ".join(f"{name} {ms:.0f} ms" for name, ms in cpu.items())
                )
                out["peak_memory_mb"] = {name: vm_hwm_mb(p.pid) for name, p in procs}
                save()
                print(
                    f"open loop {rate:5.1f} turns/s offered: "
                    f"completed {entry['median_completed_per_second']:5.1f}/s, "
                    f"p50 {entry['median_p50_ms']:5.0f} ms, p95 {entry['median_p95_ms']:5.0f} ms "
                    f"(medians of {len(rounds)} rounds of {args.seconds:.0f} s; p95 per round "
                    + ", ".join(f"{r['p95_ms']:.0f}" for r in rounds if r["p95_ms"] is not None)
                    + f"; errors {entry['errors']})"
                )
            command = (
                f".venv/bot/bin/python bench/turn_bench.py --rates {args.rates} --seconds {args.seconds:g} "
                f"--rounds {args.rounds} --turns {args.turns}"
            )
        levels = [int(c) for c in str(args.ceiling_clients).split(",") if c.strip() and int(c) > 0]
        if levels:
            out["ceiling_levels"] = []
            for clients in levels:
                rounds = [
                    asyncio.run(closed_loop(url, clients, args.ceiling_seconds, args.turns))
                    for _ in range(args.rounds)
                ]
                level = {
                    "clients": clients,
                    "median_per_second": statistics.median(r["completed_per_second"] for r in rounds),
                    "median_p50_ms": statistics.median(
                        r["p50_ms"] for r in rounds if r["p50_ms"] is not None
                    ),
                    "median_p95_ms": statistics.median(
                        r["p95_ms"] for r in rounds if r["p95_ms"] is not None
                    ),
                    "errors": sum(r["errors"] for r in rounds),
                    "rounds": rounds,
                }
                out["ceiling_levels"].append(level)
                out["ceiling"] = max(out["ceiling_levels"], key=lambda c: c["median_per_second"])
                out["peak_memory_mb"] = {name: vm_hwm_mb(p.pid) for name, p in procs}
                save()
                print(
                    f"closed loop, {clients:3d} conversations back to back: median "
                    f"{level['median_per_second']:.1f} turns/s (rounds "
                    + ", ".join(f"{r['completed_per_second']:.1f}" for r in rounds)
                    + f"), p50 {level['median_p50_ms']:.0f} ms, p95 {level['median_p95_ms']:.0f} ms, "
                    f"errors {level['errors']}"
                )
            # the ceiling: the highest median throughput over the concurrency levels
            out["ceiling"] = max(out["ceiling_levels"], key=lambda c: c["median_per_second"])
            print(
                f"throughput ceiling: {out['ceiling']['median_per_second']:.1f} turns/s "
                f"(with {out['ceiling']['clients']} conversations back to back)"
            )
            command += f" --ceiling-clients {args.ceiling_clients} --ceiling-seconds {args.ceiling_seconds:g}"
        if args.families > 0:
            out["families"] = families_ceiling(url, args.families, args.families_seconds, args.rounds, procs)
            save()
            command += f" --families {args.families} --families-seconds {args.families_seconds:g}"
        out["peak_memory_mb"] = {name: vm_hwm_mb(p.pid) for name, p in procs}
        print(
            "peak memory (VmHWM): "
            + ", ".join(f"{name} {mb:.0f} MB" for name, mb in out["peak_memory_mb"].items() if mb is not None)
        )
        out["command"] = command
        print(f"logs in {tmp}   reproduce: {command}")
    finally:
        stop_services(procs)
    save()


if __name__ == "__main__":
    sys.exit(main())
