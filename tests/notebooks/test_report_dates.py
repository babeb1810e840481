"""Reports speak in dates (issue 12 item 7): the policy-switch preview names the switch by its
date and months by their dates, and the compare verdict names the scheme a schedule switches
to (not the schedule's name)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd

from policysim.config.schema import Scenario
from policysim.config.validate import validate_data
from policysim.report import switch, verdict
from policysim.report.plots import scenario as scenario_plots
from policysim.report.plots import switch as switch_plots


def daily(scheme: str, rep: int, quits_after: int = 0) -> pd.DataFrame:
    """90 days of one replication: constant service, ``quits_after`` quits at the end of
    months 2 and 3."""
    days = np.arange(90)
    return pd.DataFrame({
        "scheme": scheme, "rep": rep, "day": days, "inquiries": 100, "abandoned": 5,
        "answered": 95, "frt_sum_s": 950.0, "revenue": 1000.0, "headcount": 5, "hires": 0,
        "quits": np.where((days >= 30) & (days % 30 == 29), quits_after, 0),
    })


def monthly() -> pd.DataFrame:
    return switch.monthly(pd.concat([daily("commission", r) for r in range(3)]
                                    + [daily("switch", r, quits_after=r + 1) for r in range(3)]))


def scenario(schedule, start="2026-01-01") -> Scenario:
    return validate_data(Scenario, {
        "sim": {"days": 365, "start_date": start},
        "schemes": {"commission": {"base_salary": 1}, "kpi": {"base_salary": 2},
                    "switch": {"schedule": schedule}},
    }, "<test>")


def fake_results(scn: Scenario, baseline: str) -> SimpleNamespace:
    """What ``verdict.sentence`` reads: one clear change in abandonment (+1 point)."""
    clear = {"mean": 0.01, "ci_low": 0.005, "ci_high": 0.015, "n": 5}
    level = {"abandon_rate": {"mean": 0.05, "ci_low": 0.04, "ci_high": 0.06, "n": 5}}
    return SimpleNamespace(scenario=scn, baseline=baseline, rows=lambda s: [], tables={},
                           metrics={name: level for name in ("commission", "kpi", "switch")},
                           differences={"switch": {"abandon_rate": clear},
                                        "kpi": {"abandon_rate": clear}})


def test_compare_verdict_names_the_scheme_switched_to_and_the_date():
    scn = scenario([{"day": 0, "scheme": "commission"}, {"day": 180, "scheme": "kpi"}])
    text = verdict.sentence(fake_results(scn, "commission"), "switch")
    assert text.startswith("Switching from commission to kpi on 30 June 2026 (schedule switch): "
                           "abandonment +1.0 points")
    assert "to switch:" not in text


def test_a_schedule_not_starting_on_the_baseline_names_both_schemes():
    scn = scenario([{"day": 0, "scheme": "kpi"}, {"date": "2026-03-01", "scheme": "commission"}])
    assert verdict.switched_to(fake_results(scn, "contest"), "switch") == (
        "kpi, then commission on 1 March 2026 (schedule switch)")


def test_a_plain_scheme_keeps_its_name():
    scn = scenario([{"day": 0, "scheme": "kpi"}])
    res = fake_results(scn, "commission")
    assert verdict.switched_to(res, "kpi") == "kpi"
    assert verdict.switched_to(res, "switch") == "kpi (schedule switch)"
    assert verdict.sentence(res, "kpi").startswith("Switching from commission to kpi: ")


def test_switch_plan_reads_a_dated_schedule(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "sim: {start_date: 2026-03-01}\n"
        "schemes:\n  a: {base_salary: 1}\n  b: {base_salary: 2}\n"
        "  switch: {schedule: [{day: 0, scheme: a}, {date: 2026-04-01, scheme: b}]}\n"
    )
    p = switch.plan({"scenario": str(path), "switch_scheme": "switch", "current": None,
                     "proposed": None, "switch_day": None})
    assert p == switch.Plan("a", "b", 31, "switch", dt.date(2026, 3, 1))
    assert p.date == "1 April 2026"


def test_switch_verdict_says_dates_not_day_numbers():
    m = monthly()
    text = switch.verdict(m, switch.Plan("commission", "kpi", 30, "switch"), "commission")
    assert "on 31 January 2026 instead of staying on commission" in text
    assert "over months 2-3 (31 January to 31 March 2026), every full month after" in text
    assert "day 30" not in text
    table = switch.windows(m, "switch", "commission", 30, dt.date(2026, 10, 1))
    assert list(table.index) == [
        "first month after: month 2 (31 October to 29 November 2026)",
        "months 2-3 after: month 3 (30 November to 29 December 2026)",
        "all months after: months 2-3 (31 October to 29 December 2026)",
    ]


def test_months_across_a_new_year_give_both_years():
    assert switch.months(dt.date(2026, 10, 1), 3, 4) == (
        "months 3-4 (30 November 2026 to 28 January 2027)")


def test_reports_list_the_same_warnings_as_the_cli():
    from policysim.report import data
    from policysim.results.plausibility import result_warnings, scenario_warnings

    scn = scenario([{"day": 0, "scheme": "commission"}, {"day": 185, "scheme": "kpi"}])
    ok = {"mean_pay": {"mean": 5000.0}, "profit": {"mean": 1.0}, "abandon_rate": {"mean": 0.1}}
    bad = {**ok, "abandon_rate": {"mean": 0.6}}
    res = data.Results(scn, ["commission", "kpi"], "commission",
                       {"commission": ok, "kpi": bad}, {}, {})
    notes = data.warnings(res)
    assert notes == scenario_warnings(scn) + result_warnings(scn, bad, "kpi")
    assert len(notes) == 2 and "falls inside the pay period" in notes[0]
    text = data.warnings_md(res)
    assert text.startswith("**Warning: ")
    assert text.splitlines()[2:] == [f"- {n}" for n in notes]
    res_ok = data.Results(scn.model_copy(update={"schemes": {}}), ["commission"], "commission",
                          {"commission": ok}, {}, {})
    assert data.warnings_md(res_ok) == ""


def tick_labels(fig, index: int = 0) -> tuple[list[str], str]:
    fig.canvas.draw()
    ax = fig.axes[index]
    return [t.get_text() for t in ax.get_xticklabels()], ax.get_xlabel()


def test_switch_plots_label_months_by_their_first_date():
    labels = {"commission": "stay", "switch": "switch"}
    ticks, name = tick_labels(switch_plots.switch_levels(monthly(), 30, labels, dt.date(2026, 1, 1)))
    assert ticks == ["1 Jan\n2026", "31 Jan\n2026", "2 Mar\n2026"]  # days 0, 30, 60
    assert name == "30-day month, by its first day"
    diff = switch.paired_monthly(monthly(), "switch", "commission")
    ticks, _ = tick_labels(switch_plots.switch_differences(diff, 30, dt.date(2026, 12, 1)))
    assert ticks == ["1 Dec\n2026", "31 Dec\n2026", "30 Jan\n2027"]
    # without a start date the months keep their numbers
    ticks, name = tick_labels(switch_plots.switch_levels(monthly(), 30, labels))
    assert ticks == ["1", "2", "3"] and name == "month (30 days)"


def test_time_series_plots_say_dates():
    d = pd.concat([daily("a", r) for r in range(2)])
    ticks, name = tick_labels(scenario_plots.workforce(d, ["a"], dt.date(2026, 10, 1)))
    assert name == "date"
    assert all(t.count("\n") == 1 and t.split("\n")[1] in ("2026", "2027") for t in ticks if t)
    assert tick_labels(scenario_plots.workforce(d, ["a"]))[1] == "day of simulation"
