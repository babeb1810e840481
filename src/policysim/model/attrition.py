"""Attrition: who quits, and who is dismissed, at a pay period's end.

Agents leave a chat team for reasons that are mostly about the month just paid: pay below
what they could earn elsewhere, earning less than the teammates beside them, too many hours
above a comfortable load, just missing a bonus tier; and partly about tenure: the quit hazard
rises in the first months and falls after (Farber 1994). Each agent quits with the monthly
logit hazard of docs/model.md section 6

    logit q = b0 + hump(tenure) + b_wage ln(pay / outside_wage)
              + b_shortfall (team median pay - pay)+ / team median pay
              + b_stress (over-comfort share + after_sales_stress x after-sales share)
              + b_recognition [won a prize] + b_denied [narrowly denied a higher pay step]

scaled to the days the agent was on the team (uniforms from stream "workforce.quits").
Optionally, persistent bottom earners are dismissed. Leavers are logged in
:attr:`Attrition.quit_log` (the run metrics are computed from that log in ``results/``).
"""

from __future__ import annotations

import numpy as np

from policysim.config.schema import Scenario
from policysim.model.agents import Agent
from policysim.model.engine import Engine
from policysim.model.workforce import MONTH_DAYS


def quit_probability(scn: Scenario, records: list[dict], members: list[Agent], pay: np.ndarray,
                     team: np.ndarray, day: int, n_teams: int) -> tuple[np.ndarray, np.ndarray]:
    """Probability that each agent quits at this period's end, and its full-period pay rate.

    Pay is read as a full-period rate, so a hire who joined mid-period is not read as underpaid.
    """
    at = scn.attrition
    present = np.array([max(r["present"], 1e-3) for r in records])
    pay = pay / present
    median = np.zeros(n_teams)
    for t in np.unique(team):
        median[t] = np.median(pay[team == t])
    med = median[team]
    shortfall = np.where(med > 0, np.clip((med - pay) / np.maximum(med, 1e-9), 0, None), 0.0)
    months = np.array([a.tenure_days(day + 1) / MONTH_DAYS for a in members])
    peak = at.tenure_peak_months
    hump = at.tenure_hump * (months / peak) * np.exp(1.0 - months / peak)
    stress = np.array([r["over_comfort_share"] + at.after_sales_stress * r["after_sales_share"]
                       for r in records])
    rec = np.array([r["recognised"] for r in records], float)
    den = np.array([r["denied"] for r in records], float)
    x = (at.b0 + hump + at.b_wage * np.log(np.maximum(pay, 1.0) / at.outside_wage)
         + at.b_shortfall * shortfall + at.b_stress * stress + at.b_recognition * rec
         + at.b_denied * den)
    # the hazard is monthly: scale it to the days each agent was exposed this period
    exposure = np.array([r["days_present"] for r in records], float) / MONTH_DAYS
    return 1.0 - (1.0 - 1.0 / (1.0 + np.exp(-x))) ** exposure, pay


class Attrition:
    """Quits and dismissals of one run, and the log of who left.

    Args:
        scenario: validated scenario.
        n_teams: number of teams.
        rng: stream "workforce.quits".
    """

    def __init__(self, scenario: Scenario, n_teams: int, rng: np.random.Generator) -> None:
        self.scn = scenario
        self.n_teams = n_teams
        self.rng = rng
        self.quit_log: list[dict] = []
        self._low_streak: dict[int, int] = {}

    def dismissed(self, members: list[Agent], pay: np.ndarray) -> np.ndarray:
        """Agents whose full-period pay has been in the bottom ``dismiss_bottom_share`` for
        ``dismiss_after_periods`` periods running."""
        at = self.scn.attrition
        out = np.zeros(len(members), bool)
        if at.dismiss_bottom_share <= 0 or len(members) <= 1:
            return out
        cutoff = np.quantile(pay, at.dismiss_bottom_share)
        for i, a in enumerate(members):
            low = pay[i] <= cutoff
            self._low_streak[a.id] = self._low_streak.get(a.id, 0) + 1 if low else 0
            if self._low_streak[a.id] >= at.dismiss_after_periods and a.active:
                out[i] = True
        return out

    def period_end(self, engine: Engine, records: list[dict], members: list[Agent],
                   pay: np.ndarray, team: np.ndarray, day: int) -> list[Agent]:
        """Decide and carry out this period's quits and dismissals; returns the leavers.

        One uniform per record is drawn even when attrition is off, to keep streams aligned.
        Leavers are taken off the team, logged, and marked ``quit`` in their records.
        """
        u = self.rng.random(len(members))
        if not self.scn.attrition.enabled:
            for r in records:
                r["quit_prob"] = 0.0
            return []
        p, pay = quit_probability(self.scn, records, members, pay, team, day, self.n_teams)
        active = np.array([a.active for a in members])
        leaving = (u < p) & active
        dismissed = self.dismissed(members, pay)
        leaving |= dismissed
        # the chance of leaving at this period end that the draw above used (1 if dismissed):
        # its mean estimates the quit rate without the noise of the draws (validation/field.py)
        for r, q, on, fired in zip(records, p, active, dismissed):
            r["quit_prob"] = 1.0 if fired else float(q) if on else 0.0
        skills = np.array([a.skill for a in engine.agents if a.active])
        top = np.quantile(skills, 0.75) if len(skills) else np.inf
        leavers = []
        for i in np.flatnonzero(leaving):
            a = members[i]
            self.quit_log.append({"day": day, "agent": a.id, "hired_day": a.hired_day,
                                  "tenure_days": a.tenure_days(day + 1), "top_quartile": a.skill >= top,
                                  "pay": float(pay[i]), "dismissed": bool(dismissed[i])})
            a.quit_day = day
            engine.remove_agent(a)
            records[i]["quit"] = True
            leavers.append(a)
        for r in records:
            r.setdefault("quit", False)
        if engine.daily:
            engine.daily[-1]["quits"] += len(leavers)
        return leavers
