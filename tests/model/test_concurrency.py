"""Tests for policysim.model.concurrency (live concurrency as virtual-time processor sharing).

Exact checks: finishing times of a hand-worked example, and of random chat streams against
an independent per-chat remaining-work simulation (every open chat's remaining work reduced
at every event); a load change costs at most one new timeout per agent whatever its number
of open chats. Engine level: with a speed table the engine's open-chat area obeys Little's
law against durations computed from the same rule.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from policysim.model.agents import Agent
from policysim.model.concurrency import LiveWork

SPEED = [0.0, 1.0, 0.5, 0.25, 0.2, 0.15, 0.1]


class Floor:
    """One agent driven the way the engine drives it: advance, change load, tell LiveWork."""

    def __init__(self, speed=SPEED) -> None:
        self.env = simpy.Environment()
        self.timeouts = 0
        timeout = self.env.timeout

        def counted(delay, value=None):
            self.timeouts += 1
            return timeout(delay, value)

        self.env.timeout = counted
        self.live = LiveWork(self.env, speed, self.finish)
        self.agent = Agent(0, 0, 0, 0, 0.0, 1.0, 1.0, 0.0)
        self.done: list[float] = []

    def open(self, work: float) -> None:
        a = self.agent
        self.live.advance(a)
        a.open += 1
        self.live.start(a, work)

    def finish(self, a: Agent, chat=None) -> None:
        self.live.advance(a)
        a.open -= 1
        self.done.append(self.env.now)
        self.live.changed(a)

    def at(self, t: float, work: float) -> None:
        ev = self.env.timeout(t - self.env.now)
        ev.callbacks.append(lambda _ev: self.open(work))


def test_hand_worked_example():
    # A (work 60) alone from 0; B (60) joins at 30: both at half speed, A's last 30 take 60 s
    # -> A ends at 90 with B 30 done; B alone until C (10) joins at 100, B then 20 left;
    # both at half speed: C ends at 120, B has 10 left, alone -> 130.
    f = Floor()
    f.open(60.0)
    f.at(30.0, 60.0)
    f.env.run(until=95.0)
    f.at(100.0, 10.0)
    f.env.run()
    assert f.done == pytest.approx([90.0, 120.0, 130.0], abs=1e-9)
    assert f.agent.open == 0 and f.agent.work == []


def reference_finishes(starts, works, speed) -> list[float]:
    """Processor sharing by brute force: every open chat's remaining work at every event."""
    remaining: list[float] = []
    t, out, i = 0.0, [], 0
    while i < len(starts) or remaining:
        k = len(remaining)
        next_done = t + min(remaining) / speed[k] if remaining else math.inf
        next_start = starts[i] if i < len(starts) else math.inf
        t_new = min(next_done, next_start)
        if k:
            remaining = [r - speed[k] * (t_new - t) for r in remaining]
        t = t_new
        if next_done <= next_start:
            j = int(np.argmin(remaining))
            remaining.pop(j)
            out.append(t)
        else:
            remaining.append(works[i])
            i += 1
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_streams_match_remaining_work_simulation(seed):
    rng = np.random.default_rng(seed)
    n = 300
    starts = np.cumsum(rng.exponential(20.0, n)).tolist()
    works = rng.exponential(30.0, n).tolist()
    speed = [0.0, *rng.uniform(0.2, 1.2, 40).tolist()]  # not monotone on purpose
    f = Floor(speed)
    for t, w in zip(starts, works):
        f.at(t, w)
    f.env.run()
    want = reference_finishes(starts, works, speed)
    assert len(f.done) == n and max(f.agent.open, len(f.agent.work)) == 0
    assert f.done == pytest.approx(want, rel=1e-9, abs=1e-6)
    assert max(want) > starts[-1]  # loads above one were exercised
    assert sum(1 for a, b in zip(starts[1:], want) if b > a) > 20


def test_a_load_change_costs_at_most_one_timeout_per_agent():
    f = Floor()
    for w in (100.0, 200.0, 300.0, 400.0):
        f.open(w)
    before = f.timeouts
    f.open(500.0)  # a fifth chat starts work: the other four slow down
    assert f.timeouts - before <= 1
    f.env.run(until=1.0)
    a = f.agent
    before = f.timeouts
    f.live.advance(a)  # a sixth chat in its reply phase: all five slow down
    a.open += 1
    f.live.changed(a)
    assert f.timeouts - before <= 1
    f.env.run(until=2.0)
    before = f.timeouts
    f.live.advance(a)  # its buyer had left: the slot frees and all five speed up
    a.open -= 1
    f.live.changed(a)
    assert f.timeouts - before <= 1  # 0 here: the timeout set at load 5 is still right
    f.env.run()
    assert len(f.done) == 5 and a.work == []


def test_a_very_fast_load_still_finishes_its_chats():
    """At a per-chat speed of 1e6 the rounding of the clock (about 1e-11 s at 1e5 s) is
    worth more work than FINISH_TOL; the chat must still finish rather than fire a zero
    delay timeout for ever (found with validate chat --per-chat-rates 1,1e6). Counted in
    event steps, not time."""
    f = Floor(speed=[0.0, 1.0, 1e6])
    rng = np.random.default_rng(1)
    t = 0.0
    for _ in range(200):
        t += rng.exponential(600.0)
        f.at(t, float(rng.exponential(60.0)))
    steps = 0
    while f.env.peek() < math.inf and steps < 10_000:
        f.env.step()
        steps += 1
    assert len(f.done) == 200 and f.agent.open == 0 and f.agent.work == []


# ------------------------------------------------------------------- engine level
@pytest.mark.parametrize("table", [[1.0, 0.7, 0.5], None])
def test_saturated_agent_serves_at_k_times_the_speed_of_its_full_load(table):
    """One agent always holding K = 3 chats (buyers never leave, arrivals at twice its
    capacity) finishes chats as a Poisson process of rate K v(K) / w: what
    production.handle_scale (w / v(K) per chat at a steady load K) says. The count of chats
    started in a day is that count plus the K open at the end; tolerance 4 x sqrt(mean)."""
    from policysim.experiment.runner import Job, run_job
    from policysim.model import production as prod
    from policysim.validation.chat import chat_scenario

    scn = chat_scenario(1, 3, 1.0, [1.0, 0.7, 0.5], 0.0, days=1)
    if table is None:  # the power law k^-alpha instead of the table
        data = scn.model_dump()
        data["service"]["concurrency"] = {"per_chat_rate": None}
        scn = type(scn).model_validate(data)
    data = scn.model_dump()
    duration = float(prod.handle_scale(scn, 1.0, 3, 0.5, 0.5, True))  # s per chat at load 3
    rate_per_day = 3 * 86400.0 / duration
    data["demand"]["daily_volume"] = 2.0 * rate_per_day
    scn = type(scn).model_validate(data)
    o = run_job(Job(scn, 0, 7, 1))
    started = float(o.daily["answered"].sum())
    assert abs(started - 3 - rate_per_day) <= 4 * math.sqrt(rate_per_day), (started, rate_per_day)
    mean_open = o.daily["open_chat_area_s"].sum() / 86400.0
    assert mean_open > 2.99  # saturated all day
