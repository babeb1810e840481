"""What agents expected of the actions they chose, beside what the floor gave them.

Agents choose on the pay they expect (``behaviour.evaluate``: the scheme's own pay function
of their predicted metrics). Each period record keeps those expectations for the action in
force (``predicted_pay``, ``predicted_<metric>`` for every pay-function metric,
``predicted_transfers_received``), and the run reports how far they were off:
``belief_error_pay``, ``belief_bias_pay`` and ``belief_error_help`` (docs/model.md 4.3, 7.1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from policysim.config.pay import METRICS
from policysim.config.schema import Scenario
from policysim.model import behaviour as beh
from policysim.model.engine import Engine
from policysim.model.schemes import PayContext, Scheme
from policysim.model.team import PaidTeam
from policysim.results.metrics import belief_gaps, summarize

SCHEMES = {"commission": {"base_salary": 400, "commission": {"rate": 0.03}},
           "kpi": {"base_salary": 500, "kpi": {"metrics": {
               "rating": {"weight": 50, "target": 4.6, "floor": 3.6},
               "reply_rate": {"weight": 50, "target": 0.97, "floor": 0.85}}}},
           "flat": {"base_salary": 1500}}
EXPECTED = ["pay", *METRICS, "transfers_received"]


def store(adaptive: bool = True) -> Scenario:
    """A small store with 10-day pay periods: 60 days are periods 0-5 (2-5 counted)."""
    return Scenario.model_validate({
        "name": "belief-gaps", "sim": {"days": 60, "period_days": 10},
        "demand": {"daily_volume": 1200.0, "events": []},
        "teams": [{"name": "A", "agents": 8}, {"name": "B", "agents": 8}],
        "behaviour": {"adaptive": adaptive},
        "schemes": SCHEMES})


def run(scn: Scenario, scheme: str):
    result = Engine(scn, PaidTeam(scn, scheme), seed=11, rep=0).run()
    return result, summarize(result)


def test_gaps_compare_the_chosen_action_s_expectations_with_what_happened():
    """Periods 0-1, partial periods and records without a prediction are left out; the rest:
    pay |110 - 100| + |90 - 100| over 200 (error 0.1, bias 0), transfers given |5 - 10| +
    |20 - 10| over 20 (0.75)."""
    def rec(period, pred, pay, given_pred, given, present=1.0):
        return {"period": period, "present": present, "predicted_pay": pred, "pay": pay,
                "predicted_transfers_given": given_pred, "transfers_given": given}
    recs = [rec(0, 1.0, 100.0, 0.0, 50), rec(1, 1.0, 100.0, 0.0, 50),
            rec(2, 110.0, 100.0, 5.0, 10), rec(3, 90.0, 100.0, 20.0, 10),
            rec(3, 500.0, 100.0, 0.0, 40, present=0.5), rec(4, math.nan, 100.0, 0.0, 40)]
    gaps = belief_gaps(recs)
    assert gaps["belief_error_pay"] == pytest.approx(0.1)
    assert gaps["belief_bias_pay"] == pytest.approx(0.0)
    assert gaps["belief_error_help"] == pytest.approx(0.75)
    over = belief_gaps([rec(2, 130.0, 100.0, 3.0, 0)])
    assert over["belief_bias_pay"] == pytest.approx(0.3)  # expected 30% more than paid
    assert math.isnan(over["belief_error_help"])  # nobody passed a chat on: not defined
    assert all(math.isnan(v) for v in belief_gaps(recs[:2]).values())


def test_a_flat_salary_is_foreseen_exactly_and_output_pay_is_not():
    """Under a flat salary the pay function ignores every metric, so what an agent who worked
    the whole period expects is what it is paid, to the last digit; under commission the
    expected sales are off, and so is the expected pay."""
    scn = store()
    result, summary = run(scn, "flat")
    counted = [r for r in result.agents if r["period"] >= 2 and r["present"] >= 1.0]
    assert len(counted) >= 40
    assert all(r["predicted_pay"] == r["pay"] == 1500.0 for r in counted)
    assert summary["belief_error_pay"] == 0.0 and summary["belief_bias_pay"] == 0.0
    _, paid = run(scn, "commission")
    assert paid["belief_error_pay"] > 0.0 and np.isfinite(paid["belief_bias_pay"])


@pytest.mark.parametrize("scheme", ["commission", "kpi"])
def test_expected_pay_is_the_pay_function_of_the_expected_metrics_of_the_action_in_force(scheme):
    """Each record's expectations belong together and to the action the agent held: the
    scheme's own pay of its ``predicted_<metric>`` values is its ``predicted_pay`` (both
    schemes pay on an agent's own metrics), and an agent who did not cooperate expected to
    hand over and to take no chat while one who did expected to take its team's share."""
    scn = store()
    result, _ = run(scn, scheme)
    pay_fn = Scheme(scn.schemes[scheme])
    recs = [r for r in result.agents if np.isfinite(r["predicted_pay"])]
    assert len(recs) >= 60
    metrics = {m: np.array([[r[f"predicted_{m}"]] for r in recs]) for m in METRICS}
    team = np.zeros(len(recs), int)
    pay = np.asarray(pay_fn.pay(metrics, PayContext(team, 1, predict=True,
                                                   others={m: v[:, 0] for m, v in metrics.items()})))
    assert np.allclose(np.broadcast_to(pay, (len(recs), 1))[:, 0],
                       [r["predicted_pay"] for r in recs], rtol=1e-12, atol=1e-9)
    for r in recs:
        if r["coop"] == 0.0:
            assert r["predicted_transfers_given"] == 0.0 == r["predicted_transfers_received"]
    helpers = [r for r in recs if r["coop"] > 0.0 and r["period"] >= 1]
    assert helpers and any(r["predicted_transfers_received"] > 0.0 for r in helpers)


