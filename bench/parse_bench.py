"""Parse latency: p50/p95 of the NLU over N messages, in-process and (optionally) over HTTP.

    RASA_TELEMETRY_ENABLED=false .venv/bot/bin/python bench/parse_bench.py [-n 200] [--model PATH]
        [--http http://127.0.0.1:5005] [--token TOKEN]

In-process: the trained model is loaded with ``Agent.load`` and each message goes through
``processor.parse_message`` (the code behind ``POST /model/parse``). With ``--http`` the same messages
are sent to a running ``rasa run --enable-api`` server's ``POST /model/parse``. The messages are a
fixed mix of short fragments, questions and long stories written for this benchmark (not the dev set).
The target of the issue is parse p95 ≤ 50 ms. ``--rounds R`` times R rounds of N messages with the
model loaded once and prints each round and their medians; ``--json PATH`` also writes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

from local_model import latest_model, load_parser, quiet_logs

MESSAGES = [
    "你好",
    "销户口",
    "抚恤金咋领",
    "我爸昨天走了不晓得要办啥子",
    "户口要销，养老金也要停，医保卡里的钱咋个取",
    "明天贵阳下雨不",
    "房子过户找哪个",
    "我妈在县医院走的，已经火化了。她是企业退休的，每个月领退休金，银行卡里还有几千块钱，"
    "公积金好像也有一点，我们几姊妹都在外地打工，想一次性把这些事情办完，需要准备些什么？",
    "身份证号520102195203154418",
    "查进度 SH20261129-48273-5",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def report(label: str, times_ms: list[float]) -> dict:
    figures = {
        "n": len(times_ms),
        "p50_ms": statistics.median(times_ms),
        "p95_ms": percentile(times_ms, 0.95),
        "max_ms": max(times_ms),
    }
    print(
        f"{label:12} n={len(times_ms):4d}  p50={figures['p50_ms']:6.1f} ms  "
        f"p95={figures['p95_ms']:6.1f} ms  max={figures['max_ms']:6.1f} ms"
    )
    return figures


def report_rounds(label: str, rounds: list[list[float]]) -> dict:
    """Each round, then the medians of the rounds' p50 and p95 (the figure to quote)."""
    figures = [report(f"{label} {i + 1}" if len(rounds) > 1 else label, r) for i, r in enumerate(rounds)]
    out = {
        "rounds": figures,
        "median_p50_ms": statistics.median(f["p50_ms"] for f in figures),
        "median_p95_ms": statistics.median(f["p95_ms"] for f in figures),
        "times_ms": [round(v, 2) for r in rounds for v in r],
    }
    if len(rounds) > 1:
        print(
            f"{label:12} median of {len(rounds)} rounds: p50={out['median_p50_ms']:6.1f} ms  "
            f"p95={out['median_p95_ms']:6.1f} ms"
        )
    return out


def bench_in_process(model: Path, n: int, rounds: int = 1) -> list[list[float]]:
    parse = load_parser(model)

    async def run() -> list[list[float]]:
        for text in MESSAGES:  # warm-up: first calls build caches
            await parse(text)
        out = []
        for _ in range(rounds):
            times = []
            for i in range(n):
                t0 = time.perf_counter()
                await parse(MESSAGES[i % len(MESSAGES)])
                times.append((time.perf_counter() - t0) * 1000)
            out.append(times)
        return out

    return asyncio.run(run())


def bench_http(url: str, token: str | None, n: int) -> list[float]:
    import httpx

    params = {"token": token} if token else {}
    out = []
    with httpx.Client(base_url=url, timeout=10) as client:
        for text in MESSAGES:
            client.post("/model/parse", json={"text": text}, params=params).raise_for_status()
        for i in range(n):
            t0 = time.perf_counter()
            client.post(
                "/model/parse", json={"text": MESSAGES[i % len(MESSAGES)]}, params=params
            ).raise_for_status()
            out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=200, help="messages to time (default 200)")
    parser.add_argument("--model", help="model archive (default: newest in models/)")
    parser.add_argument("--http", help="base URL of a running `rasa run --enable-api` (optional)")
    parser.add_argument("--token", help="the server's --auth-token, if any")
    parser.add_argument("--no-in-process", action="store_true", help="only the HTTP measurement")
    parser.add_argument("--rounds", type=int, default=1, help="in-process rounds of N messages (default 1)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    quiet_logs()

    command = f"RASA_TELEMETRY_ENABLED=false {sys.executable} bench/parse_bench.py -n {args.n}"
    if args.rounds > 1:
        command += f" --rounds {args.rounds}"
    out: dict = {}
    if not args.no_in_process:
        model = Path(args.model).resolve() if args.model else latest_model()
        out["in_process"] = report_rounds("in-process", bench_in_process(model, args.n, args.rounds))
        command += f" --model {model}"
    if args.http:
        out["http"] = report("HTTP", bench_http(args.http, args.token, args.n))
        command += f" --http {args.http}" + (" --token <token>" if args.token else "")
    print(f"cpu cores: {os.cpu_count()}   reproduce: {command}")
    if args.json:
        out["command"] = command
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
