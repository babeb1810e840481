"""Pay-scheme specifications as written in scenario files.

A scheme is a sum of components, each a function of an agent's period metrics:

    pay = base_salary + commission(sales) + kpi_bonus(score) + contest_prize(team rank)

or a ``schedule`` that switches between other schemes on given days (a policy change).
The names of metrics an agent is measured on are fixed by :data:`METRICS` with their
direction (higher or lower is better); nothing here knows any scheme by its name.

Response times can be measured two ways (:data:`MEASURES`): as the platform counts them,
from the buyer's first message (store-queue wait included), or as the agent's own delay
after the chat reached it. A KPI line on a response metric says which (``measure``;
``platform`` unless it says ``agent``); contests and rankings name the column directly.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

#: Period metrics a KPI or contest may use, and whether higher values are better.
METRICS: dict[str, bool] = {
    "served": True,  # inquiries served (answered before the buyer left)
    "first_response_s": False,  # agent's own mean first-reply delay of its answered chats
    "first_response_platform_s": False,  # the same from the buyer's first message, queue included
    "reply_within_30s": True,  # share of handled chats first answered within 30 s (platform)
    "reply_within_180s": True,  # share of handled chats first answered within 3 min (platform)
    "reply_within_30s_agent": True,  # the same, counting the agent's own delay only
    "reply_within_180s_agent": True,
    "reply_rate": True,  # share of routed chats answered before the buyer left
    "conversion": True,  # orders / pre-sales chats served
    "sales": True,  # revenue of the agent's orders, yuan
    "rating": True,  # mean buyer rating, 1-5
    "quality": True,  # audited chat quality, 0-1
    "transfers_given": True,  # chats handed to colleagues on overload
}
#: The metrics that are totals over the period (they grow with its length); the others are
#: shares, means or rates, the same over a short period as over a long one.
PERIOD_TOTALS: frozenset[str] = frozenset({"served", "sales", "transfers_given"})
MetricName = Literal[
    "served", "first_response_s", "first_response_platform_s", "reply_within_30s",
    "reply_within_180s", "reply_within_30s_agent", "reply_within_180s_agent", "reply_rate",
    "conversion", "sales", "rating", "quality", "transfers_given",
]

#: Response metrics a KPI line may measure either way: the column read for each measure.
MEASURES: dict[str, dict[str, str]] = {
    "first_response_s": {"platform": "first_response_platform_s", "agent": "first_response_s"},
    "reply_within_30s": {"platform": "reply_within_30s", "agent": "reply_within_30s_agent"},
    "reply_within_180s": {"platform": "reply_within_180s", "agent": "reply_within_180s_agent"},
}


def kpi_column(name: str, measure: str | None) -> str:
    """The period-metric column a KPI line on ``name`` reads (``measure`` None = platform)."""
    return MEASURES[name][measure or "platform"] if name in MEASURES else name


_PERCENT = re.compile(r"\s*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*%\s*")


def percent(value: object) -> object:
    """Read a percentage text as a fraction ("1%" -> 0.01, "12.5 %" -> 0.125).

    A share or rate is a number from 0 to 1; a store manager often writes it as a percentage,
    and ``rate: 1%`` is unambiguous, so it is accepted. Any other value is left for the
    number check (``rate: 1`` stays 1, i.e. 100%; a warning flags a commission that high).
    """
    if isinstance(value, str) and (match := _PERCENT.fullmatch(value)):
        return float(match.group(1)) / 100.0
    return value


#: A share or rate from 0 to 1, also written as a percentage ("1%").
Share = Annotated[float, BeforeValidator(percent), Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Commission(_Strict):
    """rate x share x (sales - target)+; with target 0 and share 1 simply rate x sales.

    ``basis: team`` pays on the agent's team's sales per member instead of its own (a group
    piece rate or a shop-level bonus: Hamilton, Nickerson & Owan 2003; Friebel et al. 2017).
    """

    rate: Share = 0.02
    target: float = Field(default=0.0, ge=0.0)
    share: Share = 1.0
    basis: Literal["own", "team"] = "own"


class KpiMetric(_Strict):
    """One KPI line: a weight, the target that scores full marks and, optionally, the floor
    that scores none (linear in between); without a floor the line scores value / target
    (target / value where lower is better)."""

    weight: float = Field(ge=0.0, le=1e6)  # bounded: a huge sum overflows the score to NaN
    target: float = Field(gt=0.0)
    floor: float | None = Field(default=None, ge=0.0)
    measure: Literal["platform", "agent"] | None = None  # response metrics only (MEASURES)


class Tier(_Strict):
    """Score at or above ``min_score`` earns ``bonus_base`` x score / 100."""

    min_score: float = Field(ge=0.0, le=100.0)
    bonus_base: float = Field(ge=0.0)


_DEFAULT_TIERS = [
    Tier(min_score=90, bonus_base=3000),
    Tier(min_score=80, bonus_base=2000),
    Tier(min_score=0, bonus_base=1000),
]


class Kpi(_Strict):
    """Weighted, target-normalised metrics -> score 0-100 -> tiered bonus."""

    metrics: dict[MetricName, KpiMetric] = Field(min_length=1)
    tiers: list[Tier] = Field(default=_DEFAULT_TIERS, min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Kpi:
        if sum(m.weight for m in self.metrics.values()) <= 0:
            raise ValueError("metrics: at least one weight above 0")
        for name, line in self.metrics.items():
            if line.measure is not None and name not in MEASURES:
                raise ValueError(f"metrics.{name}.measure: a measure only on "
                                 f"{', '.join(MEASURES)}, found {line.measure!r}")
            if line.floor is None:
                continue
            if METRICS[name] and line.floor >= line.target:
                raise ValueError(f"metrics.{name}.floor: below target {line.target:g} "
                                 f"(higher {name} is better), found {line.floor:g}")
            if not METRICS[name] and line.floor <= line.target:
                raise ValueError(f"metrics.{name}.floor: above target {line.target:g} "
                                 f"(lower {name} is better), found {line.floor:g}")
        scores = [t.min_score for t in self.tiers]
        if any(a <= b for a, b in zip(scores, scores[1:])):
            raise ValueError(f"tiers: min_score strictly decreasing (highest tier first), found {scores}")
        return self


class Contest(_Strict):
    """Teams ranked each period on the mean of a member metric; winners' members get a prize."""

    metric: MetricName = "sales"
    prize_per_member: float = Field(default=1500.0, ge=0.0)
    winners: int = Field(default=1, ge=1)


