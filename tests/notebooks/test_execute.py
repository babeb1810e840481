"""Every notebook runs through papermill at tiny sizes, writes its files and has no error."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

from policysim.report.params import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[2] / "notebooks"
RECORDS = ROOT.parent / "scenarios" / "records_example"

#: notebook -> (extra parameters, files it must write under out_dir)
CASES = {
    "scenario_report": (
        {},
        [
            "runs.parquet",
            "daily.parquet",
            "agents.parquet",
            "hourly.parquet",
            "scenario.yaml",
            "figures/workforce.png",
            "figures/by_hour.png",
            "figures/pay.png",
            "figures/transfers.png",
            "figures/skill.png",
        ],
    ),
    "compare_schemes": (
        {"schemes": "commission,kpi", "baseline": "kpi"},
        ["runs.parquet", "figures/differences.png"],
    ),
    "policy_switch": (
        {"days": 60, "switch_day": 20, "current": "commission", "proposed": "kpi"},
        [
            "runs.parquet",
            "daily.parquet",
            "figures/switch_levels.png",
            "figures/switch_differences.png",
        ],
    ),
    "sensitivity": (
        {"factors": "behaviour.temperature: 60,240", "schemes": "commission,kpi"},
        ["experiment.yaml", "store/experiment.yaml", "store/points.parquet",
         "figures/sensitivity.png"],
    ),
    "validation": (
        {"agents": 2, "loads": "0.7,1.2", "customers": 300},
        ["erlang.parquet", "figures/erlang.png"],
    ),
    "field_claims": ({}, ["runs.parquet", "agents.parquet", "figures/claims.png"]),
    # two studies, two 30-day replications per arm (the tiny scenario only names the folder)
    "field_evidence": ({"studies": "shearer2004,hno2003", "days": 30},
                       ["field.parquet", "figures/forest.png"]),
    # the shipped example records against the store calibrated from them, 10 days
    "calibration": (
        {"scenario": str(RECORDS / "store.yaml"), "days": 10,
         "chats": str(RECORDS / "chats.csv"), "roster": str(RECORDS / "roster.csv"),
         "payroll": str(RECORDS / "payroll.csv")},
        ["hourly_records.parquet", "hourly_model.parquet", "quits_model.parquet",
         "figures/volume.png", "figures/wait.png", "figures/abandonment.png",
         "figures/reply.png", "figures/quits.png"],
    ),
}


def test_every_notebook_is_executed_here():
    """The calibration notebook was left out of CASES and broke unseen (plots.show)."""
    assert set(CASES) == set(NOTEBOOKS)


def errors(nb) -> list[str]:
    return [
        f"cell {i}: {o.ename}: {o.evalue}"
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]


@pytest.mark.parametrize("name", list(CASES))
def test_notebook_runs_with_papermill(name, tiny, kernel, tmp_path):
    extra, files = CASES[name]
    out = tmp_path / "results"
    executed = tmp_path / f"{name}.ipynb"
    params = {"scenario": str(tiny), "reps": 2, "workers": 1, "out_dir": str(out), **extra}
    pm.execute_notebook(
        str(ROOT / f"{name}.ipynb"),
        str(executed),
        parameters=params,
        kernel_name=kernel,
        execution_timeout=120,
        progress_bar=False,
        cwd=str(tmp_path),
    )
    nb = nbformat.read(executed, as_version=4)
    assert not errors(nb)
    missing = [f for f in files if not (out / f).is_file()]
    assert not missing, f"{name} did not write {missing}"
    images = sum(
        "image/png" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    assert images >= 1
    if (out / "runs.parquet").exists():  # the tables of a comparison
        runs = pd.read_parquet(out / "runs.parquet")
        assert set(runs["rep"]) == {0, 1}


def test_ill_typed_parameter_fails_in_the_check_cell(tiny, kernel, tmp_path):
    executed = tmp_path / "bad.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as exc:
        pm.execute_notebook(
            str(ROOT / "scenario_report.ipynb"),
            str(executed),
            parameters={"scenario": str(tiny), "reps": "ten", "rep": 3},
            kernel_name=kernel,
            progress_bar=False,
            cwd=str(tmp_path),
        )
    assert exc.value.ename == "UserError"
    assert "unknown parameter(s) rep" in exc.value.evalue
    nb = nbformat.read(executed, as_version=4)
    failed = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and any(o.output_type == "error" for o in c.get("outputs", []))
    ]
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    # parameters cell, papermill's injected cell, then the check: the first cell that runs code
    assert failed == [code[2]]


def test_scenario_report_without_schemes_and_shorter_than_a_pay_period(kernel, tmp_path):
    """A store with no pay schemes (fixed actions) still gets service and sales figures."""
    scn = tmp_path / "plain.yaml"
    scn.write_text("name: plain\nsim: {days: 8, reps: 2, seed: 3}\ndemand: {daily_volume: 200}\n"
                   "teams: [{name: A, agents: 2}, {name: B, agents: 2}]\n")
    executed = tmp_path / "plain.ipynb"
    pm.execute_notebook(str(ROOT / "scenario_report.ipynb"), str(executed),
                        parameters={"scenario": str(scn), "workers": 1,
                                    "out_dir": str(tmp_path / "o")},
                        kernel_name=kernel, progress_bar=False, cwd=str(tmp_path))
    nb = nbformat.read(executed, as_version=4)
    assert not errors(nb)
    assert (tmp_path / "o" / "figures" / "by_hour.png").is_file()
