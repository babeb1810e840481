"""The scenario report's figures: workforce, first response, hours, revenue, pay, transfers
and skill over time, per scheme (mean over replications with 95% bands).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from policysim.report.plots.common import (
    band,
    bin_label,
    binned,
    ci_frame,
    colours,
    empty,
    figure,
    has,
    legend,
    series,
    time_axis,
)


NOVICE_DAYS = 180  # "about six months" to become a junior agent (FIELD_NOTES)


def workforce(daily: pd.DataFrame, names: list[str], start: dt.date | None = None) -> Figure:
    """Headcount, quits and hires over time per scheme (mean over replications, 95% CI);
    dates on the time axis when ``start`` (``sim.start_date``) is given."""
    b, width = binned(daily, sums=["quits", "hires"], means=["headcount"])
    fig, axes = figure(1, 3, height=3.4)
    unit = bin_label(width)
    for ax, col, ylabel in zip(
        axes[0],
        ["headcount", "quits", "hires"],
        ["agents employed (mean of days)", f"quits per {unit}", f"hires per {unit}"],
    ):
        if col in b.columns:
            series(ax, b, col, names)
        else:
            empty(ax, f"no '{col}' in this run")
        ax.set_title({"headcount": "Headcount", "quits": "Quits", "hires": "Hires"}[col])
        time_axis(ax, start)
        ax.set_ylabel(ylabel)
        if col != "headcount":
            ax.set_ylim(bottom=0)
    legend(fig, axes)
    return fig


def first_response(runs: pd.DataFrame, daily: pd.DataFrame, names: list[str]) -> Figure:
    """Left: median, mean and 90th percentile of first response per scheme (95% CI across
    replications). Right: spread of the daily mean first response, ordinary vs event days."""
    fig, axes = figure(1, 2, height=3.6)
    ax = axes[0, 0]
    col = colours(names)
    stats_ = [
        ("first_response_p50_s", "median", "o"),
        ("first_response_mean_s", "mean", "s"),
        ("first_response_p90_s", "90th pct", "^"),
    ]
    stats_ = [s for s in stats_ if s[0] in runs.columns]
    for j, (key, lab, mk) in enumerate(stats_):
        f = ci_frame(runs, ["scheme"], key).set_index("scheme")
        for i, n in enumerate(names):
            if n not in f.index:
                continue
            r = f.loc[n]
            x = i + (j - 1) * 0.22
            ax.errorbar(
                x,
                r["mean"],
                yerr=[[r["mean"] - r["lo"]], [r["hi"] - r["mean"]]],
                fmt=mk,
                color=col[n],
                ms=6,
                capsize=3,
                mfc="white" if j == 1 else col[n],
            )
        ax.errorbar(
            [], [], fmt=mk, color="0.35", ms=6, label=lab, mfc="white" if j == 1 else "0.35"
        )
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("first response (seconds)")
    ax.set_title("First response per scheme (95% CI)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", frameon=False, ncol=3)
    ax.margins(y=0.2)
    ax = axes[0, 1]
    if has(daily, "first_response_mean_s", "is_event"):
        data, pos, colr = [], [], []
        for i, n in enumerate(names):
            d = daily[daily["scheme"] == n]
            for k, ev in enumerate([False, True]):
                v = d.loc[d["is_event"] == ev, "first_response_mean_s"].dropna()
                if len(v):
                    data.append(v.to_numpy())
                    pos.append(i + (k - 0.5) * 0.36)
                    colr.append((col[n], ev))
        if data:
            bp = ax.boxplot(data, positions=pos, widths=0.3, patch_artist=True, showfliers=False)
            for patch, (c, ev) in zip(bp["boxes"], colr):
                patch.set_facecolor(c if ev else "white")
                patch.set_edgecolor(c)
                patch.set_alpha(0.8)
            for med in bp["medians"]:
                med.set_color("black")
        ax.set_xticks(range(len(names)), names)
        from matplotlib.patches import Patch

        ax.legend(
            [Patch(facecolor="white", edgecolor="0.3"), Patch(facecolor="0.5")],
            ["ordinary days", "event days"],
            frameon=False,
            loc="upper left",
            ncol=2,
        )
        ax.margins(y=0.15)
    else:
        empty(ax, "no daily first-response data")
    ax.set_ylabel("daily mean first response (seconds)")
    ax.set_title("Daily mean: ordinary vs event days")
    ax.set_ylim(bottom=0)
    return fig


def by_hour(hourly: pd.DataFrame, names: list[str]) -> Figure:
    """Abandonment and mean first response by hour of day, ordinary vs event days, per
    scheme (mean over replications, 95% CI); hours without inquiries are left out."""
    h = hourly.copy()
    h = h[h["inquiries"] > 0]
    h["abandon_pct"] = h["abandoned"] / h["inquiries"] * 100
    h["frt_s"] = np.where(h["answered"] > 0, h["frt_sum_s"] / h["answered"].clip(lower=1), np.nan)
    fig, axes = figure(1, 2, height=3.6)
    col = colours(names)
    events = sorted(h["event_day"].unique())
    for ax, value, ylabel, title in [
        (axes[0, 0], "abandon_pct", "buyers abandoning (% of inquiries)", "Abandonment by hour"),
        (axes[0, 1], "frt_s", "mean first response (seconds)", "First response by hour"),
    ]:
        frame = ci_frame(h, ["scheme", "event_day", "hour"], value)
        for n in names:
            for ev in events:
                f = frame[(frame["scheme"] == n) & (frame["event_day"] == ev)]
                if len(f):
                    band(
                        ax,
                        f,
                        "hour",
                        col[n],
                        f"{n}, {'event' if ev else 'ordinary'} days",
                        style="--" if ev else "-",
                    )
        ax.set_xlabel("hour of day")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.set_xticks(range(0, 25, 3))
        ax.set_xlim(-0.5, 23.5)
        ax.set_ylim(bottom=0)
    legend(fig, axes, ncol=len(names))
    return fig


def revenue_conversion(
    daily: pd.DataFrame, names: list[str], start: dt.date | None = None
) -> Figure:
    """Revenue per bin (thousand yuan) and conversion of pre-sales chats over time (dates on
    the time axis when ``start`` is given)."""
    b, width = binned(daily, sums=["revenue", "orders", "pre_sales_served"])
    b["conversion_pct"] = b["orders"] / b["pre_sales_served"].where(b["pre_sales_served"] > 0) * 100
    fig, axes = figure(1, 2, height=3.4)
    series(axes[0, 0], b, "revenue", names, scale=1e-3)
    axes[0, 0].set_ylabel(f"revenue per {bin_label(width)} (thousand yuan)")
    axes[0, 0].set_title("Revenue")
    series(axes[0, 1], b, "conversion_pct", names)
    axes[0, 1].set_ylabel("conversion (% of pre-sales chats)")
    axes[0, 1].set_title("Conversion")
    for ax in axes[0]:
        time_axis(ax, start)
    legend(fig, axes)
    return fig


def _monthly_pay(agents: pd.DataFrame) -> pd.DataFrame:
    """Agent-periods of agents present the whole period (all of them when no period is
    complete, e.g. a horizon shorter than one pay period)."""
    a = agents.copy()
    if "present" in a.columns:
        full = a[a["present"] >= 0.999]
        a = full if len(full) else a[a["present"] > 0]
    return a


def pay_distribution(
    agents: pd.DataFrame, names: list[str], runs: pd.DataFrame | None = None
) -> Figure:
    """Left: monthly pay of agents present the whole period, per scheme (boxes, with the
    mean pay Gini and its 95% CI). Right: mean pay by skill quintile (95% CI across reps)."""
    fig, axes = figure(1, 2, height=3.6)
    if not has(agents, "pay"):
        for ax in axes[0]:
            empty(ax, "no pay records (scenario without pay schemes)")
        return fig
    a = _monthly_pay(agents)
    col = colours(names)
    ax = axes[0, 0]
    data = [a.loc[a["scheme"] == n, "pay"].to_numpy() for n in names]
    bp = ax.boxplot(
        data,
        positions=range(len(names)),
        widths=0.5,
        patch_artist=True,
        showfliers=True,
        flierprops={"ms": 2, "alpha": 0.4},
    )
    for patch, n in zip(bp["boxes"], names):
        patch.set_facecolor(col[n])
        patch.set_alpha(0.6)
    for med in bp["medians"]:
        med.set_color("black")
    labels = list(names)
    if runs is not None and "pay_gini" in runs.columns:
        g = ci_frame(runs, ["scheme"], "pay_gini").set_index("scheme")
        labels = [
            f"{n}\nGini {g.loc[n, 'mean']:.3f}\n[{g.loc[n, 'lo']:.3f}, {g.loc[n, 'hi']:.3f}]"
            if n in g.index
            else n
            for n in names
        ]
    ax.set_xticks(range(len(names)), labels)
    ax.set_ylabel("pay per agent-month (yuan)")
    ax.set_title("Pay distribution per scheme")
    ax = axes[0, 1]
    if "skill" in a.columns and len(a):
        a = a.assign(
            q=a.groupby(["scheme", "rep", "period"])["skill"].transform(
                lambda s: (
                    pd.qcut(s.rank(method="first"), 5, labels=False) if len(s) >= 5 else np.nan
                )
            )
        )
        a = a.dropna(subset=["q"])
        per = a.groupby(["scheme", "rep", "q"])["pay"].mean().reset_index()
        frame = ci_frame(per, ["scheme", "q"], "pay")
        k = len(names)
        for i, n in enumerate(names):
            f = frame[frame["scheme"] == n]
            x = f["q"] + 1 + (i - (k - 1) / 2) * 0.8 / max(k, 1)
            ax.errorbar(
                x,
                f["mean"],
                yerr=[f["mean"] - f["lo"], f["hi"] - f["mean"]],
                fmt="o-",
                color=col[n],
                ms=4,
                capsize=2,
                label=n,
            )
        ax.set_xticks(range(1, 6), ["1\nleast", "2", "3", "4", "5\nmost"])
        ax.legend(frameon=False)
    ax.set_xlabel("skill quintile within the store that month")
    ax.set_ylabel("mean pay per agent-month (yuan)")
    ax.set_title("Pay by skill (95% CI)")
    return fig


def transfers_hoarding(
    daily: pd.DataFrame, agents: pd.DataFrame, names: list[str], start: dt.date | None = None
) -> Figure:
    """Left: chats handed to colleagues per day over time. Right: chats served per
    agent-month by novices (< 180 days) and experienced agents, per scheme: under
    hoarding, seniors keep chats and novices get few (95% CI across replications)."""
    fig, axes = figure(1, 2, height=3.6)
    b, width = binned(daily, means=["transfers"])
    series(axes[0, 0], b, "transfers", names)
    axes[0, 0].set_ylabel(f"transfers per day (mean over each {bin_label(width)})")
    time_axis(axes[0, 0], start)
    axes[0, 0].set_title("Chats transferred to colleagues")
    axes[0, 0].set_ylim(bottom=0)
    legend(fig, axes)
    ax = axes[0, 1]
    if has(agents, "served", "tenure_days") and len(_monthly_pay(agents)):
        a = _monthly_pay(agents).assign(
            group=lambda x: np.where(x["tenure_days"] < NOVICE_DAYS, "novices", "experienced")
        )
        per = a.groupby(["scheme", "rep", "group"])["served"].mean().reset_index()
        frame = ci_frame(per, ["scheme", "group"], "served")
        col = colours(names)
        for j, grp in enumerate(["novices", "experienced"]):
            f = frame[frame["group"] == grp].set_index("scheme")
            for i, n in enumerate(names):
                if n not in f.index:
                    continue
                r = f.loc[n]
                ax.bar(
                    i + (j - 0.5) * 0.38,
                    r["mean"],
                    width=0.36,
                    color=col[n],
                    alpha=0.45 if j == 0 else 0.9,
                    edgecolor=col[n],
                    hatch="//" if j == 0 else None,
                )
                ax.errorbar(
                    i + (j - 0.5) * 0.38,
                    r["mean"],
                    yerr=[[r["mean"] - r["lo"]], [r["hi"] - r["mean"]]],
                    color="black",
                    capsize=3,
                    lw=1,
                )
        from matplotlib.patches import Patch

        ax.legend(
            [Patch(facecolor="0.85", edgecolor="0.3", hatch="//"), Patch(facecolor="0.4")],
            ["novices (< 180 days)", "experienced"],
            frameon=False,
            loc="upper left",
            ncol=2,
        )
        ax.set_xticks(range(len(names)), names)
        ax.margins(y=0.15)
    else:
        empty(ax, "no per-agent records")
    ax.set_ylabel("chats served per agent-month")
    ax.set_title("Who gets the chats (95% CI)")
    return fig


def skill_over_time(daily: pd.DataFrame, names: list[str], start: dt.date | None = None) -> Figure:
    """Mean skill of the agents employed, and the share who are novices, over time (dates
    on the time axis when ``start`` is given)."""
    fig, axes = figure(1, 2, height=3.4)
    b, width = binned(daily, means=["mean_skill", "novice_headcount", "headcount"])
    if "mean_skill" in b.columns:
        series(axes[0, 0], b, "mean_skill", names)
    else:
        empty(axes[0, 0], "no skill series in this run")
    axes[0, 0].set_ylabel("mean skill (1 = median trained agent)")
    axes[0, 0].set_title("Team skill")
    if "novice_headcount" in b.columns:
        b["novice_pct"] = b["novice_headcount"] / b["headcount"].where(b["headcount"] > 0) * 100
        series(axes[0, 1], b, "novice_pct", names)
    else:
        empty(axes[0, 1], "no novice headcount in this run")
    axes[0, 1].set_ylabel("novices (% of agents employed)")
    axes[0, 1].set_title("Novices (< 180 days of tenure)")
    axes[0, 1].set_ylim(bottom=0)
    for ax in axes[0]:
        time_axis(ax, start)
    legend(fig, axes)
    return fig
