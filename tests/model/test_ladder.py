"""The career ladder (issue 13 item 3; policysim.model.ladder).

Exact checks of the review rules on hand-made agents (up when meeting the next level's tenure
and score, down when below its own, passed over when it has the tenure but not the score, one
step per review), of the level's pay coefficient (only variable pay is scaled, read off the
pay function) and, through the engine, of what a level changes: records carry the level, a
passed-over record is marked ``denied`` (the quit hazard reads it), ``level_mix`` sums to 1,
and a higher routing weight for seniors sends them a larger share of the chats (paired on
common random numbers, 4 standard errors of the mean change across replications).
"""

from __future__ import annotations

import numpy as np
import pytest

from policysim.config.ladder import Ladder
from policysim.config.pay import METRICS, SchemeSpec
from policysim.config.schema import Scenario
from policysim.model.agents import Agent
from policysim.model.engine import Engine
from policysim.model.ladder import CareerLadder, LevelPay, period_scores
from policysim.model.schemes import PayContext, Scheme
from policysim.model.team import PaidTeam
from policysim.results.metrics import summarize

LEVELS = [
    {"name": "trainee", "min_tenure_months": 0, "min_score": 0, "pay_coefficient": 0.8,
     "cap": 3, "routing_weight": 1},
    {"name": "junior", "min_tenure_months": 2, "min_score": 30, "pay_coefficient": 1.0,
     "cap": 4, "routing_weight": 1},
    {"name": "senior", "min_tenure_months": 6, "min_score": 60, "pay_coefficient": 1.3,
     "cap": 5, "routing_weight": 1},
]


def agent(level: int, tenure_days: float) -> Agent:
    a = Agent(0, 0, 0, 0, tenure_days, 0.5, 1.0, 0.0)
    a.level = level
    return a


@pytest.mark.parametrize("level, tenure_months, score, expect", [
    (0, 3, 50, (True, False, 1)),    # junior's tenure and score: up
    (0, 1, 90, (False, False, 0)),   # score but not the tenure: stays, not passed over
    (0, 3, 20, (False, True, 0)),    # tenure but not the score: passed over
    (1, 7, 95, (True, False, 2)),    # one step per review
    (1, 3, 10, (False, False, 0)),   # below its own level's score: down
    (2, 30, 59, (False, False, 1)),  # top level below its own score: down
    (2, 30, 70, (False, False, 2)),
])
def test_review_rules(level, tenure_months, score, expect):
    ladder = CareerLadder(Ladder(review_months=6, levels=LEVELS), 30)
    a = agent(level, tenure_months * 30.0 - 1)  # tenure at the review (day 0 ends) in months
    assert ladder.review(a, score, 0) == expect


def test_reviews_fall_every_review_months():
    ladder = CareerLadder(Ladder(review_months=2, levels=LEVELS), 30)
    assert [d for d in range(29, 400, 30) if ladder.is_review(d)] == [59, 119, 179, 239, 299, 359]


def test_level_scales_only_variable_pay():
    spec = SchemeSpec(base_salary=3000, commission={"rate": 0.01})
    m = {k: np.full(2, 1.0) for k in METRICS}
    m["sales"] = np.array([100000.0, 100000.0])
    pay = LevelPay(Scheme(spec), [0.5, 2.0]).pay(m, PayContext(np.zeros(2, int), 1))
    assert pay.tolist() == [3000 + 0.5 * 1000, 3000 + 2.0 * 1000]


def test_score_is_the_kpi_score_else_a_percentile_rank():
    ladder = Ladder(levels=LEVELS, score_metric="first_response_s")
    m = {k: np.array([1.0, 2.0, 3.0]) for k in METRICS}
    kpi = Scheme(SchemeSpec(kpi={"metrics": {"served": {"weight": 1, "target": 3}}}))
    assert period_scores(ladder, kpi, m) == pytest.approx([100 / 3, 200 / 3, 100])
    flat = Scheme(SchemeSpec(base_salary=5000))
    assert period_scores(ladder, flat, m).tolist() == [100.0, 50.0, 0.0]  # lower is better


def store(senior_weight: float = 1.0) -> Scenario:
    """12 agents with tenures up to 24 months, reviewed monthly; seniors need a year and the
    upper half of sales, so some juniors are promoted as they pass a year."""
    levels = [dict(lv) for lv in LEVELS]
    levels[1].update(min_tenure_months=1, min_score=20)
    levels[2].update(min_tenure_months=12, min_score=50, routing_weight=senior_weight)
    return Scenario.model_validate({
        "name": "ladder-test", "sim": {"days": 90, "period_days": 30},
        "demand": {"daily_volume": 1500.0, "events": []},
        "teams": [{"name": "A", "agents": 6}, {"name": "B", "agents": 6}],
        "ladder": {"review_months": 1, "levels": levels},
        "schemes": {"commission": {"base_salary": 3000, "commission": {"rate": 0.01}}}})


def run(scn: Scenario, rep: int = 0):
    result = Engine(scn, PaidTeam(scn, "commission"), seed=3, rep=rep).run()
    return result, summarize(result)


def test_records_levels_and_metrics():
    result, m = run(store())
    recs = result.agents
    assert {r["level"] for r in recs} <= {"trainee", "junior", "senior"}
    assert all(r["denied"] for r in recs if r["passed_over"])
    assert m["promotions"] == sum(r["promoted"] for r in recs) > 0
    mix = [m[f"level_mix_{lv['name']}"] for lv in LEVELS]
    assert sum(mix) == pytest.approx(1.0)


def senior_load(result) -> float:
    """Routed chats per senior agent-period over routed chats per other agent-period, in
    periods 1-2 worked in full by agents whose level was known all period (levels are
    reviewed monthly: a record's level is the one after its review, so the previous
    period's record gives the level held)."""
    held = {(r["agent"], r["period"] + 1): r["level"] for r in result.agents}
    rows = [r for r in result.agents
            if r["period"] >= 1 and r["present"] >= 1 and (r["agent"], r["period"]) in held]
    senior = [r["routed"] for r in rows if held[(r["agent"], r["period"])] == "senior"]
    other = [r["routed"] for r in rows if held[(r["agent"], r["period"])] != "senior"]
    return float(np.mean(senior) / np.mean(other))


@pytest.mark.slow
def test_senior_routing_weight_sends_seniors_more_chats():
    reps = 6
    change = np.array([senior_load(run(store(3.0), r)[0]) - senior_load(run(store(1.0), r)[0])
                       for r in range(reps)])
    assert change.mean() > 4 * change.std(ddof=1) / np.sqrt(reps), change
