"""Payroll: at each pay period's end the audit scores chat quality and the scheme pays.

A store's payroll clerk takes each agent's month off the platform's counters (chats served,
reply rate, sales, rating, ...), adds the quality auditor's score of a sample of chats, and
applies the pay formula in force on the period's last day. This module does the same:

1. :func:`audit` draws each agent's audited quality (stream "workforce.audit"): logistic in
   skill and service effort, with logit noise ``quality_noise_sd``;
2. :func:`pay_period` applies the scheme's own ``pay`` function to the period's metrics and
   prorates the base salary of agents present only part of the period; a period the run's
   horizon cuts short is paid its share of the month its pace would have made (a KPI bonus
   or a contest prize is not paid in full for a few days);
3. "narrowly denied" is read off the pay function itself: the agent would have earned more
   than ``denied_gap`` yuan more had every metric been 2% better (a tier cliff just above it).

Nothing here knows a scheme's name (docs/model.md sections 4.6 and 5).
"""

from __future__ import annotations

import numpy as np

from policysim.config.pay import METRICS, PERIOD_TOTALS
from policysim.config.schema import Scenario
from policysim.model import behaviour as beh
from policysim.model.agents import Agent
from policysim.model.schemes import PayContext, PayFunction


def audit(scn: Scenario, records: list[dict], members: list[Agent],
          rng: np.random.Generator) -> None:
    """Set each record's audited ``quality`` (one normal draw per record, in order)."""
    b = scn.behaviour
    for r, a in zip(records, members):
        noise = rng.standard_normal()
        q = beh.quality_mean(scn, a.skill, a.service_effort)
        r["quality"] = float(1 / (1 + np.exp(-(np.log(q / (1 - q)) + b.quality_noise_sd * noise))))


def period_metrics(records: list[dict]) -> dict[str, np.ndarray]:
    """The pay-function inputs of ``records``, one array per metric."""
    return {name: np.array([r[name] for r in records], dtype=float) for name in METRICS}


def pay_period(scn: Scenario, scheme: PayFunction, records: list[dict], members: list[Agent],
               metrics: dict[str, np.ndarray], n_teams: int, length: float = 1.0) -> np.ndarray:
    """Pay every record under ``scheme``; sets ``pay``, ``recognised`` and ``denied`` on the
    records and ``last_pay`` on the agents, and returns the pay (yuan for the period).

    ``length`` is the period's length as a share of a full pay period: below 1 only for the
    last period of a run whose horizon cuts it short. The pay formula is written for a full
    period, so such a period is paid ``length`` times what the formula gives for a full period
    at the same pace: the period totals (:data:`~policysim.config.pay.PERIOD_TOTALS`: chats
    served, sales, transfers) scaled up by 1 / ``length``, shares and means as they are.
    A commission is then paid exactly on the sales made; a KPI bonus, a contest prize or a
    monthly sales target counts for the days run, not as if the month had been worked.

    With ``f`` = ``length`` and ``present`` the share of a full period the agent was on the
    team (so ``present / f`` of this one):

        pay = f x (scheme.pay(full-period metrics) - base_salary x (1 - present / f))

    which at ``f`` = 1 is ``scheme.pay(metrics) - base_salary x (1 - present)``: only the base
    salary is prorated for a hire or a leaver (a Python scheme without ``spec.base_salary``
    is not). "Narrowly denied" compares, in yuan of this period, that pay with the pay had
    every metric been 2% better.
    """
    f = min(max(float(length), 1e-9), 1.0)
    full = metrics if f == 1.0 else {
        k: v / f if k in PERIOD_TOTALS else v for k, v in metrics.items()}
    team = np.array([a.team for a in members])
    ctx = PayContext(team, n_teams)
    formula = np.asarray(scheme.pay(full, ctx), dtype=float)
    present = np.array([r["present"] for r in records]) / f
    base = float(getattr(getattr(scheme, "spec", None), "base_salary", 0.0))
    pay = f * (formula - base * (1.0 - present)) if f < 1.0 else formula - base * (1.0 - present)
    recognised = ctx.recognised if ctx.recognised is not None else np.zeros(len(pay), bool)
    better = {k: v * (1.02 if METRICS[k] else 0.98) for k, v in full.items()}
    gain = f * (scheme.pay(better, PayContext(team, n_teams)) - formula)
    denied = gain > scn.attrition.denied_gap
    for r, a, p, rec, den in zip(records, members, pay, recognised, denied):
        r["pay"] = float(p)
        r["recognised"] = bool(rec)
        r["denied"] = bool(den)
        a.last_pay = float(p)
    return pay
