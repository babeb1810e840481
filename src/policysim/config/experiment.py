"""Experiment files: which scenario to vary, which keys, how, and how often to run each variant.

Picture a researcher with one baseline store and two kinds of question: *what if we set the
commission rate to 0.4%, 0.8% or 1.2% and staff teams of 8, 10 or 12?* (the policy choices,
called **levers**) and *how much do our conclusions depend on behaviour parameters we can only
guess?* (the environment, called **uncertainties**; the vocabulary is EMA Workbench's). An
experiment file names the base scenario, the dotted keys to vary in it, a **design** that turns
them into design points, and how many replications to run of each (point, scheme)::

    name: commission_x_team
    scenario: ../scenarios/baseline.yaml      # relative to this file
    schemes: [commission, kpi]                # default: the scenario's `scheme`, else all
    levers:
      schemes.commission.commission.rate: [0.004, 0.008, 0.012]    # a list of values
      teams.0.agents: {low: 6, high: 14, num: 5, integer: true}    # a range (grid: num values)
    uncertainties:
      behaviour.temperature: {dist: triangular, low: 60, mode: 120, high: 240}
    design: grid                              # grid | oat | lhs | sobol | morris, or a mapping:
    # design: {name: sobol, samples: 256}     #   samples = base N (a power of 2) for sobol
    reps: 3                                   # default: the scenario's sim.reps
    seed: 7                                   # default: the scenario's sim.seed
    days: 90                                  # default: each point's sim.days

A factor is a list of values, or a mapping: ``low``/``high`` (uniform), ``dist: loguniform``
(``low``/``high``), ``dist: triangular`` (``low``/``mode``/``high``) or ``dist: normal``
(``mean``/``sd``, optionally truncated to ``low``/``high``); ``integer: true`` draws whole
numbers; ``num`` is the number of values a grid takes (evenly spaced for a range, quantile
midpoints for a distribution). ``keys`` sets one value at several keys, the factor's name
then being only its name (a column of the results)::

    levers:
      team_size: {keys: [teams.0.agents, teams.1.agents, teams.2.agents], values: [8, 10, 12]}

A ``null`` in a list of values leaves the key(s) as the scenario has them (for a factor whose
scenario value is not one number, like a list of KPI tiers). A ``oat`` (one-at-a-time)
design starts from the **base point**, every factor at its *first* value (write the
scenario's own values first, or ``null``), and moves one factor at a time to each of its
other values: 1 + sum(values - 1) points instead of the grid's product.
 Sampled designs (lhs, sobol, morris) draw every factor from
the unit interval and map it through the factor (a list: equally likely values).

This module is the schema only: :func:`policysim.experiment.plan.load_plan` reads a file,
checks what spans several fields (key overlap, grid counts) and builds and validates every
design point's scenario before anything runs.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from policysim.config.schema import Strict, matching

_PLAIN = (bool, int, float, str, dt.date)


def _factor_shorthand(value: object) -> object:
    """A bare list ``[a, b]`` means ``{values: [a, b]}``."""
    return {"values": value} if isinstance(value, list) else value


def _plain_values(values: list[Any]) -> list[Any]:
    for i, v in enumerate(values):
        if v is None:  # null: the scenario's own value
            continue
        if not isinstance(v, _PLAIN) or (isinstance(v, float) and not math.isfinite(v)):
            raise ValueError(f"values: plain finite values (numbers, text, true/false, dates, "
                             f"null); "
                             f"item {i}, found {v!r}")
    return values


class Factor(Strict):
    """One varied key: a list of values, a range or a distribution."""

    keys: list[str] | None = Field(default=None, min_length=1)
    values: list[Any] | None = Field(default=None, min_length=1)
    dist: Literal["uniform", "loguniform", "triangular", "normal"] | None = None
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0.0)
    integer: bool = False
    num: int | None = Field(default=None, ge=2, le=100_000)

    @model_validator(mode="after")
    def _consistent(self) -> Factor:
        if self.values is not None:
            _plain_values(self.values)
            extra = [k for k in ("dist", "low", "high", "mode", "mean", "sd", "num")
                     if getattr(self, k) is not None] + (["integer"] if self.integer else [])
            if extra:
                raise ValueError(f"{extra[0]}: either a list of values or a range/distribution, "
                                 f"found both values and {extra[0]}")
            return self
        dist = self.dist or "uniform"
        need = {"uniform": ("low", "high"), "loguniform": ("low", "high"),
                "triangular": ("low", "mode", "high"), "normal": ("mean", "sd")}[dist]
        for key in need:
            if getattr(self, key) is None:
                raise ValueError(f"{key}: {', '.join(need)} for a {dist} factor (or a list of "
                                 f"values), found no {key}")
        allowed = set(need) | ({"low", "high"} if dist == "normal" else set())
        for key in ("low", "high", "mode", "mean", "sd"):
            if key not in allowed and getattr(self, key) is not None:
                raise ValueError(f"{key}: only {', '.join(sorted(allowed))} for a {dist} factor, "
                                 f"found {key}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"high: greater than low ({self.low:g}), found {self.high:g}")
        if dist == "loguniform" and self.low <= 0:
            raise ValueError(f"low: greater than 0 for a loguniform factor, found {self.low:g}")
        if dist == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode: between low and high, found {self.mode:g}")
        if (self.integer and self.low is not None and self.high is not None
                and math.floor(self.high) < math.ceil(self.low)):
            raise ValueError(f"high: a whole number between low and high, found none up to "
                             f"{self.high:g}")
        return self

    def targets(self, name: str) -> list[str]:
        """The scenario keys this factor sets: its ``keys``, else its name."""
        return list(self.keys) if self.keys else [name]

    @property
    def kind(self) -> str:
        """'values' or the distribution name."""
        return "values" if self.values is not None else (self.dist or "uniform")


FactorSpec = Annotated[Factor, BeforeValidator(_factor_shorthand)]


#: Designs that list factor values (not sampled): every value of a list, ``num`` of a range.
LISTED = ("grid", "oat")


def _design_shorthand(value: object) -> object:
    """``design: sobol`` means ``design: {name: sobol}``."""
    return {"name": value} if isinstance(value, str) else value


class Design(Strict):
    """How factors become design points.

    ``grid``: every combination of every factor's values. ``oat``: one factor at a time
    around the base point (every factor at its first value). ``lhs``: ``samples`` points of a
    Latin hypercube. ``sobol``: Saltelli's scheme on a Sobol sequence, ``samples`` x (D + 2)
    points (x (2D + 2) with ``second_order``) for D factors, ``samples`` a power of 2.
    ``morris``: ``samples`` trajectories of D + 1 points on a ``levels``-level grid.
    """

    name: Literal["grid", "oat", "lhs", "sobol", "morris"] = "grid"
    samples: int | None = Field(default=None, ge=1, le=1_000_000)
    levels: int = Field(default=4, ge=2, le=1000)
    second_order: bool = False

    @model_validator(mode="after")
    def _samples(self) -> Design:
        if self.name in LISTED and self.samples is not None:
            raise ValueError(f"samples: only for lhs, sobol or morris designs, found "
                             f"{self.samples} with a {self.name} design")
        if self.name not in LISTED and self.samples is None:
            raise ValueError(f"samples: a number of samples for a {self.name} design, "
                             "found nothing")
        if self.name == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples: a power of 2 for a sobol design (the sequence is "
                             f"balanced only then), found {self.samples}")
        return self


#: a name that is also part of a folder or file name (the results store, run ids)
_plain_name = matching(r"[A-Za-z0-9_.-]+", "letters, digits, _, . and - only (it names files)")


PlainName = Annotated[str, AfterValidator(_plain_name)]


class Experiment(Strict):
    """A base scenario, the keys to vary in it, a design, replications and a seed."""

    name: PlainName = Field(default="experiment", min_length=1)
    description: str = ""
    scenario: str = Field(min_length=1)
    schemes: list[PlainName] | None = Field(default=None, min_length=1)
    levers: dict[str, FactorSpec] = Field(default_factory=dict)
    uncertainties: dict[str, FactorSpec] = Field(default_factory=dict)
    design: Annotated[Design, BeforeValidator(_design_shorthand)] = Design()
    reps: int | None = Field(default=None, ge=1, le=10_000)
    seed: int | None = Field(default=None, ge=0, lt=2**63)
    days: int | None = Field(default=None, ge=1, le=3650)

    def factors(self) -> list[tuple[str, str, Factor]]:
        """(section, dotted key, factor) of every lever, then every uncertainty."""
        return ([("levers", k, f) for k, f in self.levers.items()]
                + [("uncertainties", k, f) for k, f in self.uncertainties.items()])
