"""`policysim compare` JSON contract and common random numbers (issue 3)."""

from __future__ import annotations

import json

import pytest

from policysim.cli import main

SCENARIO = """
name: tiny
sim: {days: 40, reps: 3, seed: 5}
demand: {daily_volume: 600}
teams: [{name: A, agents: 3}, {name: B, agents: 3}]
schemes:
  commission: {base_salary: 3000, commission: {rate: 0.01}}
  kpi: {base_salary: 3500, kpi: {metrics: {rating: {weight: 1, target: 4.6, floor: 3.6}}}}
  contest: {base_salary: 3500, contest: {metric: sales, prize_per_member: 2000}}
"""

REQUIRED = ["inquiries", "abandon_rate", "p_wait", "first_response_mean_s", "first_response_p90_s",
            "conversion_rate", "revenue", "rating_mean", "transfers", "mean_headcount", "quits",
            "annual_turnover_rate", "new_hire_90d_quit_rate", "regretted_quits", "pay_gini",
            "labour_cost", "hiring_cost", "profit", "pay_skill_corr", "pay_luck_corr"]


def compare(tmp_path, capsys, *flags):
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO)
    with pytest.raises(SystemExit) as exc:
        main(["compare", str(path), "--json", *flags])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    return json.loads(out)


def test_compare_json_contract(tmp_path, capsys):
    doc = compare(tmp_path, capsys, "--baseline", "kpi", "--workers", "1")
    assert set(doc) == {"scenario", "baseline", "days", "reps", "seed", "schemes", "differences",
                        "warnings"}
    assert doc["baseline"] == "kpi" and doc["days"] == 40 and doc["reps"] == 3 and doc["seed"] == 5
    assert set(doc["schemes"]) == {"commission", "kpi", "contest"}
    assert set(doc["differences"]) == {"commission", "contest"}
    for name in doc["schemes"]:
        metrics = doc["schemes"][name]["metrics"]
        for key in REQUIRED:
            assert set(metrics[key]) == {"mean", "ci_low", "ci_high"}, key
    for diff in doc["differences"].values():
        # common random numbers: every scheme faces exactly the same buyers
        assert diff["inquiries"] == {"mean": 0.0, "ci_low": 0.0, "ci_high": 0.0}
        assert set(diff) >= set(REQUIRED)


def test_compare_is_identical_with_one_or_two_workers(tmp_path, capsys):
    one = compare(tmp_path, capsys, "--workers", "1", "--schemes", "commission,contest")
    two = compare(tmp_path, capsys, "--workers", "2", "--schemes", "commission,contest")
    assert one == two
