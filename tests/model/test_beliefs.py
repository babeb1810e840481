"""Beliefs about routed chats come from what the router delivered (issue 11 item 4).

The prior's curve fit and the memory are checked against values worked out by hand on fake
period records; the bound of the issue in every routing mode is in test_beliefs_router.py.

The decomposition of ``belief_error_routed`` (policysim.experiment.belief_gap): its two
better-informed predictions are checked by hand on the same fake period, and on real runs:
switching the diagnosis on must not change a run, and without adaptive behaviour (nobody
changes limit) knowing colleagues' new limits must add nothing.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from policysim.config.schema import Scenario
from policysim.config.validate import load_model
from policysim.experiment.belief_gap import diagnosed_run, floor_facts, markdown
from policysim.experiment.belief_gap import gap as belief_gap_of
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
    """Weighted routing with busyness (all weights 1: an agent holds limit x u, a rule kept
    at the mean load); the early shift (8 h) gets 3 buyers an hour, a chat holds its slot an
    hour, so 3 chats are open: limits 2 and 4 share them at 2u + 4u = 3, u = 1/2, 1 and 2
    open, 240 and 480 chats a period (x 8 h x 30 days). They were routed 300 (limit 2, below
    comfort 3) and 450 (limit 4, above): the ratios of their (cooperation, side of comfort)
    classes are 300/240 and 450/480, and each agent's own ratio 1. The late shift's agent
    (limit 5, alone with 3 chats an hour: 720 a period) was routed 360 and cooperates: its
    class's ratio is 1/2.

    Next period a newcomer with limit 4 joins the early shift: 2u + 2 x 4u = 3 gives u =
    0.3, so 0.3 k open and 72 k chats a period at limit k, times the ratio of the candidate's
    class, else of everybody (1110/1440). A keeper predicts exactly what it was routed for
    its own action."""
    scn = Scenario.model_validate({"service": {"routing": {"mode": "weighted"}}})
    beliefs = Beliefs(scn, n_teams=1)
    members = [_agent(0, 0, 5, 2, 30), _agent(1, 0, 5, 4, 30), _agent(2, 1, 5, 5, 30)]
    members[2].coop = 1.0
    for a in members:
        a.comfort = 3
    routed = [300, 450, 360]
    records = [{"routed": y, "handled": y, "transfers_received": 0, "transfers_given": 0,
                "served": 0, "after_sales_share": 0.0, "mean_price": 100.0} for y in routed]
    records[2]["transfers_given"] = 90  # the cooperating agent handed a quarter over at once
    engine = _fake_engine(members, [0] * 8 + [3] * 16, 3600.0, sum(routed))
    beliefs.predicted = {1: 400.0}
    beliefs.remember(engine, records, members, {"served": np.zeros(3)})
    assert [r["realised_routed"] for r in records] == routed
    # the share its class (cooperating, limit 5 above comfort 3) handed over: docs/model.md 4.3
    assert beliefs.memory["pass_share"] == {("class", 1.0, 1): pytest.approx(90 / 360)}
    assert records[1]["predicted_routed"] == 400.0 and np.isnan(records[0]["predicted_routed"])
    mult = beliefs.memory["group_mult"]
    assert mult[("class", 0.0, -1)] == pytest.approx(300 / 240)
    assert mult[("class", 0.0, 1)] == pytest.approx(450 / 480)
    assert mult[("class", 1.0, 1)] == pytest.approx(360 / 720)
    assert mult[None] == pytest.approx(1110 / 1440)
    assert len(mult) == 4
    newcomer = _agent(3, 0, 5, 4, 0)
    newcomer.comfort = 3
    beliefs.memory["last"] = None  # only the routed-chat tables are checked here
    h = beliefs.history(engine, [*members, newcomer], (0.5, 0.5, 5, 0.0))
    every = 1110 / 1440
    # limits 1..5: class below (2), nobody at comfort (all), class above (4, 5)
    ratio = np.array([0, 300 / 240, 300 / 240, every, 450 / 480, 450 / 480])
    k = np.arange(6)
    np.testing.assert_allclose(h.routed_by_coop[0.0][3], 72 * k * ratio, rtol=1e-9)
    coop_ratio = np.array([0, every, every, every, 0.5, 0.5])
    np.testing.assert_allclose(h.routed_by_coop[1.0][3], 72 * k * coop_ratio, rtol=1e-9)
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


@pytest.mark.slow
def test_realised_routed_is_routed_per_full_period(baseline_run):
    a = baseline_run.agents
    full = a[(a.present == 1.0) & (a.period < 5)]
    assert len(full) > 100
    assert (full.realised_routed == full.routed).all()
    # agents who chose in the run carry the prediction for their chosen action
    assert a.loc[a.period >= 1, "predicted_routed"].notna().mean() > 0.9


# ------------------------------------------------ decomposition of the error (belief_gap)
def _period():
    """test_beliefs.py's period: weighted with busyness, early shift (limits 2 and 4) 3 chats
    open an hour for 8 h, rule 1 and 2 open = 240 and 480 a period, routed 300 and 450; the
    late shift's cooperating agent (limit 5) 720 by the rule, routed 360."""
    scn = Scenario.model_validate({"service": {"routing": {"mode": "weighted"}}})
    beliefs = Beliefs(scn, n_teams=1)
    beliefs.diagnose = True
    members = [_agent(0, 0, 5, 2, 30), _agent(1, 0, 5, 4, 30), _agent(2, 1, 5, 5, 30)]
    members[2].coop = 1.0
    for a in members:
        a.comfort = 3
        a.last_action = (0.5, 0.5, a.threshold, a.coop)
    routed = [300, 450, 360]
    records = [{"routed": y, "handled": y, "transfers_received": 0, "transfers_given": 0,
                "served": 0, "after_sales_share": 0.0, "mean_price": 100.0} for y in routed]
    engine = _fake_engine(members, [0] * 8 + [3] * 16, 3600.0, sum(routed))
    return beliefs, members, records, engine


