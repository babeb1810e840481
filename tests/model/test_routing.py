"""Routing modes (issue 11 item 3): each rule on small deterministic cases, then in a store.

Router-level tests build a handful of agents by hand, set their open chats and limits, and
ask the router; statistical checks use fixed seeds and tolerances of 4 binomial standard
errors (stated at each test).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from policysim.config.schema import Scenario
from policysim.model.agents import Agent
from policysim.model.routing import LeastLoaded, MostAvailable, RoundRobin, make_routing
from policysim.model.routing_qianniu import Sticky, Weighted
from policysim.model.streams import Uniforms

HOUR = 3600.0


def ties(seed: int = 1) -> Uniforms:
    return Uniforms(np.random.default_rng(seed))


def agent(i: int, team: int = 0, limit: int = 3, cap: int = 5, open_: int = 0) -> Agent:
    a = Agent(i, team, 0, 0, 0.0, 1.0, 1.0, 0.0)
    a.on_shift, a.limit, a.cap, a.comfort, a.open = True, limit, cap, 2, open_
    return a


def team(router, specs) -> list[Agent]:
    agents = [agent(i, **s) for i, s in enumerate(specs)]
    for a in agents:
        router.changed(a)
    return agents


def take(router, a: Agent) -> None:
    a.open += 1
    router.opened(a)


def finish(router, a: Agent) -> None:
    a.open -= 1
    router.closed(a)


# ------------------------------------------------------------------ one rule each
def test_least_loaded_picks_fewest_open():
    r = LeastLoaded(5, 1, ties())
    a, b, c = team(r, [{"open_": 2}, {"open_": 1}, {"open_": 3, "limit": 3}])  # c is hung up
    assert r.pick() is b
    take(r, b)
    assert {r.pick() for _ in range(50)} == {a, b}  # both at 2 open: random ties



def test_round_robin_a_passed_chat_is_the_passers_turn_not_the_helpers():
    """Without this the agent who passes chats on keeps its old turn, stays at the head of
    the line and is given every new chat while it sits at comfort."""
    r = RoundRobin(1, ties())
    agents = team(r, [{}, {}, {}])
    first = r.pick()
    helper = next(a for a in agents if a is not first)
    r.passed(first)              # the router gave `first` the chat; it goes to `helper`
    helper.open += 1
    r.received(helper)
    second = r.pick()
    assert second is not first   # `first` has had its turn
    order = [second]
    for _ in range(2):           # the helper's turn did not move: everyone is served once
        a = r.pick()
        take(r, a)
        finish(r, a)
        order.append(r.pick())
    assert first not in order[:2] and helper in order[:2]
    # the other modes need nothing from a pass and count a transfer as any opened chat
    ll = LeastLoaded(5, 1, ties())
    x, y = team(ll, [{}, {"open_": 1}])
    ll.passed(x)
    assert ll.pick() is x
    y.open -= 1
    x.open += 1
    ll.received(x)
    ll.closed(y)
    assert ll.pick() is y

def test_most_available_picks_largest_spare_with_random_ties():
    r = MostAvailable(5, 1, ties())
    # spare = limit - open: 2, 3, 3, 0 (the last has hung up)
    a, b, c, d = team(r, [{"limit": 5, "open_": 3}, {"limit": 3}, {"limit": 4, "open_": 1},
                          {"limit": 2, "open_": 2}])
    picks = [r.pick() for _ in range(200)]
    assert set(picks) == {b, c}
    take(r, b)
    take(r, c)  # spares now 2, 2, 2: all of a, b, c
    assert {r.pick() for _ in range(200)} == {a, b, c}
    r2 = MostAvailable(5, 1, ties())
    x, y = team(r2, [{"limit": 5, "open_": 1}, {"limit": 2}])
    assert r2.pick() is x  # 4 spare beats 2 spare although x holds more chats


def test_round_robin_cycles_through_eligible_agents():
    r = RoundRobin(1, ties())
    agents = team(r, [{}, {}, {}])
    order = []
    for _ in range(9):
        a = r.pick()
        order.append(a.id)
        take(r, a)
        finish(r, a)  # chats end at once: everyone stays eligible
    first = order[:3]
    assert sorted(first) == [0, 1, 2]
    assert order == first * 3
    # an agent off shift is skipped; back on shift, it is the longest since an assignment
    x = agents[first[0]]
    x.on_shift = False
    r.changed(x)
    skipped = []
    for _ in range(4):
        a = r.pick()
        skipped.append(a.id)
        take(r, a)
        finish(r, a)
    assert skipped == [first[1], first[2]] * 2
    x.on_shift = True
    r.changed(x)
    assert r.pick() is x


def test_weighted_shares_match_weights():
    # two agents, weights 3 and 1, busyness off; n independent picks: the share of the
    # first is binomial with p = 0.75, SE = sqrt(p (1 - p) / n) = 0.0031 at n = 20000
    w = {0: 3.0, 1: 1.0}
    r = Weighted(lambda a: w[a.id], False, 1, ties(7))
    a, b = team(r, [{}, {}])
    n = 20000
    share = sum(r.pick() is a for _ in range(n)) / n
    se = math.sqrt(0.75 * 0.25 / n)
    assert abs(share - 0.75) < 4 * se


def test_weighted_with_busyness_weighs_spare_capacity():
    # keys weight x spare: 1 x 3 and 3 x 1 -> equal chances (p = 0.5, SE 0.0035 at n = 20000)
    w = {0: 1.0, 1: 3.0}
    r = Weighted(lambda a: w[a.id], True, 1, ties(8))
    a, b = team(r, [{"limit": 3}, {"limit": 3, "open_": 2}])
    n = 20000
    share = sum(r.pick() is a for _ in range(n)) / n
    assert abs(share - 0.5) < 4 * math.sqrt(0.25 / n)
    take(r, b)  # b hangs up (open = limit): never picked
    assert {r.pick() for _ in range(100)} == {a}
    take(r, a), take(r, a), take(r, a)
    assert r.pick() is None


def test_weighted_zero_weight_never_picked():
    w = {0: 0.0, 1: 2.0}
    r = Weighted(lambda a: w[a.id], False, 1, ties())
    a, b = team(r, [{}, {}])
    assert {r.pick() for _ in range(100)} == {b}


def test_sticky_recent_contact_rule():
    fallback = LeastLoaded(5, 1, ties())
    r = Sticky(fallback)
    last, other = team(r, [{"limit": 2, "cap": 4, "open_": 2}, {"limit": 3, "open_": 0}])
    # hung up (open = limit) but below its cap: back to it within 24 h, not at 48 h
    assert r.pick(last, 3 * HOUR) is last
    assert r.pick(last, 24 * HOUR) is last
    assert r.pick(last, 48 * HOUR) is other
    # not hung up: back to it within 72 h, not after
    finish(r, last)
    assert r.pick(last, 48 * HOUR) is last
    assert r.pick(last, 72 * HOUR + 1) is other
    # at its hard cap, or off shift: the fallback decides
    last.open = 4
    r.changed(last)
    assert r.pick(last, HOUR) is other
    last.open, last.on_shift = 0, False
    r.changed(last)
    assert r.pick(last, HOUR) is other
    assert r.pick(None) is other


@pytest.mark.parametrize("mode,cls", [
    ("least_loaded", LeastLoaded), ("most_available", MostAvailable), ("round_robin", RoundRobin),
    ("weighted", Weighted), ("sticky", Sticky)])
def test_scenario_mode_builds_its_router(mode, cls):
    scn = Scenario.model_validate(
        {"service": {"routing": {"mode": mode, "fallback": "round_robin"}}})
    router = make_routing(scn, lambda name: np.random.default_rng(0), lambda: 0.0)
    assert type(router) is cls
    if mode == "sticky":
        assert type(router.fallback) is RoundRobin
