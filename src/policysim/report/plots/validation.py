"""Simulated against exact Erlang-A / Erlang-C queue measures over offered load."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from policysim.report.plots.common import figure, legend


def erlang(check: pd.DataFrame, curves: pd.DataFrame | None = None) -> Figure:
    """Simulated (dots, 95% CI) and exact (line) P(wait>0), P(abandon) and mean wait
    against offered load, for Erlang-A (with abandonment) and Erlang-C (without).
    ``curves`` (variant, load, measure, exact) draws the theory on a fine grid."""
    fig, axes = figure(1, 3, height=3.6)
    panels = [
        ("p_wait", "P(wait > 0) (%)", 100),
        ("p_abandon", "P(abandon) (%)", 100),
        ("mean_wait_min", "mean wait in queue (seconds)", 60),
    ]
    styles = {
        "erlang-a": ("#1f77b4", "Erlang-A (M/M/c+M)"),
        "erlang-c": ("#d62728", "Erlang-C (M/M/c)"),
    }
    for ax, (key, ylabel, scale) in zip(axes[0], panels):
        for variant, (colour, lab) in styles.items():
            f = check[(check["variant"] == variant) & (check["measure"] == key)].sort_values("load")
            if not len(f):
                continue
            line = (
                f
                if curves is None
                else curves[(curves["variant"] == variant) & (curves["measure"] == key)]
            )
            ax.plot(
                line["load"],
                line["exact"] * scale,
                "-",
                color=colour,
                lw=1.5,
                label=f"{lab}, exact",
            )
            ax.errorbar(
                f["load"],
                f["mean"] * scale,
                yerr=[(f["mean"] - f["lo"]) * scale, (f["hi"] - f["mean"]) * scale],
                fmt="o",
                color=colour,
                ms=4,
                capsize=3,
                mfc="white",
                label=f"{lab}, simulated",
            )
        ax.set_xlabel(r"offered load $\lambda / (c\mu)$")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
    legend(fig, axes, ncol=2)
    return fig
