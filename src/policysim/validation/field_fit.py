"""Choose the behaviour defaults by a least-squares fit to the in-sample field studies.

How agents respond to pay is governed by a handful of parameters nobody has measured
directly (``behaviour.temperature``, ``effort_cost``, ``load_cost``, ``cohesion``, the
attrition coefficients). The field studies of :mod:`policysim.validation.field` that give a
number (Lazear's +44%, Shearer's +20%, ...) and are marked ``in_sample`` are the targets; the
parameters are chosen to bring the model's relative effects close to them:

    loss(theta) = sum_i z_i(theta)^2,
    z_i = (model_i(theta) - published_i) / max(|published_i|, floor)

a standardised (relative) error per study, ``floor`` keeping a small published effect (+3%)
from dominating. No published standard errors are in LITERATURE.md, so the published figure's
own size is the scale.

The search is a coordinate search over the candidate values the fit file lists
(``experiments/behaviour_fit.yaml``): start from the current defaults, then for each
parameter in turn try its values with the others at their best so far, and keep the best.
Every point runs the same seeds (common random numbers), so points are compared on the same
buyers and luck. With ``out_of_sample: true`` the other studies are then run at the defaults
and at the fitted values (the out-of-sample check). Nothing here changes a default: the
result is a report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from policysim.config.validate import validate_data
from policysim.config.yamlio import read_yaml
from policysim.errors import ConfigError, UserError
from policysim.validation.field import FIELD_DIR, STUDIES, Study, run_field

#: Scenario sections whose numeric settings a fit may vary.
FITTABLE = ("behaviour", "attrition")


class FitSpec(BaseModel):
    """A behaviour fit as written in ``experiments/behaviour_fit.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(min_length=1)
    description: str = ""
    reps: int = Field(default=2, ge=2, le=1000)
    floor: float = Field(default=0.05, gt=0.0)
    parameters: dict[str, list[float]] = Field(min_length=1)
    out_of_sample: bool = True


@dataclass
class Point:
    """One evaluated parameter setting."""

    values: dict[str, float]
    loss: float
    rows: list[dict] = field(default_factory=list)


@dataclass
class FitResult:
    """The search path, the defaults' and the best point, and the out-of-sample rows."""

    spec: FitSpec
    defaults: Point
    best: Point
    path: list[Point]
    out_default: list[dict] = field(default_factory=list)
    out_best: list[dict] = field(default_factory=list)

    @property
    def gain(self) -> float:
        """Share of the defaults' in-sample loss the fit removes."""
        return 1.0 - self.best.loss / self.defaults.loss if self.defaults.loss > 0 else 0.0


def targets(studies: Sequence[Study] = tuple(STUDIES)) -> list[Study]:
    """The in-sample studies that give a number to fit."""
    return [s for s in studies if s.in_sample and s.published.value is not None]


def loss(rows: list[dict], floor: float) -> float:
    """Sum of squared standardised errors (a study without a model mean counts as infinite)."""
    total = 0.0
    for r in rows:
        pub, mean = r["published"]["value"], r["model"]["mean"]
        if mean is None or not math.isfinite(mean):
            return math.inf
        total += ((mean - pub) / max(abs(pub), floor)) ** 2
    return total


def _settings(values: dict[str, float]) -> list[str]:
    return [f"{k}={v:g}" for k, v in values.items()]


def default_values(spec: FitSpec) -> dict[str, float]:
    """The current default of every fitted parameter (read from the schema)."""
    return {key: _default(key) for key in spec.parameters}


def _default(key: str) -> float | None:
    """The schema default of a numeric ``behaviour.*`` or ``attrition.*`` setting, else None."""
    from policysim.config.schema import Scenario

    if key.split(".")[0] not in FITTABLE:
        return None
    obj: object = Scenario()
    for part in key.split("."):
        if not hasattr(obj, part):
            return None
        obj = getattr(obj, part)
    if isinstance(obj, bool) or not isinstance(obj, (int, float)):
        return None
    return float(obj)


def load_fit(path: Path) -> FitSpec:
    """Read and check a fit file; a bad key is one located :class:`UserError`."""
    data, lines = read_yaml(path)
    spec = validate_data(FitSpec, data, str(path), lines)
    for key, values in spec.parameters.items():
        where = f"{path}:{lines.get(('parameters', key), 1)}: parameters.{key}"
        if _default(key) is None:
            raise UserError(f"{where}: expected a numeric setting under "
                            f"{' or '.join(FITTABLE)} (docs/model.md), found {key!r}")
        if not values:
            raise UserError(f"{where}: expected at least one candidate value, found none")
        for value in values:  # a candidate the scenario refuses: before any point runs
            if (expected := _refused(key, value)) is not None:
                raise UserError(f"{where}: expected {expected}, found {value:g}")
    return spec


def _refused(key: str, value: float) -> str | None:
    """What the scenario schema expects of ``key`` when it refuses ``value``, else None."""
    from policysim.config.schema import Scenario

    data: dict = {}
    node = data
    *head, last = key.split(".")
    for part in head:
        node = node.setdefault(part, {})
    node[last] = value
    try:
        validate_data(Scenario, data, "fit")
    except ConfigError as err:
        return err.problems[0].expected
    return None


