"""Faults under load on the scale-out stack: nothing acknowledged is lost, nothing happens twice.

    scripts/scaleout.sh start --fresh
    .venv/api/bin/python bench/load/faults.py [--rate 5] [--only kill-api kill-rasa ...]

Each scenario runs the open-loop load of bench/load/load.py (typed conversations ending in
submissions, through the one address) at ``--rate`` turns/s and, during it:

- ``kill-api``: ``kill -9`` of API process 1 at 20 s; started again at 45 s;
- ``kill-rasa``: ``kill -9`` of Rasa process 2 at 20 s; started again at once (it takes a minute or
  two to load its model; the load goes on meanwhile on Rasa process 1);
- ``pg-restart``: ``pg_ctlcluster --skip-systemctl-redirect <version> main restart`` at 20 s (the
  tracker store and the case database both restart under load);
- ``actions-down``: the action server stopped at 20 s for ``--actions-down`` seconds (default 60);
- ``webhook-down``: the department simulator stopped at 10 s for ``--webhook-down`` seconds
  (default 180), then started again with its acknowledgement log.

After each: the open conversations are finished (bounded), the outbox is drained (bounded), and
every case acknowledged to a family must be in PostgreSQL exactly once, no deceased filed twice,
every outbox event delivered and acknowledged by the department, each task released to its
department once (re-deliveries after a crash are answered "duplicate" and not processed again), and
every answered message in its conversation's tracker in PostgreSQL (a turn answered from an empty
tracker during a PostgreSQL restart and kept only in a Rasa process's memory is a failure).
Failed turns during a fault are counted and printed (a family sees an error or the "try again"
message), not a failure by themselves; a failed turn after the fault has healed is a failure, and
so is a conversation that cannot go on after the fault. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load.common import (  # noqa: E402
    OpenLoop,
    check_cases_once,
    check_deliveries_once,
    check_trackers_complete,
    db_now,
    load_state,
    percentile,
    pid_of,
    print_result,
    restart,
    wait_outbox_drained,
)

SCENARIOS = ("kill-api", "kill-rasa", "pg-restart", "actions-down", "webhook-down")


def kill(state: dict[str, str], name: str, sig: int) -> int:
    pid = pid_of(state, name)
    if pid is None:
        raise SystemExit(f"{name} is not running: scripts/scaleout.sh status")
    os.kill(pid, sig)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    return pid


def pg_restart() -> float:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    t0 = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - t0


class Scenario:
    def __init__(self, name: str, state: dict[str, str], args: argparse.Namespace) -> None:
        self.name, self.state, self.args = name, state, args
        self.log: list[str] = []
        self.healed_at: float | None = None  # seconds into the run when the fault was over
        self.done: set[str] = set()
        self.finished: set[str] = set()
        self.tasks: set[asyncio.Task] = set()

    def note(self, t: float, text: str) -> None:
        self.log.append(f"  t={t:5.1f} s  {text}")
        print(self.log[-1], flush=True)

    def fire(self, key: str, t: float, at: float, coro_fn, after: str | None = None) -> None:
        """Starts a step once, at ``at`` seconds (after step ``after`` is done), without blocking."""
        if key in self.done or t < at or (after is not None and after not in self.finished):
            return
        self.done.add(key)
        task = asyncio.create_task(coro_fn(t))
        self.tasks.add(task)
        task.add_done_callback(lambda _t, k=key: (self.finished.add(k), self.tasks.discard(_t)))

    def _kill(self, name: str, sig: int, text: str):
        async def run(t: float) -> None:
            pid = await asyncio.to_thread(kill, self.state, name, sig)
            self.note(t, f"{text} (pid {pid})")

        return run

    def _restart(self, name: str):
        async def run(t: float) -> None:
            self.note(t, f"starting {name} again")
            t0 = time.monotonic()
            secs = await asyncio.to_thread(restart, self.state, name)
            self.healed_at = t + (time.monotonic() - t0)
            self.note(self.healed_at, f"{name} answers again ({secs:.0f} s after the restart began)")

        return run

    async def _pg(self, t: float) -> None:
        t0 = time.monotonic()
        secs = await asyncio.to_thread(pg_restart)
        self.healed_at = t + (time.monotonic() - t0)
        self.note(t, f"PostgreSQL restarted ({secs:.1f} s)")

    async def tick(self, t: float) -> None:
        """Called at every scheduled turn: starts the scenario's steps as tasks (never blocks)."""
        a = self.args
        if self.name == "kill-api":
            self.fire("kill", t, 20, self._kill("api1", signal.SIGKILL, "kill -9 API process 1"))
            self.fire("up", t, 45, self._restart("api1"), after="kill")
        elif self.name == "kill-rasa":
            self.fire("kill", t, 20, self._kill("rasa2", signal.SIGKILL, "kill -9 Rasa process 2"))
            self.fire("up", t, 20, self._restart("rasa2"), after="kill")
        elif self.name == "pg-restart":
            self.fire("restart", t, 20, self._pg)
        elif self.name == "actions-down":
            self.fire("stop", t, 20, self._kill("actions", signal.SIGTERM, "action server stopped"))
            self.fire("up", t, 20 + a.actions_down, self._restart("actions"), after="stop")
        elif self.name == "webhook-down":
            self.fire(
                "stop", t, 10, self._kill("sim", signal.SIGTERM, "department webhook (simulator) stopped")
            )
            self.fire("up", t, 10 + a.webhook_down, self._restart("sim"), after="stop")

    def seconds(self) -> float:
        a = self.args
        return {
            "kill-api": 80.0,
            "kill-rasa": 600.0,  # at most: the run ends 40 s after Rasa 2 has its model again
            "pg-restart": 80.0,
            "actions-down": 20 + a.actions_down + 60,
            "webhook-down": 10 + a.webhook_down + 30,
        }[self.name]


