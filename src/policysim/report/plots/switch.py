"""The policy-switch preview: month-by-month levels of switching and of staying put, and
their paired differences.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from policysim.report.plots.common import band, ci_frame, colours, figure, legend, time_axis


#: The preview's four measures (columns of ``report.switch.monthly``), in panel order: the
#: axis label of their level and of their paired change.
PANELS = {
    "quits": ("quits per month", "quits per month"),
    "frt_s": ("mean first response (seconds)", "first response (seconds)"),
    "abandon_pct": ("abandonment (% of inquiries)", "abandonment (points)"),
    "revenue_k": ("revenue per month (thousand yuan)", "revenue (thousand yuan)"),
}


def _month_ticks(ax, months: pd.Series) -> None:
    n = int(months.max()) if len(months) else 1
    step = 1 if n <= 14 else (2 if n <= 28 else 6)
    ax.set_xticks(range(1, n + 1, step))


def switch_levels(
    monthly: pd.DataFrame, switch_day: int, labels: dict[str, str], start: dt.date | None = None
) -> Figure:
    """Month-by-month levels of the switch path and of staying put (95% CI across reps);
    months labelled by their first date when ``start`` is given.

    ``monthly`` has columns scheme, rep, month, and the measures quits, frt_s,
    abandon_pct, revenue_k.
    """
    fig, axes = figure(2, 2, height=6.0)
    names = list(labels)
    col = colours(names)
    for ax, (value, (ylabel, _)) in zip(axes.flat, PANELS.items()):
        frame = ci_frame(monthly, ["scheme", "month"], value)
        for n in names:
            f = frame[frame["scheme"] == n]
            band(ax, f, "month", col[n], labels[n], marker="o")
        ax.axvline(switch_day / 30.0 + 0.5, color="0.3", ls="--", lw=1)
        ax.set_ylabel(ylabel)
        _month_ticks(ax, monthly["month"])
        time_axis(ax, start, per=30, origin=1)
        if value in ("quits", "abandon_pct"):
            ax.set_ylim(bottom=0)
    axes[0, 0].annotate(
        "switch",
        xy=(switch_day / 30.0 + 0.5, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -10),
        textcoords="offset points",
        fontsize=9,
        color="0.3",
    )
    legend(fig, axes)
    return fig


def switch_differences(
    diff: pd.DataFrame, switch_day: int, start: dt.date | None = None
) -> Figure:
    """Paired month-by-month differences, switch minus staying put (95% CI across
    replications paired on common random numbers); ``diff`` has month, measure, mean, lo, hi."""
    fig, axes = figure(2, 2, height=6.0)
    for ax, (value, (_, ylabel)) in zip(axes.flat, PANELS.items()):
        f = diff[diff["measure"] == value].sort_values("month")
        after = f["month"] * 30 > switch_day  # month m holds days 30(m-1) .. 30m-1
        colour = np.where(after, "#d62728", "0.5")
        ax.bar(f["month"], f["mean"], color=colour, alpha=0.5, width=0.7)
        ax.errorbar(
            f["month"],
            f["mean"],
            yerr=[f["mean"] - f["lo"], f["hi"] - f["mean"]],
            fmt="none",
            color="black",
            capsize=2,
            lw=1,
        )
        ax.axhline(0, color="0.3", lw=0.8)
        ax.axvline(switch_day / 30.0 + 0.5, color="0.3", ls="--", lw=1)
        ax.set_ylabel(f"change in {ylabel}")
        _month_ticks(ax, f["month"])
        time_axis(ax, start, per=30, origin=1)
    from matplotlib.patches import Patch

    fig.legend(
        [Patch(color="0.5", alpha=0.5), Patch(color="#d62728", alpha=0.5)],
        ["before the switch (same buyers, same pay: no difference)", "after the switch"],
        loc="outside upper center",
        ncol=2,
        frameon=False,
    )
    return fig
