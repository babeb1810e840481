"""The career ladder: levels an agent climbs at periodic reviews, and what a level changes.

Chat teams grade their agents (seeds: trainee -> junior -> senior -> expert, reviewed about
every six months; FIELD_NOTES, LITERATURE.md "Seeds"). Every ``ladder.review_months`` the store
reviews each agent on the mean of its period scores since the last review:

- the score of a period is the KPI score (0-100) of the scheme in force where it has a KPI
  (read off the pay function's own ``score``, never off its name), else the percentile rank
  (0-100) of ``ladder.score_metric`` among the agents paid that period;
- an agent moves up one level when it meets the next level's ``min_tenure_months`` and
  ``min_score``; down one when its score is below its own level's ``min_score``;
- an agent who has the tenure for the next level but not the score is *passed over*: like
  being narrowly denied a bonus tier, it raises its quit hazard by ``attrition.b_denied``
  (Bond 2025; docs/model.md section 6.3).

A level multiplies the agent's variable pay (everything but base salary) by its
``pay_coefficient``, sets its platform concurrency cap (``cap``; comfort stays at most the
cap) and multiplies its routing weight by ``routing_weight`` (the ``weighted`` router and the
``sticky`` router's weighted fallback; the other modes ignore weights). The starting team is
placed at the highest level its tenure reaches; hires start at the bottom.
"""

from __future__ import annotations

import numpy as np

from policysim.config.ladder import Ladder
from policysim.config.pay import METRICS
from policysim.model.agents import Agent
from policysim.model.schemes import PayContext, PayFunction
from policysim.model.workforce import MONTH_DAYS


def base_salary(scheme: PayFunction) -> float:
    """The base salary of a scheme built from a spec (0 for a Python scheme without one)."""
    return float(getattr(getattr(scheme, "spec", None), "base_salary", 0.0))


class LevelPay:
    """A scheme whose variable pay is multiplied, agent by agent, by its level's coefficient.

    ``pay = base + coefficient x (scheme pay - base)``; ``coefficient`` is aligned with the
    first axis of the metrics the pay function is given (one entry per agent).
    """

    def __init__(self, scheme: PayFunction, coefficient: np.ndarray) -> None:
        self.scheme = scheme
        self.spec = getattr(scheme, "spec", None)
        self.coefficient = np.asarray(coefficient, float)
        self.score = getattr(scheme, "score", None)

    def pay(self, m: dict[str, np.ndarray], ctx: PayContext) -> np.ndarray:
        total = np.asarray(self.scheme.pay(m, ctx), float)
        base = base_salary(self.scheme)
        c = self.coefficient.reshape(-1, *([1] * (total.ndim - 1)))
        return base + c * (total - base)


def period_scores(ladder: Ladder, scheme: PayFunction, metrics: dict[str, np.ndarray]) -> np.ndarray:
    """Each agent's score (0-100) for one pay period: the scheme's KPI score where it has one,
    else the percentile rank of ``ladder.score_metric`` (ties share their mean rank)."""
    score = getattr(scheme, "score", None)
    kpi = score(metrics) if score is not None else None
    if kpi is not None:
        return np.asarray(kpi, float)
    v = np.asarray(metrics[ladder.score_metric], float)
    if len(v) < 2:
        return np.full(len(v), 100.0)
    from scipy.stats import rankdata  # here: loading scipy.stats takes most of a short run's start-up

    ranks = rankdata(v if METRICS[ladder.score_metric] else -v, method="average")
    return 100.0 * (ranks - 1.0) / (len(v) - 1.0)


class CareerLadder:
    """Levels of one run's agents (held on ``Agent.level``), reviews and the promotions log.

    Args:
        ladder: the scenario's ``ladder`` section.
        period_days: days per pay period (reviews fall on the period end that crosses a
            multiple of ``review_months`` x 30 days).
    """

    def __init__(self, ladder: Ladder, period_days: int) -> None:
        self.cfg = ladder
        self.levels = ladder.levels
        self.period_days = period_days
        self.review_days = int(round(ladder.review_months * MONTH_DAYS))
        self._scores: dict[int, list[float]] = {}

    def initial_level(self, tenure_days: float) -> int:
        """The highest level whose tenure ``tenure_days`` reaches (the starting team)."""
        months = tenure_days / MONTH_DAYS
        return max(i for i, lv in enumerate(self.levels)
                   if lv.min_tenure_months <= months or i == 0)

    def apply(self, a: Agent) -> None:
        """Set the agent's cap, comfort and routing weight from its level."""
        lv = self.levels[a.level]
        a.cap = lv.cap
        a.comfort = min(a.comfort, a.cap)
        a.route_weight = lv.routing_weight

    def scheme(self, scheme: PayFunction, agents: list[Agent]) -> LevelPay:
        """``scheme`` with each of ``agents``' variable pay scaled by its level."""
        return LevelPay(scheme, [self.levels[a.level].pay_coefficient for a in agents])

    def is_review(self, day: int) -> bool:
        """Whether the period ending on ``day`` holds a review."""
        end = day + 1
        return end // self.review_days > max(0, end - self.period_days) // self.review_days

    def period_end(self, scheme: PayFunction, records: list[dict], members: list[Agent],
                   metrics: dict[str, np.ndarray], day: int) -> list[Agent]:
        """Note this period's scores and, at a review, move agents; returns those who moved.

        Sets on every record ``level`` (after any review), ``promoted`` and ``passed_over``;
        a passed-over record is also marked ``denied`` (the quit hazard reads it).
        """
        scores = period_scores(self.cfg, scheme, metrics)
        for a, s in zip(members, scores):
            self._scores.setdefault(a.id, []).append(float(s))
        review = self.is_review(day)
        moved = []
        for r, a in zip(records, members):
            up = passed = False
            if review and a.active and self._scores.get(a.id):
                up, passed, level = self.review(a, float(np.mean(self._scores[a.id])), day)
                if level != a.level:
                    a.level = level
                    moved.append(a)
            r["promoted"], r["passed_over"] = up, passed
            r["denied"] = bool(r.get("denied", False) or passed)
            r["level"] = self.levels[a.level].name
        if review:
            self._scores = {}
        return moved

    def review(self, a: Agent, score: float, day: int) -> tuple[bool, bool, int]:
        """(promoted, passed over, new level) of one agent at a review."""
        months = a.tenure_days(day + 1) / MONTH_DAYS
        level = a.level
        nxt = self.levels[level + 1] if level + 1 < len(self.levels) else None
        if nxt is not None and months >= nxt.min_tenure_months:
            if score >= nxt.min_score:
                return True, False, level + 1
            passed = True
        else:
            passed = False
        if level > 0 and score < self.levels[level].min_score:
            return False, passed, level - 1
        return False, passed, level
