"""Sweep figures: main effects across a design, and Sobol / Morris indices with their CIs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from policysim.errors import UserError
from policysim.report.plots.common import colours, figure, legend


def sensitivity(effects: pd.DataFrame, metric_labels: dict[str, str], baseline: str = "") -> Figure:
    """Main effect (scheme minus ``baseline``) at each value of each factor, one row of panels
    per metric and one column per factor; error bars are 95% CIs across replications.

    ``effects`` has factor, value, scheme, metric, mean, lo, hi.
    """
    factors = list(dict.fromkeys(effects["factor"]))
    metrics = [m for m in metric_labels if m in set(effects["metric"])]
    nrows, ncols = max(1, len(metrics)), max(1, len(factors))
    fig, axes = figure(nrows, ncols, height=1.0 + 2.3 * nrows, sharey="row")
    schemes = list(dict.fromkeys(effects["scheme"]))
    col = colours([baseline or "_baseline", *schemes])
    k = len(schemes)
    for r, m in enumerate(metrics):
        for c, fac in enumerate(factors):
            ax = axes[r, c]
            sel = effects[(effects["factor"] == fac) & (effects["metric"] == m)]
            numeric = pd.api.types.is_numeric_dtype(sel["value"])
            span = float(np.ptp(sel["value"])) if numeric and len(sel) else 0.0
            for i, s in enumerate(schemes):
                f = sel[sel["scheme"] == s].sort_values("value")
                x = f["value"] + (i - (k - 1) / 2) * 0.015 * span if numeric else f["value"]
                ax.errorbar(x, f["mean"], yerr=[f["mean"] - f["lo"], f["hi"] - f["mean"]],
                            fmt="o-", color=col[s], capsize=3, ms=4, label=s)
            ax.axhline(0, color="0.3", ls=":", lw=1)
            if r == nrows - 1:
                ax.set_xlabel(fac)
            if c == 0:
                ax.set_ylabel(metric_labels[m])
    legend(fig, axes, title=f"Paired change from {baseline or 'the baseline'} (mean over the "
            "other factors, 95% CI across replications; dotted: no change)")
    return fig


def plot_indices(table: pd.DataFrame, path: str | Path, outcomes: list[str] | None = None,
                 scheme: str | None = None, max_outcomes: int = 12) -> Path:
    """Bar charts of the indices with their CIs, one panel per outcome; save to PNG.

    Args:
        table: From :func:`policysim.experiment.sensitivity.sobol_indices` or
            :func:`policysim.experiment.sensitivity.morris_indices`.
        path: The PNG file to write.
        outcomes: Outcomes to show (default: the first ``max_outcomes``).
        scheme: The scheme to show (default: the table's first).
    """
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
    # a bare Figure, as everywhere in report/plots (common.py): no pyplot state, no backend
    # switch in the caller's notebook, nothing left open
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
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
    return path


def _short(keys: list[str]) -> list[str]:
    """Tick labels: the last part of each dotted key if those are distinct, else the keys."""
    last = [k.split(".")[-1] for k in keys]
    return last if len(set(last)) == len(last) else keys
