"""Edge cases run without a crash and without NaN (issue 7, point 5).

A day with no inquiries, demand in a single hour, every agent quitting at once (with and
without hiring), a team of one, a scheme that pays nothing, and all of them together. Every
summary metric is a finite number except ``new_hire_90d_quit_rate``, the ``belief_*`` gaps
and ``new_hire_mean_skill`` (``MAY_BE_NAN``), which are NaN by
definition when no hire could be watched for 90 days, no period came after the first two or
nobody was hired; the daily, agent and hourly tables
hold no NaN. The zero-day horizon (``--days 0``, ``--set sim.days=0`` and ``sim: {days: 0}``,
for ``run`` and ``compare``) is in the corpus of test_bad_inputs.py.

At the end: regression tests of bugs these tests found (hiring delay 0, values the
schema accepted that the engine could not simulate, and the agent-section bounds).
"""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest

from policysim.config.schema import Scenario
from policysim.config.validate import validate_data
from policysim.experiment.runner import Job, Outcome, run_job

#: Summary metrics allowed to be NaN, and why.
MAY_BE_NAN = {"new_hire_90d_quit_rate",  # no hire observable for 90 days in a short run
              "belief_error_routed",  # no agent-period after the first two periods
              "belief_error_pay", "belief_bias_pay",  # the same (or nobody paid anything)
              "belief_error_help",  # the same, or nobody passed a chat on
              "new_hire_mean_skill"}  # nobody hired in the run

BASE = {
    "name": "edge",
    "sim": {"days": 2, "period_days": 1, "seed": 1},
    "demand": {"daily_volume": 60},
    "teams": [{"name": "A", "agents": 2}, {"name": "B", "agents": 1}],
    "schemes": {
        "pay": {
            "base_salary": 3000,
            "commission": {"rate": 0.01},
            "kpi": {"metrics": {"rating": {"weight": 1, "target": 4.6, "floor": 3.6},
                                "reply_rate": {"weight": 1, "target": 0.95}}},
            "contest": {"metric": "sales", "prize_per_member": 1000, "winners": 2},
            "ranking": {"metric": "served", "prize": 500, "top": 3},
        },
        "nothing": {},  # base_salary 0 and no components
    },
}


