"""Exact Erlang-A (M/M/c+M) and Erlang-C (M/M/c) performance measures, and the degenerate
scenario that must reproduce them.

Erlang-A is the birth-death chain with births at rate lambda and deaths at rate
mu min(n, c) + theta (n - c)+ (Garnett, Mandelbaum & Reiman 2002). An arriving buyer sees the
stationary distribution (PASTA), so

    P(wait > 0) = P(N >= c),   E[wait] = E[(N - c)+] / lambda      (Little's law on the queue)
    P(abandon)  = theta E[(N - c)+] / lambda = theta E[wait],

with E[wait] over all buyers, abandoners' waits included. theta = 0 is Erlang-C (needs
lambda < c mu), whose queue tail is geometric and summed in closed form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from policysim.config.schema import Scenario
from policysim.errors import UserError
from policysim.validation.chat import check_series_length


@dataclass(frozen=True)
class ErlangResult:
    """Exact measures; rates per minute, waits in minutes."""

    p_wait: float
    p_abandon: float
    mean_wait_min: float


def erlang_a(c: int, lam: float, mu: float, theta: float) -> ErlangResult:
    """Exact P(wait>0), P(abandon) and mean wait of M/M/c+M (theta = 0: M/M/c)."""
    if c < 1 or lam <= 0 or mu <= 0 or theta < 0:
        raise UserError("erlang-a: need agents >= 1, arrival and service rates > 0, patience rate >= 0")
    n = np.arange(c)
    # log of unnormalised pi_n for n = 0..c (births lam, deaths n mu)
    log_low = n * math.log(lam) - (n * math.log(mu) + np.array([math.lgamma(k + 1) for k in n]))
    log_c = c * math.log(lam) - (c * math.log(mu) + math.lgamma(c + 1))
    if theta == 0:
        rho = lam / (c * mu)
        if rho >= 1:
            raise UserError(
                f"erlang-c: unstable without abandonment (load {rho:.3f} >= 1); "
                "give --patience-rate > 0 or more agents"
            )
        log_tail = log_c - math.log1p(-rho)  # sum_{j>=0} pi_c rho^j
        log_q = log_c + math.log(rho) - 2 * math.log1p(-rho)  # sum_j j pi_c rho^j
    else:
        check_series_length("--patience-rate", lam, c * mu, theta)
        # pi_{c+j} = pi_c prod_{i=1..j} lam / (c mu + i theta); sum until terms vanish
        logs = [0.0]
        j = 0
        while True:
            j += 1
            logs.append(logs[-1] + math.log(lam) - math.log(c * mu + j * theta))
            if logs[-1] < -50 and c * mu + j * theta > lam:  # terms now shrink
                break
        rel = np.array(logs)
        log_tail = log_c + logsumexp(rel)
        log_q = log_c + logsumexp(rel[1:], b=np.arange(1, len(rel)))
    log_total = np.logaddexp(logsumexp(log_low), log_tail)
    p_wait = math.exp(log_tail - log_total)
    eq = math.exp(log_q - log_total)
    return ErlangResult(p_wait=p_wait, p_abandon=theta * eq / lam, mean_wait_min=eq / lam)


def erlang_scenario(c: int, lam: float, mu: float, theta: float, days: int) -> Scenario:
    """The degenerate scenario of MODEL.md section 2: cap 1, no learning, no behaviour, no
    attrition, constant arrival rate, exponential service and patience. Rates per minute."""
    patience = {"dist": "infinite"} if theta == 0 else {"dist": "exponential", "mean_s": 60.0 / theta}
    return Scenario.model_validate({
        "name": "erlang-a",
        "sim": {"days": days, "period_days": min(max(1, days), 366)},
        "demand": {
            "daily_volume": lam * 1440.0, "hour_profile": [1.0] * 24,
            "weekday_factor": [1.0] * 7, "events": [], "patience": patience,
        },
        "teams": [{"name": "all", "agents": c}],
        "shifts": [{"name": "all-day", "start": "00:00", "end": "24:00"}],
        "agents": {
            "ability_sigma": 0.0, "s0_ratio": 1.0, "learning": False, "cap_novice": 1,
            "cap_expert": 1, "comfort_novice": 1, "comfort_expert": 1, "default_transfer": 0.0,
            "default_threshold": 1,
        },
        "service": {
            "reply_base_s": 0.0, "handle_dist": "exponential", "handle_base_s": 60.0 / mu,
            "effort_stretch": 0.0, "after_sales_handle_factor": 1.0, "transfer_delay_s": 0.0,
            "routing": {"mode": "least_loaded"},  # the textbook queue: any free agent
        },
    })
