"""The load script's CPU accounting (bench/load/cpu.py): per-process differences, grouped."""

from __future__ import annotations

import os
from pathlib import Path

from bench.load.cpu import Snapshot, describe, snapshot, used_between


def test_ended_and_started_processes_do_not_distort_a_group() -> None:
    a = Snapshot({1: ("rasa1", 10.0), 2: ("other", 500.0), 3: ("other", 1.0)}, busy=100.0, total=400.0)
    # pid 2 (a long-lived co-tenant) ended; pid 4 started; pid 3 was reused by another group's process
    b = Snapshot({1: ("rasa1", 12.5), 3: ("rasa2", 0.5), 4: ("other", 0.75)}, busy=104.0, total=408.0)
    used = used_between(a, b)
    assert used["rasa1"] == 2.5
    assert used["rasa2"] == 0.5
    assert used["other"] == 0.75  # not 0.75 - 500 - 1: an ended process counts only up to a
    assert used["(machine busy)"] == 4.0 and used["(machine total)"] == 8.0
    line = describe(4.0, used, turns=10)
    assert "rasa1 62% (250.0 ms/turn)" in line
    assert "machine 50% of 2 cores busy (3 points by processes that ended meanwhile)" in line


def test_a_snapshot_groups_a_recorded_process_and_its_children(tmp_path: Path) -> None:
    (tmp_path / "api1").write_text(str(os.getppid()))
    snap = snapshot(tmp_path)
    assert snap.processes[os.getppid()][0] == "api1"
    assert snap.processes[os.getpid()][0] in ("api1", "load driver")
    assert snap.total >= snap.busy > 0
