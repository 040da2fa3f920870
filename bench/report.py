# ruff: noqa: E501  (Markdown lines of the report are kept whole)
"""`make bench`: run every benchmark, bounded in time, and write one report with charts.

    .venv/api/bin/python bench/report.py [--quick] [--budget 1100] [--out docs/bench] [--note TEXT]
        [--only parse,accuracy,checklist,api,turns]

Writes ``docs/bench/report.md`` (each figure with its command, the machine it ran on and its target),
``docs/bench/*.png`` (matplotlib, Agg backend) and ``docs/bench/results.json`` (the figures without
the raw latencies). Every step is a benchmark script of bench/ run as a child process with a
``--json`` file; each starts and stops the services it needs on free loopback ports (the case API on
a temporary SQLite file or a temporary PostgreSQL database, migrated with ``alembic upgrade head``;
the action server; Rasa with a copy of models/assistant.tar.gz taken at the start, so a retraining
during the run changes nothing). Each step has a time limit and the whole run a budget; a step that
fails or runs out of time is reported as "not measured" with the reason, and the others still run.
``--quick`` runs every step with tiny samples (a check of the machinery, not figures to quote).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
API_PY = ROOT / ".venv/api/bin/python"
BOT_PY = ROOT / ".venv/bot/bin/python"
STEPS = ("turns", "parse", "accuracy", "api", "checklist", "hotline")  # the longest and most important first
# issue 10's targets on the real questions' test part: (label, key, count key, of how many, target)
ACCURACY_TARGETS = (
    ("item top-1", "top1", "top1_count", "with_items", 0.90),
    ("exact item set", "exact", "exact_count", "with_items", 0.80),
    ("no item when none", "oos_rejection", "oos_count", "without_items", 0.90),
)

# the targets of issue 7 and of docs/nlu.md
TURN_P95_TARGET_MS = 300  # at 10 turns/s
TODAY_CEILING = 14  # turns/s, one Rasa process, measured when issue 7 was filed
CEILING_TARGET = 2 * TODAY_CEILING
PARSE_P95_TARGET_MS = 50
LOOKUP_P95_TARGET_MS = 50


def sizes(quick: bool) -> dict[str, list[str]]:
    """The arguments of each step: full figures, or tiny samples with --quick."""
    if quick:
        return {
            "parse": ["-n", "40", "--rounds", "2"],
            "checklist": ["--seconds", "0.5", "--rounds", "2"],
            "hotline": ["--rounds", "1"],
            "api": ["--seconds", "1", "--rounds", "2", "--lookups", "40"],
            "turns": [
                *("--rates", "1,5,10", "--seconds", "4", "--rounds", "2"),
                *("--ceiling-clients", "4,16", "--ceiling-seconds", "4"),
                *("--families", "8", "--families-seconds", "4"),
            ],
        }
    return {
        "parse": ["-n", "200", "--rounds", "3"],
        "checklist": ["--seconds", "3", "--rounds", "3"],
        "hotline": ["--rounds", "3"],
        "api": ["--seconds", "3", "--rounds", "3", "--lookups", "300"],
        "turns": [
            *("--rates", "1,5,10", "--seconds", "20", "--rounds", "3"),
            *("--ceiling-clients", "4,8,16", "--ceiling-seconds", "10"),
            *("--families", "50", "--families-seconds", "45"),
        ],
    }


# ------------------------------------------------------------------ the machine
def machine() -> dict:
    cpu_model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])

    def git(*args: str) -> str:
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return r.stdout.strip()

    changed = [line for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line]
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "date_china": dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M %Z (UTC+8)"),
        "commit": git("rev-parse", "--short=12", "HEAD"),
        "commit_subject": git("log", "-1", "--format=%s")[:100],
        "uncommitted_files": len(changed),
        "load_start": os.getloadavg(),
    }


# ------------------------------------------------------------------ running the steps
def run_step(name: str, argv: list[str], json_path: Path, timeout: float, log_dir: Path) -> dict:
    """Run one benchmark script; its --json output, or {"error": why}."""
    log = log_dir / f"{name}.log"
    print(f"[bench] {name}: {' '.join(str(a) for a in argv[1:])} (limit {timeout:.0f} s)", flush=True)
    t0 = time.monotonic()
    load_before = os.getloadavg()[0]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(a) for a in argv],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            rc = proc.wait(timeout=max(1.0, timeout))
        except subprocess.TimeoutExpired:
            # SIGTERM to the step's own process group: the script (which then stops what it started,
            # and drops its temporary database) and the services it started
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(30)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # whatever of that group is left
            proc.wait(5)
            error = f"ran out of its {timeout:.0f} s"
            if json_path.suffix == ".json" and json_path.exists():  # the figures measured before that
                data = json.loads(json_path.read_text(encoding="utf-8"))
                data.update(partial=error, seconds=time.monotonic() - t0, command=shown_command(argv))
                data["load"] = [load_before, os.getloadavg()[0]]
                return data
            return {"error": error, "seconds": time.monotonic() - t0, "log": str(log)}
    elapsed = time.monotonic() - t0
    text = log.read_text(encoding="utf-8", errors="replace")
    print("\n".join("    " + line for line in text.splitlines()[-12:]), flush=True)
    if rc != 0 or not json_path.exists():
        tail = " | ".join(text.strip().splitlines()[-3:])[-400:]
        return {"error": f"exit code {rc}: {tail}", "seconds": elapsed, "log": str(log)}
    if json_path.suffix == ".out":  # eval_nlu prints its JSON line on stdout
        lines = [line for line in text.splitlines() if line.startswith("{")]
        if not lines:
            return {"error": "no JSON line in the output", "seconds": elapsed, "log": str(log)}
        data = json.loads(lines[-1])
        data["per_item_text"] = text
    else:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    data["seconds"] = elapsed
    data["command"] = shown_command(argv)
    data["load"] = [load_before, os.getloadavg()[0]]  # 1-minute load average before and after
    return data


def shown_command(argv: list) -> str:
    """The step's command as a reader would type it: relative interpreters, the model in models/."""
    out: list[str] = []
    skip = False
    for a in argv:
        a = str(a)
        if skip:
            skip = False
            continue
        if a == "--json" and argv[-1] != "--json":
            skip = True  # the temporary JSON file
            continue
        if a.endswith("assistant.tar.gz"):
            a = "models/assistant.tar.gz"
        out.append(a.replace(str(ROOT) + "/", ""))
    prefix = "RASA_TELEMETRY_ENABLED=false " if out and "bot" in out[0] else ""
    return prefix + " ".join(out)


