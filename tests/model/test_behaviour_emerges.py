"""Behaviour emerges from the pay function in whole simulated runs (issue 10).

test_behaviour.py checks the decision rule on synthetic histories; here the engine runs
(``run_job``: arrivals, routing, chats, payroll, the period-end choice) and the response the
spec predicts must show in what agents actually chose and achieved:

* under a flat salary every agent chooses the lowest sales and service effort;
* a higher commission rate raises realised sales per agent and mean sales effort;
* a KPI that weighs first-response time lowers the hang-up threshold (agents carry fewer
  chats at once).

Comparisons are paired by replication on common random numbers (same seed and replication,
so the same buyers) and must exceed 4 standard errors of the paired mean difference. Stores
are small and horizons short (60 days, two or three pay periods) to stay within ~15 s of
CPU per test. Where the logit noise (``behaviour.temperature``, 120 yuan by default) would
hide a small effect, the test lowers it and says so: the point is that the choice follows
the utility the pay function implies, which the noise only blurs.
"""

from __future__ import annotations

import numpy as np
import pytest

from policysim.config.schema import Scenario
from policysim.experiment.runner import Job, run_job

SEED = 11

COMMISSION = {"low": {"base_salary": 3000, "commission": {"rate": 0.002}},
              "high": {"base_salary": 3000, "commission": {"rate": 0.03}}}
KPI_LINES = {"served": {"weight": 50, "target": 5000, "floor": 1000},
             "conversion": {"weight": 50, "target": 0.6, "floor": 0.3}}
KPI = {"kpi": {"base_salary": 3500, "kpi": {"metrics": KPI_LINES}},
       "kpi_rt": {"base_salary": 3500, "kpi": {"metrics": {
           **KPI_LINES, "first_response_s": {"weight": 150, "target": 6, "floor": 30}}}}}


def store(schemes: dict, **sections) -> Scenario:
    """One team of six, 1200 inquiries a day, 30-day pay periods."""
    data = {"sim": {"days": 60, "period_days": 30}, "demand": {"daily_volume": 1200},
            "teams": [{"name": "A", "agents": 6}], "schemes": schemes, **sections}
    return Scenario.model_validate(data)


def paired(scn: Scenario, a: str, b: str, reps: int, metric) -> tuple[np.ndarray, float]:
    """Per-replication differences metric(b) - metric(a) and their standard error."""
    diffs = np.array([metric(run_job(Job(scn, r, SEED, scn.sim.days, b)))
                      - metric(run_job(Job(scn, r, SEED, scn.sim.days, a)))
                      for r in range(reps)])
    return diffs, diffs.std(ddof=1) / np.sqrt(reps)


def test_flat_salary_agents_choose_the_lowest_effort():
    """Effort costs the agent and a flat salary pays nothing for it: with the logit noise
    almost off (temperature 1 yuan, no inertia) every agent in every period chooses the
    lowest sales and service effort on the grid. The same store paid a 3% commission chooses
    positive sales effort, so the check is not met by a run that never moves effort."""
    efforts = [0, 0.5, 1]
    scn = store({"flat": {"base_salary": 5000}, "commission": {"base_salary": 3000,
                                                                "commission": {"rate": 0.03}}},
                sim={"days": 60, "period_days": 20}, demand={"daily_volume": 600},
                behaviour={"temperature": 1.0, "inertia": 0.0, "sales_efforts": efforts,
                           "service_efforts": efforts})
    flat = run_job(Job(scn, 0, SEED, 60, "flat")).agents
    assert len(flat) >= 3 * 6  # three periods of six agents (fewer if someone quit)
    assert (flat["sales_effort"] == min(efforts)).all()
    assert (flat["service_effort"] == min(efforts)).all()
    paid = run_job(Job(scn, 0, SEED, 60, "commission")).agents
    assert paid["sales_effort"].mean() >= 0.5


@pytest.mark.slow
def test_higher_commission_rate_raises_realised_sales_and_sales_effort():
    """0.2% against 3% commission, default behaviour: sales effort and realised sales per
    agent rise. Five paired replications; observed differences ~0.65 effort and ~150,000
    yuan of sales per agent over the 60 days, over ten standard errors each."""
    scn = store(COMMISSION)

    def sales_per_agent(out):
        return out.summary["revenue"] / out.summary["mean_headcount"]

    diffs, se = paired(scn, "low", "high", 5, sales_per_agent)
    assert diffs.mean() > 4 * se > 0, (diffs, se)
    diffs, se = paired(scn, "low", "high", 5, lambda out: out.summary["mean_sales_effort"])
    assert diffs.mean() > 4 * se > 0, (diffs, se)


@pytest.mark.slow
def test_response_time_weight_lowers_the_hang_up_threshold():
    """A volume-and-conversion KPI (50 + 50 points) with and without a first-response line
    (150 points): with the line, each extra open chat slows first responses and costs KPI
    points, so agents choose a lower threshold. Logit noise lowered to 10 yuan, no inertia:
    at the defaults the drop (~0.5 chats) is under 5 standard errors in six replications, and
    with a 50-point line (~0.15 chats) under 4 even at 10 yuan. Six paired replications;
    observed ~0.8 chats, over 15 standard errors."""
    scn = store(KPI, behaviour={"temperature": 10.0, "inertia": 0.0})
    diffs, se = paired(scn, "kpi_rt", "kpi", 6, lambda out: out.summary["mean_threshold"])
    # kpi minus kpi_rt: the threshold without the response-time line is higher
    assert diffs.mean() > 4 * se > 0, (diffs, se)
