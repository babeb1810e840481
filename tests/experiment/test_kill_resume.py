"""A sweep killed with SIGKILL part-way and resumed equals an uninterrupted one, and no run
finished before the kill is computed again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

from policysim.experiment.plan import load_plan
from policysim.experiment.sweep import run_sweep
from policysim.results.query import tables

SCENARIO = """\
name: busy
sim: {days: 4, reps: 1, seed: 3, period_days: 2}
demand: {daily_volume: 2500}
teams: [{name: A, agents: 6}]
"""
EXPERIMENT = """\
scenario: busy.yaml
levers:
  teams.0.agents: [5, 6, 7]
reps: 8
seed: 21
"""
TOTAL = 24  # runs of ~0.1 s each


def _finished(out: Path) -> list[str]:
    folder = out / "manifest"
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def _stamp(out: Path, run: str) -> list[tuple[int, int]]:
    files = [out / t / f"{run}.parquet" for t in ("runs", "daily", "agents")]
    files.append(out / "manifest" / f"{run}.json")
    return [(f.stat().st_ino, f.stat().st_mtime_ns) for f in files]


def _start_sweep(tmp_path, stderr=subprocess.DEVNULL):
    """Start the test's sweep (2 workers) in its own process group; (experiment, store, proc)."""
    (tmp_path / "busy.yaml").write_text(SCENARIO)
    exp = tmp_path / "exp.yaml"
    exp.write_text(EXPERIMENT)
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "policysim.cli", "sweep", str(exp), "--out", str(out),
         "--workers", "2"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stderr,
        start_new_session=True)  # its own process group: the pool's workers die with it
    return exp, out, proc


def test_sigkill_then_resume_equals_an_uninterrupted_sweep(tmp_path, cli, wait_until):
    exp, out, proc = _start_sweep(tmp_path, subprocess.PIPE)
    try:
        # kill as soon as the first run is finished (its manifest is written last)
        wait_until(lambda: _finished(out), "finished run of the sweep", proc)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=120)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    finished = _finished(out)
    assert 1 <= len(finished) < TOTAL, f"{len(finished)} runs finished before the kill"
    before = {run: _stamp(out, run) for run in finished}

    code, stdout, err = cli(["sweep", exp, "--out", out, "--resume", "--workers", "1"])
    assert code == 0, err
    assert f"{TOTAL - len(finished)} finished now, {len(finished)} already finished" in stdout
    assert {run: _stamp(out, run) for run in finished} == before  # not recomputed
    assert not [p for p in out.rglob("*.tmp")]

    run_sweep(load_plan(exp), tmp_path / "whole")
    got, want = tables(out), tables(tmp_path / "whole")
    for t in ("runs", "daily", "agents"):
        pd.testing.assert_frame_equal(got[t], want[t], check_exact=True, obj=t)
    assert len(got["runs"]) == TOTAL


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_killing_only_the_driver_frees_the_store_and_its_workers_exit(tmp_path, cli,
                                                                      wait_until):
    """``kill -9 PID`` of the sweep alone (not its process group): the orphaned pool workers
    must neither keep the store's lock (a resume would be refused) nor linger."""
    exp, out, proc = _start_sweep(tmp_path)
    try:
        wait_until(lambda: _finished(out), "finished run of the sweep", proc)
        os.kill(proc.pid, signal.SIGKILL)  # the driver only: its workers are orphaned
        proc.wait(timeout=120)

        code, stdout, err = cli(["sweep", exp, "--out", out, "--resume", "--workers", "1"])
        assert code == 0, err
        assert f"{TOTAL} runs:" in stdout
        wait_until(lambda: not _group_alive(proc.pid), "exit of the orphaned workers")
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    assert len(tables(out)["runs"]) == TOTAL


def test_one_process_cannot_take_a_stores_lock_twice(tmp_path):
    from policysim.errors import UserError
    from policysim.results.runstore import RunStore

    store = RunStore(tmp_path / "store")
    with store.lock():
        try:
            with store.lock():
                raise AssertionError("the second lock was granted")
        except UserError as err:
            assert "another sweep is writing to this store" in err.message
    with store.lock():  # released on exit
        pass
