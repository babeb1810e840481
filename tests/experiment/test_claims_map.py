"""experiments/claims_map.yaml: the claims map loads, runs at a tiny size, and its claims
summary has a row per claim and per claim and lever (docs/claims.md is written from it)."""

from __future__ import annotations

from pathlib import Path

import yaml

from policysim.experiment.plan import load_plan
from policysim.experiment.sweep import analyze, run_sweep

EXPERIMENT = Path(__file__).resolve().parents[2] / "experiments" / "claims_map.yaml"
CLAIMS = ["C1", "C2", "C3", "C4", "C5"]


def test_claims_map_runs_and_every_claim_has_a_row_per_lever(tmp_path):
    plan = load_plan(EXPERIMENT, days=2, reps=2)
    levers = list(yaml.safe_load(EXPERIMENT.read_text())["levers"])
    assert plan.design.name == "oat" and plan.design.keys == levers
    base = plan.scenario(0)  # the base point is the committed baseline store
    assert (base.service.routing.mode, base.service.routing.returning_share,
            base.sim.period_days, base.n_agents) == ("sticky", 0.3, 30, 30)
    assert [t.bonus_base for t in base.schemes["kpi"].kpi.tiers] == [3000, 2000, 1000]
    res = run_sweep(plan, tmp_path / "out")
    assert res.failed == {} and res.completed == len(plan.runs) == len(plan.design) * 3 * 2
    claims = analyze(tmp_path / "out").claims
    assert claims.summary["claim"].tolist() == CLAIMS
    assert set(claims.by_test["claim"]) == set(CLAIMS) and len(claims.by_test) == 8
    by = claims.by_factor
    for claim in CLAIMS:
        assert by[by["claim"] == claim]["factor"].drop_duplicates().tolist() == levers
    # one lever at a time: each value of a lever is one point (the base point for the first)
    modes = by[(by["claim"] == "C2") & (by["factor"] == "service.routing.mode")]
    assert modes["value"].tolist() == ["sticky", "least_loaded", "most_available", "weighted",
                                       "round_robin"]
    assert set(by["points"]) == {1}
    # a 2-day run cannot measure 90-day quits of hires: "no data", never "unclear"
    c3 = claims.summary.set_index("claim").loc["C3"]
    assert (c3["no data"], c3["unclear"]) == (len(plan.design), 0)
    text = analyze(tmp_path / "out").render()
    assert "C3: holds at 0 of 12 points, flips at 0, unclear at 0, no data at 12" in text
