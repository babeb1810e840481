"""Ctrl-C (or SIGTERM) during `run --out` stops cleanly and keeps every finished replication
(issue 7); SIGTERM to `report` shuts its Jupyter kernel down.

The signal is sent once two replications are on disk (or the kernel is running): an event
waited on, bounded by 120 s, not after a fixed sleep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SCENARIO = """
name: slow
sim: {days: 15, reps: 200}
demand: {daily_volume: 1500}
teams: [{name: A, agents: 6}]
shifts: [{name: day, start: "08:00", end: "24:00"}]
"""


def _start_run(tmp_path, wait_until, *args: str):
    """``policysim run`` of the slow scenario with ``--out`` (and ``args``), waited on until
    two replications are on disk: (process, output folder)."""
    path = tmp_path / "slow.yaml"
    path.write_text(SCENARIO)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from policysim.cli import main; main()", "run", str(path),
         "--out", str(out), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: len(list((out / "parts").glob("*.runs.parquet"))) >= 2,
               "second finished replication on disk", proc)
    return proc, out


@pytest.mark.parametrize("sig,code,word", [(signal.SIGINT, 130, "interrupted"),
                                           (signal.SIGTERM, 143, "terminated")])
def test_ctrl_c_keeps_finished_replications(sig, code, word, tmp_path, wait_until):
    proc, out = _start_run(tmp_path, wait_until, "--workers", "1")
    parts = out / "parts"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert word in err and "Traceback" not in err
    finished = sorted(parts.glob("*.runs.parquet"))
    assert 2 <= len(finished) < 200
    for runs in finished:  # every part on disk is complete and readable
        stem = runs.name.removesuffix(".runs.parquet")
        assert len(pd.read_parquet(runs)) == 1
        for table in ("daily", "agents", "hourly"):
            assert not pd.read_parquet(parts / f"{stem}.{table}.parquet").empty
    assert not list(parts.glob(".*.tmp"))  # no half-written file left under a final name
    assert (out / "scenario.yaml").exists()
    assert not (out / "runs.parquet").exists()  # combined tables only after a full run


def _kernels(parent: int) -> list[int]:
    """Process ids of the Jupyter kernels whose parent is ``parent`` (from /proc)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"ipykernel" in cmd:
            found.append(int(d.name))
    return found


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"  # dead, waiting for init to reap it


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigterm_to_report_shuts_its_kernel_down(tmp_path, wait_until):
    """It used to leave the kernel running (and computing) after the report had exited."""
    path = tmp_path / "slow.yaml"
    path.write_text(SCENARIO)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from policysim.cli import main; main()", "report", str(path),
         "-p", "reps", "200", "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    kernels: list[int] = []
    wait_until(lambda: kernels.extend(_kernels(proc.pid)) or kernels, "a running kernel", proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    try:
        assert proc.returncode == 143, err
        assert "terminated" in err and "Traceback" not in err
        wait_until(lambda: all(_gone(k) for k in kernels), "kernel shut down")
    finally:
        for k in kernels:
            if not _gone(k):
                os.kill(k, signal.SIGKILL)


def test_sigterm_with_worker_processes_stops_at_once(tmp_path, wait_until):
    """With a pool of workers, a stopped `run` used to go on until every queued replication
    had run (the pool's context manager waited for them all) before exiting. Here the queue
    holds 2,000 replications (about 5 minutes on 2 cores), so the old behaviour cannot exit
    within the module's 120 s bound; and the pool's workers are gone as soon as the command
    has exited."""
    proc, out = _start_run(tmp_path, wait_until, "--workers", "2", "--reps", "2000")
    workers = [int(c) for c in
               Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
    assert workers  # the pool's processes
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err
    assert len(list((out / "parts").glob("*.runs.parquet"))) < 2000
    assert all(_gone(w) for w in workers)
