"""Beliefs about routed chats come from what the router delivered (issue 11 item 4).

The prior's curve fit and the memory are checked against values worked out by hand on fake
period records; the bound of the issue in every routing mode is in test_beliefs_router.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from policysim.config.schema import Scenario
from policysim.config.validate import load_model
from policysim.experiment.runner import Job, run_job
from policysim.model.agents import Agent
from policysim.model.beliefs import Beliefs, routed_curve


def test_curve_pools_violators_joins_origin_and_saturates():
    # limit 2: mean of 100 and 120 = 110; limit 3: 90 violates monotonicity and is pooled
    # with limit 2 into (110 x 2 + 90) / 3; limit 5: 200; straight lines from (0, 0); flat
    # beyond 5; the zero-weight pair at limit 1 is ignored
    got = routed_curve([2, 2, 3, 5, 1], [100, 120, 90, 200, 999], [1, 1, 1, 1, 0], size=7)
    pooled = (110 * 2 + 90) / 3
    want = [0, pooled / 2, pooled, pooled, (pooled + 200) / 2, 200, 200]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_curve_weights_and_no_pairs():
    got = routed_curve([4, 4], [100, 400], [3, 1], size=6)
    np.testing.assert_allclose(got, [0, 43.75, 87.5, 131.25, 175, 175], rtol=1e-12)
    assert routed_curve([], [], [], size=4).tolist() == [0, 0, 0, 0]


def _agent(id_, shift, cap, threshold, shift_days):
    a = Agent(id_, team=0, shift=shift, hired_day=0, tenure0_days=100.0, s0=0.8, s_inf=1.0,
              experience=0.0)
    a.cap, a.threshold, a.coop = cap, threshold, 0.0
    a.shift_time = shift_days * 8 * 3600.0  # both default shifts last 8 hours
    return a


def _fake_engine(agents, arrivals_per_hour, slot_s, handled):
    """An engine as far as beliefs read it: last period's days (open-chat seconds giving a
    chat's mean slot time ``slot_s`` over ``handled`` chats) and the demand plan."""
    days = [{"day": d, "inquiries": 0, "wait_sum_s": 0.0,
             "open_chat_area_s": slot_s * handled / 30} for d in range(30)]
    demand = SimpleNamespace(expected_per_hour=lambda day: np.asarray(arrivals_per_hour, float))
    return SimpleNamespace(daily=days, agents=agents, demand=demand, day=29,
                           env=SimpleNamespace(now=30 * 86400.0))


def test_memory_calibrates_the_router_rule_by_group_and_own_ratio():
    """Least-loaded routing; the early shift (8 h) gets 3 buyers an hour, a chat holds its
    slot an hour, so 3 chats are open: limits 2 and 4 share them at min(2, x) + min(4, x) = 3,
    x = 1.5 each, 1.5 x 8 h x 30 days = 360 chats a period each. They were routed 300 (limit
    2, below comfort 3) and 450 (limit 4, above): the ratios of their (cooperation, side of
    comfort) classes are 300/360 and 450/360, and each agent's own ratio 1. The late shift's
    agent (limit 5, alone with 3 chats an hour: 720 a period) was routed 360 and cooperates:
    its class's ratio is 1/2.

    Next period a newcomer with limit 4 joins the early shift: min(2, x) + 2 min(4, x) = 3
    gives x = 1, 240 chats a period at any limit >= 1, times the ratio of the candidate's
    class, else of everybody (1110/1440). A keeper predicts exactly what it was routed for
    its own action."""
    scn = Scenario.model_validate({"service": {"routing": {"mode": "least_loaded"}}})
    beliefs = Beliefs(scn, n_teams=1)
    members = [_agent(0, 0, 5, 2, 30), _agent(1, 0, 5, 4, 30), _agent(2, 1, 5, 5, 30)]
    members[2].coop = 1.0
    for a in members:
        a.comfort = 3
    routed = [300, 450, 360]
    records = [{"routed": y, "handled": y, "transfers_received": 0, "served": 0,
                "after_sales_share": 0.0, "mean_price": 100.0} for y in routed]
    engine = _fake_engine(members, [0] * 8 + [3] * 16, 3600.0, sum(routed))
    beliefs.predicted = {1: 400.0}
    beliefs.remember(engine, records, members, {"served": np.zeros(3)})
    assert [r["realised_routed"] for r in records] == routed
    assert records[1]["predicted_routed"] == 400.0 and np.isnan(records[0]["predicted_routed"])
    mult = beliefs.memory["group_mult"]
    assert mult[("class", 0.0, -1)] == pytest.approx(300 / 360)
    assert mult[("class", 0.0, 1)] == pytest.approx(450 / 360)
    assert mult[("class", 1.0, 1)] == pytest.approx(360 / 720)
    assert mult[None] == pytest.approx(1110 / 1440)
    assert len(mult) == 4
    newcomer = _agent(3, 0, 5, 4, 0)
    newcomer.comfort = 3
    beliefs.memory["last"] = None  # only the routed-chat tables are checked here
    h = beliefs.history(engine, [*members, newcomer], (0.5, 0.5, 5, 0.0))
    every = 1110 / 1440
    # limits 1..5: class below (2), nobody at comfort (all), class above (4, 5)
    ratio = np.array([0, 300 / 360, 300 / 360, every, 450 / 360, 450 / 360])
    np.testing.assert_allclose(h.routed_by_coop[0.0][3], 240 * ratio, rtol=1e-9)
    coop_ratio = np.array([0, every, every, every, 0.5, 0.5])
    np.testing.assert_allclose(h.routed_by_coop[1.0][3], 240 * coop_ratio, rtol=1e-9)
    np.testing.assert_allclose(h.routed_at[3], h.routed_by_coop[0.0][3])  # its own coop 0
    keepers = beliefs.history(engine, members, (0.5, 0.5, 5, 0.0))
    for i, (a, y) in enumerate(zip(members, routed)):
        assert keepers.routed_by_coop[a.coop][i, a.threshold] == pytest.approx(y, rel=1e-9)


def test_prior_is_an_equal_share_of_each_shift_hours_volume():
    """Before any period: 4 agents on shift 0 and 2 on shift 1 split the expected volume of
    their shift hours; the curve is flat from the agents' starting limit."""
    scn = Scenario.model_validate({"demand": {"daily_volume": 2400,
                                              "hour_profile": [0] * 8 + [1] * 16}})
    beliefs = Beliefs(scn, n_teams=1)
    agents = [_agent(i, 0 if i < 4 else 1, 5, 4, 0) for i in range(6)]
    engine = SimpleNamespace(daily=[], agents=agents)
    h = beliefs.history(engine, agents, (0.5, 0.5, 4, 0.0))
    per_agent = np.array([1200 / 4] * 4 + [1200 / 2] * 2) * 30  # each shift: 8 of 16 hours
    want = per_agent[:, None] * np.array([0, 0.25, 0.5, 0.75, 1.0, 1.0])[None, :]
    np.testing.assert_allclose(h.routed_at, want, rtol=1e-12)


@pytest.fixture(scope="module")
def baseline_run():
    scn = load_model(Scenario, "scenarios/baseline.yaml", [])
    return run_job(Job(scn, 0, scn.sim.seed, 180, "commission"))


def test_realised_routed_is_routed_per_full_period(baseline_run):
    a = baseline_run.agents
    full = a[(a.present == 1.0) & (a.period < 5)]
    assert len(full) > 100
    assert (full.realised_routed == full.routed).all()
    # agents who chose in the run carry the prediction for their chosen action
    assert a.loc[a.period >= 1, "predicted_routed"].notna().mean() > 0.9
