"""Paired changes from the baseline, one small panel per metric (scheme comparison and
scenario report).
"""

from __future__ import annotations

import math
import textwrap

from matplotlib.figure import Figure

from policysim.report.plots.common import colours, compact_ticks, figure


def differences(res, metrics: list[str]) -> Figure:
    """Paired change of each scheme from the baseline, one small panel per metric, with the
    95% CI; the dotted line is 'no change'."""
    from policysim.results.measures import METRICS

    others = [s for s in res.names if s != res.baseline]
    metrics = [m for m in metrics if m in res.metrics[res.names[0]]]
    ncols = 4
    nrows = max(1, math.ceil(len(metrics) / ncols))
    fig, axes = figure(nrows, ncols, height=1.0 + 1.6 * nrows)
    col = colours(res.names)
    for ax, m in zip(axes.flat, metrics):
        meta = METRICS.get(m)
        scale, unit = (100, "points") if meta and meta.kind == "rate" else (1, "")
        if meta and meta.kind in ("count", "index"):
            unit = meta.unit
        if meta and meta.kind == "seconds":
            unit = "s"
        if meta and meta.kind == "yuan":
            scale, unit = 1e-3, "k yuan"
        for i, s in enumerate(others):
            d = res.differences[s][m]
            ax.errorbar(
                d["mean"] * scale,
                i,
                xerr=[[(d["mean"] - d["ci_low"]) * scale], [(d["ci_high"] - d["mean"]) * scale]],
                fmt="o",
                color=col[s],
                capsize=3,
            )
        ax.axvline(0, color="0.3", ls=":", lw=1)
        ax.set_yticks(range(len(others)), others if ax.get_subplotspec().is_first_col() else [])
        ax.set_ylim(-0.6, len(others) - 0.4)
        ax.set_title("\n".join(textwrap.wrap(meta.label if meta else m, 26)), fontsize=10)
        ax.set_xlabel(f"change ({unit})" if unit else "change")
        compact_ticks(ax.xaxis)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"Paired change from {res.baseline}, mean and 95% CI across replications "
        "(dotted: no change)",
        fontsize=11,
    )
    return fig
