"""Beliefs about routed chats come from what the router delivered (issue 11 item 4).

The curve fit is checked against values worked out by hand; the memory against fake period
records; the whole model against the bound of the issue on the baseline store.
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


def test_memory_fits_each_shift_and_scales_by_own_ratio():
    """Shift 0: limits 2 and 5 routed 1000 and 3000 a period; shift 1: limit 5 routed 2000
    in half a period (a hire: 4000 per full period). Each agent's belief is its shift's
    curve times its own realised / fitted ratio; a newcomer gets its shift's curve."""
    scn = Scenario()  # two 8-hour shifts, 30-day periods, cap 5
    beliefs = Beliefs(scn, n_teams=1)
    members = [_agent(0, 0, 5, 2, 30), _agent(1, 0, 5, 5, 30), _agent(2, 0, 5, 5, 30),
               _agent(3, 1, 5, 5, 15)]
    routed = [1000, 2800, 3200, 2000]
    records = [{"routed": y, "transfers_received": 0, "served": 0, "after_sales_share": 0.0,
                "mean_price": 100.0} for y in routed]
    metrics = {"served": np.zeros(4)}
    engine = SimpleNamespace(daily=[{"inquiries": 0, "wait_sum_s": 0.0}], agents=members)
    beliefs.predicted = {1: 2500.0}
    beliefs.remember(engine, records, members, metrics)
    assert [r["realised_routed"] for r in records] == [1000, 2800, 3200, 4000]
    assert records[1]["predicted_routed"] == 2500.0
    assert np.isnan(records[0]["predicted_routed"])
    shift0 = np.array([0, 500, 1000, 5000 / 3, 7000 / 3, 3000])
    np.testing.assert_allclose(beliefs.memory["curves"][0], shift0, rtol=1e-12)
    np.testing.assert_allclose(beliefs.memory["curves"][1], np.arange(6) * 800.0, rtol=1e-12)
    newcomer = _agent(4, 0, 3, 3, 0)
    beliefs.memory["last"] = None  # only the routed-chat table is checked here
    h = beliefs.history(engine, [*members, newcomer], (0.5, 0.5, 5, 0.0))
    np.testing.assert_allclose(h.routed_at[0], shift0, rtol=1e-12)  # ratio 1000 / 1000
    np.testing.assert_allclose(h.routed_at[1], shift0 * 2800 / 3000, rtol=1e-12)
    np.testing.assert_allclose(h.routed_at[2], shift0 * 3200 / 3000, rtol=1e-12)
    np.testing.assert_allclose(h.routed_at[3], np.arange(6) * 800.0, rtol=1e-12)
    np.testing.assert_allclose(h.routed_at[4], shift0, rtol=1e-12)


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


def test_baseline_belief_error_is_within_the_issue_bound(baseline_run):
    """Issue 11: belief_error_routed <= 0.15 on the baseline store (one replication, 180
    days: periods 2-5 count). Measured 0.095 here; 0.117 over the baseline's 10 replications
    of 365 days (docs/model.md section 4.2)."""
    err = baseline_run.summary["belief_error_routed"]
    assert np.isfinite(err) and err <= 0.15


def test_realised_routed_is_routed_per_full_period(baseline_run):
    a = baseline_run.agents
    full = a[(a.present == 1.0) & (a.period < 5)]
    assert len(full) > 100
    assert (full.realised_routed == full.routed).all()
    # agents who chose in the run carry the prediction for their chosen action
    assert a.loc[a.period >= 1, "predicted_routed"].notna().mean() > 0.9
