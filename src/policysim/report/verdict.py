"""Plain-language verdicts and headline tables from a paired comparison.

A verdict reads like what a manager would say after looking at the table:

    Switching from commission to kpi: annual turnover -4.1 points (95% CI -6.0 to -2.2),
    first response +1.3 s (0.4 to 2.2), revenue -2.1% (-3.0% to -1.2%), ...

Rates (turnover, abandonment, conversion) change in percentage points; times in seconds;
money in percent of the baseline, from per-replication ratios (scheme / baseline - 1)
paired by replication, so the interval is that of the relative change itself. A change
whose interval contains 0 is said to be "no clear change" rather than given a direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from policysim.experiment.stats import mean_ci


@dataclass(frozen=True)
class Metric:
    """How to speak about one summary metric.

    Attributes:
        label: Plain-language name.
        kind: "rate" (a share, shown in %; changes in points), "seconds", "yuan" (changes
            in % of the baseline), "count" or "index" (plain numbers).
        better: +1 if more is better, -1 if less is better, 0 if neither.
        unit: Unit of a "count" or "index" (rates, seconds and yuan have theirs).
    """

    label: str
    kind: str
    better: int = 0
    unit: str = ""


METRICS: dict[str, Metric] = {
    "annual_turnover_rate": Metric("annual turnover", "rate", -1),
    "quits": Metric("quits", "count", -1, "quits"),
    "new_hire_90d_quit_rate": Metric("new hires quitting within 90 days", "rate", -1),
    "regretted_quits": Metric("quits of top-quartile agents", "count", -1, "quits"),
    "hires": Metric("hires", "count", 0, "hires"),
    "mean_headcount": Metric("mean headcount", "count", 0, "agents"),
    "reply_within_180s": Metric("inquiries answered within 3 minutes", "rate", +1),
    "reply_within_30s": Metric("inquiries answered within 30 seconds", "rate", +1),
    "first_response_mean_s": Metric("mean first response of answered buyers", "seconds", -1),
    "first_response_p90_s": Metric("90th-percentile first response of answered buyers", "seconds",
                                   -1),
    "abandon_rate": Metric("abandonment", "rate", -1),
    "p_wait": Metric("buyers who wait in the queue", "rate", -1),
    "rating_mean": Metric("buyer rating (1-5)", "index", +1, "rating points"),
    "conversion_rate": Metric("conversion", "rate", +1),
    "revenue": Metric("revenue", "yuan", +1),
    "labour_cost": Metric("labour cost", "yuan", -1),
    "hiring_cost": Metric("hiring and training cost", "yuan", -1),
    "profit": Metric("profit", "yuan", +1),
    "pay_gini": Metric("pay Gini", "index", 0, "Gini"),
    "pay_skill_corr": Metric("pay-skill correlation", "index", 0, "correlation"),
    "pay_luck_corr": Metric("pay-luck correlation", "index", 0, "correlation"),
    "transfers": Metric("transfers to colleagues", "count", 0, "chats"),
    "novice_chat_share": Metric("share of chats served by novices", "rate", 0),
    "returning_same_agent_share": Metric("returning buyers back with their agent", "rate", 0),
    "mean_threshold": Metric("chats carried before hanging up", "index", 0, "chats"),
}

#: What the top-of-report verdict speaks about, in order.
HEADLINE = [
    "annual_turnover_rate",
    "reply_within_180s",
    "first_response_mean_s",
    "abandon_rate",
    "conversion_rate",
    "revenue",
    "labour_cost",
    "profit",
    "pay_gini",
]
#: The scenario report's table: the headline and a few more.
REPORT = [
    *HEADLINE,
    "quits",
    "regretted_quits",
    "reply_within_30s",
    "first_response_p90_s",
    "rating_mean",
    "transfers",
    "novice_chat_share",
    "hiring_cost",
]


def _num(x: float, kind: str, signed: bool) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    sign = "+" if signed else ""
    if kind == "rate":
        return f"{x * 100:{sign}.1f}"
    if kind == "seconds":
        return f"{x:{sign}.1f}"
    if kind == "yuan":
        return f"{x:{sign},.0f}"
    if kind == "count":
        return f"{x:{sign},.1f}"
    return f"{x:{sign}.3f}"


def level(name: str, ci: dict[str, float]) -> str:
    """ "mean [low, high]" of a level, with its unit."""
    kind = METRICS[name].kind if name in METRICS else "index"
    unit = {"rate": "%", "seconds": " s"}.get(kind, "")
    if ci["mean"] is None or math.isnan(ci["mean"]):
        return "n/a"
    return (
        f"{_num(ci['mean'], kind, False)}{unit} "
        f"[{_num(ci['ci_low'], kind, False)}{unit}, {_num(ci['ci_high'], kind, False)}{unit}]"
    )


def relative(rows_a: list[dict], rows_b: list[dict], name: str) -> dict[str, float]:
    """CI of a / b - 1 (paired by replication), as a fraction."""
    vals = [
        ra[name] / rb[name] - 1.0
        for ra, rb in zip(rows_a, rows_b)
        if rb.get(name) not in (None, 0) and not math.isnan(rb[name])
    ]
    return mean_ci(vals)


def change(name: str, diff: dict[str, float], rel: dict[str, float] | None = None) -> str:
    """ "-4.1 points (95% CI -6.0 to -2.2)" style text of one paired change."""
    kind = METRICS[name].kind if name in METRICS else "index"
    if kind == "yuan" and rel is not None and not math.isnan(rel["mean"]):
        m, lo, hi = (rel[k] * 100 for k in ("mean", "ci_low", "ci_high"))
        return f"{m:+.1f}% ({lo:+.1f}% to {hi:+.1f}%)"
    unit = {"rate": " points", "seconds": " s"}.get(kind, "")
    return (
        f"{_num(diff['mean'], kind, True)}{unit} "
        f"({_num(diff['ci_low'], kind, True)} to {_num(diff['ci_high'], kind, True)})"
    )


def clear(diff: dict[str, float]) -> bool:
    """True when the CI excludes 0 (and there are at least 2 replications)."""
    return diff.get("n", 2) >= 2 and (diff["ci_low"] > 0 or diff["ci_high"] < 0)


def sentence(res, scheme: str, names: list[str] | None = None) -> str:
    """The verdict for switching from the baseline to ``scheme``.

    Args:
        res: A :class:`policysim.report.data.Results` (or anything with ``baseline``,
            ``differences`` and ``rows(scheme)``).
        scheme: The scheme switched to.
        names: Metrics to speak about (default :data:`HEADLINE`, those present).
    """
    diffs = res.differences[scheme]
    rows_a, rows_b = res.rows(scheme), res.rows(res.baseline)
    parts, unclear = [], []
    for name in names or HEADLINE:
        if name not in diffs:
            continue
        d = diffs[name]
        label = METRICS[name].label if name in METRICS else name
        if clear(d):
            rel = (
                relative(rows_a, rows_b, name)
                if METRICS.get(name, Metric("", "")).kind == "yuan"
                else None
            )
            text = change(name, d, rel)
            if not parts:  # the first interval says what it is
                text = text.replace(" (", " (95% CI ", 1)
            parts.append(f"{label} {text}")
        else:
            unclear.append(label)
    first = ", ".join(parts) if parts else "no clear change in any headline measure"
    text = f"Switching from {res.baseline} to {scheme}: {first}"
    if unclear and parts:
        text += f"; no clear change in {', '.join(unclear)}"
    return text + "."


def verdicts(res) -> list[str]:
    """One sentence per non-baseline scheme (95% CIs, paired by replication)."""
    return [sentence(res, s) for s in res.names if s != res.baseline and s in res.differences]


def headline_table(res, names: list[str] | None = None) -> pd.DataFrame:
    """Metric rows, one column per scheme ("mean [95% CI]"), then one column per change
    from the baseline; a '*' marks changes whose CI excludes 0."""
    keys = [k for k in (names or REPORT) if k in res.metrics[res.names[0]]]
    out = []
    for k in keys:
        row = {"measure": METRICS[k].label if k in METRICS else k}
        for s in res.names:
            row[s] = level(k, res.metrics[s][k])
        for s in res.names:
            if s == res.baseline or s not in res.differences:
                continue
            d = res.differences[s][k]
            rel = (
                relative(res.rows(s), res.rows(res.baseline), k)
                if METRICS.get(k) and METRICS[k].kind == "yuan"
                else None
            )
            row[f"{s} - {res.baseline}"] = change(k, d, rel) + (" *" if clear(d) else "")
        out.append(row)
    return pd.DataFrame(out).set_index("measure")
