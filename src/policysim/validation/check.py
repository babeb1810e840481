"""Simulate the degenerate Erlang-A and chat scenarios through the ordinary engine and compare.

The first simulated day is a warm-up (the system starts empty) and is discarded; measures are
taken over all buyers arriving after it: P(wait > 0) = waited / arrived, P(abandon) =
abandoned / arrived, mean wait = total time in the store queue (abandoners included) /
arrived. Each replication gives one estimate; the CI is a t interval across replications.
"""

from __future__ import annotations

import math

from policysim.errors import UserError
from policysim.experiment.runner import Job, run_jobs
from policysim.experiment.stats import bounded_ci
from policysim.validation.chat import chat_exact, chat_scenario
from policysim.validation.erlang import erlang_a, erlang_scenario

MAX_DAYS = 3650  # the longest horizon a scenario may have (sim.days)
MAX_CUSTOMERS = 100_000_000  # the most --customers allows per replication


def sim_days(customers: int, lam: float) -> int:
    """Days to simulate: the warm-up day and enough days for ``customers`` arrivals."""
    days = 1 + math.ceil(customers / (lam * 1440.0))
    if days > MAX_DAYS:
        most = int((MAX_DAYS - 1) * lam * 1440.0)
        raise UserError(
            f"--customers: {customers} customers at --arrival-rate {lam:g}/min take {days} days "
            f"to arrive, more than the {MAX_DAYS} a run may last; give --arrival-rate at least "
            f"{customers / ((MAX_DAYS - 1) * 1440.0):.3g}"
            + (f" or --customers at most {most}" if most >= 100 else "")
        )
    if lam * 1440.0 > MAX_CUSTOMERS:  # whole days are simulated, the warm-up day too
        raise UserError(
            f"--arrival-rate: expected at most {MAX_CUSTOMERS / 1440.0:.6g}/min (whole days "
            f"are simulated, and a day at this rate brings more than {MAX_CUSTOMERS:,} "
            f"customers, the most --customers allows), found {lam:g}")
    return days


def simulated_intervals(sims: dict[str, list[float]], highs: dict[str, float | None]) -> dict:
    """{"mean", "ci_low", "ci_high", "se"} of each simulated measure over replications, the
    interval kept inside what the measure can take (at least 0; at most ``highs[name]``:
    1 for a probability, the cap for open chats per agent): with few replications a plain t
    interval of a small probability reaches below 0 (``bounded_ci``)."""
    out = {}
    for k, x in sims.items():
        ci = bounded_ci(x, 0.0, highs[k])
        out[k] = {kk: float(ci[kk]) for kk in ("mean", "ci_low", "ci_high", "se")}
    return out


def check_erlang(c: int, lam: float, mu: float, theta: float, customers: int, reps: int,
                 seed: int, workers: int = 1) -> dict:
    """Simulated and exact P(wait>0), P(abandon), mean wait (minutes) of M/M/c+M."""
    exact = erlang_a(c, lam, mu, theta)
    days = sim_days(customers, lam)
    scn = erlang_scenario(c, lam, mu, theta, days)
    outcomes = run_jobs([Job(scn, r, seed, days) for r in range(reps)], workers)
    sims = {"p_wait": [], "p_abandon": [], "mean_wait_min": []}
    for o in outcomes:
        d = o.daily[o.daily["day"] >= 1]
        n = d["inquiries"].sum()
        sims["p_wait"].append(d["waited"].sum() / n)
        sims["p_abandon"].append(d["abandoned"].sum() / n)
        sims["mean_wait_min"].append(d["wait_sum_s"].sum() / n / 60.0)
    model = "erlang-a" if theta > 0 else "erlang-c"
    return {
        "model": "erlang-a",
        "variant": model,
        "params": {"agents": c, "arrival_rate": lam, "service_rate": mu, "patience_rate": theta,
                   "customers": customers, "reps": reps, "seed": seed, "warmup_days": 1,
                   "days": days},
        "simulated": simulated_intervals(sims, {"p_wait": 1.0, "p_abandon": 1.0,
                                                "mean_wait_min": None}),
        "analytic": {"p_wait": exact.p_wait, "p_abandon": exact.p_abandon,
                     "mean_wait_min": exact.mean_wait_min},
    }


def check_chat(agents: int, cap: int, lam: float, rates: list[float], theta: float,
               customers: int, reps: int, seed: int, workers: int = 1) -> dict:
    """Simulated and exact P(wait>0), P(abandon), mean wait (minutes) and mean open chats per
    agent of the degenerate chat store (``validation.chat``), measured as for Erlang-A; open
    chats per agent are the time average of the engine's ``open_chat_area_s`` over agents."""
    exact = chat_exact(agents, cap, lam, rates, theta)
    days = sim_days(customers, lam)
    scn = chat_scenario(agents, cap, lam, rates, theta, days)
    outcomes = run_jobs([Job(scn, r, seed, days) for r in range(reps)], workers)
    sims = {"p_wait": [], "p_abandon": [], "mean_wait": [], "mean_chats_per_agent": []}
    for o in outcomes:
        d = o.daily[o.daily["day"] >= 1]
        n = d["inquiries"].sum()
        sims["p_wait"].append(d["waited"].sum() / n)
        sims["p_abandon"].append(d["abandoned"].sum() / n)
        sims["mean_wait"].append(d["wait_sum_s"].sum() / n / 60.0)
        sims["mean_chats_per_agent"].append(
            d["open_chat_area_s"].sum() / (agents * len(d) * 86400.0))
    return {
        "model": "chat-ctmc",
        "params": {"agents": agents, "cap": cap, "arrival_rate": lam,
                   "per_chat_rates": list(rates), "patience_rate": theta,
                   "customers": customers, "reps": reps, "seed": seed, "warmup_days": 1,
                   "days": days, "chain_states": exact.states},
        "simulated": simulated_intervals(sims, {"p_wait": 1.0, "p_abandon": 1.0,
                                                "mean_wait": None,
                                                "mean_chats_per_agent": float(cap)}),
        "exact": {"p_wait": exact.p_wait, "p_abandon": exact.p_abandon,
                  "mean_wait": exact.mean_wait,
                  "mean_chats_per_agent": exact.mean_chats_per_agent},
    }
