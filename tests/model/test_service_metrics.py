"""Service metrics without survivorship bias (issue 11 item 5): shares of all inquiries
answered within 30 s and 3 minutes, the same per agent as the platform and as the agent count
them, KPI lines that say which measure they read, and the share of returning buyers back
with their agent.

Hand counts recount a run along an independent path (the first-response histogram of answered
buyers, the agents' period records); the statistical check states its standard error.
"""

from __future__ import annotations


import numpy as np
import pytest

from policysim.config.schema import Scenario
from store_fixtures import all_day_store
from policysim.model.engine import Engine
from policysim.model.workforce import StaticTeam
from policysim.results.metrics import summarize


def make(**over) -> Scenario:
    """A small all-day store; top-level sections merged with ``over``."""
    return all_day_store("metrics-test", 2, **over)


def run(scn: Scenario, seed: int = 1):
    engine = Engine(scn, StaticTeam(scn), seed=seed)
    return engine, engine.run()


def total(res, key):
    return sum(d[key] for d in res.daily)


def test_new_metrics_equal_hand_counts():
    scn = make(service={"routing": {"mode": "sticky"}})
    engine, res = run(scn)
    s = summarize(res)
    inq = total(res, "inquiries")
    # first replies within 30 s / 180 s, recounted from the 1-second FRT histogram of answered
    # buyers (bin b holds FRT in [b, b + 1); an FRT of exactly 30.000 s has probability 0)
    assert s["reply_within_30s"] == res.frt_hist[:30].sum() / inq
    assert s["reply_within_180s"] == res.frt_hist[:180].sum() / inq
    # ... and from the agents' period records (each chat belongs to the agent who handled it)
    for key, col in (("replied_30s", "reply_within_30s"), ("replied_180s", "reply_within_180s")):
        by_agents = sum(round(r[col] * r["handled"]) for r in res.agents)
        assert by_agents == total(res, key)
    # unanswered buyers count as not replied: shares of all inquiries, below the answered share
    answered = total(res, "answered") / inq
    assert s["reply_within_30s"] < s["reply_within_180s"] <= answered < 1.0
    # the agent's own delay is never longer than the platform's measure
    for r in res.agents:
        assert r["reply_within_30s_agent"] >= r["reply_within_30s"]
        assert r["first_response_platform_s"] >= r["first_response_s"]


def test_kpi_line_reads_the_measure_it_names():
    from policysim.config.pay import Kpi
    from policysim.model.schemes import KpiPay

    m = {"first_response_s": np.array([10.0]), "first_response_platform_s": np.array([50.0]),
         "reply_within_30s": np.array([0.2]), "reply_within_30s_agent": np.array([0.9])}

    def score(name, measure, target, floor):
        line = {"weight": 1, "target": target, "floor": floor}
        if measure:
            line["measure"] = measure
        return float(KpiPay(Kpi(metrics={name: line})).score(m)[0])

    # first response: target 12 s, floor 40 s -> the agent's 10 s scores 100, the platform's 50 s 0
    assert score("first_response_s", "agent", 12, 40) == 100.0
    assert score("first_response_s", "platform", 12, 40) == 0.0
    assert score("first_response_s", None, 12, 40) == 0.0  # the platform's count by default
    # within 30 s: target 1.0, floor 0 -> the score is the share itself
    assert score("reply_within_30s", "agent", 1.0, 0.0) == pytest.approx(90.0)
    assert score("reply_within_30s", "platform", 1.0, 0.0) == pytest.approx(20.0)


@pytest.mark.parametrize("wait,patience", [(0.0, "exponential"), (12.0, "exponential"),
                                           (40.0, "exponential"), (5.0, "infinite")])
def test_predicted_reply_within_matches_a_monte_carlo(wait, patience):
    # Agents predict the within-30 s share from the mean reply r and mean patience P. Check the
    # formula against 200,000 draws of a reply Exp(r) and a remaining patience Exp(P) (fixed
    # seed); binomial SE sqrt(p (1 - p) / n) <= 0.0011, tolerance 4 SE.
    from policysim.model.behaviour import reply_within

    scn = make(demand={"patience": {"dist": patience, "mean_s": 90.0}})
    rng = np.random.default_rng(3)
    n, r = 200_000, 14.0
    reply = rng.exponential(r, n)
    left = rng.exponential(90.0, n) if patience == "exponential" else np.full(n, np.inf)
    hit = (wait + reply <= 30.0) & (reply <= left)
    p = float(reply_within(scn, 30.0, wait, np.array([r]))[0])
    assert abs(hit.mean() - p) < 4 * np.sqrt(max(p * (1 - p), 1e-12) / n) + 1e-12
