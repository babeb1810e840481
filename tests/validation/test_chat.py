"""Tests for policysim.validation.chat (exact chat chain) and check.check_chat (engine vs chain).

The exact solver lumps agents by load and attaches the queue by a product series; it is
checked against a chain that shares no code with it: agents labelled one by one (each holding
0..K chats), a new chat split evenly among the least-loaded labelled agents, the queue
truncated far out, solved densely. With K = 1 it must equal Erlang-A, and the simulated
check must reproduce ``validate erlang-a`` number for number (same store, same streams).

The simulation tests run the real engine on the degenerate store and require each measure
within 4 standard errors (the across-replication ``se`` the check returns) of the exact
value; a guard asserts those tolerances are tight enough to mean something (4 SE below a
quarter of the value).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from policysim.errors import UserError
from policysim.validation.chat import chat_exact, chat_scenario, load_states
from policysim.validation.check import check_chat, check_erlang
from policysim.validation.erlang import erlang_a

KEYS = ("p_wait", "p_abandon", "mean_wait", "mean_chats_per_agent")


def labelled_chain(n: int, k: int, lam: float, rates: list[float], theta: float, q_max: int = 150):
    """Exact measures from the chain over labelled agents' loads and a truncated queue."""
    loads = list(itertools.product(range(k + 1), repeat=n))
    states = [(s, 0) for s in loads] + [((k,) * n, q) for q in range(1, q_max + 1)]
    index = {st: i for i, st in enumerate(states)}
    gen = np.zeros((len(states), len(states)))
    for (s, q), i in index.items():
        low = min(s)
        if low < k:
            targets = [a for a in range(n) if s[a] == low]
            for a in targets:
                t = list(s)
                t[a] += 1
                gen[i, index[(tuple(t), 0)]] += lam / len(targets)
        elif q < q_max:
            gen[i, index[(s, q + 1)]] += lam
        for a in range(n):
            if s[a]:
                rate = s[a] * rates[s[a] - 1]
                if q:
                    gen[i, index[(s, q - 1)]] += rate
                else:
                    t = list(s)
                    t[a] -= 1
                    gen[i, index[(tuple(t), 0)]] += rate
        if q:
            gen[i, index[(s, q - 1)]] += q * theta
        gen[i, i] = -gen[i].sum()
    a = gen.T.copy()
    a[-1, :] = 1.0
    b = np.zeros(len(states))
    b[-1] = 1.0
    pi = np.linalg.solve(a, b)
    full = np.array([s == (k,) * n for s, _ in states])
    qs = np.array([q for _, q in states], dtype=float)
    chats = np.array([sum(s) for s, _ in states], dtype=float)
    eq = pi @ qs
    return {"p_wait": pi[full].sum(), "p_abandon": theta * eq / lam, "mean_wait": eq / lam,
            "mean_chats_per_agent": pi @ chats / n}


@pytest.mark.parametrize("n,k,lam,rates,theta", [
    (2, 2, 2.5, [1.0, 0.7], 0.8),
    (3, 2, 4.0, [1.0, 0.8], 0.5),
    (2, 3, 3.0, [1.2, 0.9, 0.5], 1.5),
    (2, 2, 1.5, [1.0, 0.6], 0.0),  # no abandonment; stable (N K r_K = 2.4)
])
def test_exact_chain_matches_labelled_agents_chain(n, k, lam, rates, theta):
    got = chat_exact(n, k, lam, rates, theta)
    want = labelled_chain(n, k, lam, rates, theta)
    for key in KEYS:
        assert getattr(got, key) == pytest.approx(want[key], rel=1e-8, abs=1e-12), key


@pytest.mark.parametrize("c,lam,mu,theta", [(1, 0.7, 1.0, 0.3), (10, 8.0, 1.0, 0.5),
                                            (5, 4.0, 1.0, 0.0), (20, 25.0, 1.2, 2.0)])
def test_cap_one_is_erlang_a(c, lam, mu, theta):
    got = chat_exact(c, 1, lam, [mu], theta)
    want = erlang_a(c, lam, mu, theta)
    assert got.p_wait == pytest.approx(want.p_wait, rel=1e-9)
    assert got.p_abandon == pytest.approx(want.p_abandon, rel=1e-9, abs=1e-15)
    assert got.mean_wait == pytest.approx(want.mean_wait_min, rel=1e-9)
    # served per minute / (c mu) is the agents' busy share
    assert got.mean_chats_per_agent == pytest.approx(lam * (1 - want.p_abandon) / (c * mu), rel=1e-9)