def fit(spec: FitSpec, workers: int = 1, folder=FIELD_DIR, log=None,
        settings: Sequence[str] = ()) -> FitResult:
    """Coordinate search of ``spec.parameters`` on the in-sample studies (see module doc).

    ``settings`` (``dotted.key=value``) apply to every run, e.g. ``sim.days=60`` for a quick
    look; ``log`` receives one line per point evaluated."""
    inside = targets()
    cache: dict[tuple, Point] = {}

    def evaluate(values: dict[str, float]) -> Point:
        key = tuple(sorted(values.items()))
        if key not in cache:
            rows = run_field(inside, spec.reps, [*settings, *_settings(values)], workers,
                             folder)
            cache[key] = Point(dict(values), loss(rows, spec.floor), rows)
            if log:
                log(f"{', '.join(_settings(values))}: loss {cache[key].loss:.3f}")
        return cache[key]

    current = default_values(spec)
    defaults = evaluate(current)
    best = defaults
    for key, candidates in spec.parameters.items():
        for value in candidates:
            p = evaluate({**best.values, key: float(value)})
            if p.loss < best.loss:
                best = p
    result = FitResult(spec, defaults, best, list(cache.values()))
    if spec.out_of_sample:
        others = [s for s in STUDIES if s not in inside]
        result.out_default = run_field(others, spec.reps, [*settings, *_settings(defaults.values)],
                                       workers, folder)
        result.out_best = (result.out_default if best is defaults else
                           run_field(others, spec.reps, [*settings, *_settings(best.values)],
                                     workers, folder))
    return result


def agreement(rows: list[dict]) -> dict:
    """How well rows agree with the evidence: same direction, inside, mean |error|."""
    direction = [r["same_direction"] for r in rows if r["same_direction"] is not None]
    inside = [r["inside"] for r in rows if r["inside"] is not None]
    errors = [abs(r["model"]["mean"] - r["published"]["value"]) for r in rows
              if r["published"]["value"] is not None and r["model"]["mean"] is not None
              and math.isfinite(r["model"]["mean"])]
    return {"studies": len(rows), "same_direction": sum(direction), "directions": len(direction),
            "inside": sum(inside), "intervals": len(inside),
            "mean_abs_error": sum(errors) / len(errors) if errors else math.nan}


def render_fit(res: FitResult) -> str:
    """The fit in words: the path, the fitted values, the gain, in- and out-of-sample."""
    lines = [f"behaviour fit {res.spec.name}: {len(res.path)} points, {res.spec.reps} "
             f"replications per arm; loss = sum of squared relative errors (floor "
             f"{res.spec.floor:g})", ""]
    for p in res.path:
        mark = "  <- best" if p is res.best else ("  (defaults)" if p is res.defaults else "")
        lines.append(f"  {', '.join(_settings(p.values))}: loss {p.loss:.3f}{mark}")
    lines += ["", "fitted values (defaults -> fitted):"]
    for k, v in res.best.values.items():
        lines.append(f"  {k}: {res.defaults.values[k]:g} -> {v:g}")
    lines.append(f"in-sample loss {res.defaults.loss:.3f} -> {res.best.loss:.3f} "
                 f"(gain {res.gain:.0%})")
    for label, rows_d, rows_b in (("in-sample", res.defaults.rows, res.best.rows),
                                  ("out-of-sample", res.out_default, res.out_best)):
        if not rows_d:
            continue
        a, b = agreement(rows_d), agreement(rows_b)
        lines.append(f"{label}: same direction {a['same_direction']}/{a['directions']} -> "
                     f"{b['same_direction']}/{b['directions']}, inside {a['inside']}/"
                     f"{a['intervals']} -> {b['inside']}/{b['intervals']}, mean |error| "
                     f"{a['mean_abs_error']:.3f} -> {b['mean_abs_error']:.3f}")
        for rd, rb in zip(rows_d, rows_b):
            lines.append(f"  {rd['id']:<20} published {rd['published']['text']}: model "
                         f"{_pct(rd['model']['mean'])} -> {_pct(rb['model']['mean'])}")
    return "\n".join(lines)


def _pct(x) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:+.1%}"


def fit_json(res: FitResult) -> dict:
    """The fit as plain data."""
    def rows(rs):
        return [{"id": r["id"], "published": r["published"]["value"],
                 "model": r["model"]["mean"]} for r in rs]
    return {"name": res.spec.name, "defaults": res.defaults.values, "fitted": res.best.values,
            "loss_defaults": res.defaults.loss, "loss_fitted": res.best.loss, "gain": res.gain,
            "path": [{"values": p.values, "loss": p.loss} for p in res.path],
            "in_sample": {"defaults": rows(res.defaults.rows), "fitted": rows(res.best.rows),
                          "agreement_defaults": agreement(res.defaults.rows),
                          "agreement_fitted": agreement(res.best.rows)},
            "out_of_sample": {"defaults": rows(res.out_default), "fitted": rows(res.out_best),
                              "agreement_defaults": agreement(res.out_default),
                              "agreement_fitted": agreement(res.out_best)}}