def test_without_adaptive_behaviour_agents_still_say_what_they_expect_of_the_kept_action():
    """Agents who keep their action choose nothing, but each record still carries what they
    expect of it (as ``predicted_routed`` does): no NaN, and the gaps are reported."""
    result, summary = run(store(adaptive=False), "commission")
    for r in result.agents:
        for key in EXPECTED:
            assert np.isfinite(r[f"predicted_{key}"]), (key, r["period"], r["agent"])
    assert np.isfinite(summary["belief_error_pay"]) and np.isfinite(summary["belief_bias_pay"])


def _history(n: int = 3, comfort: int = 3, cap: int = 5) -> beh.History:
    return beh.History(
        skill=np.linspace(0.8, 1.2, n), cap=np.full(n, cap), comfort=np.full(n, comfort),
        team=np.zeros(n, int), routed_at=900.0 * np.arange(cap + 1.0)[None, :].repeat(n, axis=0),
        pre_share=np.full(n, 0.7), mean_price=np.full(n, 160.0),
        received_per_coop=np.full(n, 50.0), shift_seconds=8 * 3600 * 30.0, queue_wait_s=2.0,
        last={})


def test_chats_handed_over_are_the_share_the_agent_s_class_handed_over_last_period():
    """With last period's shares by (cooperation, limit below / at / above comfort) class, a
    cooperating action hands over exactly that share of the chats it expects to be routed;
    an action without cooperation hands over none; a class nobody was in keeps the rule of
    time above comfort (as before any period was observed)."""
    scn = Scenario.model_validate({})
    g = beh.Grid(np.full(6, 0.5), np.full(6, 0.5), np.array([2, 4, 5, 4, 3, 3]),
                 np.array([1.0, 1.0, 1.0, 0.0, 1.0, 0.0]))
    h = _history()
    rule, _ = beh.predict(scn, h, g)
    h.pass_share = {("class", 1.0, 1): 0.4, ("class", 1.0, -1): 0.01}  # at comfort: unseen
    seen, _ = beh.predict(scn, h, g)
    routed = 900.0 * np.minimum(g.threshold, 5)
    np.testing.assert_allclose(seen["transfers_given"][:, 0], 0.01 * routed[0])  # limit 2
    np.testing.assert_allclose(seen["transfers_given"][:, 1:3], 0.4 * routed[None, 1:3]
                               .repeat(3, axis=0))  # limits 4, 5: above comfort 3
    assert np.all(seen["transfers_given"][:, [3, 5]] == 0.0)  # no cooperation
    np.testing.assert_array_equal(seen["transfers_given"][:, 4], rule["transfers_given"][:, 4])
    assert np.all(seen["served"][:, 1] < rule["served"][:, 1])  # handing more over, keeping less


def test_agents_expect_to_hand_over_what_their_class_handed_over():
    """In a run, every cooperating agent that chose at a period end expects to hand over the
    share of its routed chats that the agents of its class (same cooperation, limit below, at
    or above comfort) handed over in the period before: ``predicted_transfers_given`` =
    that share x ``predicted_routed``. Every agent has the same cap and comfort here, so the
    class can be read off the records."""
    scn = Scenario.model_validate({
        "name": "pass-share", "sim": {"days": 60, "period_days": 10},
        "demand": {"daily_volume": 1800.0, "events": []},
        "teams": [{"name": "A", "agents": 8}, {"name": "B", "agents": 8}],
        "agents": {"cap_novice": 5, "cap_expert": 5, "comfort_novice": 3, "comfort_expert": 3},
        "attrition": {"enabled": False}, "schemes": SCHEMES})
    result = Engine(scn, PaidTeam(scn, "kpi"), seed=5, rep=0).run()
    recs = result.agents

    def side(r):
        return int(np.sign(min(5, max(1, r["threshold"])) - 3))

    checked = 0
    for p in range(1, 6):
        before = [r for r in recs if r["period"] == p - 1 and r["coop"] > 0]
        for r in (r for r in recs if r["period"] == p and r["coop"] > 0):
            cls = [b for b in before if b["coop"] == r["coop"] and side(b) == side(r)]
            routed = sum(b["routed"] for b in cls)
            if not routed:
                continue
            share = sum(b["transfers_given"] for b in cls) / routed
            assert r["predicted_transfers_given"] == pytest.approx(
                share * r["predicted_routed"], rel=1e-9, abs=1e-9), (p, r["agent"])
            checked += 1
    assert checked >= 30