def scenario(**changes) -> Scenario:
    """BASE with top-level sections updated (one level deep) and validated."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return validate_data(Scenario, data, "<edge>")


def run(scn: Scenario, scheme: str | None, seed: int = 3) -> Outcome:
    out = run_job(Job(scn, 0, seed, scn.sim.days, scheme))
    check_clean(out)
    return out


def check_clean(out: Outcome) -> None:
    for key, value in out.summary.items():
        assert isinstance(value, (int, float)), (key, value)
        if key in MAY_BE_NAN and math.isnan(value):
            continue
        assert math.isfinite(value), (key, value)
    for name in ("daily", "agents", "hourly"):
        table = getattr(out, name)
        numeric = table.select_dtypes(include="number")
        bad = [c for c in numeric if not np.isfinite(numeric[c].to_numpy(float)).all()]
        assert not bad, f"{name} table has NaN/inf in {bad}"


SCHEMES = [None, "pay", "nothing"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_days_without_inquiries(scheme):
    out = run(scenario(demand={"daily_volume": 0}), scheme)
    s = out.summary
    assert s["inquiries"] == 0 and s["revenue"] == 0 and s["transfers"] == 0
    assert s["abandon_rate"] == s["p_wait"] == s["conversion_rate"] == 0
    assert s["mean_headcount"] == 3
    assert out.daily["inquiries"].sum() == 0 and out.hourly["inquiries"].sum() == 0


@pytest.mark.parametrize("scheme", SCHEMES)
def test_demand_in_a_single_hour(scheme):
    profile = [0] * 24
    profile[20] = 1
    out = run(scenario(demand={"hour_profile": profile, "daily_volume": 120}), scheme)
    by_hour = out.hourly.groupby("hour")["inquiries"].sum()
    assert by_hour[20] == out.summary["inquiries"] > 0
    assert by_hour.drop(20).sum() == 0


@pytest.mark.parametrize("scheme", ["pay", "nothing"])
@pytest.mark.parametrize("hiring", [True, False], ids=["hiring", "no_hiring"])
def test_everyone_quits_at_the_first_period_end(scheme, hiring):
    """logit b0 = 20: every agent quits at the end of the first 30-day period (day 29)."""
    scn = scenario(sim={"days": 32, "period_days": 30}, demand={"daily_volume": 20},
                   attrition={"b0": 20}, hiring={"enabled": hiring, "delay_days": 1})
    out = run(scn, scheme)
    daily = out.daily.set_index("day")
    assert daily.loc[29, "quits"] == 3 and daily.loc[:28, "quits"].sum() == 0
    assert daily.loc[30, "headcount"] == 0  # the seats are empty for delay_days = 1 day
    if hiring:
        assert out.summary["hires"] >= 3 and daily.loc[31, "headcount"] == 3
    else:
        assert out.summary["hires"] == 0 and daily.loc[31, "headcount"] == 0
        assert out.summary["quits"] == 3
        assert daily.loc[31, "inquiries"] > 0 and daily.loc[31, "answered"] == 0


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_team_of_one(scheme):
    """One agent, one team: contests and rankings with more winners than there are."""
    out = run(scenario(teams=[{"name": "solo", "agents": 1}]), scheme)
    assert out.summary["mean_headcount"] == 1
    assert set(out.agents["agent"]) == {0}


def test_a_scheme_that_pays_nothing():
    out = run(scenario(), "nothing")
    s = out.summary
    assert s["labour_cost"] == 0 and s["mean_pay"] == 0 and s["pay_gini"] == 0
    assert (out.agents["pay"] == 0).all()


@pytest.mark.parametrize("scheme", ["pay", "nothing"])
def test_everything_at_once(scheme):
    """No inquiries, a team of one paid nothing, who quits and is replaced."""
    scn = scenario(sim={"days": 31, "period_days": 30}, demand={"daily_volume": 0},
                   teams=[{"name": "solo", "agents": 1}], attrition={"b0": 20},
                   hiring={"delay_days": 0})
    out = run(scn, scheme)
    daily = out.daily.set_index("day")
    assert daily.loc[29, "quits"] == 1 and daily.loc[30, "headcount"] == 1
    # the hire may quit at the last period end too; a hire due the day after the horizon's
    # last day is counted (docs/model.md, section 7)
    assert out.summary["hires"] in (1, 2) and out.summary["inquiries"] == 0


@pytest.mark.parametrize("command", ["run", "compare"])
def test_cli_json_has_no_null_but_the_undefined_metric(command, tmp_path, cli):
    """Through the CLI: intervals over replications that are all zero are still numbers."""
    path = tmp_path / "quiet.yaml"
    path.write_text("name: quiet\nsim: {days: 1, reps: 2, seed: 1}\ndemand: {daily_volume: 0}\n"
                    "teams: [{name: A, agents: 1}]\nschemes:\n  pay: {base_salary: 3000}\n"
                    "  nothing: {}\n")
    extra = ["--scheme", "pay"] if command == "run" else []
    code, out, err = cli([command, path, "--json", "--workers", "1", *extra])
    assert code == 0, err
    doc = json.loads(out)
    tables = ([doc["metrics"]] if command == "run" else
              [m["metrics"] for m in doc["schemes"].values()] + list(doc["differences"].values()))
    for table in tables:
        for name, ci in table.items():
            if name in MAY_BE_NAN:
                continue
            assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in ci.values()), \
                (name, ci)


# ---- regressions of bugs found by these tests ------------------------------------------------
def test_delay_zero_refills_seats_at_once():
    """hiring.delay_days 0: the seat is never empty (docs/model.md: 'empty for exactly
    delay_days days'); it used to stay empty one day, like delay_days 1."""
    scn = scenario(sim={"days": 32, "period_days": 30}, demand={"daily_volume": 20},
                   attrition={"b0": 20}, hiring={"delay_days": 0})
    daily = run(scn, "pay").daily.set_index("day")
    assert daily.loc[29, "quits"] == 3
    assert daily.loc[30, "headcount"] == 3


@pytest.mark.parametrize(("override", "code", "fragment"), [
    # logits that overflowed math.exp in Engine._assign (OverflowError, exit 1)
    ("conversion.a0=-800", 0, None),
    ("rating.r0=-1000", 0, None),
    ("rating.noise_sd=300", 0, None),
    # a finite weight sum that overflows, an unbounded lognormal cv
    ("demand.catalogue={prices: [59, 99], weights: [1e308, 1e308]}", 2,
     "demand.catalogue.weights: expected weights whose sum is finite"),
    ("demand.patience={dist: lognormal, mean_s: 100, cv: 1e200}", 2, "demand.patience.cv:"),
], ids=["conversion_logit", "rating_logit", "rating_noise", "weight_sum", "patience_cv"])
def test_values_the_schema_accepts_are_simulated_or_refused(override, code, fragment, ok_file,
                                                            cli, user_error):
    """Accepted by the schema means simulated without NaN; otherwise refused, located."""
    got, out, err = cli(["run", ok_file, "--workers", "1", "--json", "--set", override])
    if code == 2:
        user_error(got, out, err, [f"--set {override}: {fragment}"], "--set ")
        return
    assert got == 0, err
    metrics = json.loads(out)["metrics"]
    for name, ci in metrics.items():
        if name not in MAY_BE_NAN:
            assert None not in ci.values(), (name, ci)


# ---- values beyond the documented bounds ---------------------------------------------------
# Found by these tests as "known bugs": at ability_sigma 40 nearly every ability underflows to
# 0, and a tenure of 1e307 months overflows day arithmetic. The schema now bounds both
# (docs/model.md, agents table: ability_sigma at most 3, initial_tenure_max_months at most 600):
# a value past the bound is refused, located; the bound itself is simulated without NaN.
@pytest.mark.parametrize(("override", "fragment"), [
    ("agents.ability_sigma=40", "agents.ability_sigma: expected a number of at most 3, found 40"),
    ("agents.initial_tenure_max_months=1e307",
     "agents.initial_tenure_max_months: expected a number of at most 600, found 1e+307"),
], ids=["ability_sigma_40", "tenure_1e307"])
def test_values_past_the_agent_bounds_are_refused(override, fragment, ok_file, cli, user_error):
    code, out, err = cli(["run", ok_file, "--workers", "1", "--json", "--set", override,
                          "--set", "teams=[{name: A, agents: 10}]"])
    user_error(code, out, err, [f"--set {override}: {fragment}"], "--set ")


@pytest.mark.parametrize("override", ["agents.ability_sigma=3",
                                      "agents.initial_tenure_max_months=600"],
                         ids=["ability_sigma_3", "tenure_600"])
def test_values_at_the_agent_bounds_are_simulated(override, ok_file, cli):
    """Ten agents at the bound: the run finishes and every metric but the undefined one is a
    number, and the ten agents are all on the payroll (none lost to a zero ability)."""
    code, out, err = cli(["run", ok_file, "--workers", "1", "--json", "--set", override,
                          "--set", "teams=[{name: A, agents: 10}]"])
    assert code == 0, err
    metrics = json.loads(out)["metrics"]
    assert metrics["mean_headcount"]["mean"] == 10
    for name, ci in metrics.items():
        if name not in MAY_BE_NAN:
            assert None not in ci.values(), (name, ci)


# ---- regressions of bugs found by the broadened fuzzing (test_fuzz.small_scenarios) --------
def test_event_peak_abandonment_without_inquiries_is_zero():
    """Temporary staff booked for an event day without inquiries: the busiest hour's
    abandonment is 0 abandoned of 0 inquiries, 0 as for ``abandon_rate`` (it was NaN, so
    ``event_peak_abandon_rate`` was NaN in a run where every booked day lay in the horizon)."""
    scn = scenario(sim={"days": 1, "period_days": 1},
                   demand={"daily_volume": 0, "events": [
                       {"name": "promo", "date": "2026-01-01", "multiplier": 1.0}]},
                   teams=[{"name": "T0", "agents": 1}],
                   temp_staff=[{"event": "promo", "per_shift": 0}])
    out = run(scn, "nothing", seed=0)  # no NaN in the summary or tables
    assert out.summary["event_peak_abandon_rate"] == 0.0
    assert out.daily["peak_hour_abandon_rate"].tolist() == [0.0]
