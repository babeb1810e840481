"""Exact chat-floor measures from a continuous-time Markov chain, and the degenerate store.

The degenerate chat store: N identical agents, each holding at most K chats; buyers arrive
as a Poisson process (rate lambda per minute); a new chat goes to a least-loaded agent; when
every agent holds K the buyer joins one FIFO queue and leaves after an exponential patience
(rate theta per minute) unless taken first. An agent holding k chats serves each of them at
rate r_k per minute (limited processor sharing with exponential work), so it finishes one of
them at rate k r_k. No reply delay, no transfers, no behaviour.

With identical agents and least-loaded routing the state is the vector n = (n_0, ..., n_K)
of how many agents hold 0..K chats, plus the queue length q (only when n_K = N):

    arrival  (lambda):       the lowest occupied level j < K moves up: n_j - 1, n_{j+1} + 1;
                             q + 1 if n_K = N
    completion (n_k k r_k):  n_k - 1, n_{k-1} + 1, or q - 1 if q > 0 (the freed slot takes
                             the head of the queue)
    abandonment (q theta):   q - 1

The queue needs no truncation. It exists only when all agents hold K, so every queue
excursion leaves from and returns to the "all full" state F, and the cut between q - 1 and q
gives pi(F, q) = pi(F, q - 1) lambda / (N K r_K + q theta) exactly. The chain is therefore
solved on the C(N + K, K) agent-load states with arrivals at F ignored (a sparse linear
system), and the queue's mass is attached to F by that product series. By PASTA and Little's
law on the queue:

    P(wait > 0) = P(n_K = N),   E[wait] = E[q] / lambda,   P(abandon) = theta E[q] / lambda,
    mean chats per agent = E[sum_k k n_k] / N.

With K = 1 this is the Erlang-A chain (``validation.erlang``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve
from scipy.special import logsumexp

from policysim.config.schema import Scenario
from policysim.errors import UserError

#: Largest number of agent-load states the exact solver accepts (C(N + K, K)); the sparse LU
#: of this chain fills in, so 10,000 states take seconds and 50,000 minutes.
MAX_STATES = 20_000
#: Most terms of an exact queue series (a Python loop: about a second per million).
MAX_TERMS = 1_000_000


@dataclass(frozen=True)
class ChatResult:
    """Exact measures; rates per minute, waits in minutes."""

    p_wait: float
    p_abandon: float
    mean_wait: float
    mean_chats_per_agent: float
    states: int


def check_rate(name: str, value: float, zero: bool = False) -> None:
    """Raise :class:`UserError` naming flag ``name`` unless ``value`` is a finite number
    greater than 0 (at least 0 if ``zero``): nan and inf are named as such."""
    if not math.isfinite(value):
        raise UserError(f"{name}: expected a finite number, found {value}")
    if value < 0 or (value == 0 and not zero):
        least = "of at least 0" if zero else "greater than 0"
        raise UserError(f"{name}: expected a number {least}, found {value:g}")


def check_chat_params(agents: int, cap: int, lam: float, rates: list[float], theta: float) -> None:
    """Raise :class:`UserError` (naming the CLI flag) if the degenerate store is ill-posed."""
    check_rate("--arrival-rate", lam)
    check_rate("--patience-rate", theta, zero=True)
    if agents < 1:
        raise UserError(f"--agents: expected an integer of at least 1, found {agents}")
    if cap < 1:
        raise UserError(f"--cap: expected an integer of at least 1, found {cap}")
    if len(rates) != cap:
        raise UserError(
            f"--per-chat-rates: expected {cap} rates (one per load 1..--cap), found {len(rates)}"
        )
    for k, r in enumerate(rates, start=1):
        if not (math.isfinite(r) and r > 0):
            raise UserError(f"--per-chat-rates: expected positive finite rates, found {r} at load {k}")
    if theta == 0 and lam >= agents * cap * rates[-1]:
        raise UserError(
            f"--patience-rate: 0 needs arrival rate below full throughput N K r_K = "
            f"{agents * cap * rates[-1]:g}/min, found {lam:g}; give a patience rate > 0"
        )
    check_series_length("--patience-rate", lam, agents * cap * rates[-1], theta)
    states = math.comb(agents + cap, cap)
    if states > MAX_STATES:
        raise UserError(
            f"--agents: the exact chain has C(N + K, K) = {states} states, above {MAX_STATES}; "
            "use fewer agents or a lower cap"
        )


def load_states(n: int, k: int) -> list[tuple[int, ...]]:
    """All vectors (n_0, ..., n_k) of non-negative counts summing to ``n`` (stars and bars)."""
    out = []
    for bars in combinations(range(n + k), k):
        prev, counts = -1, []
        for b in bars:
            counts.append(b - prev - 1)
            prev = b
        counts.append(n + k - prev - 1)
        out.append(tuple(counts))
    return out


def check_series_length(flag: str, lam: float, full_rate: float, theta: float) -> None:
    """Raise :class:`UserError` naming ``flag`` if the exact queue series of an overloaded
    floor (``lam`` above ``full_rate``) needs more than :data:`MAX_TERMS` terms: it peaks
    near ``(lam - full_rate) / theta`` waiting buyers."""
    if theta > 0 and (lam - full_rate) / theta > MAX_TERMS:
        raise UserError(
            f"{flag}: expected at least {(lam - full_rate) / MAX_TERMS:.3g}/min at this "
            f"overload (arrivals {lam:g}/min above full throughput {full_rate:g}/min: the exact "
            f"queue would need more than {MAX_TERMS:,} terms), found {theta:g}")


def _queue_series(lam: float, full_rate: float, theta: float) -> tuple[float, float]:
    """log S and log M, S = sum_{q>=1} c_q and M = sum_{q>=1} q c_q with
    c_q = prod_{i<=q} lam / (full_rate + i theta) (logs: S overflows a float when patience is
    long beside the overload)."""
    if theta == 0:
        rho = lam / full_rate
        return math.log(rho) - math.log1p(-rho), math.log(rho) - 2 * math.log1p(-rho)
    logs = [math.log(lam) - math.log(full_rate + theta)]
    q = 1
    while not (logs[-1] < -50 and full_rate + q * theta > lam):  # stop once terms vanish
        q += 1
        logs.append(logs[-1] + math.log(lam) - math.log(full_rate + q * theta))
    rel = np.array(logs)
    return float(logsumexp(rel)), float(logsumexp(rel, b=np.arange(1, len(rel) + 1)))


def chat_exact(agents: int, cap: int, lam: float, rates: list[float], theta: float) -> ChatResult:
    """Exact P(wait>0), P(abandon), mean wait (minutes) and mean open chats per agent.

    Args:
        agents: N identical agents.
        cap: K, the most chats an agent holds.
        lam: arrivals per minute.
        rates: per-chat service rates r_1..r_K per minute (an agent holding k chats finishes
            each at rate r_k).
        theta: abandonment rate per minute of queueing (0: nobody leaves; needs stability).
    """
    check_chat_params(agents, cap, lam, rates, theta)
    states = load_states(agents, cap)
    index = {s: i for i, s in enumerate(states)}
    rows, cols, vals = [], [], []
    for i, s in enumerate(states):
        if s[cap] < agents:  # an arrival lifts the lowest occupied level below the cap
            j = next(lv for lv in range(cap) if s[lv] > 0)
            t = list(s)
            t[j] -= 1
            t[j + 1] += 1
            rows.append(i)
            cols.append(index[tuple(t)])
            vals.append(lam)
        for lv in range(1, cap + 1):
            if s[lv]:
                t = list(s)
                t[lv] -= 1
                t[lv - 1] += 1
                rows.append(i)
                cols.append(index[tuple(t)])
                vals.append(s[lv] * lv * rates[lv - 1])
    size = len(states)
    q = sp.csr_matrix((vals, (rows, cols)), shape=(size, size))
    q = q - sp.diags(np.asarray(q.sum(axis=1)).ravel())
    a = q.T.tolil()
    a[size - 1, :] = np.ones(size)  # one redundant balance equation -> normalisation
    b = np.zeros(size)
    b[-1] = 1.0
    pi = spsolve(a.tocsc(), b) if size > 1 else np.ones(1)
    pi = np.clip(pi, 0.0, None)
    pi /= pi.sum()
    full = index[tuple([0] * cap + [agents])]
    log_s, log_m = _queue_series(lam, agents * cap * rates[-1], theta)
    chats = np.array([sum(lv * c for lv, c in enumerate(s)) for s in states], dtype=float)
    with np.errstate(divide="ignore"):  # pi[full] = 0 has log -inf, which logaddexp takes
        log_full = float(np.log(pi[full]))
        log_chats = float(np.log(pi @ chats))
    log_total = float(np.logaddexp(0.0, log_full + log_s))  # log(1 + pi_F S)
    eq = math.exp(log_full + log_m - log_total)
    return ChatResult(
        p_wait=math.exp(log_full + float(np.logaddexp(0.0, log_s)) - log_total),
        p_abandon=theta * eq / lam,
        mean_wait=eq / lam,
        mean_chats_per_agent=(math.exp(log_chats - log_total)
                              + math.exp(log_full + log_s - log_total) * agents * cap) / agents,
        states=size,
    )


def chat_scenario(agents: int, cap: int, lam: float, rates: list[float], theta: float,
                  days: int) -> Scenario:
    """The degenerate chat store as a scenario (rates per minute).

    Work is exponential with mean ``60 / r_1`` s and the per-chat speed table is
    ``r_k / r_1``, so an agent holding k chats serves each at ``r_k`` per minute; with
    ``cap = 1`` this is the Erlang-A scenario of ``validation.erlang`` exactly.
    """
    patience = {"dist": "infinite"} if theta == 0 else {"dist": "exponential", "mean_s": 60.0 / theta}
    return Scenario.model_validate({
        "name": "chat-ctmc",
        "sim": {"days": days, "period_days": min(max(1, days), 366)},
        "demand": {
            "daily_volume": lam * 1440.0, "hour_profile": [1.0] * 24,
            "weekday_factor": [1.0] * 7, "events": [], "patience": patience,
        },
        "teams": [{"name": "all", "agents": agents}],
        "shifts": [{"name": "all-day", "start": "00:00", "end": "24:00"}],
        "agents": {
            "ability_sigma": 0.0, "s0_ratio": 1.0, "learning": False, "cap_novice": cap,
            "cap_expert": cap, "comfort_novice": cap, "comfort_expert": cap,
            "default_transfer": 0.0, "default_threshold": cap,
        },
        "service": {
            "reply_base_s": 0.0, "handle_dist": "exponential", "handle_base_s": 60.0 / rates[0],
            "effort_stretch": 0.0, "after_sales_handle_factor": 1.0, "transfer_delay_s": 0.0,
            "concurrency": {"per_chat_rate": [r / rates[0] for r in rates]},
            # the chain's routing: least loaded with random ties, buyers without history
            "routing": {"mode": "least_loaded", "returning_share": 0.0},
        },
    })
