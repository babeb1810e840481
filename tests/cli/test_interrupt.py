"""Ctrl-C during `run --out` stops cleanly and keeps every finished replication (issue 7).

Ctrl-C is sent once two replications are on disk (an event waited on, bounded by 120 s), not
after a fixed sleep."""

from __future__ import annotations

import signal
import subprocess
import sys

import pandas as pd

SCENARIO = """
name: slow
sim: {days: 15, reps: 200}
demand: {daily_volume: 1500}
teams: [{name: A, agents: 6}]
shifts: [{name: day, start: "08:00", end: "24:00"}]
"""


def test_ctrl_c_keeps_finished_replications(tmp_path, wait_until):
    path = tmp_path / "slow.yaml"
    path.write_text(SCENARIO)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from policysim.cli import main; main()", "run", str(path),
         "--workers", "1", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parts = out / "parts"
    wait_until(lambda: len(list(parts.glob("*.runs.parquet"))) >= 2,
               "second finished replication on disk", proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
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
