"""One function per report figure: tidy DataFrames in, a matplotlib ``Figure`` out.

Conventions, so every figure reads the same way:
- Axes say what is measured and in which unit ("quits per 30 days", "seconds", "%").
- Wherever a number varies between replications, the line is the mean over replications
  and the shaded band (or error bar) its 95% t interval; the caption says so.
- Time series are summed (counts, money) or averaged (levels) over bins of 30 days (7 days
  for horizons under 90 days) before averaging over replications, so a band is the
  uncertainty of the monthly (weekly) value, not the day-to-day noise.
- Each scheme keeps one colour in every figure of a report (:func:`colours`).

Figures are built with ``matplotlib.figure.Figure`` (not pyplot), so nothing is drawn twice
in a notebook and nothing leaks between figures; :func:`show` displays one as a PNG and can
save it beside the report.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

WIDTH = 10.0  # inches; at DPI this fills a report column
DPI = 100
STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
NOVICE_DAYS = 180  # "about six months" to become a junior agent (FIELD_NOTES)
_PALETTE = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


_KNOWN = {"commission": _PALETTE[0], "kpi": _PALETTE[1], "group_contest": _PALETTE[2]}


def colours(names: list[str]) -> dict[str, str]:
    """A colour per scheme: the usual schemes keep theirs in every report (commission blue,
    kpi red, group_contest green), the others take the next free colours in order."""
    free = [c for c in _PALETTE if c not in {_KNOWN[n] for n in names if n in _KNOWN}]
    out, i = {}, 0
    for n in names:
        if n in _KNOWN:
            out[n] = _KNOWN[n]
        else:
            out[n] = free[i % len(free)]
            i += 1
    return out


def _figure(nrows: int = 1, ncols: int = 1, height: float = 3.6, **kw):
    import matplotlib as mpl

    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    for ax in axes.flat:
        ax.set_axisbelow(True)
        ax.grid(True, alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig, axes


def show(fig: Figure, name: str | None = None, directory: str | Path | None = None) -> None:
    """Display ``fig`` in a notebook as a PNG; also save it as ``directory/name.png``."""
    png = to_png(fig)
    if name and directory:
        path = Path(directory) / "figures" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
    from IPython.display import Image, display

    display(Image(data=png, format="png"))


def to_png(fig: Figure, dpi: int = DPI) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


# ------------------------------------------------------------------ statistics helpers
def ci_frame(df: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Mean and 95% t interval of ``value`` across the rows of each group (replications)."""

    def one(x: pd.Series) -> pd.Series:
        x = x.dropna().to_numpy(float)
        n = len(x)
        m = x.mean() if n else math.nan
        half = (stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
        return pd.Series({"mean": m, "lo": m - half, "hi": m + half, "n": n})

    return df.groupby(by, sort=True)[value].apply(one).unstack().reset_index()


def bin_days(days: int) -> int:
    """Width of time bins: 30 days, or 7 for horizons under 90 days (1 under 14)."""
    return 30 if days >= 90 else (7 if days >= 14 else 1)


def _bin_label(width: int) -> str:
    return {30: "30 days", 7: "week", 1: "day"}[width]


def binned(
    daily: pd.DataFrame, sums: list[str] = (), means: list[str] = (), width: int | None = None
) -> tuple[pd.DataFrame, int]:
    """Per (scheme, rep, bin): sums of ``sums`` and means of ``means`` over the days of the bin.

    The last bin is kept only if complete, so a partial month does not look like a drop.
    The ``day`` column of the result is the bin's middle day.
    """
    days = int(daily["day"].max()) + 1
    width = width or bin_days(days)
    d = daily.assign(bin=daily["day"] // width)
    full = days // width if days >= width else 1
    d = d[d["bin"] < full]
    sums = [c for c in sums if c in d.columns]
    means = [c for c in means if c in d.columns]
    g = d.groupby(["scheme", "rep", "bin"])
    out = pd.concat([g[sums].sum(), g[means].mean()], axis=1).reset_index()
    out["day"] = out["bin"] * width + (width - 1) / 2.0
    return out, width


def _band(
    ax,
    frame: pd.DataFrame,
    x: str,
    colour: str,
    label: str,
    scale: float = 1.0,
    style: str = "-",
    marker: str | None = None,
) -> None:
    f = frame.sort_values(x)
    ax.plot(f[x], f["mean"] * scale, style, color=colour, label=label, lw=1.8, marker=marker, ms=3)
    if (f["n"] > 1).any():
        ax.fill_between(f[x], f["lo"] * scale, f["hi"] * scale, color=colour, alpha=0.18, lw=0)


def _series(ax, data: pd.DataFrame, value: str, names: list[str], scale: float = 1.0) -> None:
    col = colours(names)
    frame = ci_frame(data, ["scheme", "day"], value)
    for n in names:
        f = frame[frame["scheme"] == n]
        if len(f):
            _band(ax, f, "day", col[n], n, scale, marker="o" if len(f) < 25 else None)


def _legend(fig: Figure, axes, ncol: int | None = None, title: str | None = None) -> None:
    handles, labels = axes.flat[0].get_legend_handles_labels()
    seen = dict(zip(labels, handles))
    if seen:
        fig.legend(seen.values(), seen.keys(), loc="outside upper center",
                   ncol=ncol or min(len(seen), 6), frameon=False, title=title,
                   title_fontsize=10)


def _compact_ticks(axis) -> None:
    """At most 5 ticks; an axis reaching 10,000 shows all its ticks in thousands (60k) or
    millions (1.2M), so tick labels stay short and never run together."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(5))

    def fmt(x, _pos):
        top = max(abs(v) for v in axis.get_view_interval())
        if top >= 1e6:
            return f"{x / 1e6:g}M"
        if top >= 1e4:
            return f"{x / 1e3:g}k"
        return f"{x:g}"

    axis.set_major_formatter(FuncFormatter(fmt))


def _time_axis(ax, start: dt.date | None, per: int = 1, origin: float = 0.0) -> None:
    """Label an x axis of day numbers (``per`` 1) or 30-day month numbers (``per`` 30,
    ``origin`` 1: month 1 starts on day 0) with calendar dates when ``start`` (day 0) is
    known; without it, with the day or month number."""
    if start is None:
        ax.set_xlabel("day of simulation" if per == 1 else "month (30 days)")
        return
    from matplotlib.ticker import FuncFormatter

    def label(x: float, _pos) -> str:
        when = start + dt.timedelta(days=round((x - origin) * per))
        return f"{when.day} {when:%b}\n{when.year}"

    ax.xaxis.set_major_formatter(FuncFormatter(label))
    ax.set_xlabel("date" if per == 1 else "30-day month, by its first day")


def _has(df: pd.DataFrame, *cols: str) -> bool:
    return df is not None and len(df) > 0 and all(c in df.columns for c in cols)


def _empty(ax, text: str) -> None:
    ax.text(
        0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4", wrap=True
    )
    ax.set_xticks([])
    ax.set_yticks([])


# ------------------------------------------------------------------ scenario report
def workforce(daily: pd.DataFrame, names: list[str], start: dt.date | None = None) -> Figure:
    """Headcount, quits and hires over time per scheme (mean over replications, 95% CI);
    dates on the time axis when ``start`` (``sim.start_date``) is given."""
    b, width = binned(daily, sums=["quits", "hires"], means=["headcount"])
    fig, axes = _figure(1, 3, height=3.4)
    unit = _bin_label(width)
    for ax, col, ylabel in zip(
        axes[0],
        ["headcount", "quits", "hires"],
        ["agents employed (mean of days)", f"quits per {unit}", f"hires per {unit}"],
    ):
        if col in b.columns:
            _series(ax, b, col, names)
        else:
            _empty(ax, f"no '{col}' in this run")
        ax.set_title({"headcount": "Headcount", "quits": "Quits", "hires": "Hires"}[col])
        _time_axis(ax, start)
        ax.set_ylabel(ylabel)
        if col != "headcount":
            ax.set_ylim(bottom=0)
    _legend(fig, axes)
    return fig


def first_response(runs: pd.DataFrame, daily: pd.DataFrame, names: list[str]) -> Figure:
    """Left: median, mean and 90th percentile of first response per scheme (95% CI across
    replications). Right: spread of the daily mean first response, ordinary vs event days."""
    fig, axes = _figure(1, 2, height=3.6)
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
    if _has(daily, "first_response_mean_s", "is_event"):
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
        _empty(ax, "no daily first-response data")
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
    fig, axes = _figure(1, 2, height=3.6)
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
                    _band(
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
    _legend(fig, axes, ncol=len(names))
    return fig


def revenue_conversion(
    daily: pd.DataFrame, names: list[str], start: dt.date | None = None
) -> Figure:
    """Revenue per bin (thousand yuan) and conversion of pre-sales chats over time (dates on
    the time axis when ``start`` is given)."""
    b, width = binned(daily, sums=["revenue", "orders", "pre_sales_served"])
    b["conversion_pct"] = b["orders"] / b["pre_sales_served"].where(b["pre_sales_served"] > 0) * 100
    fig, axes = _figure(1, 2, height=3.4)
    _series(axes[0, 0], b, "revenue", names, scale=1e-3)
    axes[0, 0].set_ylabel(f"revenue per {_bin_label(width)} (thousand yuan)")
    axes[0, 0].set_title("Revenue")
    _series(axes[0, 1], b, "conversion_pct", names)
    axes[0, 1].set_ylabel("conversion (% of pre-sales chats)")
    axes[0, 1].set_title("Conversion")
    for ax in axes[0]:
        _time_axis(ax, start)
    _legend(fig, axes)
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
    fig, axes = _figure(1, 2, height=3.6)
    if not _has(agents, "pay"):
        for ax in axes[0]:
            _empty(ax, "no pay records (scenario without pay schemes)")
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
    """Left: chats handed to colleagues per day over time (dates when ``start`` is given).
    Right: chats served per agent-month by novices (< 180 days) and experienced agents, per
    scheme: under hoarding, seniors keep chats and novices get few (95% CI across
    replications)."""
    fig, axes = _figure(1, 2, height=3.6)
    b, width = binned(daily, means=["transfers"])
    _series(axes[0, 0], b, "transfers", names)
    axes[0, 0].set_ylabel(f"transfers per day (mean over each {_bin_label(width)})")
    _time_axis(axes[0, 0], start)
    axes[0, 0].set_title("Chats transferred to colleagues")
    axes[0, 0].set_ylim(bottom=0)
    _legend(fig, axes)
    ax = axes[0, 1]
    if _has(agents, "served", "tenure_days") and len(_monthly_pay(agents)):
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
        _empty(ax, "no per-agent records")
    ax.set_ylabel("chats served per agent-month")
    ax.set_title("Who gets the chats (95% CI)")
    return fig


def skill_over_time(daily: pd.DataFrame, names: list[str], start: dt.date | None = None) -> Figure:
    """Mean skill of the agents employed, and the share who are novices, over time (dates
    on the time axis when ``start`` is given)."""
    fig, axes = _figure(1, 2, height=3.4)
    b, width = binned(daily, means=["mean_skill", "novice_headcount", "headcount"])
    if "mean_skill" in b.columns:
        _series(axes[0, 0], b, "mean_skill", names)
    else:
        _empty(axes[0, 0], "no skill series in this run")
    axes[0, 0].set_ylabel("mean skill (1 = median trained agent)")
    axes[0, 0].set_title("Team skill")
    if "novice_headcount" in b.columns:
        b["novice_pct"] = b["novice_headcount"] / b["headcount"].where(b["headcount"] > 0) * 100
        _series(axes[0, 1], b, "novice_pct", names)
    else:
        _empty(axes[0, 1], "no novice headcount in this run")
    axes[0, 1].set_ylabel("novices (% of agents employed)")
    axes[0, 1].set_title("Novices (< 180 days of tenure)")
    axes[0, 1].set_ylim(bottom=0)
    for ax in axes[0]:
        _time_axis(ax, start)
    _legend(fig, axes)
    return fig


def differences(res, metrics: list[str]) -> Figure:
    """Paired change of each scheme from the baseline, one small panel per metric, with the
    95% CI; the dotted line is 'no change'."""
    from policysim.report.verdict import METRICS

    others = [s for s in res.names if s != res.baseline]
    metrics = [m for m in metrics if m in res.metrics[res.names[0]]]
    ncols = 4
    nrows = max(1, math.ceil(len(metrics) / ncols))
    fig, axes = _figure(nrows, ncols, height=1.0 + 1.6 * nrows)
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
        import textwrap

        ax.set_title("\n".join(textwrap.wrap(meta.label if meta else m, 26)), fontsize=10)
        ax.set_xlabel(f"change ({unit})" if unit else "change")
        _compact_ticks(ax.xaxis)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"Paired change from {res.baseline}, mean and 95% CI across replications "
        "(dotted: no change)",
        fontsize=11,
    )
    return fig


# ------------------------------------------------------------------ policy switch
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
    fig, axes = _figure(2, 2, height=6.0)
    names = list(labels)
    col = colours(names)
    panels = [
        ("quits", "quits per month"),
        ("frt_s", "mean first response (seconds)"),
        ("abandon_pct", "abandonment (% of inquiries)"),
        ("revenue_k", "revenue per month (thousand yuan)"),
    ]
    for ax, (value, ylabel) in zip(axes.flat, panels):
        frame = ci_frame(monthly, ["scheme", "month"], value)
        for n in names:
            f = frame[frame["scheme"] == n]
            _band(ax, f, "month", col[n], labels[n], marker="o")
        ax.axvline(switch_day / 30.0 + 0.5, color="0.3", ls="--", lw=1)
        ax.set_ylabel(ylabel)
        _month_ticks(ax, monthly["month"])
        _time_axis(ax, start, per=30, origin=1)
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
    _legend(fig, axes)
    return fig


def switch_differences(
    diff: pd.DataFrame, switch_day: int, start: dt.date | None = None
) -> Figure:
    """Paired month-by-month differences, switch minus staying put (95% CI across
    replications paired on common random numbers); ``diff`` has month, measure, mean, lo, hi.
    Months are labelled by their first date when ``start`` is given."""
    fig, axes = _figure(2, 2, height=6.0)
    panels = [
        ("quits", "quits per month"),
        ("frt_s", "first response (seconds)"),
        ("abandon_pct", "abandonment (points)"),
        ("revenue_k", "revenue (thousand yuan)"),
    ]
    for ax, (value, ylabel) in zip(axes.flat, panels):
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
        _time_axis(ax, start, per=30, origin=1)
    from matplotlib.patches import Patch

    fig.legend(
        [Patch(color="0.5", alpha=0.5), Patch(color="#d62728", alpha=0.5)],
        ["before the switch (same buyers, same pay: no difference)", "after the switch"],
        loc="outside upper center",
        ncol=2,
        frameon=False,
    )
    return fig


# ------------------------------------------------------------------ sensitivity
def sensitivity(effects: pd.DataFrame, metric_labels: dict[str, str], baseline: str = "") -> Figure:
    """Main effect (scheme minus ``baseline``) at each value of each factor, one row of panels
    per metric and one column per factor; error bars are 95% CIs across replications.

    ``effects`` has factor, value, scheme, metric, mean, lo, hi.
    """
    factors = list(dict.fromkeys(effects["factor"]))
    metrics = [m for m in metric_labels if m in set(effects["metric"])]
    nrows, ncols = max(1, len(metrics)), max(1, len(factors))
    fig, axes = _figure(nrows, ncols, height=1.0 + 2.3 * nrows, sharey="row")
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
    _legend(fig, axes, title=f"Paired change from {baseline or 'the baseline'} (mean over the "
            "other factors, 95% CI across replications; dotted: no change)")
    return fig


# ------------------------------------------------------------------ validation
def erlang(check: pd.DataFrame, curves: pd.DataFrame | None = None) -> Figure:
    """Simulated (dots, 95% CI) and exact (line) P(wait>0), P(abandon) and mean wait
    against offered load, for Erlang-A (with abandonment) and Erlang-C (without).
    ``curves`` (variant, load, measure, exact) draws the theory on a fine grid."""
    fig, axes = _figure(1, 3, height=3.6)
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
    _legend(fig, axes, ncol=2)
    return fig


# ------------------------------------------------------------------ field claims
def claims(table: pd.DataFrame) -> Figure:
    """One small panel per claim test: its effect with the 95% CI in the measure's own unit;
    the dotted line is 'no effect'; green if the model reproduces the claim's direction, red
    if the opposite, grey if neither."""
    rows = table.dropna(subset=["effect"])
    n = len(rows)
    ncols = 3
    nrows = max(1, math.ceil(n / ncols))
    fig, axes = _figure(nrows, ncols, height=0.4 + 2.15 * nrows)
    colour = {"reproduced": "#2ca02c", "not reproduced": "#7f7f7f", "opposite": "#d62728"}
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
        import textwrap

        ax.set_xlabel("\n".join(textwrap.wrap(str(r.get("axis", r["unit"])), 44)), fontsize=9)
        lo, hi = min(r["ci_low"], null), max(r["ci_high"], null)
        pad = (hi - lo) * 0.15 or 1.0
        ax.set_xlim(lo - pad, hi + pad)
        ax.grid(True, axis="x", alpha=0.3)
        _compact_ticks(ax.xaxis)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig
