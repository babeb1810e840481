"""The field claims: one panel per claim test, its effect and 95% CI against 'no effect'."""

from __future__ import annotations

import math
import textwrap

import pandas as pd
from matplotlib.figure import Figure

from policysim.experiment.claims import FLIPS, HOLDS, UNCLEAR
from policysim.report.plots.common import compact_ticks, figure


def claims(table: pd.DataFrame) -> Figure:
    """One small panel per claim test: its effect with the 95% CI in the measure's own unit;
    the dotted line is 'no effect'; green if the claim holds, red if it flips, grey if
    unclear or no data."""
    rows = table.dropna(subset=["effect"])
    n = len(rows)
    ncols = 3
    nrows = max(1, math.ceil(n / ncols))
    fig, axes = figure(nrows, ncols, height=0.4 + 2.15 * nrows)
    colour = {HOLDS: "#2ca02c", UNCLEAR: "#7f7f7f", FLIPS: "#d62728"}
    for ax, (_, r) in zip(axes.flat, rows.iterrows()):
        c = colour.get(r["verdict"], "#7f7f7f")
        ax.errorbar(
            [r["effect"]],
            [0],
            xerr=[[r["effect"] - r["ci_low"]], [r["ci_high"] - r["effect"]]],
            fmt="o",
            color=c,
            capsize=4,
            ms=6,
        )
        null = r.get("null", 0.0)
        ax.axvline(null, color="0.3", ls=":", lw=1)
        ax.set_yticks([])
        ax.set_title(f"{r['claim']} {r.get('short', '')}\n{r['verdict']}", fontsize=10, color=c)
        ax.set_xlabel("\n".join(textwrap.wrap(str(r.get("axis", r["unit"])), 44)), fontsize=9)
        lo, hi = min(r["ci_low"], null), max(r["ci_high"], null)
        pad = (hi - lo) * 0.15 or 1.0
        ax.set_xlim(lo - pad, hi + pad)
        ax.grid(True, axis="x", alpha=0.3)
        compact_ticks(ax.xaxis)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig
