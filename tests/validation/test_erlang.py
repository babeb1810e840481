"""Tests for policysim.validation.erlang (exact Erlang-A/C) and .check (simulation vs exact).

The analytic part is checked against computations that share no code with the module: the
stationary distribution of the truncated birth-death generator solved as a linear system,
and the textbook Erlang-C formula. The simulation part runs the ordinary engine on the
degenerate M/M/c+M scenario and compares with the exact values; tolerances are 4 standard
errors of the across-replication mean (the ``se`` the check returns), so each comparison is
a ~4-sigma test that a biased engine (wrong routing, wrong patience, wrong accounting)
fails, while a correct one passes with these fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from policysim.errors import UserError
from policysim.validation import erlang as erlang_mod
from policysim.validation.check import check_erlang
from policysim.validation.erlang import ErlangResult, erlang_a, erlang_scenario


# ---------------------------------------------------------------------------- references
def generator_stationary(c: int, lam: float, mu: float, theta: float, extra: int = 400):
    """Stationary law of the birth-death chain truncated at N = c + extra, by solving
    pi Q = 0, sum(pi) = 1 with a dense linear solve (independent of the closed forms)."""
    n_max = c + extra
    size = n_max + 1
    q = np.zeros((size, size))
    for n in range(size):
        if n < n_max:
            q[n, n + 1] = lam
        if n > 0:
            q[n, n - 1] = mu * min(n, c) + theta * max(n - c, 0)
        q[n, n] = -q[n].sum()
    a = q.T.copy()
    a[-1, :] = 1.0  # replace one (redundant) balance equation by the normalisation
    b = np.zeros(size)
    b[-1] = 1.0
    pi = np.linalg.solve(a, b)
    n = np.arange(size)
    p_wait = pi[c:].sum()
    eq = (np.maximum(n - c, 0) * pi).sum()
    return p_wait, eq


def textbook_erlang_c(c: int, lam: float, mu: float) -> tuple[float, float]:
    """Textbook Erlang-C with a = lam / mu:
    C(c, a) = [a^c/c! * c/(c-a)] / [sum_{k<c} a^k/k! + a^c/c! * c/(c-a)],
    E[Wq] = C / (c mu - lam)."""
    a = lam / mu
    low = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) * c / (c - a)
    prob = top / (low + top)
    return prob, prob / (c * mu - lam)


def rel_close(x: float, y: float, rel: float) -> bool:
    return abs(x - y) <= rel * max(abs(x), abs(y))


# ------------------------------------------------------------------------ analytic
@pytest.mark.parametrize(
    "c, lam, mu, theta",
    [
        (5, 4.0, 1.0, 1.0),  # moderate load
        (10, 12.0, 1.0, 0.5),  # overloaded
        (20, 19.0, 1.0, 0.2),  # rho = 0.95
        (1, 0.5, 2.0, 3.0),  # single agent, fast patience
        (50, 60.0, 1.0, 0.1),  # large and overloaded: queue of ~100
        (3, 2.0, 0.5, 0.05),  # slow service, overloaded, patient buyers
    ],
)
def test_erlang_a_matches_truncated_generator(c, lam, mu, theta):
    p_wait, eq = generator_stationary(c, lam, mu, theta)
    res = erlang_a(c, lam, mu, theta)
    assert isinstance(res, ErlangResult)
    assert rel_close(res.p_wait, p_wait, 1e-9)
    assert rel_close(res.mean_wait_min, eq / lam, 1e-9)
    assert rel_close(res.p_abandon, theta * eq / lam, 1e-9)


@pytest.mark.parametrize(
    "c, lam, mu",
    [(5, 3.0, 1.0), (10, 9.5, 1.0), (1, 0.9, 1.0), (30, 20.0, 0.8), (2, 1.0, 2.0)],
)
def test_erlang_c_matches_textbook_formula(c, lam, mu):
    prob, wq = textbook_erlang_c(c, lam, mu)
    res = erlang_a(c, lam, mu, 0.0)
    assert rel_close(res.p_wait, prob, 1e-9)
    assert rel_close(res.mean_wait_min, wq, 1e-9)
    assert res.p_abandon == 0.0


def test_erlang_c_matches_truncated_generator():
    # rho = 0.6: the truncated geometric tail (0.6^400) is far below 1e-9
    p_wait, eq = generator_stationary(5, 3.0, 1.0, 0.0)
    res = erlang_a(5, 3.0, 1.0, 0.0)
    assert rel_close(res.p_wait, p_wait, 1e-9)
    assert rel_close(res.mean_wait_min, eq / 3.0, 1e-9)


def test_mm1_closed_form():
    # M/M/1: P(wait) = rho, E[Wq] = rho / (mu - lam)
    res = erlang_a(1, 0.8, 1.0, 0.0)
    assert res.p_wait == pytest.approx(0.8, rel=1e-12)
    assert res.mean_wait_min == pytest.approx(0.8 / 0.2, rel=1e-12)


def test_abandonment_lowers_waiting_monotonically():
    waits = [erlang_a(5, 4.5, 1.0, theta).p_wait for theta in (0.0, 0.1, 1.0, 10.0)]
    assert all(a > b for a, b in zip(waits, waits[1:]))


@pytest.mark.parametrize(
    "c, lam, mu", [(2, 2.0, 1.0), (2, 3.0, 1.0), (10, 12.0, 1.0), (1, 1.0, 1.0)]
)
def test_erlang_c_unstable_raises(c, lam, mu):
    with pytest.raises(UserError, match="unstable"):
        erlang_a(c, lam, mu, 0.0)


@pytest.mark.parametrize(
    "c, lam, mu, theta",
    [(0, 1.0, 1.0, 1.0), (2, 0.0, 1.0, 1.0), (2, 1.0, 0.0, 1.0), (2, 1.0, 1.0, -0.1)],
)
def test_erlang_a_bad_parameters_raise(c, lam, mu, theta):
    with pytest.raises(UserError):
        erlang_a(c, lam, mu, theta)


class _CountingMath:
    """Stands in for ``math`` inside the erlang module: counts log calls and gives up after a
    bound, so a runaway loop fails quickly instead of hanging the test run."""

    def __init__(self, limit: int) -> None:
        self.calls = 0
        self.limit = limit

    def log(self, x):
        self.calls += 1
        if self.calls > self.limit:
            raise RuntimeError(f"more than {self.limit} math.log calls")
        return math.log(x)

    def __getattr__(self, name):
        return getattr(math, name)


def test_erlang_a_small_patience_rate_is_bounded_work_and_tends_to_erlang_c(monkeypatch):
    counter = _CountingMath(limit=200_000)
    monkeypatch.setattr(erlang_mod, "math", counter)
    res = erlang_a(5, 3.0, 1.0, 1e-9)
    monkeypatch.undo()
    ref = erlang_a(5, 3.0, 1.0, 0.0)
    assert res.p_wait == pytest.approx(ref.p_wait, rel=1e-6)
    assert res.mean_wait_min == pytest.approx(ref.mean_wait_min, rel=1e-6)


def test_erlang_scenario_is_the_degenerate_model():
    scn = erlang_scenario(7, 2.5, 0.5, 0.25, days=3)
    assert scn.sim.days == 3
    assert scn.n_agents == 7
    assert scn.demand.daily_volume == pytest.approx(2.5 * 1440)
    assert scn.demand.patience.dist == "exponential"
    assert scn.demand.patience.mean_s == pytest.approx(60.0 / 0.25)
    assert scn.service.handle_dist == "exponential"
    assert scn.service.handle_base_s == pytest.approx(60.0 / 0.5)
    assert scn.service.reply_base_s == 0.0
    assert scn.agents.cap_novice == scn.agents.cap_expert == 1
    assert erlang_scenario(3, 1.0, 1.0, 0.0, days=2).demand.patience.dist == "infinite"


# ------------------------------------------------------------------ simulation vs exact
# (c, lam, mu, theta, customers, reps, seed, workers): customers per replication after the
# one-day warm-up is ~customers; reps give the across-replication standard error.
CASES = {
    "erlang-a-moderate": (5, 4.0, 1.0, 1.0, 20_000, 8, 1, 1),
    "erlang-a-overloaded": (10, 12.0, 1.0, 0.5, 20_000, 8, 1, 1),
    "erlang-a-rho095": (20, 19.0, 1.0, 0.2, 30_000, 8, 1, 1),
    "erlang-c-moderate": (5, 3.0, 1.0, 0.0, 20_000, 8, 1, 1),
    # heavy-tailed waits near saturation: more customers and replications
    "erlang-c-rho095": (10, 9.5, 1.0, 0.0, 150_000, 10, 1, 2),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_simulation_matches_exact(case):
    c, lam, mu, theta, customers, reps, seed, workers = CASES[case]
    res = check_erlang(c, lam, mu, theta, customers=customers, reps=reps, seed=seed,
                       workers=workers)
    assert res["model"] == "erlang-a"
    assert res["variant"] == ("erlang-a" if theta > 0 else "erlang-c")
    # the analytic column against references that share no code with erlang_a: the truncated
    # generator (Erlang-A) or the textbook formula (Erlang-C, whose rho = 0.95 tail the
    # truncation would cut)
    if theta > 0:
        p_wait, eq = generator_stationary(c, lam, mu, theta)
        want = {"p_wait": p_wait, "p_abandon": theta * eq / lam, "mean_wait_min": eq / lam}
    else:
        p_wait, wq = textbook_erlang_c(c, lam, mu)
        want = {"p_wait": p_wait, "p_abandon": 0.0, "mean_wait_min": wq}
    assert res["analytic"] == pytest.approx(want, rel=1e-9)
    keys = ["p_wait", "mean_wait_min"] + (["p_abandon"] if theta > 0 else [])
    for key in keys:
        sim, ref = res["simulated"][key], res["analytic"][key]
        se = sim["se"]
        # the comparison must not be vacuous: a real spread, and small next to the value
        assert se > 0.0, key
        assert se < 0.05 * ref, (key, se, ref)
        # 4 standard errors of the replication mean (t with >= 7 df: a ~1% two-sided test)
        assert abs(sim["mean"] - ref) <= 4.0 * se, (key, sim["mean"], ref, se)
        assert sim["ci_low"] < sim["mean"] < sim["ci_high"]
    if theta == 0:
        s = res["simulated"]["p_abandon"]
        assert s["mean"] == 0.0 and res["analytic"]["p_abandon"] == 0.0


@pytest.mark.parametrize("lam, theta", [(1e9, 1.0), (3.0, 1e-9)])
def test_overload_whose_exact_queue_is_too_long_is_refused(lam, theta):
    """Arrivals far above c mu with slow abandonment used to loop for ~(lam - c mu) / theta
    terms in Python (hours: `validate erlang-a --arrival-rate 1e9` never ended)."""
    with pytest.raises(UserError, match="--patience-rate: expected at least"):
        erlang_a(2, lam, 1.0, theta)


def test_an_arrival_rate_whose_day_exceeds_the_customer_cap_is_refused(cli):
    """Whole days are simulated: --customers 100 at 1e5/min used to start 2.9e8 arrivals."""
    code, out, err = cli(["validate", "erlang-a", "--agents", "2", "--arrival-rate", "1e5",
                          "--service-rate", "1", "--patience-rate", "1000", "--customers",
                          "100", "--reps", "2"])
    assert code == 2 and out == "", err
    assert err.startswith("error: --arrival-rate: expected at most 69444.4/min"), err