def test_load_states_are_all_compositions():
    states = load_states(3, 2)
    assert len(states) == math.comb(5, 2) == len(set(states))
    assert all(len(s) == 3 and sum(s) == 3 and min(s) >= 0 for s in states)


def test_ill_posed_stores_are_user_errors():
    with pytest.raises(UserError, match="--per-chat-rates: expected 3 rates"):
        chat_exact(2, 3, 1.0, [1.0, 0.5], 1.0)
    with pytest.raises(UserError, match="positive"):
        chat_exact(2, 2, 1.0, [1.0, 0.0], 1.0)
    with pytest.raises(UserError, match="--patience-rate: 0 needs"):
        chat_exact(2, 2, 5.0, [1.0, 1.0], 0.0)
    with pytest.raises(UserError, match="states"):
        chat_exact(200, 10, 1.0, [1.0] * 10, 1.0)


def test_cap_one_simulation_reproduces_validate_erlang_a():
    chat = check_chat(3, 1, 2.0, [1.0], 0.5, customers=3000, reps=2, seed=4)
    erl = check_erlang(3, 2.0, 1.0, 0.5, customers=3000, reps=2, seed=4)
    assert chat["simulated"]["p_wait"] == erl["simulated"]["p_wait"]
    assert chat["simulated"]["p_abandon"] == erl["simulated"]["p_abandon"]
    assert chat["simulated"]["mean_wait"] == erl["simulated"]["mean_wait_min"]
    assert chat["exact"]["p_wait"] == pytest.approx(erl["analytic"]["p_wait"], rel=1e-9)


def test_chat_scenario_rates_relative_to_the_first():
    scn = chat_scenario(2, 3, 1.0, [2.0, 1.0, 0.5], 1.0, days=2)
    assert scn.service.concurrency.per_chat_rate == [1.0, 0.5, 0.25]
    assert scn.service.handle_base_s == 30.0 and scn.agents.cap_expert == 3


@pytest.mark.parametrize("n,k,lam,rates,theta,seed", [
    (5, 3, 7.0, [1.0, 0.75, 0.6], 0.5, 1),       # per-chat speed falls, throughput rises
    (4, 4, 5.0, [1.0, 0.7, 0.45, 0.3], 1.0, 2),  # total speed k r_k peaks at k = 2
    (3, 2, 4.0, [1.0, 0.9], 2.0, 3),             # near saturation, impatient buyers
])
def test_engine_agrees_with_the_chain(n, k, lam, rates, theta, seed):
    res = check_chat(n, k, lam, rates, theta, customers=15000, reps=5, seed=seed)
    for key in KEYS:
        sim, exact = res["simulated"][key], res["exact"][key]
        assert 4 * sim["se"] < 0.25 * exact, (key, sim, exact)  # the test can fail
        assert abs(sim["mean"] - exact) <= 4 * sim["se"], (key, sim, exact)


def test_tiny_patience_under_overload_is_a_user_error_not_out_of_memory():
    # (5 - 1) / 1e-9 queue lengths: the tail sum used to grow a list until the OOM killer
    for exact in (lambda: chat_exact(1, 1, 5.0, [1.0], 1e-9), lambda: erlang_a(1, 5.0, 1.0, 1e-9)):
        with pytest.raises(UserError, match="--patience-rate: expected at least 4e-06/min at this overload"):
            exact()


def test_long_patience_under_overload_has_finite_exact_values():
    # the queue tail sum S overflows a float (it was inf, and every measure NaN in --json)
    got, want = chat_exact(1, 1, 5.0, [1.0], 1e-4), erlang_a(1, 5.0, 1.0, 1e-4)
    assert got.p_wait == pytest.approx(want.p_wait, rel=1e-9)
    assert got.p_abandon == pytest.approx(want.p_abandon, rel=1e-6)
    assert got.mean_wait == pytest.approx(want.mean_wait_min, rel=1e-6)
    assert math.isfinite(got.mean_chats_per_agent) and got.mean_chats_per_agent > 0.999


def test_a_long_queue_does_not_overflow_the_exact_chain():
    """An overloaded floor (1000/min to one agent, theta 1/min) used to give nan for every
    exact measure (the queue series overflowed a float); with K = 1 it is Erlang-A."""
    res = chat_exact(1, 1, 1000.0, [1.0], 1.0)
    ref = erlang_a(1, 1000.0, 1.0, 1.0)
    assert res.p_wait == pytest.approx(ref.p_wait, rel=1e-9)
    assert res.p_abandon == pytest.approx(ref.p_abandon, rel=1e-9)
    assert res.mean_wait == pytest.approx(ref.mean_wait_min, rel=1e-9)
    assert res.mean_chats_per_agent == pytest.approx(1.0, rel=1e-9)
