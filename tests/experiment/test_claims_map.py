"""experiments/claims_map.yaml: the claims map loads, runs at a tiny size, and its claims
summary has a row per claim and per claim and lever (docs/claims.md is written from it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policysim.config.yamlio import read_yaml
from policysim.experiment.plan import load_plan
from policysim.experiment.sweep import analyze, run_sweep

EXPERIMENT = Path(__file__).resolve().parents[2] / "experiments" / "claims_map.yaml"
CLAIMS = ["C1", "C2", "C3", "C4", "C5"]


@pytest.mark.slow
def test_claims_map_runs_and_every_claim_has_a_row_per_lever(tmp_path):
    plan = load_plan(EXPERIMENT, days=2, reps=2)
    levers = list(read_yaml(EXPERIMENT)[0]["levers"])
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


@pytest.mark.slow
def test_claims_tables_fill_every_marked_section_of_docs_claims(tmp_path):
    """scripts/claims_tables.py writes a table into each marked section of docs/claims.md
    (and only those), from a tiny comparison and sweep (its --no-run path)."""
    import importlib.util
    import re
    import subprocess
    import sys

    root = EXPERIMENT.parents[1]
    spec = importlib.util.spec_from_file_location("claims_tables",
                                                  root / "scripts" / "claims_tables.py")
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    results = tmp_path / "claims"
    results.mkdir()
    out = subprocess.run([str(Path(sys.executable).with_name("policysim")), "compare",
                          "scenarios/baseline.yaml", "--days", "2", "--reps", "2", "--json",
                          "--out", str(results / "compare")], cwd=root, capture_output=True,
                         text=True, check=True, env=tables.os_env())
    (results / "compare.json").write_text(out.stdout)
    run_sweep(load_plan(EXPERIMENT, days=2, reps=2), results / "claims_map")
    doc = (root / "docs" / "claims.md").read_text()
    marked = re.findall(r"<!-- begin: (.+?) -->", doc)
    made = tables.sections(results, {})
    assert sorted(made) == sorted(marked)
    text = doc
    for name, body in made.items():
        text = tables.replace_section(text, name, body)
    assert "| C1 | commission pays for luck more than for skill |" in text
    assert "least_loaded" in text
    assert not any("not run yet" in body for body in made.values())  # every point ran
    # ... and finished: fewer defined pairs (a metric NaN in some run) is not "running"
    assert not any("running (" in body for body in made.values())
    # the prose outside the markers is untouched
    strip = re.compile(r"<!-- begin: (.+?) -->.*?<!-- end: \1 -->", re.S)
    assert strip.sub("", text) == strip.sub("", doc)
