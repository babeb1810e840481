"""Pay at a period's end (``policysim.model.payroll.pay_period``), in particular a last period
the run's horizon cuts short: paid its share of the month its pace would have made, so that a
KPI bonus or a contest prize is not paid in full for a few days while a commission is paid on
exactly the sales made. Values are worked by hand from the baseline's schemes."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from policysim.config.pay import METRICS
from policysim.config.schema import Scenario
from policysim.config.validate import load_model
from policysim.model.payroll import pay_period
from policysim.model.schemes import Scheme


@pytest.fixture(scope="module")
def scn():
    return load_model(Scenario, "scenarios/baseline.yaml")


def floor(n=2, sales=(30_000.0, 10_000.0), present=(1.0, 1.0)):
    """Two agents of team 0 (or ``n``) with good service: KPI score 100 on every line."""
    m = {k: np.zeros(n) for k in METRICS}
    m.update(served=np.full(n, 600.0), sales=np.array(sales[:n]), rating=np.full(n, 4.9),
             reply_rate=np.full(n, 0.99), conversion=np.full(n, 0.6), quality=np.full(n, 0.9),
             first_response_platform_s=np.full(n, 10.0), first_response_s=np.full(n, 10.0))
    records = [{"present": p} for p in present[:n]]
    members = [SimpleNamespace(team=0, last_pay=0.0) for _ in range(n)]
    return m, records, members


def test_a_full_period_pays_the_formula_with_the_base_prorated(scn):
    m, records, members = floor(present=(1.0, 0.5))
    pay = pay_period(scn, Scheme(scn.schemes["kpi"]), records, members, m, 3)
    # 3500 base + 3000 tier bonus x score 100 / 100; the hire present half the period loses
    # half its base salary only
    assert pay == pytest.approx([6500.0, 6500.0 - 1750.0])
    assert [r["pay"] for r in records] == pytest.approx(pay)


def test_a_cut_short_period_pays_its_share_of_a_kpi_bonus(scn):
    """6 of 30 days: a fifth of the month's base and bonus (the rates are those of a full
    month), not the whole bonus for 6 days; a hire present 3 of the 6 days gets half that base."""
    m, records, members = floor(present=(6 / 30, 3 / 30))
    pay = pay_period(scn, Scheme(scn.schemes["kpi"]), records, members, m, 3, length=6 / 30)
    assert pay == pytest.approx([6500.0 / 5, (3500.0 / 2 + 3000.0) / 5])


def test_a_cut_short_period_pays_commission_on_the_sales_made(scn):
    """Commission is linear in sales: the same as the formula applied to the period itself."""
    m, records, members = floor(present=(6 / 30, 3 / 30))
    rate = scn.schemes["commission"].commission.rate
    pay = pay_period(scn, Scheme(scn.schemes["commission"]), records, members, m, 3,
                     length=6 / 30)
    assert pay == pytest.approx([3000.0 / 5 + rate * 30_000.0, 3000.0 / 10 + rate * 10_000.0])


def test_a_monthly_sales_target_counts_at_the_periods_pace(scn):
    """A commission above a 100,000 yuan monthly target: 30,000 in 6 days is 150,000 a month,
    so a fifth of 0.02 x 50,000 is paid; the old rule (the month's target against 6 days of
    sales) paid nothing."""
    base = scn.schemes["commission"]
    spec = base.model_copy(update={"commission": base.commission.model_copy(
        update={"rate": 0.02, "target": 100_000.0})})
    m, records, members = floor(present=(6 / 30, 6 / 30))
    pay = pay_period(scn, Scheme(spec), records, members, m, 3, length=6 / 30)
    assert pay[0] == pytest.approx(3000.0 / 5 + 0.02 * 50_000.0 / 5)
    assert pay[1] == pytest.approx(3000.0 / 5)  # 50,000 a month: below target


def test_a_six_day_run_pays_no_more_than_a_fifth_of_the_best_month(scn):
    """End to end: ``run --scheme kpi --days 6`` pays nobody more than 6/30 of base plus the
    top tier bonus (the whole 3,000 yuan bonus for six days used to make its mean monthly
    pay several times a month's)."""
    from policysim.experiment.runner import Job, run_job

    out = run_job(Job(scn, 0, scn.sim.seed, 6, "kpi"))
    pay = out.agents["pay"].to_numpy()
    assert len(pay) >= 30 and (pay > 0).all()
    assert pay.max() <= (3500.0 + 3000.0) * 6 / 30 + 1e-6


@pytest.mark.parametrize("days", [2, 6, 45])
def test_mean_pay_is_per_agent_and_full_period_whatever_the_horizon(days):
    """A flat salary of 4,200 a 30-day period: ``mean_pay`` is 4,200 for a 2-day run too
    (agent-periods used to be floored at 1, so 3 agents x 2 days read 3 x 280 = 840)."""
    from policysim.experiment.runner import Job, run_job

    scn = Scenario.model_validate({
        "name": "flat", "sim": {"days": days, "reps": 1, "seed": 3, "period_days": 30},
        "demand": {"daily_volume": 300}, "teams": [{"name": "A", "agents": 3}],
        "attrition": {"b0": -30.0},  # nobody quits: headcount stays 3
        "scheme": "flat", "schemes": {"flat": {"base_salary": 4200}}})
    out = run_job(Job(scn, 0, scn.sim.seed, days, "flat"))
    assert out.summary["mean_headcount"] == 3.0
    assert out.summary["mean_pay"] == pytest.approx(4200.0, rel=1e-9)
