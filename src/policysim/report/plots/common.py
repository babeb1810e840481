"""What every report figure shares: size, style, scheme colours, display, bands and bins.

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
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from policysim.experiment.stats import mean_ci


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


def figure(nrows: int = 1, ncols: int = 1, height: float = 3.6, **kw):
    """A report-width ``Figure`` in the house style and its grid of axes (always 2-d).

    Args:
        nrows: Rows of panels.
        ncols: Columns of panels.
        height: Figure height in inches (the width is :data:`WIDTH`).
        **kw: Passed to ``Figure.subplots`` (``sharex`` ...).
    """
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
    """``fig`` rendered as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def ci_frame(df: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Mean and 95% t interval (:func:`policysim.experiment.stats.mean_ci`) of ``value``
    across the rows of each group (replications): columns mean, lo, hi, n."""

    def one(x: pd.Series) -> pd.Series:
        ci = mean_ci(x.to_numpy(float))
        return pd.Series({"mean": ci["mean"], "lo": ci["ci_low"], "hi": ci["ci_high"],
                          "n": ci["n"]})

    return df.groupby(by, sort=True)[value].apply(one).unstack().reset_index()


def bin_days(days: int) -> int:
    """Width of time bins: 30 days, or 7 for horizons under 90 days (1 under 14)."""
    return 30 if days >= 90 else (7 if days >= 14 else 1)


def bin_label(width: int) -> str:
    """How an axis names a time bin of ``width`` days ("30 days", "week", "day")."""
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


def band(
    ax,
    frame: pd.DataFrame,
    x: str,
    colour: str,
    label: str,
    scale: float = 1.0,
    style: str = "-",
    marker: str | None = None,
) -> None:
    """One scheme's line (the mean) and, with two or more replications, its 95% band.

    ``frame`` is a :func:`ci_frame` (columns mean, lo, hi, n) of one scheme; ``scale``
    multiplies every value (units for the axis), ``style`` and ``marker`` draw the line.
    """
    f = frame.sort_values(x)
    ax.plot(f[x], f["mean"] * scale, style, color=colour, label=label, lw=1.8, marker=marker, ms=3)
    if (f["n"] > 1).any():
        ax.fill_between(f[x], f["lo"] * scale, f["hi"] * scale, color=colour, alpha=0.18, lw=0)


def series(ax, data: pd.DataFrame, value: str, names: list[str], scale: float = 1.0) -> None:
    """Every scheme's ``value`` over ``day`` (``data`` has one row per scheme, rep and day or
    bin) as mean lines with 95% bands, in the schemes' colours."""
    col = colours(names)
    frame = ci_frame(data, ["scheme", "day"], value)
    for n in names:
        f = frame[frame["scheme"] == n]
        if len(f):
            band(ax, f, "day", col[n], n, scale, marker="o" if len(f) < 25 else None)


def legend(fig: Figure, axes, ncol: int | None = None, title: str | None = None) -> None:
    """One legend above all panels, from the first panel's labelled lines (no repeats)."""
    handles, labels = axes.flat[0].get_legend_handles_labels()
    seen = dict(zip(labels, handles))
    if seen:
        fig.legend(seen.values(), seen.keys(), loc="outside upper center",
                   ncol=ncol or min(len(seen), 6), frameon=False, title=title,
                   title_fontsize=10)


def compact_ticks(axis) -> None:
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


def time_axis(ax, start: dt.date | None, per: int = 1, origin: float = 0.0) -> None:
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


def has(df: pd.DataFrame, *cols: str) -> bool:
    """Whether ``df`` exists, has rows and has every column in ``cols``."""
    return df is not None and len(df) > 0 and all(c in df.columns for c in cols)


def empty(ax, text: str) -> None:
    """Mark a panel that has nothing to show: ``text`` in its middle, no ticks."""
    ax.text(
        0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4", wrap=True
    )
    ax.set_xticks([])
    ax.set_yticks([])