def step_argv(name: str, size: dict[str, list[str]], model: Path, out: Path) -> list:
    if name == "parse":
        return [BOT_PY, "bench/parse_bench.py", *size["parse"], "--model", model, "--json", out]
    if name == "accuracy":  # eval_nlu prints its JSON line on stdout
        return [
            BOT_PY,
            "bench/eval_nlu.py",
            "bench/real_questions.jsonl",
            "--split",
            "test",
            "--model",
            model,
            "--json",
        ]
    if name == "checklist":
        return [API_PY, "bench/checklist_bench.py", *size["checklist"], "--json", out]
    if name == "api":
        return [API_PY, "bench/api_bench.py", *size["api"], "--json", out]
    if name == "hotline":
        return [API_PY, "bench/hotline_bench.py", *size["hotline"], "--json", out]
    return [BOT_PY, "bench/turn_bench.py", *size["turns"], "--model", model, "--json", out]


def step_output(name: str, tmp: Path) -> Path:
    return tmp / ("accuracy.out" if name == "accuracy" else f"{name}.json")


def from_earlier_run(name: str, directory: Path, size: dict[str, list[str]], model: Path) -> dict | None:
    """A step's figures from an earlier run's log directory (``--merge``), marked with its time."""
    path = step_output(name, directory)
    try:
        if name == "accuracy":
            text = (directory / "accuracy.log").read_text(encoding="utf-8", errors="replace")
            data = json.loads([line for line in text.splitlines() if line.startswith("{")][-1])
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, IndexError, ValueError):
        return None
    when = dt.datetime.fromtimestamp(path.stat().st_mtime, ZoneInfo("Asia/Shanghai"))
    data["command"] = shown_command(step_argv(name, size, model, path))
    data["earlier_run"] = when.strftime("%Y-%m-%d %H:%M China time")
    return data


def run_all(args: argparse.Namespace, model: Path, tmp: Path) -> dict:
    size = sizes(args.quick)
    deadline = time.monotonic() + args.budget
    # what each later step is guaranteed (loading Rasa's model alone takes 1–3 minutes on a busy
    # machine): a step may use what is left minus the reserves of the steps after it, so a slow step
    # cannot eat their time, and time a fast step leaves over goes to the next ones
    # (turns: the rates, the guide-question ceiling and the families typing whole intakes)
    reserve = {"turns": 500, "parse": 150, "accuracy": 130, "api": 90, "checklist": 40, "hotline": 30}
    scale = args.budget / 1100
    steps = [name for name in STEPS if name in args.only]
    results: dict = {}
    if args.merge:  # the steps not run now, from an earlier run of this script (its log directory)
        for name in STEPS:
            if name not in args.only:
                earlier = from_earlier_run(name, Path(args.merge), size, model)
                if earlier is not None:
                    results[name] = earlier
    for i, name in enumerate(steps):
        left = deadline - time.monotonic()
        limit = left - sum(reserve[later] * scale for later in steps[i + 1 :])
        if limit < 20:
            results[name] = {"error": "the run's time budget was spent before this step"}
            continue
        out = step_output(name, tmp)
        if name == "accuracy":
            out.touch()
        results[name] = run_step(name, step_argv(name, size, model, out), out, limit, tmp)
    return {name: results[name] for name in STEPS if name in results}