def test_ex_post_prediction_is_this_period_rule_and_class_ratio_times_last_own_ratio():
    """Each agent is alone in its (cooperation, side of comfort) class, so this period's rule
    times its class's ratio is exactly what it was routed; the ex-post prediction multiplies
    that by the own ratio remembered from the period before (1.2 for agent 0, none = 1 for
    the others). Without a period before there is none."""
    beliefs, members, records, engine = _period()
    beliefs.memory = {"routed_factor": {0: 1.2}}
    beliefs.remember(engine, records, members, {"served": np.zeros(3)})
    assert [r["predicted_routed_expost"] for r in records] == pytest.approx([360.0, 450.0, 360.0])
    assert all(np.isnan(r["predicted_routed_informed"]) for r in records)  # nothing expected

    beliefs, members, records, engine = _period()
    beliefs.remember(engine, records, members, {"served": np.zeros(3)})
    assert all(np.isnan(r["predicted_routed_expost"]) for r in records)


def test_informed_prediction_works_the_rule_over_colleagues_new_limits():
    """Next period agent 1 lowers its limit from 4 to 2. Believed with last period's limits,
    agent 0 (limit 2) holds 1 (2u + 4u = 3): 240 x its class ratio 300/240 = 300. Knowing
    agent 1's new limit, 2u + 2u = 3 gives u = 3/4 and 1.5 open: 360 x 300/240 = 450 for
    agent 0, and for agent 1, now below comfort like agent 0, the same."""
    beliefs, members, records, engine = _period()
    beliefs.remember(engine, records, members, {"served": np.zeros(3)})
    beliefs.memory["last"] = None  # only the routed-chat tables are read here
    default = (0.5, 0.5, 5, 0.0)
    h = beliefs.history(engine, members, default)
    assert beliefs.expected(members[0], h, 0, members[0].last_action) == pytest.approx(300.0)
    members[1].threshold = 2
    members[1].last_action = (0.5, 0.5, 2, 0.0)
    beliefs.expect_informed(engine, members, members[:2], default)
    assert beliefs.informed[0] == pytest.approx(450.0)
    assert beliefs.informed[1] == pytest.approx(450.0)


DAYS = 120  # four 30-day periods: periods 2 and 3 are counted


