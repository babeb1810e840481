"""Which varied parameters move which outcomes: Sobol and Morris indices with bootstrap CIs.

A Sobol design asks, for every outcome, *what share of its variance across the design is
due to each factor alone* (first order, S1) *and to each factor with all its interactions*
(total order, ST); a Morris design asks, more cheaply, *how much does the outcome move when
one factor moves a step* (mu*, the mean absolute elementary effect, and sigma, how much that
effect depends on the other factors). Both need the design's points in SALib's order, which
is the order of ``point`` in a sweep; every factor is analysed on its [0, 1] scale (the
sample before it is mapped to the factor's values), so Morris effects are per full range.

The pipeline is the same for the model and for a test function: a design, a ``runs`` table
(one row per run: ``point``, ``scheme``, ``rep`` and outcome columns), then the indices of
each outcome of each scheme computed on its mean over replications at each point. SALib's
bootstrap (fixed seed; SALib's Sobol analysis ignores a seed of 0, so 0 is sent as 1) gives
each index a confidence interval (``*_conf`` = half-width)::

    table = indices(design, runs)              # scheme, outcome, factor, S1, S1_conf, ...

(the figure of the indices is :func:`policysim.report.plots.sensitivity.plot_indices`).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from policysim.errors import UserError
from policysim.experiment.design import Design

_IDS = {"point", "scheme", "rep", "seed", "days"}
#: how far beyond [0, 1] an estimated Sobol index may lie before the analysis warns
SOBOL_SLACK = 0.05


def outcomes_of(runs: pd.DataFrame, design: Design) -> list[str]:
    """The numeric outcome columns of ``runs`` (not ids, not varied keys)."""
    skip = _IDS | set(design.keys)
    return [c for c in runs.columns if c not in skip
            and pd.api.types.is_numeric_dtype(runs[c]) and not pd.api.types.is_bool_dtype(runs[c])]


def point_means(runs: pd.DataFrame, design: Design, outcome: str) -> np.ndarray:
    """The mean of ``outcome`` over replications at every design point, in point order.

    Raises:
        UserError: If a point has no run (the analysis needs every point of the design).
    """
    means = runs.groupby("point")[outcome].mean()
    missing = np.setdiff1d(np.arange(len(design)), means.index.to_numpy())
    if len(missing):
        raise UserError(f"sensitivity: every design point needs a finished run; {len(missing)} "
                        f"of {len(design)} have none (e.g. point {int(missing[0])}); finish the "
                        "sweep (rerun it) first")
    return means.reindex(np.arange(len(design))).to_numpy(dtype=float)


def _groups(runs: pd.DataFrame):
    if "scheme" not in runs.columns:
        yield "", runs
        return
    for scheme, g in runs.groupby("scheme", sort=False):
        yield scheme, g


def sobol_indices(design: Design, runs: pd.DataFrame, outcomes: list[str] | None = None,
                  num_resamples: int = 1000, conf_level: float = 0.95, seed: int = 1
                  ) -> pd.DataFrame:
    """First- and total-order Sobol indices of every outcome of every scheme.

    Returns:
        Rows scheme, outcome, factor, S1, S1_conf, ST, ST_conf (``*_conf``: half-width of
        the ``conf_level`` bootstrap interval). Outcomes that are constant or undefined
        (NaN) at some point are left out and listed in ``.attrs["skipped"]``.
    """
    from SALib.analyze import sobol

    _require(design, "sobol")
    rows, skipped = [], {}
    for scheme, g in _groups(runs):
        for outcome in outcomes or outcomes_of(runs, design):
            y = point_means(g, design, outcome)
            why = _unusable(y)
            if why:
                skipped[f"{scheme}/{outcome}" if scheme else outcome] = why
                continue
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                res = sobol.analyze(design.problem(), y, calc_second_order=design.spec.second_order,
                                    num_resamples=num_resamples, conf_level=conf_level,
                                    seed=seed or 1)
            for i, factor in enumerate(design.keys):
                rows.append({"scheme": scheme, "outcome": outcome, "factor": factor,
                             "S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i]),
                             "ST": float(res["ST"][i]), "ST_conf": float(res["ST_conf"][i])})
    table = pd.DataFrame(rows, columns=["scheme", "outcome", "factor", "S1", "S1_conf", "ST",
                                        "ST_conf"])
    table.attrs["skipped"] = skipped
    table.attrs["note"] = sobol_note(table, design.spec.samples)
    return table


def sobol_note(table: pd.DataFrame, samples: int) -> str | None:
    """A warning when estimated indices fall outside [0, 1], where true Sobol indices lie:
    the estimators (Saltelli, Jansen) are unbiased but noisy, and with few samples an ST
    above 1 or an S1 below 0 is estimation noise, not an effect. Rows beyond [0, 1] by more
    than ``SOBOL_SLACK`` count (an inert factor's S1 of -0.003 is no news). None if none."""
    if table.empty:
        return None
    lo, hi = -SOBOL_SLACK, 1.0 + SOBOL_SLACK
    out = ((table["ST"] > hi) | (table["S1"] < lo) | (table["S1"] > hi) | (table["ST"] < lo))
    if not out.any():
        return None
    return (f"{int(out.sum())} of {len(table)} factor-outcome rows have an index outside "
            f"[0, 1] by more than {SOBOL_SLACK:g} (largest ST {table['ST'].max():.2f}, smallest S1 {table['S1'].min():.2f}), "
            f"where true Sobol indices lie: with {samples:,} samples the estimates are noisy "
            "(read their +- half-widths); raise design.samples for tighter ones")


def morris_indices(design: Design, runs: pd.DataFrame, outcomes: list[str] | None = None,
                   num_resamples: int = 1000, conf_level: float = 0.95, seed: int = 1
                   ) -> pd.DataFrame:
    """Morris elementary-effect indices of every outcome of every scheme.

    Returns:
        Rows scheme, outcome, factor, mu, mu_star, mu_star_conf, sigma (effects of moving a
        factor over its full range); skipped outcomes in ``.attrs["skipped"]``.
    """
    from SALib.analyze import morris

    _require(design, "morris")
    rows, skipped = [], {}
    for scheme, g in _groups(runs):
        for outcome in outcomes or outcomes_of(runs, design):
            y = point_means(g, design, outcome)
            why = _unusable(y, constant_ok=True)
            if why:
                skipped[f"{scheme}/{outcome}" if scheme else outcome] = why
                continue
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                res = morris.analyze(design.problem(), design.unit, y,
                                     num_resamples=num_resamples, conf_level=conf_level,
                                     num_levels=design.spec.levels, seed=seed)
            for i, factor in enumerate(design.keys):
                rows.append({"scheme": scheme, "outcome": outcome, "factor": factor,
                             "mu": float(res["mu"][i]), "mu_star": float(res["mu_star"][i]),
                             "mu_star_conf": float(res["mu_star_conf"][i]),
                             "sigma": float(res["sigma"][i])})
    table = pd.DataFrame(rows, columns=["scheme", "outcome", "factor", "mu", "mu_star",
                                        "mu_star_conf", "sigma"])
    table.attrs["skipped"] = skipped
    return table


def indices(design: Design, runs: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Sobol or Morris indices, whichever the design supports."""
    if design.name == "sobol":
        return sobol_indices(design, runs, **kwargs)
    if design.name == "morris":
        return morris_indices(design, runs, **kwargs)
    raise UserError(f"sensitivity: indices need a sobol or morris design, found {design.name}")


def _require(design: Design, name: str) -> None:
    if design.name != name or design.unit is None:
        raise UserError(f"sensitivity: {name} indices need a {name} design, found {design.name}")


def _unusable(y: np.ndarray, constant_ok: bool = False) -> str | None:
    if np.isnan(y).any():
        return f"undefined (NaN) at {int(np.isnan(y).sum())} points"
    if not constant_ok and np.ptp(y) == 0:
        return "constant across the design"
    return None


def load_design(out: str | Path) -> Design:
    """The design of a results store (points, unit samples and design section)."""
    from policysim.config.experiment import Design as DesignSpec
    from policysim.results.runstore import RunStore

    store = RunStore(out)
    info = store.info()
    points = pd.read_parquet(store.root / "points.parquet")
    keys = [c for c in points.columns if c != "point"]
    unit_path = store.root / "unit_samples.parquet"
    unit = pd.read_parquet(unit_path)[keys].to_numpy(float) if unit_path.is_file() else None
    spec = DesignSpec.model_validate(info["design"])
    return Design(spec.name, keys, points, unit, spec)
