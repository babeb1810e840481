"""Design points: which values of the varied keys each point of an experiment takes.

Think of a design as a spreadsheet: one column per varied key, one row per **design point**.
A grid writes every combination of the factors' values; a one-at-a-time (``oat``) design
writes a base point (every factor at its first value) and moves one factor at a time to
each of its other values, so each factor's effect is read against the same base; Latin hypercube, Sobol (Saltelli)
and Morris designs (drawn with SALib) write rows of numbers in [0, 1] that each factor maps
to its own values (a list: equally likely items; a range: uniform; a distribution: its
quantile). :func:`build_design` is pure (no files); :mod:`policysim.experiment.plan` turns
the rows into scenarios and runs.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from policysim.config.experiment import Design as DesignSpec
from policysim.config.experiment import Experiment, Factor
from policysim.errors import UserError


@dataclass
class Design:
    """Design points: the values of every factor at every point.

    Attributes:
        name: grid, oat, lhs, sobol or morris.
        keys: The factors' names (their dotted keys, or the name of a factor with
            ``keys``), levers first, in file order.
        points: One row per point: ``point`` and one typed column per key.
        unit: The [0, 1] samples behind ``points`` (n x D), None for a grid.
        spec: The design section of the experiment.
    """

    name: str
    keys: list[str]
    points: pd.DataFrame
    unit: np.ndarray | None
    spec: DesignSpec

    def __len__(self) -> int:
        return len(self.points)

    def problem(self) -> dict:
        """SALib's problem dict: every factor on [0, 1] (mapped to its values afterwards)."""
        return {"num_vars": len(self.keys), "names": list(self.keys),
                "bounds": [[0.0, 1.0]] * len(self.keys)}

    def values(self, point: int) -> dict[str, object]:
        """The {key: value} overrides of one point, as Python values."""
        # column by column: a row of mixed columns would turn a whole number into a float
        return {k: python_value(self.points[k].iloc[point]) for k in self.keys}


def build_design(exp: Experiment, seed: int | None = None) -> Design:
    """Turn an experiment's factors and design section into design points (no files read).

    Args:
        exp: The experiment.
        seed: Seed of the sampled designs (default: the experiment's ``seed``, else 0).
    """
    if seed is None:
        seed = exp.seed if exp.seed is not None else 0
    factors = [(key, f) for _, key, f in exp.factors()]
    keys = [k for k, _ in factors]
    spec = exp.design
    if spec.name == "grid":
        axes = [grid_values(f) for _, f in factors]
        rows = list(itertools.product(*axes)) if axes else [()]
        unit = None
        columns = {k: [r[i] for r in rows] for i, k in enumerate(keys)}
    elif spec.name == "oat":
        rows = one_at_a_time([grid_values(f) for _, f in factors])
        unit = None
        columns = {k: [r[i] for r in rows] for i, k in enumerate(keys)}
    else:
        unit = _sample(spec, len(keys), seed)
        columns = {k: from_unit(f, unit[:, i]) for i, (k, f) in enumerate(factors)}
    n = len(next(iter(columns.values()))) if columns else 1
    points = pd.DataFrame({"point": np.arange(n, dtype=np.int64)})
    for k, vals in columns.items():
        points[k] = _column(vals)
    return Design(spec.name, keys, points, unit, spec)


def one_at_a_time(axes: list[list]) -> list[tuple]:
    """The rows of a one-at-a-time design: the base row (each axis's first value), then for
    each axis in order one row per other value, every other axis at its first value."""
    base = [a[0] for a in axes]
    rows = [tuple(base)]
    for i, axis in enumerate(axes):
        rows += [tuple(base[:i] + [v] + base[i + 1:]) for v in axis[1:]]
    return rows


def base_slices(design: Design) -> dict[str, list[int]] | None:
    """For a one-at-a-time design, each factor's points: the base point and the points
    where only that factor moved (None for other designs)."""
    if design.name != "oat" or not len(design.points):
        return None
    pts = design.points.set_index("point")
    base = pts.iloc[0]
    same = pd.DataFrame({k: pts[k].isna() if pd.isna(base[k])
                         else (pts[k] == base[k]).fillna(False).astype(bool)
                         for k in design.keys}, index=pts.index)
    return {k: [int(p) for p in pts.index if same.loc[p].drop(k).all()] for k in design.keys}


