"""The example experiments in experiments/ are valid as they stand, and the lever sweep runs.

Loading a plan builds and validates the scenario of every design point, so this checks every
key the examples vary against the current scenario schema and scenarios/baseline.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policysim.experiment.plan import load_plan

ROOT = Path(__file__).resolve().parents[2]
#: Sweep experiments; behaviour_fit.yaml is a fit of the field studies, not a sweep, and is
#: checked by tests/validation/test_field.py.
EXAMPLES = sorted(p for p in (ROOT / "experiments").glob("*.yaml") if p.name != "behaviour_fit.yaml")


def test_there_are_examples():
    assert {p.name for p in EXAMPLES} >= {"lever_sweep.yaml", "behaviour_sensitivity.yaml"}


#: Examples about one scheme only (the others compare all three).
ONE_SCHEME = {"double11_temps": {"commission"}}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_is_valid(path):
    plan = load_plan(path)
    expected = ONE_SCHEME.get(path.stem, {"commission", "kpi", "group_contest"})
    assert plan.runs and set(plan.schemes) == expected


def test_lever_sweep_example_runs_a_quick_look(cli, tmp_path):
    out = tmp_path / "quick"
    code, stdout, err = cli(["sweep", ROOT / "experiments" / "lever_sweep.yaml", "--days", "1",
                             "--reps", "1", "--out", out, "--workers", "1"])
    assert code == 0, err
    assert "36 runs: 36 finished now" in stdout and "claims:" in stdout
    code, stdout, _ = cli(["query", out, 'SELECT count(DISTINCT team_size) AS sizes, '
                                         'count(DISTINCT "schemes.commission.commission.rate") '
                                         'AS rates FROM runs', "--json"])
    assert stdout.split() == ["[", "{", '"sizes":', "3,", '"rates":', "4", "}", "]"]
