"""The report layer's own logic on small hand-made tables (no simulation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from policysim.experiment.stats import paired, summarize_reps
from policysim.report import sensitivity as sens
from policysim.report import switch, verdict
from policysim.report.data import Results


def fake_results(base_rows, other_rows):
    metrics = {"commission": summarize_reps(base_rows), "kpi": summarize_reps(other_rows)}
    res = Results(
        None,
        ["commission", "kpi"],
        "commission",
        metrics,
        {"kpi": paired(other_rows, base_rows)},
        {},
    )
    res.rows = lambda s: base_rows if s == "commission" else other_rows  # type: ignore[method-assign]
    return res


def test_verdict_speaks_in_points_seconds_and_percent():
    base = [
        {
            "annual_turnover_rate": 0.40 + d,
            "first_response_mean_s": 15.0 + d,
            "revenue": 1000.0,
            "pay_gini": 0.1,
        }
        for d in (0.0, 0.01, 0.02)
    ]
    kpi = [
        {
            "annual_turnover_rate": 0.34 + d,
            "first_response_mean_s": 20.0 + 2 * d,
            "revenue": 900.0 + 100 * d,
            "pay_gini": 0.1 + d,
        }
        for d in (0.0, 0.01, 0.02)
    ]
    text = verdict.sentence(fake_results(base, kpi), "kpi")
    assert text.startswith("Switching from commission to kpi: annual turnover -6.0 points (95% CI ")
    assert "mean first response of answered buyers +5.0 s (" in text
    assert "revenue -9.9% (" in text  # per-replication ratios, paired
    assert text.endswith("no clear change in pay Gini.")


def test_headline_table_marks_clear_changes():
    base = [{"abandon_rate": 0.05 + d} for d in (0.0, 0.001, 0.002)]
    kpi = [{"abandon_rate": 0.07 + d} for d in (0.0, 0.001, 0.002)]
    table = verdict.headline_table(fake_results(base, kpi), ["abandon_rate"])
    # a share's interval is on the logit scale: a little wider above (t interval 4.9-5.3%)
    assert table.loc["abandonment", "commission"] == "5.1% [4.9%, 5.4%]"
    assert table.loc["abandonment", "kpi - commission"].endswith(" *")


def daily(scheme, rep, quits_after=0):
    days = np.arange(90)
    return pd.DataFrame(
        {
            "scheme": scheme,
            "rep": rep,
            "day": days,
            "inquiries": 100,
            "abandoned": 5,
            "answered": 95,
            "frt_sum_s": 950.0,
            "revenue": 1000.0,
            "quits": np.where((days >= 30) & (days % 30 == 29), quits_after, 0),
        }
    )


def test_switch_differences_are_zero_before_and_paired_after():
    d = pd.concat(
        [daily("commission", r) for r in range(3)]
        + [daily("switch", r, quits_after=r + 1) for r in range(3)]
    )
    m = switch.monthly(d)
    assert sorted(m["month"].unique()) == [1, 2, 3]
    diff = switch.paired_monthly(m, "switch", "commission")
    q = diff[diff["measure"] == "quits"].set_index("month")
    assert q.loc[1, "mean"] == 0 and q.loc[1, "lo"] == 0
    assert q.loc[2, "mean"] == pytest.approx(2.0)
    assert q.loc[2, "lo"] < 2.0 < q.loc[2, "hi"]
    plan = switch.Plan("commission", "kpi", 30, "switch")
    text = switch.verdict(m, plan, "commission")
    assert "over months 2-3" in text and "quits per month +2.00 quits" in text


def test_switch_plan_reads_the_scenario_schedule(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "schemes:\n  a: {base_salary: 1}\n  b: {base_salary: 2}\n"
        "  switch: {schedule: [{day: 0, scheme: a}, {day: 90, scheme: b}]}\n"
    )
    p = switch.plan(
        {
            "scenario": str(path),
            "switch_scheme": "switch",
            "current": None,
            "proposed": None,
            "switch_day": None,
        }
    )
    assert p == switch.Plan("a", "b", 90, "switch")
    p = switch.plan(
        {
            "scenario": str(path),
            "switch_scheme": "switch",
            "current": "b",
            "proposed": "a",
            "switch_day": 30,
        }
    )
    assert p == switch.Plan("b", "a", 30, "switch")


def test_sensitivity_main_effects_average_over_the_other_factor_and_find_reversals():
    rng = np.random.default_rng(1)
    rows = []
    point = 0
    for temp in (60.0, 240.0):
        for wage in (-0.6, 0.0):
            for scheme in ("commission", "kpi"):
                effect = 0.0 if scheme == "commission" else (-0.05 if temp < 100 else 0.05)
                for rep in range(4):
                    rows.append({"point": point, "scheme": scheme, "rep": rep,
                                 "behaviour.temperature": temp, "attrition.b_wage": wage,
                                 "annual_turnover_rate": 0.4 + effect + rng.normal(0, 0.002),
                                 "revenue": 1000.0, "profit": 10.0,
                                 "first_response_mean_s": 15.0})
            point += 1
    runs = pd.DataFrame(rows)
    eff = sens.main_effects(runs, ["behaviour.temperature", "attrition.b_wage"], "commission")
    t = eff[(eff["metric"] == "annual_turnover_rate")].set_index(["factor", "value"])
    assert t.loc[("behaviour.temperature", 60.0), "mean"] == pytest.approx(-5.0, abs=0.5)
    assert t.loc[("attrition.b_wage", 0.0), "mean"] == pytest.approx(0.0, abs=0.5)
    table = sens.reversals(eff)
    assert table.loc[("behaviour.temperature", "kpi", "turnover change (points)"),
                     "ranking reverses"] == "YES"
    assert table.loc[("attrition.b_wage", "kpi", "turnover change (points)"),
                     "ranking reverses"] == "no"


def test_not_a_store_is_a_clear_error(tmp_path):
    with pytest.raises(Exception, match="not a sweep's results store"):
        sens.load_store(tmp_path)


def test_factor_text():
    assert sens.parse_factors("a.b: 1,2; c=3") == [("a.b", ["1", "2"]), ("c", ["3"])]
    with pytest.raises(Exception, match="factors"):
        sens.parse_factors("a.b")


def test_calibration_reply_figure_ticks_whole_open_chats():
    """Open chats are counts; the axis used to tick 1.5, 2.5, ..."""
    from policysim.report.calibration import figure

    reply = pd.DataFrame({"k": [1, 2, 3, 4, 5], "mean": [10.0, 14, 16, 30, 140],
                          "se": [1.0, 1, 2, 5, 9]})
    fig = figure({"reply": reply}, {"reply": reply.iloc[:4]}, "reply")
    ticks = fig.axes[0].get_xticks()
    assert len(ticks) >= 3 and all(float(t).is_integer() for t in ticks), ticks