# ------------------------------------------------------------------ charts
def charts(results: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    made: list[str] = []

    def save(fig, name: str) -> None:
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        made.append(name)

    turns = results.get("turns", {})
    if turns.get("rates"):
        rates = turns["rates"]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
        xs = [r["offered_per_second"] for r in rates]
        labels = [f"{x:g}/s" for x in xs]
        pos = range(len(xs))
        ax1.bar([p - 0.2 for p in pos], [r["median_p50_ms"] for r in rates], 0.4, label="p50")
        ax1.bar([p + 0.2 for p in pos], [r["median_p95_ms"] for r in rates], 0.4, label="p95")
        for p, r in zip(pos, rates, strict=True):
            ys = [x["p95_ms"] for x in r["rounds"] if x["p95_ms"] is not None]
            ax1.scatter([p + 0.2] * len(ys), ys, color="black", s=12, zorder=3)
        ax1.axhline(TURN_P95_TARGET_MS, color="red", ls="--", lw=1, label="target p95 300 ms at 10/s")
        if max(r["median_p95_ms"] or 0 for r in rates) > 3 * TURN_P95_TARGET_MS:
            ax1.set_yscale("log")  # a saturated rate would flatten the others
            ax1.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax1.set_xticks(list(pos), labels)
        ax1.set_xlabel("offered load (turns/s, open loop)")
        ax1.set_ylabel("turn latency (ms)")
        ax1.set_title("Turn latency (median of rounds; dots: each round's p95)")
        ax1.legend(fontsize=8)
        for r in rates:
            values = sorted(v for rd in r["rounds"] for v in rd["latencies_ms"])
            if values:
                ax2.plot(
                    values,
                    [(i + 1) / len(values) for i in range(len(values))],
                    label=f"{r['offered_per_second']:g}/s",
                )
        ax2.axvline(TURN_P95_TARGET_MS, color="red", ls="--", lw=1)
        ax2.axhline(0.95, color="grey", ls=":", lw=1)
        ax2.set_xscale("log")
        ax2.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax2.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax2.set_xlabel("turn latency (ms, log scale)")
        ax2.set_ylabel("share of turns")
        ax2.set_title("Latency distribution, all rounds")
        ax2.legend(fontsize=8)
        save(fig, "turn_latency.png")

    if turns.get("rates") or turns.get("ceiling"):
        fig, ax = plt.subplots(figsize=(8.5, 4))
        names, values, colors = [], [], []
        for r in turns.get("rates", []):
            names.append(f"offered {r['offered_per_second']:g}/s")
            values.append(r["median_completed_per_second"])
            colors.append("tab:blue")
        best = (turns.get("ceiling") or {}).get("clients")
        for c in turns.get("ceiling_levels") or ([turns["ceiling"]] if turns.get("ceiling") else []):
            names.append(f"{c['clients']} back\nto back")
            values.append(c["median_per_second"])
            colors.append("tab:green" if c["clients"] == best else "tab:olive")
        ax.bar(names, values, color=colors)
        for i, v in enumerate(values):
            ax.text(i, v, f"{v:.1f}", ha="center", va="bottom", fontsize=9)
        ax.axhline(
            CEILING_TARGET, color="red", ls="--", lw=1, label=f"target ceiling {CEILING_TARGET}/s (2 × 14)"
        )
        ax.axhline(TODAY_CEILING, color="orange", ls=":", lw=1, label="issue 7: 14/s")
        ax.set_ylabel("completed turns/s (one Rasa process)")
        ax.set_title("Throughput: open loop (blue), closed loop (green: the ceiling)")
        ax.set_ylim(0, max([*values, CEILING_TARGET]) * 1.25)
        ax.legend(fontsize=8, loc="upper left")
        save(fig, "throughput.png")

    parse = (results.get("parse") or {}).get("in_process")
    if parse:
        fig, ax = plt.subplots(figsize=(7.5, 3.8))
        ax.hist(parse["times_ms"], bins=60, color="tab:blue")
        ax.axvline(parse["median_p50_ms"], color="black", lw=1, label=f"p50 {parse['median_p50_ms']:.1f} ms")
        ax.axvline(
            parse["median_p95_ms"], color="tab:orange", lw=1.5, label=f"p95 {parse['median_p95_ms']:.1f} ms"
        )
        ax.axvline(PARSE_P95_TARGET_MS, color="red", ls="--", lw=1, label="target p95 50 ms")
        ax.set_xlabel("parse latency in-process (ms)")
        ax.set_ylabel("messages")
        ax.set_title("NLU parse latency (all rounds; lines: medians of the rounds)")
        ax.legend(fontsize=8)
        save(fig, "parse_latency.png")

    api, checklist = results.get("api", {}), results.get("checklist", {})
    subs = [
        (b, api[b])
        for b in ("sqlite", "postgresql")
        if isinstance(api.get(b), dict) and "submissions_1" in api[b]
    ]
    if subs or checklist.get("in_process"):
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        names, values = [], []
        for b, d in subs:
            for c in (1, 4):
                names.append(
                    f"{'SQLite' if b == 'sqlite' else 'PostgreSQL'}\n{c} client{'s' if c > 1 else ''}"
                )
                values.append(d[f"submissions_{c}"]["median_per_second"])
        ax1.bar(names, values, color=["tab:blue", "tab:blue", "tab:purple", "tab:purple"][: len(values)])
        for i, v in enumerate(values):
            ax1.text(i, v, f"{v:.0f}", ha="center", va="bottom", fontsize=9)
        ax1.set_ylabel("cases created per second")
        ax1.set_title("Case submissions (one API process)")
        names, values = [], []
        if checklist.get("in_process"):
            names += ["in-process", "over HTTP\n(1 connection)"]
            values += [checklist["in_process"]["median_per_second"], checklist["http"]["median_per_second"]]
        ax2.bar(names, values, color="tab:green")
        for i, v in enumerate(values):
            ax2.text(i, v, f"{v:.0f}", ha="center", va="bottom", fontsize=9)
        ax2.set_ylabel("checklists per second")
        ax2.set_title("Checklist engine")
        save(fig, "api_throughput.png")

    memory = memory_figures(results)
    if memory:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        ax.barh(list(memory), [m for m, _ in memory.values()], color="tab:gray")
        for i, (m, _) in enumerate(memory.values()):
            ax.text(m, i, f" {m:.0f} MB", va="center", fontsize=9)
        ax.set_xlabel("peak resident memory, VmHWM (MB)")
        ax.set_title("Peak memory per process")
        ax.set_xlim(0, max(m for m, _ in memory.values()) * 1.25)
        save(fig, "memory.png")

    acc = results.get("accuracy", {})
    if "top1" in acc:
        fig, ax = plt.subplots(figsize=(7.5, 3.8))
        metrics = [(label, key, target) for label, key, _count, _of, target in ACCURACY_TARGETS]
        pos = range(len(metrics))
        kw = acc.get("keyword_lookup", {})
        ax.bar([p - 0.2 for p in pos], [acc[k] * 100 for _, k, _ in metrics], 0.4, label="assistant (model)")
        if kw:
            ax.bar([p + 0.2 for p in pos], [kw[k] * 100 for _, k, _ in metrics], 0.4, label="keyword lookup")
        for p, (_, _, t) in zip(pos, metrics, strict=True):
            ax.plot([p - 0.4, p + 0.4], [t * 100] * 2, color="red", ls="--", lw=1)
        ax.set_xticks(list(pos), [m for m, _, _ in metrics])
        ax.set_ylim(0, 105)
        ax.set_ylabel("%")
        ax.set_title("Item recognition, held-out real questions (red: targets)")
        ax.legend(fontsize=8, loc="lower right")
        save(fig, "accuracy.png")
    return made


def memory_figures(results: dict) -> dict[str, tuple[float, str]]:
    """{process: (peak MB, where measured)}: Rasa and the action server under the turn load, the API the
    highest of its runs."""
    out: dict[str, tuple[float, str]] = {}
    turns = results.get("turns", {})
    peak = turns.get("peak_memory_mb") or {}
    if peak.get("rasa"):
        out["Rasa (rasa run)"] = (peak["rasa"], "after the turn benchmark")
    if peak.get("actions"):
        out["action server"] = (peak["actions"], "after the turn benchmark")
    api_runs = []
    if peak.get("api"):
        api_runs.append((peak["api"], "behind the action server, turn benchmark"))
    for b in ("sqlite", "postgresql"):
        d = results.get("api", {}).get(b) or {}
        if d.get("api_vm_hwm_mb"):
            api_runs.append(
                (d["api_vm_hwm_mb"], f"after submissions on {'SQLite' if b == 'sqlite' else 'PostgreSQL'}")
            )
    if api_runs:
        out["case API (uvicorn, 1 worker)"] = max(api_runs)
    return out


def cpu_per_turn(turns: dict) -> dict[str, float]:
    """CPU ms per turn of each service: the median over the open-loop rates."""
    names: dict[str, list[float]] = {}
    for r in turns.get("rates", []):
        for name, ms in (r.get("cpu_ms_per_turn") or {}).items():
            names.setdefault(name, []).append(ms)
    return {name: statistics.median(v) for name, v in names.items() if v}


# ------------------------------------------------------------------ the report
def fmt(value: float | None, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}{unit}"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**not met**")