class Ranking(_Strict):
    """Individual ranking: the ``top`` agents of the store on a metric get ``prize`` each."""

    metric: MetricName = "sales"
    prize: float = Field(default=1000.0, ge=0.0)
    top: int = Field(default=1, ge=1)


class Switch(_Strict):
    """From ``day`` on, the scheme named ``scheme`` is in force.

    A switch may give a calendar ``date`` instead of a day number; the scenario converts it
    with ``sim.start_date`` (day 0) and keeps the date for reports.
    """

    day: int | None = Field(default=None, ge=0)
    date: dt.date | None = None
    scheme: str = Field(min_length=1)

    @model_validator(mode="after")
    def _when(self) -> Switch:
        if self.day is None:
            raise ValueError("day: a day number (day: 180) or a date (date: 2026-07-01)")
        return self


class SchemeSpec(_Strict):
    """A pay scheme: components summed, or a schedule of other schemes."""

    base_salary: float = Field(default=0.0, ge=0.0)
    commission: Commission | None = None
    kpi: Kpi | None = None
    contest: Contest | None = None
    ranking: Ranking | None = None
    schedule: Annotated[list[Switch], Field(min_length=1)] | None = None
    #: multiplies every component (all pay but the base salary); ``compare --equal-cost``
    #: sets it so that the scheme costs what the baseline does
    variable_pay_scale: float = Field(default=1.0, ge=0.0, le=1000.0)

    @model_validator(mode="after")
    def _check(self) -> SchemeSpec:
        if self.schedule is not None:
            if self.commission or self.kpi or self.contest or self.ranking or self.base_salary:
                raise ValueError("schedule: a schedule names other schemes; give no components beside it")
            days = [s.day for s in self.schedule]
            if days[0] != 0 or any(a >= b for a, b in zip(days, days[1:])):
                raise ValueError("schedule: days increasing and starting at 0 (date: "
                                 f"sim.start_date), found days {days}")
        return self
