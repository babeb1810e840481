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
    plot_indices(table, "sensitivity.png")
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from policysim.errors import UserError
from policysim.experiment.design import Design

_IDS = {"point", "scheme", "rep", "seed", "days"}


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
    return table


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


def plot_indices(table: pd.DataFrame, path: str | Path, outcomes: list[str] | None = None,
                 scheme: str | None = None, max_outcomes: int = 12) -> Path:
    """Bar charts of the indices with their CIs, one panel per outcome; save to PNG.

    Args:
        table: From :func:`sobol_indices` or :func:`morris_indices`.
        path: The PNG file to write.
        outcomes: Outcomes to show (default: the first ``max_outcomes``).
        scheme: The scheme to show (default: the table's first).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if table.empty:
        raise UserError("sensitivity plot: the table has no indices to plot")
    scheme = table["scheme"].iloc[0] if scheme is None else scheme
    t = table[table["scheme"] == scheme]
    present = list(dict.fromkeys(t["outcome"]))
    names = [o for o in (outcomes or present) if o in present][:max_outcomes]
    if not names:
        raise UserError(f"sensitivity plot: no indices of {outcomes} under {scheme!r}")
    sobol = "S1" in t.columns
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, outcome in zip(axes.flat, names):
        g = t[t["outcome"] == outcome]
        x = np.arange(len(g))
        if sobol:
            ax.bar(x - 0.2, g["S1"], 0.4, yerr=g["S1_conf"], capsize=3, label="first order S1")
            ax.bar(x + 0.2, g["ST"], 0.4, yerr=g["ST_conf"], capsize=3, label="total order ST")
            ax.set_ylabel("Sobol index (share of variance)")
        else:
            ax.bar(x, g["mu_star"], 0.6, yerr=g["mu_star_conf"], capsize=3, label="mu*")
            ax.plot(x, g["sigma"], "k_", markersize=14, label="sigma")
            ax.set_ylabel("Morris mu* (effect over full range)")
        ax.set_xticks(x, _short(list(g["factor"])), rotation=30, ha="right", fontsize=8)
        ax.set_xlabel("factor")
        ax.set_title(outcome, fontsize=10)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    kind = "Sobol indices" if sobol else "Morris indices"
    fig.suptitle(f"{kind}{f' under {scheme}' if scheme else ''} (bars: 95% bootstrap CI)")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _short(keys: list[str]) -> list[str]:
    """Tick labels: the last part of each dotted key if those are distinct, else the keys."""
    last = [k.split(".")[-1] for k in keys]
    return last if len(set(last)) == len(last) else keys
