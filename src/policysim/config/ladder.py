"""Career ladder as written in scenario files (``ladder:``; docs/model.md section 6.3).

Chat teams promote agents up a short ladder (seeds: trainee -> junior -> senior -> expert,
reviewed about every six months). Each level names the tenure and review score it takes to
reach it and what it brings: a coefficient on the variable pay, the platform's concurrency cap
and the routing weight. Levels are listed from the bottom; each level asks at least the tenure
and score of the one below, so climbing is never easier than staying.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policysim.config.pay import METRICS, MetricName


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Level(_Strict):
    """One rung: who may hold it (tenure, score) and what it changes."""

    name: str = Field(min_length=1)
    min_tenure_months: float = Field(default=0.0, ge=0.0)
    min_score: float = Field(default=0.0, ge=0.0, le=100.0)
    pay_coefficient: float = Field(default=1.0, ge=0.0)
    cap: int = Field(default=5, ge=1, le=20)
    routing_weight: float = Field(default=1.0, ge=0.0, le=1e6)  # as routing weights


class Ladder(_Strict):
    """Levels from the bottom, reviewed every ``review_months``.

    The review score is the KPI score (0-100) of the scheme in force where it has one, else
    the percentile rank (0-100) of ``score_metric`` among the agents reviewed.
    """

    review_months: int = Field(default=6, ge=1, le=120)
    score_metric: MetricName = "sales"
    levels: list[Level] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _ordered(self) -> Ladder:
        names = [lv.name for lv in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"levels: a unique name for each level, found {names}")
        if all(lv.routing_weight == 0 for lv in self.levels):
            raise ValueError("levels: at least one level's routing_weight above 0 (with all 0 "
                             "the weighted and sticky routers give nobody a chat), found all 0")
        for i in range(1, len(self.levels)):
            lower, level = self.levels[i - 1], self.levels[i]
            if level.min_tenure_months < lower.min_tenure_months:
                raise ValueError(
                    f"levels.{i}.min_tenure_months: at least the level below "
                    f"({lower.name}: {lower.min_tenure_months:g}; levels from the bottom), "
                    f"found {level.min_tenure_months:g}")
            if level.min_score < lower.min_score:
                raise ValueError(
                    f"levels.{i}.min_score: at least the level below ({lower.name}: "
                    f"{lower.min_score:g}; levels from the bottom), found {level.min_score:g}")
        return self

    def higher_is_better(self) -> bool:
        """Whether a higher ``score_metric`` ranks better."""
        return METRICS[self.score_metric]
