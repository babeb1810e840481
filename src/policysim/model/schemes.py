"""Pay schemes as pay functions of period metrics.

A scheme is an object with ``pay(metrics, ctx) -> array``: given each agent's period metrics
(a dict of numpy arrays, one entry per agent, or per agent x candidate action when agents
weigh their options) and the team context, it returns what each agent is paid. Components
add up (base salary + commission + KPI bonus + contest prize + rank prize). The engine and
the behaviour layer never look at a scheme's name: they only call ``pay``; a Python user can
pass any object with the same method.

Rank-based components (contests, rankings) also give *expected* pay for predicted metrics:
the chance of winning is a normal approximation from the spread of last period's results, as
in Lazear & Rosen (1981).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from policysim.config.pay import (
    METRICS, Commission, Contest, Kpi, Ranking, SchemeSpec, kpi_column,
)


def ndtr(x):
    """The standard normal distribution function, ``scipy.special.ndtr``; scipy is imported
    on first use, as loading it takes longer than a short run of a scheme that never needs it."""
    from scipy.special import ndtr as phi

    return phi(x)


@dataclass
class PayContext:
    """What pay functions may know besides an agent's own metrics.

    Attributes:
        team: team index of each agent (shape (n,)).
        n_teams: number of teams.
        predict: True when agents weigh candidate actions (metrics have shape (n, A)); rank
            components then return expected prizes.
        others: last period's realised metrics of every agent (shape (n,)), used to place a
            predicted result among colleagues' and other teams'.
        recognised: filled by rank components: True where an agent won something.
        spread_from: metrics whose spread sets the noise of rank predictions (default
            ``others``); held fixed when asking "what if colleagues did better?".
    """

    team: np.ndarray
    n_teams: int
    predict: bool = False
    others: dict[str, np.ndarray] | None = None
    recognised: np.ndarray | None = field(default=None)
    spread_from: dict[str, np.ndarray] | None = None

    def spread_source(self) -> dict[str, np.ndarray]:
        """Metrics to measure the noise of rank predictions on."""
        return self.spread_from if self.spread_from is not None else self.others


class PayFunction(Protocol):
    """Anything with a pay function can be a scheme."""

    def pay(self, m: dict[str, np.ndarray], ctx: PayContext) -> np.ndarray: ...


def _signed(metric: str, values: np.ndarray) -> np.ndarray:
    """Values oriented so that higher is better."""
    return values if METRICS[metric] else -values


def _team_means(values: np.ndarray, team: np.ndarray, n_teams: int) -> np.ndarray:
    sums = np.bincount(team, weights=values, minlength=n_teams)
    counts = np.bincount(team, minlength=n_teams)
    return np.where(counts > 0, sums / np.maximum(counts, 1), -np.inf)


@dataclass(frozen=True)
class CommissionPay:
    """rate x share x (sales - target)+ ; with target 0 and share 1 plain rate x sales.

    With ``basis: team`` the sales are the team's sales per member; predicted, the own
    team's mean moves by the agent's own change from last period over the team's size (as
    in :class:`ContestPay`), so an agent earns 1/size of its own extra sales and gains when
    teammates sell more (the cohesion term of the behaviour layer sees that)."""

    spec: Commission

    def pay(self, m, ctx):
        s = self.spec
        sales = m["sales"]
        if s.basis == "team":
            sales = self.team_sales(sales, ctx)
        return s.rate * s.share * np.maximum(sales - s.target, 0.0)

    @staticmethod
    def team_sales(own: np.ndarray, ctx: PayContext) -> np.ndarray:
        """Team sales per member seen by each agent (per action when predicting)."""
        size = np.bincount(ctx.team, minlength=ctx.n_teams)[ctx.team]
        if not ctx.predict:
            return _team_means(own, ctx.team, ctx.n_teams)[ctx.team]
        last = ctx.others["sales"]
        means = _team_means(last, ctx.team, ctx.n_teams)[ctx.team]
        return means[:, None] + (own - last[:, None]) / size[:, None]


@dataclass(frozen=True)
class KpiPay:
    """score = 100 x sum_j w_j r_j / sum_j w_j with r_j = clip((v - floor) / (target - floor),
    0, 1) when a floor is set, else clip(v / target) (target / v where lower is better);
    bonus = base of the highest tier reached x score / 100. A response line reads the column
    of its ``measure`` (platform or agent, ``config.pay.kpi_column``)."""

    spec: Kpi

    def score(self, m):
        total = sum(x.weight for x in self.spec.metrics.values())
        acc = 0.0
        for name, line in self.spec.metrics.items():
            v = np.asarray(m[kpi_column(name, line.measure)], dtype=float)
            if line.floor is not None:
                ratio = (v - line.floor) / (line.target - line.floor)
            elif METRICS[name]:
                ratio = v / line.target
            else:
                ratio = np.where(v > 0, line.target / np.maximum(v, 1e-12), 1.0)
            acc = acc + line.weight * np.clip(ratio, 0.0, 1.0)
        return 100.0 * acc / total

    def pay(self, m, ctx):
        score = self.score(m)
        bonus = np.zeros_like(score)
        reached = np.zeros(score.shape, dtype=bool)
        for tier in self.spec.tiers:  # highest first
            hit = (score >= tier.min_score - 1e-9) & ~reached
            bonus = np.where(hit, tier.bonus_base * score / 100.0, bonus)
            reached |= hit
        return bonus


@dataclass(frozen=True)
class ContestPay:
    """Teams ranked on the mean of a member metric; members of the top ``winners`` teams get
    the prize. Predicted: P(win) with the own team's mean moved by the agent's marginal
    contribution, others at last period's level, noise = spread of last period's team means."""

    spec: Contest

    def pay(self, m, ctx):
        s = self.spec
        if not ctx.predict:
            means = _team_means(_signed(s.metric, m[s.metric]), ctx.team, ctx.n_teams)
            order = np.argsort(-means, kind="stable")
            won_team = np.zeros(ctx.n_teams, dtype=bool)
            won_team[order[: s.winners]] = True
            won_team &= np.isfinite(means)
            won = won_team[ctx.team]
            ctx.recognised = won if ctx.recognised is None else ctx.recognised | won
            return np.where(won, s.prize_per_member, 0.0)
        last = _signed(s.metric, ctx.others[s.metric])
        means = _team_means(last, ctx.team, ctx.n_teams)
        size = np.bincount(ctx.team, minlength=ctx.n_teams)[ctx.team]
        own = _signed(s.metric, m[s.metric])
        mine = means[ctx.team][:, None] + (own - last[:, None]) / size[:, None]
        spread = _team_means(_signed(s.metric, ctx.spread_source()[s.metric]), ctx.team, ctx.n_teams)
        finite = spread[np.isfinite(spread)]
        sd = max(float(np.std(finite)), 0.05 * float(np.mean(np.abs(finite))) + 1e-9)
        rivals = []
        for t in range(ctx.n_teams):
            if np.isfinite(means[t]):
                rivals.append(t)
        n_rivals = len(rivals) - 1
        if n_rivals < s.winners:
            return np.full_like(mine, s.prize_per_member)
        # the number of rivals beaten is a sum of independent Bernoulli(P(beat rival t));
        # P(it reaches n_rivals - winners + 1) by the normal approximation of that count
        probs = []
        for t in rivals:
            p = ndtr((mine - means[t]) / (sd * np.sqrt(2.0)))
            probs.append(np.where(ctx.team[:, None] == t, np.nan, p))
        probs = np.array(probs)
        need = n_rivals - s.winners + 1
        mean_beaten = np.nansum(probs, axis=0)
        var_beaten = np.nansum(probs * (1 - probs), axis=0) + 1e-9
        p_win = ndtr((mean_beaten - need + 0.5) / np.sqrt(var_beaten))
        return s.prize_per_member * p_win


@dataclass(frozen=True)
class RankingPay:
    """Individual ranking: the top ``top`` agents of the store on a metric get the prize.
    Predicted: P(own result beats the top-th best colleague) under normal noise."""

    spec: Ranking

    def pay(self, m, ctx):
        s = self.spec
        if not ctx.predict:
            v = _signed(s.metric, m[s.metric])
            order = np.argsort(-v, kind="stable")
            won = np.zeros(len(v), dtype=bool)
            won[order[: s.top]] = True
            ctx.recognised = won if ctx.recognised is None else ctx.recognised | won
            return np.where(won, s.prize, 0.0)
        last = _signed(s.metric, ctx.others[s.metric])
        if len(last) <= s.top:
            return np.full(np.shape(m[s.metric]), s.prize)
        cutoff = np.sort(last)[::-1][s.top - 1]
        sd = max(float(np.std(_signed(s.metric, ctx.spread_source()[s.metric]))), 1e-9)
        own = _signed(s.metric, m[s.metric])
        return s.prize * ndtr((own - cutoff) / sd)


class Scheme:
    """A pay scheme built from a :class:`SchemeSpec`: base salary plus its components, the
    components (the variable pay) multiplied by ``spec.variable_pay_scale`` x ``scale``."""

    def __init__(self, spec: SchemeSpec, scale: float = 1.0) -> None:
        self.spec = spec
        self.scale = spec.variable_pay_scale * scale
        parts = []
        if spec.commission is not None:
            parts.append(CommissionPay(spec.commission))
        if spec.kpi is not None:
            parts.append(KpiPay(spec.kpi))
        if spec.contest is not None:
            parts.append(ContestPay(spec.contest))
        if spec.ranking is not None:
            parts.append(RankingPay(spec.ranking))
        self.parts = parts

    def pay(self, m: dict[str, np.ndarray], ctx: PayContext) -> np.ndarray:
        """Total pay of each agent (or each agent x action when ``ctx.predict``)."""
        shape = np.shape(m["served"])
        total = np.full(shape, float(self.spec.base_salary))
        for part in self.parts:
            total = total + self.scale * part.pay(m, ctx)
        return total

    def score(self, m: dict[str, np.ndarray]) -> np.ndarray | None:
        """The KPI score (0-100) of each agent where the scheme has a KPI, else None."""
        for part in self.parts:
            if isinstance(part, KpiPay):
                return part.score(m)
        return None


def scheme_at(schemes: dict[str, SchemeSpec], name: str, day: int) -> Scheme:
    """The scheme in force on ``day`` under the scheme (or schedule) named ``name`` (a
    schedule's ``variable_pay_scale`` multiplies that of the scheme in force)."""
    spec = schemes[name]
    if spec.schedule is not None:
        current = spec.schedule[0].scheme
        for switch in spec.schedule:
            if switch.day <= day:
                current = switch.scheme
        return Scheme(schemes[current], spec.variable_pay_scale)
    return Scheme(spec)