@pytest.mark.slow
def test_diagnosis_leaves_the_run_unchanged_and_matches_its_error():
    """With persistent tastes too (their stream must not be disturbed either); the run has
    hires, who choose alone. The informed prediction is worked out after the choices: it
    differs from the agent's own where limits moved."""
    scn = load_model(Scenario, "scenarios/baseline.yaml", ["service.routing.mode=most_available",
                                                           "behaviour.taste_persistence=0.7"])
    plain = run_job(Job(scn, 0, scn.sim.seed, DAYS, "kpi"))
    assert (plain.agents.tenure_days < DAYS).any()  # hires
    recs = diagnosed_run(scn, "kpi", DAYS)
    diag = pd.DataFrame(recs)
    cols = [c for c in plain.agents.columns if c not in ("rep", "scheme", "point")]
    pd.testing.assert_frame_equal(diag[cols], plain.agents[cols])
    assert diag.predicted_routed_informed.notna().sum() > 40
    assert diag.predicted_routed_expost.notna().sum() > 40
    both = diag[diag.predicted_routed.notna()]
    assert (both.predicted_routed_informed != both.predicted_routed).mean() > 0.5
    gap = belief_gap_of(recs)
    assert gap["belief_error_routed"] == plain.summary["belief_error_routed"]
    assert gap["agent_periods"] >= 40
    for key in ("informed", "ex_post", "coop_share", "coop_switch", "passed_on",
                "top_agent_share"):
        assert np.isfinite(gap[key]) and gap[key] >= 0.0, key
    assert "| `most_available` | kpi |" in markdown(pd.DataFrame([{"mode": "most_available",
                                                                   "scheme": "kpi"} | gap]))


@pytest.mark.slow
def test_without_adaptive_behaviour_knowing_colleagues_limits_adds_nothing():
    scn = load_model(Scenario, "scenarios/baseline.yaml", ["behaviour.adaptive=false"])
    recs = pd.DataFrame(diagnosed_run(scn, "commission", DAYS))
    both = recs[recs.predicted_routed.notna()]
    assert len(both) > 40
    np.testing.assert_allclose(both.predicted_routed_informed, both.predicted_routed, rtol=1e-12)


def test_floor_facts_by_hand():
    """Two agents over periods 1-3 (period 1 only gives the switch its 'before'): agent 0
    cooperates in periods 2 and 3 after not in 1 (one switch), agent 1 never. Periods 2 and 3:
    routed 30 + 10 and 20 + 20, passed on 8 + 0 and 4 + 0."""
    recs = pd.DataFrame({
        "agent": [0, 0, 0, 1, 1, 1], "period": [1, 2, 3, 1, 2, 3],
        "coop": [0.0, 1.0, 1.0, 0.0, 0.0, 0.0], "routed": [5, 30, 20, 5, 10, 20],
        "transfers_given": [0, 8, 4, 0, 0, 0], "predicted_routed": [1.0] * 6})
    f = floor_facts(recs)
    assert f["agent_periods"] == 4
    assert f["coop_share"] == pytest.approx(0.5)
    assert f["coop_switch"] == pytest.approx(0.25)  # one of four agent-periods
    assert f["passed_on"] == pytest.approx(12 / 80)
    assert f["top_agent_share"] == pytest.approx((30 / 40 + 20 / 40) / 2)

    # agent 1 absent in period 2: its period-3 record has no record of the period before and
    # is left out (not compared with period 1): one switch in agent 0's two known periods
    gap = recs[~((recs.agent == 1) & (recs.period == 2))]
    assert floor_facts(gap)["coop_switch"] == pytest.approx(1 / 2)


@pytest.mark.slow
def test_belief_gap_command_prints_the_table_and_rejects_bad_input(capsys):
    from policysim.experiment.belief_gap import main

    assert main(["--modes", "least_loaded", "--schemes", "commission", "--days", "90",
                 "--workers", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| mode | scheme | error | informed | ex post |")
    assert out[2].startswith("| `least_loaded` | commission | ")
    for argv, said in [(["--modes", "nope"], "service.routing.mode"),
                       (["--schemes", "kpi,zzz"], "found ['zzz']"),
                       (["missing.yaml"], "missing.yaml"), (["--days", "0"], "--days"),
                       (["--set", "behaviour.taste_persistence=2"],
                        "behaviour.taste_persistence: expected")]:
        assert main(argv) == 2
        assert said in capsys.readouterr().err