def _sample(spec: DesignSpec, d: int, seed: int) -> np.ndarray:
    """Unit-cube samples of a sampled design, in SALib's order (the analysis relies on it)."""
    try:
        from SALib.sample import latin, morris, sobol
    except ImportError:
        raise UserError(f"design: a {spec.name} design needs SALib; install the sensitivity "
                        "extra (pip install 'policysim[sensitivity]')") from None

    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
    seed = int(seed) % 2**32
    if spec.name == "lhs":
        return latin.sample(problem, spec.samples, seed=seed)
    if spec.name == "sobol":
        return sobol.sample(problem, spec.samples, calc_second_order=spec.second_order,
                            scramble=True, seed=seed)
    return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=seed)


def grid_values(f: Factor) -> list:
    """The values a factor takes in a grid."""
    if f.values is not None:
        return list(f.values)
    dist = f.kind
    if dist == "uniform":
        vals = np.linspace(f.low, f.high, f.num)
    elif dist == "loguniform":
        vals = np.geomspace(f.low, f.high, f.num)
    else:
        vals = _ppf(f, (np.arange(f.num) + 0.5) / f.num)
    out = [_whole(v) for v in vals] if f.integer else [float(v) for v in vals]
    return list(dict.fromkeys(out))


def from_unit(f: Factor, u: np.ndarray) -> list:
    """Map samples in [0, 1] to a factor's values."""
    u = np.asarray(u, dtype=float)
    if f.values is not None:
        k = len(f.values)
        return [f.values[min(int(x * k), k - 1)] for x in u]
    if f.integer and f.kind == "uniform":
        lo, hi = math.ceil(f.low), math.floor(f.high)
        return [min(lo + int(x * (hi - lo + 1)), hi) for x in u]
    if f.kind == "uniform":
        vals = f.low + u * (f.high - f.low)
    elif f.kind == "loguniform":
        vals = np.exp(np.log(f.low) + u * (np.log(f.high) - np.log(f.low)))
    else:
        vals = _ppf(f, u)
    return [_whole(v) for v in vals] if f.integer else [float(v) for v in vals]


def _ppf(f: Factor, u: np.ndarray) -> np.ndarray:
    from scipy import stats

    if f.kind == "triangular":
        c = (f.mode - f.low) / (f.high - f.low)
        return stats.triang.ppf(u, c, loc=f.low, scale=f.high - f.low)
    lo = -np.inf if f.low is None else (f.low - f.mean) / f.sd
    hi = np.inf if f.high is None else (f.high - f.mean) / f.sd
    if math.isinf(lo) or math.isinf(hi):  # an open tail: keep Morris' 0 and 1 levels finite
        u = np.clip(u, 1e-3, 1 - 1e-3)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused as inf later
        return stats.truncnorm.ppf(u, lo, hi, loc=f.mean, scale=f.sd)


def _whole(v: float) -> int | float:
    """The nearest whole number (an infinite or NaN draw is kept, for validation to refuse)."""
    return int(math.floor(v + 0.5)) if math.isfinite(v) else float(v)


def _column(values: list) -> pd.Series:
    """A typed column: int, float, bool, else the values as they are, else their text."""
    kinds = {type(v) for v in values if v is not None}
    has_none = any(v is None for v in values)
    if kinds <= {int} and kinds and all(-2**63 <= v < 2**63 for v in values if v is not None):
        return pd.Series(values, dtype="Int64" if has_none else "int64")
    if kinds <= {int, float} and kinds:
        return pd.Series([math.nan if v is None else float(v) for v in values], dtype="float64")
    if kinds == {bool}:
        return pd.Series(values, dtype="boolean" if has_none else "bool")
    if len(kinds) <= 1:
        return pd.Series(values, dtype=object)
    return pd.Series([None if v is None else str(v) for v in values], dtype=object)


def python_value(value: object) -> object:
    """A table cell as a plain Python value (None for a missing one)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
