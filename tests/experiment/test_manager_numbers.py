"""The manager's numbers (issue 12 item 3): mean pay per agent before and after, labour cost,
profit, and who gains or loses (pay change by tenure band), in the compare table and the
verdicts."""

from __future__ import annotations

import pandas as pd
import pytest

from policysim.experiment.compare import pay_by_tenure
from policysim.experiment.stats import paired, summarize_reps
from policysim.report import verdict
from policysim.report.data import Results


def agents_table() -> pd.DataFrame:
    """Two replications, two schemes, 30-day periods. New hires (tenure 40 d) earn 1,000
    more under kpi; veterans (tenure 500 d) 2,000 less; a part-period record is ignored."""
    rows = []
    for rep in range(2):
        for scheme, new, old in (("commission", 4000.0, 9000.0), ("kpi", 5000.0, 7000.0)):
            wobble = 100.0 * rep
            rows += [
                {"scheme": scheme, "rep": rep, "period": 0, "tenure_days": 40, "present": 1.0,
                 "pay": new + wobble},
                {"scheme": scheme, "rep": rep, "period": 0, "tenure_days": 500, "present": 1.0,
                 "pay": old + wobble},
                {"scheme": scheme, "rep": rep, "period": 0, "tenure_days": 200, "present": 0.5,
                 "pay": 99_999.0},
            ]
    return pd.DataFrame(rows)


def test_pay_by_tenure_says_who_gains_and_who_loses():
    t = pay_by_tenure(agents_table(), "kpi", "commission", period_days=30).set_index("band")
    assert list(t.index) == ["under 3 months", "over 1 year"]  # nobody full-time in 3-12
    assert t.loc["under 3 months", "change"] == pytest.approx(1000.0)
    assert t.loc["over 1 year", "change"] == pytest.approx(-2000.0)
    assert t.loc["over 1 year", "baseline"] == pytest.approx(9050.0)
    assert t.loc["over 1 year", "scheme"] == pytest.approx(7050.0)
    assert bool(t.loc["over 1 year", "clear"])  # identical change in both replications


def test_pay_by_tenure_is_per_month_whatever_the_pay_period():
    t = pay_by_tenure(agents_table(), "kpi", "commission", period_days=15).set_index("band")
    assert t.loc["under 3 months", "change"] == pytest.approx(2000.0)


def test_pay_by_tenure_without_pay_is_empty():
    assert pay_by_tenure(pd.DataFrame({"scheme": ["a"], "rep": [0]}), "a", "b").empty


def fake(base_rows, other_rows, agents=None):
    metrics = {"commission": summarize_reps(base_rows), "kpi": summarize_reps(other_rows)}
    res = Results(None, ["commission", "kpi"], "commission", metrics,
                  {"kpi": paired(other_rows, base_rows)},
                  {"agents": agents if agents is not None else pd.DataFrame()})
    res.rows = lambda s: base_rows if s == "commission" else other_rows  # type: ignore
    return res


def rows(pay, labour, profit):
    return [{"mean_pay": pay + d, "labour_cost": labour + 10 * d, "profit": profit - d,
             "annual_turnover_rate": 0.3} for d in (0.0, 10.0, 25.0, 5.0)]


def test_the_verdict_gives_mean_pay_before_and_after_labour_cost_profit_and_bands():
    """The issue's hidden 26% pay cut: it must be in the verdict."""
    res = fake(rows(5200.0, 520_000.0, 900_000.0), rows(3850.0, 385_000.0, 1_035_000.0),
               agents_table())
    text = verdict.sentence(res, "kpi")
    assert "mean pay per agent and pay period 5,210 -> 3,860 yuan, -25.9% (" in text
    assert "labour cost 520.1k -> 385.1k yuan, -26.0% (" in text
    assert "profit 900.0k -> 1.03M yuan, +15.0% (" in text
    assert "monthly pay by tenure (full months, paired change): under 3 months +1,000 *, " \
           "over 1 year -2,000 *" in text


def test_the_headline_table_has_a_mean_pay_row_even_when_not_asked():
    res = fake(rows(5200.0, 520_000.0, 900_000.0), rows(3850.0, 385_000.0, 1_035_000.0))
    table = verdict.headline_table(res, ["annual_turnover_rate", "labour_cost"])
    assert list(table.index) == ["annual turnover", "mean pay per agent and pay period",
                                 "labour cost"]
    assert table.loc["mean pay per agent and pay period", "kpi - commission"].endswith(" *")


def test_compare_render_has_a_mean_pay_row_and_the_tenure_table(tmp_path, cli):
    path = tmp_path / "tiny.yaml"
    path.write_text("name: tiny\nsim: {days: 12, reps: 3, seed: 5, period_days: 6}\n"
                    "demand: {daily_volume: 300}\nteams: [{name: A, agents: 4}]\n"
                    "schemes:\n  commission: {base_salary: 3000, commission: {rate: 0.01}}\n"
                    "  flat: {base_salary: 5000}\n")
    code, out, err = cli(["compare", path, "--workers", "1"])
    assert code == 0, err
    lines = out.splitlines()
    assert any(line.startswith("mean_pay ") for line in lines)
    assert "monthly pay per agent by tenure" in out
    assert "3 replications" in out and "warning: only 3 replications" in out


def test_the_policy_switch_gives_pay_after_the_switch_labour_cost_and_profit():
    from types import SimpleNamespace

    from policysim.report import switch

    agents = []
    for rep in range(3):
        for period in range(4):  # 30-day periods; the switch on day 60 (period 2)
            cut = 1500.0 if period >= 2 else 0.0
            agents += [{"scheme": "commission", "rep": rep, "period": period, "present": 1.0,
                        "tenure_days": 400, "pay": 6000.0 + 10 * rep},
                       {"scheme": "switch", "rep": rep, "period": period, "present": 1.0,
                        "tenure_days": 400, "pay": 6000.0 + 10 * rep - cut}]
    agents = pd.DataFrame(agents)
    pay = switch.pay_after(agents, "switch", "commission", day=60, period_days=30)
    assert pay["stay"]["mean"] == pytest.approx(6010.0)
    assert pay["change"]["mean"] == pytest.approx(-1500.0)
    assert pay["relative"]["mean"] == pytest.approx(-1500.0 / 6010.0)
    base = [{"labour_cost": 100_000.0 + d, "profit": 50_000.0 - d} for d in (0.0, 5.0, 9.0)]
    new = [{"labour_cost": 91_000.0 + d, "profit": 59_000.0 - d} for d in (0.0, 5.0, 9.0)]
    res = SimpleNamespace(scenario=SimpleNamespace(sim=SimpleNamespace(period_days=30)),
                          tables={"agents": agents}, differences={"switch": paired(new, base)},
                          rows=lambda s: new if s == "switch" else base)
    text = switch.money(res, switch.Plan("commission", "kpi", 60, "switch"), "commission")
    assert text.startswith("Money: mean pay per agent after the switch 6,010 yuan a month "
                           "staying on commission, 4,510 switching to kpi: -25.0% (")
    assert "labour cost over the horizon -9.0% (" in text and "profit over the horizon +18" in text
