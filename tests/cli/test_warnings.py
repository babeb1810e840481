"""Plausibility warnings (issue 12 items 5 and 7): settings and results far outside what a
store sees are warned about, never refused: on stderr, and under ``warnings`` in ``--json``.

The unit tests give ``result_warnings`` metrics at and just past each bound (the bounds are
strict: exactly 5x the outside wage, exactly 50% abandonment, a profit of exactly 0 are not
warned about). The end-to-end tests run a one-agent store for one day (well under a second).
"""

from __future__ import annotations

import json

import pytest

from policysim.config.schema import Scenario
from policysim.config.validate import validate_data
from policysim.experiment.runner import replicate
from policysim.results.plausibility import result_warnings, scenario_warnings

from store_fixtures import OK  # a valid tiny scenario


def scenario(**sections) -> Scenario:
    data = {"name": "w", "sim": {"days": 60, "reps": 1, "seed": 1, "period_days": 30},
            "teams": [{"name": "A", "agents": 1}],
            "schemes": {"commission": {"base_salary": 3000, "commission": {"rate": 0.01}},
                        "flat": {"base_salary": 4000}}}
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return validate_data(Scenario, data, "<test>")


def metrics(**means) -> dict:
    base = {"mean_pay": 5000.0, "profit": 1.0, "abandon_rate": 0.1}
    return {k: {"mean": v, "ci_low": v, "ci_high": v} for k, v in {**base, **means}.items()}


# ---- result bounds --------------------------------------------------------------------------

@pytest.mark.parametrize("pay, warned", [
    (25_000.0, False), (25_000.01, True),  # 5x the outside wage of 5,000
    (1_500.0, False), (1_499.99, True),  # 0.3x
])
def test_mean_pay_bounds_are_multiples_of_the_outside_wage(pay, warned):
    notes = result_warnings(scenario(), metrics(mean_pay=pay), "commission")
    assert bool(notes) is warned, notes
    if warned:
        assert notes[0].startswith("commission: mean pay ")
        assert "the outside wage (5,000 yuan, attrition.outside_wage)" in notes[0]


def test_mean_pay_is_compared_per_month():
    """With 15-day pay periods, 12,600 a period is 25,200 a month: above 5x 5,000."""
    scn = scenario(sim={"period_days": 15})
    assert result_warnings(scn, metrics(mean_pay=12_400.0), "commission") == []
    [note] = result_warnings(scn, metrics(mean_pay=12_600.0), "commission")
    assert "mean pay 25,200 yuan a month" in note


def test_outside_wage_sets_the_bounds():
    scn = scenario(attrition={"outside_wage": 1000.0})
    assert result_warnings(scn, metrics(mean_pay=5000.0), "x") == []
    assert len(result_warnings(scn, metrics(mean_pay=5001.0), "x")) == 1


def test_no_pay_check_without_a_scheme():
    """Fixed actions with no scheme pay nothing; that is no store's payroll to judge."""
    assert result_warnings(scenario(), metrics(mean_pay=0.0), None) == []


@pytest.mark.parametrize("profit, warned", [(0.0, False), (-0.01, True)])
def test_negative_profit_is_warned(profit, warned):
    notes = result_warnings(scenario(), metrics(profit=profit), "flat")
    assert bool(notes) is warned
    if warned:
        assert notes[0].startswith("flat: profit is negative (-0 yuan over 60 days)")


@pytest.mark.parametrize("rate, warned", [(0.5, False), (0.5001, True)])
def test_abandonment_over_half_is_warned(rate, warned):
    notes = result_warnings(scenario(), metrics(abandon_rate=rate), "flat")
    assert bool(notes) is warned
    if warned:
        assert "50% of buyers leave before a first reply (abandonment above 50%)" in notes[0]


def test_undefined_metrics_give_no_warning():
    nan = float("nan")
    assert result_warnings(scenario(), metrics(mean_pay=nan, profit=nan, abandon_rate=nan),
                           "flat") == []


# ---- settings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("rate, warned", [(0.2, False), (0.2001, True), (1.0, True)])
def test_commission_rate_above_a_fifth_is_warned(rate, warned):
    scn = scenario(schemes={"c": {"commission": {"rate": rate}}})
    notes = scenario_warnings(scn)
    assert bool(notes) is warned
    if warned:
        assert notes[0].startswith(f"schemes.c.commission.rate: {rate:g} pays ")
        assert "(write 0.01 for 1%)" in notes[0]


@pytest.mark.parametrize("teams, winners, warned", [(3, 2, False), (3, 3, True), (2, 5, True),
                                                    (1, 1, True)])
def test_a_contest_every_team_wins_is_warned(teams, winners, warned):
    scn = scenario(teams=[{"name": f"T{i}", "agents": 2} for i in range(teams)],
                   schemes={"g": {"base_salary": 3000,
                                  "contest": {"prize_per_member": 1000, "winners": winners}}})
    notes = scenario_warnings(scn)
    assert bool(notes) is warned
    if warned:
        assert notes[0].startswith(f"schemes.g.contest.winners: {winners} of {teams} team")
        assert "every team wins every period" in notes[0]


