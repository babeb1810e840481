"""Sorting at hiring: who accepts an offer depends on what the scheme would pay them.

Half of the productivity gain Lazear (2000) measured when Safelite moved its installers from
hourly pay to a piece rate came from *who* joined and stayed: a scheme that pays for output
is worth more to an able worker, so able applicants accept its offers more often. The model
gives every applicant an ability (the skill experience tends to, drawn like any agent's) and
lets it accept the store's offer with the logit probability

    P(accept | s) = 1 / (1 + exp(-k (pay(s) - w) / w))

where ``k = hiring.sorting_strength``, ``w = attrition.outside_wage`` (monthly) and pay(s) is
what the scheme in force would pay an agent of ability s for a month. Applicants come, one
after another, until one accepts (``MAX_APPLICANTS`` at most; then the most willing of them
is hired). With k = 0 every applicant accepts with the same probability, so the hire is a
draw from the pool, as without sorting.

pay(s) comes from the pay function itself, never from what the scheme is called: the store's
last pay period is the applicant's evidence. Each pay-function input (served, sales, rating,
...) is regressed on skill across the agents who worked the whole period; the applicant's
metrics are that line at its ability (clipped to the range seen), and the scheme's ``pay``
is applied to them with the applicant placed on the vacancy's team among those colleagues
(so ranks and team contests place it too). A flat salary pays every applicant the same and
sorts nobody; a commission pays the able more and draws them in (docs/model.md section 6.2).
"""

from __future__ import annotations

import numpy as np

from policysim.config.pay import METRICS
from policysim.model.schemes import PayContext, PayFunction
from policysim.model.workforce import MONTH_DAYS

#: Applicants seen at most for one vacancy (beyond it the most willing is hired).
MAX_APPLICANTS = 256
#: Applicants evaluated together (their abilities and uniforms are drawn in blocks).
BATCH = 16


class Evidence:
    """What the store's last pay period shows an applicant: each colleague's skill, team and
    pay-function inputs (full-period colleagues only, where there are at least three)."""

    def __init__(self, metrics: dict[str, np.ndarray], skill: np.ndarray, team: np.ndarray,
                 present: np.ndarray, n_teams: int, period_days: int) -> None:
        full = present >= 0.999
        if full.sum() < 3:
            full = np.ones(len(skill), bool)
        self.skill = np.asarray(skill, float)[full]
        self.team = np.asarray(team, int)[full]
        self.metrics = {k: np.asarray(v, float)[full] for k, v in metrics.items()}
        self.n_teams = n_teams
        self.per_month = MONTH_DAYS / period_days
        self._lines = {name: _line(self.skill, y) for name, y in self.metrics.items()}

    def metrics_at(self, ability: float) -> dict[str, float]:
        """Each pay-function input predicted for an agent of ``ability``: the least-squares
        line on skill across colleagues, clipped to the values colleagues reached."""
        return {name: float(np.clip(icpt + slope * ability, lo, hi))
                for name, (icpt, slope, lo, hi) in self._lines.items()}

    def monthly_pay(self, scheme: PayFunction, ability: float, team: int) -> float:
        """What ``scheme`` would pay a colleague of ``ability`` on ``team`` for a month."""
        own = self.metrics_at(ability)
        m = {k: np.append(v, own[k]) for k, v in self.metrics.items() if k in METRICS}
        ctx = PayContext(np.append(self.team, team), self.n_teams)
        return float(np.asarray(scheme.pay(m, ctx), float)[-1]) * self.per_month


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """Intercept and slope of y on x by least squares (flat where x does not vary), and the
    range of y."""
    if len(y) == 0:
        return 0.0, 0.0, 0.0, 0.0
    if len(x) >= 2 and np.ptp(x) > 0:
        slope, icpt = np.polyfit(x, y, 1)
    else:
        slope, icpt = 0.0, float(np.mean(y))
    return float(icpt), float(slope), float(y.min()), float(y.max())


def accept_probability(pay: np.ndarray, outside_wage: float, strength: float) -> np.ndarray:
    """Logit probability of accepting an offer expected to pay ``pay`` a month."""
    z = strength * (np.asarray(pay, float) - outside_wage) / outside_wage
    return 1.0 / (1.0 + np.exp(-np.clip(z, -700.0, 700.0)))


def ability_draws(rng: np.random.Generator, sigma: float, n: int) -> np.ndarray:
    """``n`` abilities from the team's lognormal (mean 1) ability distribution."""
    if sigma <= 0:
        return np.ones(n)
    return rng.lognormal(-sigma**2 / 2, sigma, n)


def pick_applicant(rng: np.random.Generator, evidence: Evidence, scheme: PayFunction,
                   team: int, sigma: float, outside_wage: float, strength: float) -> float:
    """The ability of the applicant who takes the vacancy (stream "workforce.applicants").

    Applicants come in order, each with an ability and a uniform; the first whose uniform
    falls below its acceptance probability is hired.
    """
    best, best_p = 1.0, -1.0
    for _ in range(MAX_APPLICANTS // BATCH):
        abilities = ability_draws(rng, sigma, BATCH)
        u = rng.random(BATCH)
        pay = np.array([evidence.monthly_pay(scheme, s, team) for s in abilities])
        p = accept_probability(pay, outside_wage, strength)
        hit = np.flatnonzero(u < p)
        if len(hit):
            return float(abilities[hit[0]])
        j = int(np.argmax(p))
        if p[j] > best_p:
            best, best_p = float(abilities[j]), float(p[j])
    return best