def write_report(results: dict, info: dict, args: argparse.Namespace, out: Path, pngs: list[str]) -> str:
    turns, parse = results.get("turns", {}), (results.get("parse") or {}).get("in_process")
    api, checklist, acc = results.get("api", {}), results.get("checklist", {}), results.get("accuracy", {})
    by_rate = {r["offered_per_second"]: r for r in turns.get("rates", [])}
    ceiling = turns.get("ceiling")
    sqlite, pg = api.get("sqlite") or {}, api.get("postgresql") or {}
    lookup = sqlite.get("lookup")
    memory = memory_figures(results)
    cmd = {k: (v.get("command") if isinstance(v, dict) else None) for k, v in results.items()}
    quick = " **(--quick: tiny samples, not figures to quote)**" if args.quick else ""

    lines = [
        "# Benchmark report",
        "",
        f"Written by `make bench` (`bench/report.py`){quick}. Every figure is the **median of several rounds**; the",
        "rounds are in `results.json`. The services were started by the benchmarks themselves on free loopback",
        "ports and stopped afterwards. Compare figures as ratios between runs on the same machine rather than",
        "as absolutes: these machines are shared.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {info['cores']} cores, {info['cpu_model']} |",
        f"| memory | {info['memory_gb']} GB |",
        f"| date (China time) | {info['date_china']} |",
        f"| git commit | `{info['commit']}` ({info['commit_subject']}); {info['uncommitted_files']} files changed in the"
        " working tree by others at the time |",
        f"| kernel, Python | Linux {info['kernel']}; API Python 3.11 (`.venv/api`), Rasa 3.6 on Python 3.10 (`.venv/bot`) |",
        f"| load average (1/5/15 min) | {' / '.join(f'{x:.1f}' for x in info['load_start'])} at the start, "
        f"{' / '.join(f'{x:.1f}' for x in info['load_end'])} at the end |",
        f"| run time | {info['run_seconds'] / 60:.1f} min (budget {args.budget / 60:.0f} min) |",
        *(
            [
                f"| earlier run | {', '.join(sorted({r['earlier_run'] for r in merged}))}: the steps marked so |"
            ]
            if (merged := [r for r in results.values() if isinstance(r, dict) and r.get("earlier_run")])
            else []
        ),
        "",
    ]
    if args.note:
        lines += [f"**Note:** {args.note}", ""]
    busy = max(info["load_start"][0], info["load_end"][0]) > 0.8 * (info["cores"] or 1)
    if busy:
        lines += [
            "**The machine was busy:** the 1-minute load average reached"
            f" {max(info['load_start'][0], info['load_end'][0]):.1f} on {info['cores']} cores (each step's load"
            " is given with its command), so latencies are pessimistic and throughputs low; the CPU time per"
            " turn is the figure that carries over to a dedicated machine.",
            "",
        ]

    p95_10 = by_rate.get(10.0, {}).get("median_p95_ms")
    summary = [
        (
            "parse latency in-process, p50 / p95",
            f"{fmt(parse and parse['median_p50_ms'], ' ms', 1)} / {fmt(parse and parse['median_p95_ms'], ' ms', 1)}",
            "p95 ≤ 50 ms",
            verdict(None if not parse else parse["median_p95_ms"] <= PARSE_P95_TARGET_MS),
            "parse",
        )
    ]
    for rate in (1.0, 5.0, 10.0):
        r = by_rate.get(rate)
        summary.append(
            (
                f"turn latency at {rate:g} turn{'s' if rate > 1 else ''}/s (open loop), p50 / p95",
                "—"
                if not r
                else f"{fmt(r['median_p50_ms'], ' ms')} / {fmt(r['median_p95_ms'], ' ms')}"
                + (f" ({r['errors']} errors)" if r["errors"] else ""),
                "p95 ≤ 300 ms" if rate == 10.0 else "",
                verdict(None if rate != 10.0 or p95_10 is None else p95_10 <= TURN_P95_TARGET_MS),
                "turns",
            )
        )
    families = turns.get("families")
    summary.append(
        (
            "throughput ceiling, one Rasa process: families typing whole intakes until the case is filed"
            " (issue 7's measurement, the `make run` stack)",
            "—"
            if not families
            else f"{families['median_per_second']:.1f} turns/s (p95 {families['median_p95_ms']:.0f} ms with "
            f"{families['clients']} families back to back; {families['cases']} cases filed)",
            f"≥ {CEILING_TARGET} turns/s (2 × 14)",
            verdict(None if not families else families["median_per_second"] >= CEILING_TARGET),
            "turns",
        )
    )
    summary.append(
        (
            "throughput ceiling, one Rasa process: guide questions",
            "—"
            if not ceiling
            else f"{ceiling['median_per_second']:.1f} turns/s (p95 {ceiling['median_p95_ms']:.0f} ms with "
            f"{ceiling['clients']} conversations back to back)",
            "",
            "",
            "turns",
        )
    )
    cpu = cpu_per_turn(turns)
    if cpu.get("rasa"):
        chain = sum(cpu.values())
        summary.append(
            (
                "CPU per turn: Rasa / action server / API (→ turns/s one dedicated core gives Rasa)",
                f"{cpu['rasa']:.0f} / {cpu.get('actions', 0):.0f} / {cpu.get('api', 0):.0f} ms "
                f"(→ {1000 / cpu['rasa']:.0f} turns/s per Rasa core; the whole chain on 2 cores "
                f"{2000 / chain:.0f} turns/s)",
                "",
                "—",
                "turns",
            )
        )
    for label, d in (("SQLite", sqlite), ("PostgreSQL", pg)):
        if "submissions_1" in d:
            value = (
                f"{d['submissions_1']['median_per_second']:.0f}/s (1 client), "
                f"{d['submissions_4']['median_per_second']:.0f}/s (4 clients)"
            )
        else:
            value = f"not measured: {d.get('error', 'skipped')}"[:160]
        summary.append((f"case submissions on {label}, one API process", value, "", "—", "api"))
    if checklist.get("in_process"):
        summary.append(
            (
                "checklists per second",
                f"{checklist['in_process']['median_per_second']:.0f}/s in-process, "
                f"{checklist['http']['median_per_second']:.0f}/s over HTTP (1 connection)",
                "",
                "—",
                "checklist",
            )
        )
    summary.append(
        (
            "hotline lookup over HTTP, p50 / p95",
            "—" if not lookup else f"{lookup['median_p50_ms']:.1f} ms / {lookup['median_p95_ms']:.1f} ms",
            "p95 ≤ 50 ms",
            verdict(None if not lookup else lookup["median_p95_ms"] <= LOOKUP_P95_TARGET_MS),
            "api",
        )
    )
    hotline = results.get("hotline") or {}
    if "questions" in hotline:
        summary.append(
            (
                "hotline console lookup, catalog part, in-process p50 / p95 (real questions; typed pinyin)",
                f"{hotline['questions']['median_p50_ms']:.1f} / {hotline['questions']['median_p95_ms']:.1f} ms; "
                f"{hotline['pinyin']['median_p50_ms']:.1f} / {hotline['pinyin']['median_p95_ms']:.1f} ms",
                "p95 ≤ 50 ms",
                verdict(hotline["p95_ms"] <= LOOKUP_P95_TARGET_MS),
                "hotline",
            )
        )
    for name, (mb, where) in memory.items():
        summary.append(
            (
                f"peak memory: {name}",
                f"{mb:,.0f} MB ({where})",
                "",
                "—",
                "turns" if "API" not in name else "api",
            )
        )
    if "top1" in acc:
        kw = acc.get("keyword_lookup") or {}
        for label, key, _count, _of, target in ACCURACY_TARGETS:
            label += " (out of scope)" if key == "oos_rejection" else ""
            summary.append(
                (
                    f"{label}, held-out real questions — model vs keyword lookup",
                    f"{acc[key]:.1%} vs {kw.get(key, 0):.1%}" if kw else f"{acc[key]:.1%}",
                    f"≥ {target:.0%}",
                    verdict(acc[key] >= target),
                    "accuracy",
                )
            )
    lines += [
        "## Figures",
        "",
        "| what | figure | target | | step |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} | [{e}](#{e}) |" for a, b, c, d, e in summary]
    lines += [""]

    def section(name: str, title: str, body: list[str], png: str | None = None) -> None:
        nonlocal lines
        r = results.get(name)
        lines += [f'<a id="{name}"></a>', f"## {title}", ""]
        if r is None:
            lines += ["Not run (`--only`).", ""]
            return
        if r.get("error") and not (name == "api" and ("sqlite" in r or "postgresql" in r)):
            lines += [f"**Not measured:** {r['error']}", ""]
            return
        if r.get("earlier_run"):
            lines += [f"*From the earlier run of {r['earlier_run']} (`--merge`).*", ""]
        if r.get("partial"):
            lines += [
                f"**Partly measured:** the step {r['partial']}; below are the figures measured before.",
                "",
            ]
        if cmd.get(name):
            load = r.get("load")
            during = f"; load average {load[0]:.1f} before, {load[1]:.1f} after" if load else ""
            took = f"{r['seconds']:.0f} s" if r.get("seconds") else "time not recorded"
            lines += [f"Command: `{cmd[name]}` ({took}{during})", ""]
        lines += body
        if png and png in pngs:
            lines += ["", f"![{title}]({png})"]
        lines += [""]

    body = []
    if parse:
        body = [
            f"{parse['rounds'][0]['n']} messages per round (a fixed mix of greetings, fragments, questions, a long story,"
            " an ID number, a case number), model loaded in-process (`processor.parse_message`, the code behind"
            " `POST /model/parse`). Rounds (p50 / p95 ms): "
            + ", ".join(f"{x['p50_ms']:.1f} / {x['p95_ms']:.1f}" for x in parse["rounds"])
            + "."
        ]
    section("parse", "Parse latency", body, "parse_latency.png")

    body = []
    if turns.get("rates"):
        body += [
            "Each turn is a REST message to `rasa run` whose answer is an action that reads the service guide from the",
            "case API (Rasa → action server → API on SQLite, all three on this machine). Open loop: messages are sent",
            "on a fixed schedule whether or not earlier ones were answered, to a pool of conversations (one message",
            "per conversation about every 3 s, a new conversation after 3 questions); latency counts from the",
            "scheduled send time.",
            "",
            "| offered | completed | p50 | p95 | p95 of each round | all rounds pooled: p95 / max | errors |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in turns["rates"]:
            body.append(
                f"| {r['offered_per_second']:g}/s | {r['median_completed_per_second']:.1f}/s | {r['median_p50_ms']:.0f} ms"
                f" | {r['median_p95_ms']:.0f} ms | "
                + ", ".join(f"{x['p95_ms']:.0f}" for x in r["rounds"] if x["p95_ms"] is not None)
                + f" | {fmt(r['pooled']['p95_ms'], ' ms')} / {fmt(r['pooled']['max_ms'], ' ms')} | {r['errors']} |"
            )
    if cpu.get("rasa"):
        chain = sum(cpu.values())
        body += [
            "",
            "**CPU per turn** (user + system time each service spent, divided by the turns completed, median over"
            " the rates and rounds): "
            + ", ".join(f"{name} {ms:.0f} ms" for name, ms in cpu.items())
            + f". Unlike latency this hardly depends on what else runs on the machine: one core given to a Rasa"
            f" process alone serves about {1000 / cpu['rasa']:.0f} turns/s, and the whole chain (Rasa, action"
            f" server, API) on 2 dedicated cores about {2000 / chain:.0f} turns/s, before queueing makes the"
            " latency grow.",
        ]
    if ceiling:
        body += [
            "",
            "**Throughput ceiling:** C conversations each sending its next question as soon as the last was"
            " answered (closed loop), for several C; the ceiling is the best level's median.",
            "",
            "| conversations | turns/s (median) | rounds | p50 | p95 | errors |",
            "|---|---|---|---|---|---|",
        ]
        for c in turns.get("ceiling_levels") or [ceiling]:
            body.append(
                f"| {c['clients']} | {c['median_per_second']:.1f} | "
                + ", ".join(f"{x['completed_per_second']:.1f}" for x in c["rounds"])
                + f" | {c['median_p50_ms']:.0f} ms | {c['median_p95_ms']:.0f} ms | {c['errors']} |"
            )
        body += [
            "",
            f"Ceiling with guide questions: **{ceiling['median_per_second']:.1f} turns/s** with"
            f" {ceiling['clients']} conversations. The API and the action server run on the same 2 cores as"
            " Rasa, so this is the ceiling of the whole chain on one machine, not of Rasa alone.",
        ]
    if families:
        rounds = ", ".join(f"{x['completed_per_second']:.1f}" for x in families["rounds"])
        cpu_f = ", ".join(f"{name} {ms:.0f} ms" for name, ms in families["cpu_ms_per_turn"].items())
        body += [
            "",
            f"**Issue 7's measurement:** {families['clients']} families each typing the answers of a whole"
            " intake, answer by answer, until the case is filed, the next family starting at once"
            " (bench/load/common.py `Family`), on the stack of `make run` (one Rasa process, the action"
            " server, the case API on SQLite dispatching in process to the department simulator):"
            f" **{families['median_per_second']:.1f} turns/s** (rounds {rounds}), p50"
            f" {families['median_p50_ms']:.0f} ms, p95 {families['median_p95_ms']:.0f} ms,"
            f" {families['cases']} cases filed, {families['errors']} errors; CPU per turn {cpu_f}. Issue 7"
            f" measured 14 turns/s this way (p95 3.8 s); the target is {CEILING_TARGET}. The scale-out stack,"
            " with the PostgreSQL tracker, the Redis lock and the departments completing every task on the"
            " same 2 cores, is measured by `make load` (docs/deployment.md).",
        ]
    if "throughput.png" in pngs:
        body += ["", "![Throughput](throughput.png)"]
    section("turns", "Turn latency and throughput (one Rasa process)", body, "turn_latency.png")

    body = []
    for label, d in (("SQLite", sqlite), ("PostgreSQL", pg)):
        if "submissions_1" not in d:
            body.append(f"- {label}: **not measured**: {d.get('error', 'skipped')}")
            continue
        for c in (1, 4):
            s = d[f"submissions_{c}"]
            errs = sum(x["rate_limited"] + x["other"] for x in s["rounds"])
            body.append(
                f"- {label}, {c} client{'s' if c > 1 else ''}: {s['median_per_second']:.1f} cases/s (rounds "
                + ", ".join(f"{x['per_second']:.1f}" for x in s["rounds"])
                + f"; p95 {statistics.median(x['p95_ms'] or 0 for x in s['rounds']):.0f} ms; refused or failed: {errs})"
            )
    if lookup:
        body += [
            "",
            f"Hotline lookup (`GET /api/v1/lookup?q=...` with a hotline-staff token, one at a time, colloquial names and"
            f" pinyin initials): p50 {lookup['median_p50_ms']:.1f} ms, p95 {lookup['median_p95_ms']:.1f} ms (rounds: "
            + ", ".join(f"{x['p95_ms']:.1f}" for x in lookup["rounds"])
            + " ms p95).",
        ]
    body += [
        "",
        "Each submission is a valid, distinct case (new deceased, 3 items, encrypted particulars, tasks and outbox",
        "events written in the same transaction) sent by a window-staff token to one uvicorn process without the",
        "in-process deliverer, on a database migrated with `alembic upgrade head` (PostgreSQL: a temporary database",
        "at 127.0.0.1:5432, dropped afterwards).",
    ]
    section("api", "Case submissions and hotline lookup", body, "api_throughput.png")

    body = []
    if checklist.get("in_process"):
        body = [
            f"Random situations and item choices: {checklist['in_process']['median_per_second']:.0f}/s in-process (rounds "
            + ", ".join(f"{x:.0f}" for x in checklist["in_process"]["rounds"])
            + f"), {checklist['http']['median_per_second']:.0f}/s over HTTP with one connection (rounds "
            + ", ".join(f"{x:.0f}" for x in checklist["http"]["rounds"])
            + ")."
        ]
    section("checklist", "Checklists per second", body)

    body = []
    hotline = results.get("hotline") or {}
    if "questions" in hotline:
        train = hotline.get("train") or {}
        body = [
            "The catalog part of the hotline console's search (`api.catalog.service.lookup` with the console's",
            "threshold, in-process, one call at a time): every question of `bench/real_questions.jsonl` as typed",
            f"({hotline['questions']['n']} queries) — p50 {hotline['questions']['median_p50_ms']:.2f} ms, p95"
            f" {hotline['questions']['median_p95_ms']:.2f} ms — and every catalog name and phrasing typed as pinyin"
            f" initials and full pinyin ({hotline['pinyin']['n']} queries) — p50 {hotline['pinyin']['median_p50_ms']:.2f}"
            f" ms, p95 {hotline['pinyin']['median_p95_ms']:.2f} ms; medians over {hotline['rounds']} rounds. The"
            " assistant's NLU, which the console also asks (0.4 s timeout), is not in this figure (see parse).",
            "",
            f"Catalog lookup alone on the train part ({train.get('n')} questions naming an item): top-1"
            f" {fmt((train.get('top1') or 0) * 100, '%', 1)}, top-3 {fmt((train.get('top3') or 0) * 100, '%', 1)}.",
        ]
    section("hotline", "Hotline console lookup (catalog part)", body)

    body = []
    if "top1" in acc:
        kw = acc.get("keyword_lookup") or {}
        body = [
            f"The test part of `bench/real_questions.jsonl` ({acc['n']} questions: {acc['with_items']} naming items,"
            f" {acc['without_items']} naming none), never used for training or tuning; beside it a plain keyword"
            " lookup over every name and phrasing of the catalog (the baseline `bench/eval_nlu.py` computes).",
            "",
            "| | assistant | keyword lookup | target |",
            "|---|---|---|---|",
        ] + [
            f"| {label} | {acc[key]:.1%} ({acc[count]}/{acc[of]}) | "
            f"{fmt(kw.get(key, 0) * 100, '%', 1)} | ≥ {target:.0%} |"
            for label, key, count, of, target in ACCURACY_TARGETS
        ]
    section("accuracy", "Item accuracy beside the keyword lookup", body, "accuracy.png")

    lines += ['<a id="memory"></a>', "## Peak memory per process", ""]
    if memory:
        lines += [
            "VmHWM from `/proc/<pid>/status` (the peak resident set since the process started), read just before each",
            "service was stopped:",
            "",
        ]
        lines += [f"- {name}: {mb:,.0f} MB — {where}" for name, (mb, where) in memory.items()]
        if "memory.png" in pngs:
            lines += ["", "![Peak memory](memory.png)"]
    else:
        lines += ["Not measured."]
    lines += [
        "",
        "## Reproduce",
        "",
        "`make bench` (about 12 minutes; needs models/assistant.tar.gz from `make run` and PostgreSQL at",
        "127.0.0.1:5432 with trust authentication for the PostgreSQL figures). "
        "`.venv/api/bin/python bench/report.py --quick` checks the machinery in about 5 minutes;",
        "`--only turns,api` runs some steps. Each step's command above runs alone as well.",
        "",
    ]
    return "\n".join(lines)


def strip_raw(results: dict) -> dict:
    """results.json without the raw latencies (the charts have them)."""
    out = json.loads(json.dumps(results))
    for r in (out.get("turns") or {}).get("rates", []):
        for rd in r["rounds"]:
            rd.pop("latencies_ms", None)
    if (out.get("parse") or {}).get("in_process"):
        out["parse"]["in_process"].pop("times_ms", None)
    if out.get("accuracy"):
        out["accuracy"].pop("per_item_text", None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny samples: check the machinery")
    parser.add_argument("--budget", type=float, default=1100, help="seconds for the whole run (default 1100)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench"))
    parser.add_argument("--only", default=",".join(STEPS), help=f"steps to run (default: {','.join(STEPS)})")
    parser.add_argument("--note", help="a sentence for the report (e.g. what else ran on the machine)")
    parser.add_argument(
        "--merge",
        help="the log directory of an earlier run: the steps not in --only are taken from it (marked so)",
    )
    args = parser.parse_args()
    args.only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = args.only - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown steps {sorted(unknown)}; choose from {', '.join(STEPS)}")
    source = ROOT / "models" / "assistant.tar.gz"
    if args.only & {"parse", "accuracy", "turns"} and not source.exists():
        raise SystemExit("models/assistant.tar.gz is missing: `make run` trains it (or see docs/nlu.md)")
    for py in (API_PY, BOT_PY):
        if not py.exists():
            raise SystemExit(f"{py} is missing: run `make setup`")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    model = tmp / "assistant.tar.gz"
    if source.exists():
        shutil.copy2(source, model)  # the lead may retrain models/ during the run
    info = machine()
    t0 = time.monotonic()
    results = run_all(args, model, tmp)
    info["run_seconds"] = time.monotonic() - t0
    info["load_end"] = os.getloadavg()

    for old in out.glob("*.png"):
        old.unlink()
    pngs = charts(results, out)
    report = write_report(results, info, args, out, pngs)
    (out / "report.md").write_text(report, encoding="utf-8")
    (out / "results.json").write_text(
        json.dumps(
            {"machine": info, "quick": args.quick, **strip_raw(results)}, ensure_ascii=False, indent=1
        ),
        encoding="utf-8",
    )
    failed = [k for k, v in results.items() if isinstance(v, dict) and v.get("error")]
    print(
        f"\n[bench] wrote {out / 'report.md'} and {len(pngs)} charts in {info['run_seconds'] / 60:.1f} min; logs in {tmp}"
    )
    if failed:
        print(f"[bench] not measured: {', '.join(failed)} (see the report)")
    model.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
