"""Sorting at hiring (issue 13 item 4; policysim.model.sorting).

The mechanism: applicants accept with a logit probability in what the scheme's own pay
function would pay them, so a scheme paying for output draws abler hires and a flat salary
does not. The engine test pairs, replication by replication, a run without sorting and one with
strong sorting on the same seed and checks the mean change of ``new_hire_mean_skill`` against
its standard error across replications (4 SE: the change under commission exceeds it, the
change under a flat salary stays within it). The scenario is small and fast: 16 agents with a
high quit hazard (about 40 hires in 60 days), a commission whose pay straddles the outside
wage (so acceptance varies with ability) and a flat salary equal to that wage.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from policysim.config.pay import METRICS, SchemeSpec
from policysim.config.schema import Scenario
from policysim.model.engine import Engine
from policysim.model.schemes import Scheme
from policysim.model.sorting import Evidence, accept_probability, pick_applicant
from policysim.model.team import PaidTeam
from policysim.results.metrics import summarize

SCHEMES = {"commission": {"base_salary": 400, "commission": {"rate": 0.03}},
           "flat": {"base_salary": 1500}}  # per 10-day period: the flat pay is 4,500 a month


def store(strength: float | None) -> Scenario:
    hiring = {"delay_days": 0}
    if strength is not None:
        hiring["sorting_strength"] = strength
    return Scenario.model_validate({
        "name": "sorting-test", "sim": {"days": 60, "period_days": 10},
        "demand": {"daily_volume": 1200.0, "events": []},
        "teams": [{"name": "A", "agents": 8}, {"name": "B", "agents": 8}],
        "agents": {"ability_sigma": 0.4},
        "attrition": {"b0": 0.5, "outside_wage": 4500},
        "hiring": hiring, "schemes": SCHEMES})


def run(scn: Scenario, scheme: str, rep: int) -> dict:
    return summarize(Engine(scn, PaidTeam(scn, scheme), seed=7, rep=rep).run())


@pytest.mark.slow
@pytest.mark.parametrize("scheme, raises", [("commission", True), ("flat", False)])
def test_stronger_sorting_raises_hire_skill_only_where_pay_rewards_skill(scheme, raises):
    reps = 6
    change = np.array([run(store(30.0), scheme, r)["new_hire_mean_skill"]
                       - run(store(0.0), scheme, r)["new_hire_mean_skill"] for r in range(reps)])
    mean, se = change.mean(), change.std(ddof=1) / np.sqrt(reps)
    if raises:
        assert mean > 4 * se, (change, mean, se)
    else:
        assert abs(mean) < 4 * se, (change, mean, se)


def test_zero_strength_is_the_single_pool():
    """Stating ``sorting_strength: 0`` changes nothing (the default is the single pool), and
    the metric is there either way."""
    plain = run(store(None), "commission", 0)
    stated = run(store(0.0), "commission", 0)
    assert stated["new_hire_mean_skill"] > 0
    assert json.dumps(stated, sort_keys=True) == json.dumps(plain, sort_keys=True)


def evidence(n: int = 12) -> Evidence:
    rng = np.random.default_rng(3)
    skill = rng.uniform(0.5, 1.5, n)
    metrics = {k: np.full(n, 1.0) for k in METRICS}
    metrics["sales"] = 40000.0 * skill + rng.normal(0, 2000, n)
    metrics["served"] = 900.0 * skill
    return Evidence(metrics, skill, np.arange(n) % 2, np.ones(n), 2, 30)


def test_expected_pay_comes_from_the_pay_function():
    ev = evidence()
    flat = Scheme(SchemeSpec(base_salary=4000))
    commission = Scheme(SchemeSpec(base_salary=1000, commission={"rate": 0.05}))
    assert [ev.monthly_pay(flat, s, 0) for s in (0.6, 1.0, 1.4)] == [4000.0] * 3
    pays = [ev.monthly_pay(commission, s, 0) for s in (0.6, 1.0, 1.4)]
    assert pays[0] < pays[1] < pays[2]
    # the applicant's sales are the least-squares line at its ability (inside the seen range)
    slope, icpt = np.polyfit(ev.skill, ev.metrics["sales"], 1)
    assert pays[1] == pytest.approx(1000 + 0.05 * (icpt + slope * 1.0))


def test_a_renamed_copy_picks_the_same_applicant():
    ev = evidence()
    spec = SchemeSpec(base_salary=1000, commission={"rate": 0.05})
    picks = [pick_applicant(np.random.default_rng(5), ev, Scheme(spec), 1, 0.3, 2500, 5.0)
             for _ in range(2)]
    assert picks[0] == picks[1]


def test_acceptance_is_logit_in_pay_over_outside_wage():
    p = accept_probability(np.array([4000.0, 5000.0, 6000.0]), 5000.0, 2.0)
    assert p[1] == 0.5 and p[0] == pytest.approx(1 / (1 + np.exp(0.4)))
    assert np.all(accept_probability(np.array([1.0, 1e9]), 5000.0, 0.0) == 0.5)
