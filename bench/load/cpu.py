"""CPU seconds per process of the scale-out stack during a load run, read from /proc.

The turn latency at 10 turns/s is set by how the 2 cores are shared, so the load script prints
where the CPU went: each process recorded under $SCALE_DIR/pids (with its children), PostgreSQL,
Redis and haproxy by command name, the load driver itself, and everything else on the machine
(another session's work shows up there, and makes a run's figures suspect).
"""

from __future__ import annotations

import os
import threading
import time
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
BY_COMMAND = {"postgres": "postgres", "redis-server": "redis", "haproxy": "haproxy"}


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, command, CPU seconds so far) of every process still there."""
    out: dict[int, tuple[int, str, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # ended while we read
        command = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # fields[1] is the parent pid; utime and stime are the 14th and 15th fields of stat
        out[int(entry.name)] = (int(fields[1]), command, (int(fields[11]) + int(fields[12])) / TICKS)
    return out


def _machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


@dataclass
class Snapshot:
    """CPU seconds so far of each process (pid → (group, seconds)) and of the whole machine."""

    processes: dict[int, tuple[str, float]]
    busy: float
    total: float


def snapshot(pid_dir: Path) -> Snapshot:
    """Each process with its group: the recorded process it descends from, a service, or "other"."""
    procs = _processes()
    roots = {}
    for path in pid_dir.glob("*"):
        try:
            roots[int(path.read_text().strip())] = path.name
        except (OSError, ValueError):
            continue
    roots[os.getpid()] = "load driver"
    grouped: dict[int, tuple[str, float]] = {}
    for pid, (_ppid, command, seconds) in procs.items():
        name, cur, seen = None, pid, 0
        while cur in procs and seen < 32:  # the nearest recorded ancestor names the group
            if cur in roots:
                name = roots[cur]
                break
            cur, seen = procs[cur][0], seen + 1
        grouped[pid] = (name or BY_COMMAND.get(command.split(":")[0].strip(), "other"), seconds)
    return Snapshot(grouped, *_machine_busy_seconds())


def used_between(a: Snapshot, b: Snapshot) -> dict[str, float]:
    """CPU seconds per group from a to b; a process that ended in between counts only up to a (its
    last CPU is in the machine's figure), one that started counts from zero."""
    used: dict[str, float] = {}
    for pid, (group, seconds) in b.processes.items():
        before = a.processes.get(pid)
        used[group] = used.get(group, 0.0) + seconds - (before[1] if before and before[0] == group else 0.0)
    used["(machine busy)"], used["(machine total)"] = b.busy - a.busy, b.total - a.total
    return used


class CpuSampler:
    """Snapshots every ``every`` seconds in a thread; ``between(a, b)`` gives the CPU used per group
    between the snapshots nearest to a and b seconds after ``start()`` (``used_between``)."""

    def __init__(self, pid_dir: Path, every: float = 5.0) -> None:
        self.pid_dir, self.every = pid_dir, every
        self.samples: list[tuple[float, Snapshot]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._stop.clear()
        self.samples = [(0.0, snapshot(self.pid_dir))]
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append((time.monotonic() - self._t0, snapshot(self.pid_dir)))

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def between(self, start: float, end: float) -> tuple[float, dict[str, float]]:
        """(seconds covered, CPU seconds per group) between the snapshots nearest to start and end."""
        times = [t for t, _ in self.samples]

        def nearest(t: float) -> int:
            i = min(bisect_left(times, t), len(times) - 1)
            return i - 1 if i > 0 and abs(times[i - 1] - t) < abs(times[i] - t) else i

        a, b = nearest(start), nearest(end)
        (ta, sa), (tb, sb) = self.samples[a], self.samples[b]
        return tb - ta, used_between(sa, sb)


def describe(seconds: float, used: dict[str, float], turns: int) -> str:
    """One line: each group's share of the cores and its CPU milliseconds per turn, largest first."""
    if seconds <= 0:
        return "no CPU samples"
    total, busy = used.get("(machine total)", 0.0), used.get("(machine busy)", 0.0)
    groups = {name: cpu for name, cpu in used.items() if not name.startswith("(machine")}
    parts = [
        f"{name} {100 * cpu / seconds:.0f}% ({1000 * cpu / max(turns, 1):.1f} ms/turn)"
        for name, cpu in sorted(groups.items(), key=lambda kv: -kv[1])
        if cpu / seconds >= 0.005
    ]
    cores = total / seconds
    # CPU of processes that ended within the window (a co-tenant's short commands) is in the
    # machine's figure only
    unaccounted = max(busy - sum(groups.values()), 0.0)
    return (
        f"CPU over {seconds:.0f} s ({turns} turns): machine {100 * busy / max(total, 1e-9):.0f}% of "
        f"{cores:.0f} cores busy ({100 * unaccounted / max(total, 1e-9):.0f} points by processes that "
        f"ended meanwhile); " + ", ".join(parts)
    )
