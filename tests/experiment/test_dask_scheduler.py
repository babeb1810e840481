"""A real ``dask scheduler`` and ``dask worker`` on 127.0.0.1, used through ``--scheduler``.

The test starts both as subprocesses (loopback only, no dashboard), runs the sweep command
against the scheduler's address and checks the rows equal an in-process sweep's. Both
processes are always stopped at the end. The test waits on events (the scheduler file holds
its address, a worker has joined), each bounded by a generous 120 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from policysim.experiment.plan import load_plan
from policysim.experiment.sweep import run_sweep
from policysim.results.query import tables

DASK = Path(sys.executable).parent / "dask"
WAIT_S = 120  # generous bounds: a loaded machine is slow, not broken


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=WAIT_S)


def _address(info: Path) -> str | None:
    """The scheduler's address once its file holds complete JSON, else None."""
    try:
        return json.loads(info.read_text())["address"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return None


@pytest.mark.skipif(not DASK.exists(), reason="the dask command is not installed (dask extra)")
def test_sweep_on_a_real_scheduler_and_worker(grid, tmp_path, cli, wait_until):
    from distributed import Client

    info = tmp_path / "scheduler.json"
    logs = [open(tmp_path / f"{n}.log", "w") for n in ("scheduler", "worker")]
    procs = []
    try:
        procs.append(subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file",
             str(info), "--no-dashboard"], cwd=tmp_path, stdout=logs[0], stderr=logs[0]))
        wait_until(lambda: _address(info) is not None, "scheduler address in the scheduler file",
                   procs[0])
        address = _address(info)
        assert address.startswith("tcp://127.0.0.1:")
        procs.append(subprocess.Popen(
            [str(DASK), "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
             "--no-nanny", "--no-dashboard", "--local-directory", str(tmp_path / "dask")],
            cwd=tmp_path, stdout=logs[1], stderr=logs[1]))
        with Client(address, timeout=f"{WAIT_S:.0f}s") as client:
            client.wait_for_workers(1, timeout=WAIT_S)

        out = tmp_path / "cluster"
        code, stdout, err = cli(["sweep", grid, "--out", out, "--scheduler", address])
        assert code == 0, err
        assert f"Dask scheduler {address}" in err and "12 finished now" in stdout
    finally:
        for proc in reversed(procs):
            _stop(proc)
        for log in logs:
            log.close()
    run_sweep(load_plan(grid), tmp_path / "local")
    got, want = tables(out), tables(tmp_path / "local")
    for t in ("runs", "daily", "agents"):
        pd.testing.assert_frame_equal(got[t], want[t], check_exact=True, obj=t)
    assert set(got["manifest"]["executor"]) == {"dask"}
    pids = set(got["manifest"]["pid"])
    assert len(pids) == 1 and os.getpid() not in pids  # all on the one worker process