def run_scenario(name: str, state: dict[str, str], args: argparse.Namespace) -> list[str]:
    print(f"\n== {name}: open loop {args.rate:g} turns/s")
    sc = Scenario(name, state, args)
    since = db_now(state)
    loop = OpenLoop(state["LB_URL"], args.rate, sc.seconds(), drain=args.drain, seed=None)

    def healed_a_while(t: float) -> bool:
        return name == "kill-rasa" and sc.healed_at is not None and t > max(sc.healed_at + 40, 80)

    stats = asyncio.run(loop.run(on_tick=sc.tick, stop_when=healed_a_while))
    problems: list[str] = []
    if sc.healed_at is None and name != "pg-restart":
        problems.append("the fault was never healed (the restart did not finish in time)")
    # haproxy's health check sees a process back after 2 checks 2 s apart
    healed = (sc.healed_at + 10) if sc.healed_at is not None else float("inf")
    during = [x for x in stats.timeline if not x[2] and x[0] < healed]
    after = [x for x in stats.timeline if not x[2] and x[0] >= healed]
    ok_ms = [lat * 1000 for (_t, lat, ok) in stats.timeline if ok]
    print(stats.summary(f"  {name}"))
    print(
        f"  failed turns while the fault lasted: {len(during)}; "
        f"after it healed (t >= {healed:.0f} s): {len(after)}; "
        f"p95 of answered turns {percentile(ok_ms, 0.95):.0f} ms"
    )
    if after:
        problems.append(f"{len(after)} turns failed after the fault had healed")
    if not stats.submitted:
        problems.append("no conversation reached a filed case")
    if name == "webhook-down":
        # the simulator is back: wait for the deliverer's backoff to bring the outbox down
        wait_outbox_drained(state, args.drain_outbox)
    else:
        wait_outbox_drained(state, 120)
    problems += check_cases_once(state, stats, since)
    dproblems, dsummary = check_deliveries_once(state)
    print(f"  dispatch: {dsummary}")
    problems += dproblems
    tproblems, tsummary = check_trackers_complete(state, stats)
    print(f"  {tsummary}")
    problems += tproblems
    if stats.unfinished:
        print(f"  {len(stats.unfinished)} conversations unfinished (did not reach a case in time)")
    return [f"{name}: {p}" for p in problems]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=5.0)
    ap.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    ap.add_argument("--actions-down", type=float, default=60.0)
    ap.add_argument("--webhook-down", type=float, default=180.0)
    ap.add_argument(
        "--drain", type=float, default=150.0, help="at most this long to finish open conversations"
    )
    ap.add_argument("--drain-outbox", type=float, default=240.0, help="at most this long for the outbox")
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    args.actions_down = min(args.actions_down, 600)
    args.webhook_down = min(args.webhook_down, 1200)
    state = load_state(args.dir)
    for name in ("api1", "api2", "apidept", "rasa1", "rasa2", "actions", "sim", "deliverer", "haproxy"):
        if pid_of(state, name) is None:
            print(f"{name} is not running: scripts/scaleout.sh start (or restart-one {name})")
            return 1
    httpx.get(state["LB_URL"] + "/healthz", timeout=10).raise_for_status()
    problems: list[str] = []
    for name in args.only:
        problems += run_scenario(name, state, args)
    print()
    return print_result(problems)


if __name__ == "__main__":
    sys.exit(main())
