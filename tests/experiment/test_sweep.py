"""Sweeps into a results store: layout, identical rows on every executor, resume, failures."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from policysim.errors import UserError
from policysim.experiment import runner
from policysim.experiment.plan import load_plan
from policysim.experiment.executors import DaskExecutor, InProcess, LocalPool
from policysim.experiment.sweep import run_sweep
from policysim.results.query import query, tables
from policysim.results.runstore import RunStore

IDS = ["point", "scheme", "rep", "seed", "days"]


def test_store_layout_and_views(grid, tmp_path):
    plan = load_plan(grid)
    res = run_sweep(plan, tmp_path / "out")
    assert (res.total, res.completed, res.skipped, res.failed) == (12, 12, 0, {})
    root = tmp_path / "out"
    for t in ("runs", "daily", "agents", "manifest"):
        assert len(list((root / t).iterdir())) == 12, t
    assert {"experiment.yaml", "scenario.yaml", "points.parquet"} <= {p.name for p in
                                                                       root.iterdir()}
    t = tables(root)
    runs = t["runs"]
    assert list(runs.columns[:7]) == [*IDS, "teams.0.agents", "demand.daily_volume"]
    assert list(zip(runs.point, runs.rep)) == [(p, r) for p in range(6) for r in range(2)]
    assert runs["teams.0.agents"].tolist() == [3] * 6 + [4] * 6
    assert set(runs.seed) == {11} and set(runs.days) == {2} and set(runs.scheme) == {""}
    assert not {"seconds", "host", "pid"} & set(runs.columns)  # deterministic columns only
    assert len(t["daily"]) == 12 * 2
    # daily and runs agree run by run
    per_run = t["daily"].groupby(["point", "rep"])["inquiries"].sum().to_numpy()
    assert per_run.tolist() == runs["inquiries"].astype(int).tolist()
    m = t["manifest"].iloc[0]
    assert m["experiment"] == plan.hash and m["seconds"] > 0 and m["host"]
    assert m["code_version"].startswith("0.") and len(m["scenario_hash"]) == 16
    # SQL with a quoted dotted column
    q = query(root, 'SELECT "teams.0.agents" AS n, count(*) AS runs FROM runs GROUP BY 1 '
                    "ORDER BY 1")
    assert q.to_dict("list") == {"n": [3, 4], "runs": [6, 6]}


def test_identical_rows_for_one_worker_two_workers_and_dask(grid, tmp_path):
    from distributed import LocalCluster

    plan = load_plan(grid)
    run_sweep(plan, tmp_path / "one", InProcess())
    with LocalPool(2) as pool:
        run_sweep(plan, tmp_path / "two", pool)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, \
            DaskExecutor(cluster.scheduler_address) as dask:
        run_sweep(plan, tmp_path / "dask", dask)
    ref = tables(tmp_path / "one")
    for name in ("two", "dask"):
        other = tables(tmp_path / name)
        for t in ("runs", "daily", "agents"):
            pd.testing.assert_frame_equal(other[t], ref[t], check_exact=True, obj=f"{name}/{t}")
    assert set(tables(tmp_path / "dask")["manifest"]["executor"]) == {"dask"}


def test_rerun_skips_finished_runs_and_more_reps_adds_only_new_ones(grid, tmp_path):
    out = tmp_path / "out"
    run_sweep(load_plan(grid, reps=1), out)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    res = run_sweep(load_plan(grid, reps=2), out, resume=True)
    assert (res.skipped, res.completed) == (6, 6)
    after = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    assert {k: after[k] for k in before} == before and len(after) == 12
    pd.testing.assert_frame_equal(tables(out)["runs"], _fresh_runs(grid, tmp_path))


def _fresh_runs(grid, tmp_path):
    run_sweep(load_plan(grid), tmp_path / "fresh")
    return tables(tmp_path / "fresh")["runs"]


def test_a_store_of_another_experiment_is_refused(grid, tmp_path):
    out = tmp_path / "out"
    run_sweep(load_plan(grid, reps=1), out)
    with pytest.raises(UserError, match="another experiment .*differs in: days"):
        run_sweep(load_plan(grid, reps=1, days=1), out)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not a sweep's results store"):
        run_sweep(load_plan(grid), tmp_path / "junk")
    with pytest.raises(UserError, match="holds no sweep to resume"):
        run_sweep(load_plan(grid), tmp_path / "empty", resume=True)


def test_failed_runs_are_recorded_and_retried(grid, tmp_path, monkeypatch):
    real = runner.run_job

    def flaky(job):
        if job.point == 2:
            raise RuntimeError("simulated crash")
        return real(job)

    monkeypatch.setattr(runner, "run_job", flaky)
    out = tmp_path / "out"
    res = run_sweep(load_plan(grid), out)
    assert sorted(res.failed) == ["p00002-r0000", "p00002-r0001"]
    assert res.failed["p00002-r0000"] == "RuntimeError: simulated crash"
    record = json.loads((out / "failed" / "p00002-r0000.json").read_text())
    assert "simulated crash" in record["traceback"] and record["values"]["teams.0.agents"] == 3
    assert len(tables(out)["runs"]) == 10  # the sweep went on
    monkeypatch.setattr(runner, "run_job", real)
    res = run_sweep(load_plan(grid), out)
    assert (res.skipped, res.completed, res.failed) == (10, 2, {})
    assert RunStore(out).failures() == {}


def test_a_part_without_manifest_is_not_read_and_is_rewritten(grid, tmp_path):
    out = tmp_path / "out"
    run_sweep(load_plan(grid, reps=1), out)
    (out / "manifest" / "p00003-r0000.json").unlink()  # as if killed before the manifest
    (out / "runs" / ".p00004-r0000.parquet.x.tmp").write_bytes(b"partial")
    assert len(tables(out)["runs"]) == 5
    res = run_sweep(load_plan(grid, reps=1), out)
    assert (res.skipped, res.completed) == (5, 1)
    assert not list((out / "runs").glob(".*.tmp"))


def test_store_files_have_ordinary_permissions(grid, tmp_path):
    import os

    run_sweep(load_plan(grid, reps=1), tmp_path / "out")
    umask = os.umask(0o022)
    os.umask(umask)
    for path in [tmp_path / "out" / "experiment.yaml",
                 next((tmp_path / "out" / "runs").iterdir()),
                 next((tmp_path / "out" / "manifest").iterdir())]:
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


def test_json_rows_are_plain_json():
    import datetime as dt

    import numpy as np

    from policysim.results.query import json_rows

    df = pd.DataFrame({"a": [np.int64(1), np.int64(2)], "b": [np.nan, 0.5],
                       "c": [dt.date(2026, 1, 1), None], "d": ["x", None]})
    rows = json_rows(df)
    assert json.loads(json.dumps(rows)) == [
        {"a": 1, "b": None, "c": "2026-01-01", "d": "x"},
        {"a": 2, "b": 0.5, "c": None, "d": None}]


def test_sensitivity_summary_has_no_scientific_notation():
    """Morris mu_star of money outcomes runs to tens of thousands, CI half-widths of tiny
    Sobol samples to hundreds: the console summary writes them as plain numbers."""
    from policysim.experiment.sweep import Analysis

    table = pd.DataFrame([
        {"scheme": "commission", "outcome": "profit", "factor": "behaviour.effort_cost",
         "mu": 4.1e4, "mu_star": 47812.0, "mu_star_conf": 60123.0, "sigma": 1e4},
        {"scheme": "commission", "outcome": "abandon_rate", "factor": "behaviour.inertia",
         "mu": 0.0, "mu_star": 0.0177, "mu_star_conf": float("nan"), "sigma": 0.0},
    ])
    text = Analysis(table, None, []).render()
    assert "47,812 +- 60,123" in text and "0.018 +- n/a" in text
    assert "e+" not in text and "nan" not in text


def test_one_point_one_rep_sweep_speaks_in_the_singular(cli, put, tiny, tmp_path):
    exp = put("one.yaml", "scenario: tiny.yaml\nreps: 1\ndays: 1\n")
    code, stdout, err = cli(["sweep", exp, "--out", tmp_path / "o", "--workers", "1"])
    assert code == 0, err
    assert "1 design point (grid) x 1 scheme (none: fixed actions) x 1 replication = 1 run," \
        in err
    assert stdout.startswith("1 run: 1 finished now")