def test_a_switch_on_a_period_boundary_is_not_warned():
    scn = scenario(schemes={"s": {"schedule": [{"day": 0, "scheme": "commission"},
                                               {"day": 30, "scheme": "flat"}]}})
    assert scenario_warnings(scn) == []


@pytest.mark.parametrize("day", [29, 31])
def test_a_switch_inside_a_pay_period_says_how_it_is_split(day):
    scn = scenario(sim={"start_date": "2026-07-01"},
                   schemes={"s": {"schedule": [{"day": 0, "scheme": "commission"},
                                               {"day": day, "scheme": "flat"}]}})
    [note] = scenario_warnings(scn)
    first = 0 if day < 30 else 30
    assert note.startswith(f"schemes.s.schedule.1: the switch to flat on ")
    assert f"(day {day}) falls inside the pay period" in note
    assert f"(days {first}-{first + 29})" in note
    assert ("the scheme in force on the period's last day, flat, pays that whole period, "
            "although agents chose their actions for it under commission") in note
    # day 29: day 0 already starts commission; day 31: day 60 is past the 60-day horizon.
    # Either way day 30 is the one boundary a schedule may use
    assert note.endswith("; switch on 31 July 2026 (day 30) to keep pay periods whole")
    assert "(day 0)" not in note


def test_the_split_warning_gives_dates():
    scn = scenario(sim={"start_date": "2026-07-01", "days": 90},
                   schemes={"s": {"schedule": [{"day": 0, "scheme": "commission"},
                                               {"date": "2026-08-05", "scheme": "flat"}]}})
    [note] = scenario_warnings(scn)
    assert "the switch to flat on 5 August 2026 (day 35)" in note
    assert "the pay period 31 July 2026 to 29 August 2026 (days 30-59)" in note
    assert "switch on 31 July 2026 (day 30) or 30 August 2026 (day 60)" in note


def test_the_model_pays_the_split_period_under_the_scheme_of_its_last_day():
    """What the warning says, checked on the model: a switch from commission to a flat 4,000
    on day 5 of a 10-day period pays every agent present the whole period exactly 4,000."""
    scn = scenario(sim={"days": 10, "period_days": 10},
                   demand={"daily_volume": 200},
                   attrition={"enabled": False},
                   schemes={"s": {"schedule": [{"day": 0, "scheme": "commission"},
                                               {"day": 5, "scheme": "flat"}]}})
    [outcome] = replicate(scn, 1, 1, 10, "s")
    pay = outcome.agents["pay"].to_numpy()
    assert len(pay) == 1 and pay[0] == 4000.0


# ---- the command line -------------------------------------------------------------------------

def test_rate_1_meant_as_1_percent_warns_in_json_and_on_stderr(cli, tmp_path):
    """The issue's case: --set schemes.commission.commission.rate=1."""
    path = tmp_path / "ok.yaml"
    path.write_text(OK)
    code, out, err = cli(["run", path, "--workers", "1", "--json",
                          "--set", "schemes.commission.commission.rate=1"])
    assert code == 0, err
    doc = json.loads(out)
    assert doc["warnings"][0].startswith("schemes.commission.commission.rate: 1 pays 100% ")
    assert f"warning: {doc['warnings'][0]}" in err.splitlines()
    assert all(f"warning: {w}" in err for w in doc["warnings"])


def test_a_plausible_run_has_an_empty_warning_list(cli, tmp_path):
    """Two agents, one per shift (with one, nobody works the late shift and half the buyers
    leave)."""
    path = tmp_path / "ok.yaml"
    path.write_text(OK)
    code, out, err = cli(["run", path, "--workers", "1", "--json",
                          "--set", "sim.days=30", "--set", "teams.0.agents=2"])
    assert code == 0, err
    # only the few-replications warning (1 replication, issue 12 item 1): nothing implausible
    notes = json.loads(out)["warnings"]
    assert len(notes) == 1 and notes[0].startswith("1 replication: "), notes
    assert [line for line in err.splitlines() if line.startswith("warning:")] == [
        f"warning: {notes[0]}"]


def test_an_overwhelmed_team_warns_after_compare(cli, tmp_path):
    """One agent for 5,000 inquiries a day: most buyers leave. Every scheme is checked."""
    path = tmp_path / "ok.yaml"
    path.write_text(OK + "  flat: {base_salary: 4000}\n")
    code, out, err = cli(["compare", path, "--workers", "1", "--json",
                          "--set", "demand.daily_volume=5000"])
    assert code == 0, err
    notes = json.loads(out)["warnings"]
    for scheme in ("commission", "flat"):
        assert any(n.startswith(f"{scheme}: ") and "leave before a first reply" in n
                   for n in notes), notes


def test_warnings_do_not_change_the_exit_code_or_the_table(cli, tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(OK)
    code, out, err = cli(["run", path, "--workers", "1",
                          "--set", "schemes.commission.commission.rate=0.5"])
    assert code == 0
    assert out.startswith("ok: scheme commission, 1 day, 1 replication")
    assert "warning: schemes.commission.commission.rate: 0.5 pays 50% of sales" in err
