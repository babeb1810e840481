"""Tables and figures of the what-if page (``policysim app``): the team through the switch.

The page compares the path "current scheme, then the proposed one from day D" with staying
on the current scheme, on common random numbers (:mod:`policysim.report.switch`). A manager
first asks what happens to the team: how many agents there are, how many quit, how fast
buyers get a first reply, month by month, before and after the switch. These helpers answer
with the monthly table of :func:`policysim.report.switch.monthly` as mean and 95% t interval
across replications, as a table and as a figure; :func:`policysim.report.plots.scenario.by_hour`
gives service by hour of day.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from policysim.experiment.stats import mean_ci
from policysim.report.plots import common as plots

#: Monthly measures of the team through the switch: column -> (label, number format).
TEAM = {
    "headcount": ("headcount (agents)", "{:.1f}"),
    "quits": ("quits", "{:.2f}"),
    "frt_s": ("first response (s)", "{:.1f}"),
}


def team_levels(monthly: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Month by month, for each path in ``labels`` (scheme -> label): mean [95% CI] across
    replications of headcount, quits and mean first response; one row per month."""
    rows = []
    for month, g in monthly.groupby("month"):
        row: dict[str, object] = {"month": int(month)}
        for key, (label, fmt) in TEAM.items():
            if key not in g.columns:
                continue
            for scheme, name in labels.items():
                ci = mean_ci(g.loc[g["scheme"] == scheme, key].to_numpy(float))
                text = fmt.format(ci["mean"])
                if ci["n"] >= 2:
                    text += f" [{fmt.format(ci['ci_low'])}, {fmt.format(ci['ci_high'])}]"
                row[f"{label}: {name}"] = text
        rows.append(row)
    return pd.DataFrame(rows).set_index("month") if rows else pd.DataFrame()


def team_figure(monthly: pd.DataFrame, switch_day: int, labels: dict[str, str]) -> Figure:
    """Headcount, quits and first response per month for each path (mean over
    replications, 95% CI band), with the switch marked."""
    fig, axes = _panels(len(TEAM))
    colour = plots.colours(list(labels))
    for ax, (key, (label, _)) in zip(axes, TEAM.items()):
        if key not in monthly.columns:
            continue
        frame = plots.ci_frame(monthly, ["scheme", "month"], key)
        for scheme, name in labels.items():
            f = frame[frame["scheme"] == scheme].sort_values("month")
            ax.plot(f["month"], f["mean"], marker="o", color=colour[scheme], label=name)
            ax.fill_between(f["month"], f["lo"], f["hi"], color=colour[scheme], alpha=0.2, lw=0)
        ax.axvline(switch_day / 30.0 + 0.5, color="0.3", ls="--", lw=1)
        ax.set_title(label)
        ax.set_xlabel("month (30 days)")
        months = sorted(int(m) for m in frame["month"].unique())
        ax.set_xticks(months[:: max(1, len(months) // 12)])
        if key == "quits":
            ax.set_ylim(bottom=0)
    axes[0].legend(frameon=False, fontsize=8)
    return fig


def _panels(n: int):
    import matplotlib as mpl

    with mpl.rc_context(plots.STYLE):
        fig = Figure(figsize=(plots.WIDTH, 3.2), dpi=plots.DPI, layout="constrained")
        axes = fig.subplots(1, n, squeeze=False)[0]
    return fig, list(axes)
