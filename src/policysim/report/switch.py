"""A manager's preview of a policy switch: the current scheme until day D, the proposed one
after, against staying put.

Both paths run on common random numbers: replication r of "switch" and replication r of
"stay" face the same buyers, the same hires and the same luck until day D, so before the
switch their difference is exactly zero and after it every monthly difference is a paired
observation. Its t interval across replications is the uncertainty of the effect of
switching in that month. Months are 30-day blocks of the simulation (month 1 = days 0-29).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from policysim.errors import UserError
from policysim.experiment.stats import mean_ci

MONTH_DAYS = 30

#: Monthly measures: column -> (label, unit of a difference, number format).
MEASURES = {
    "quits": ("quits per month", "quits", "{:+.2f}"),
    "frt_s": ("mean first response", "s", "{:+.1f}"),
    "abandon_pct": ("abandonment", "points", "{:+.2f}"),
    "revenue_k": ("revenue per month", "thousand yuan", "{:+,.0f}"),
}


@dataclass(frozen=True)
class Plan:
    """What is previewed: ``scheme`` is the name the scheduled scheme runs under."""

    current: str
    proposed: str
    day: int
    scheme: str


def _schedule_of(path: str, name: str) -> list[dict] | None:
    from policysim.config.yamlio import read_yaml

    data, _ = read_yaml(path)
    spec = (data.get("schemes") or {}).get(name)
    sched = spec.get("schedule") if isinstance(spec, dict) else None
    return sched if isinstance(sched, list) and sched else None


def plan(values: dict[str, Any]) -> Plan:
    """Resolve current, proposed and the switch day from the parameters and the scenario's
    scheduled scheme ``switch_scheme`` (parameters win)."""
    name = values["switch_scheme"]
    sched = _schedule_of(values["scenario"], name)
    current = values.get("current") or (sched[0].get("scheme") if sched else None)
    proposed = values.get("proposed") or (sched[-1].get("scheme") if sched else None)
    day = values.get("switch_day")
    if day is None and sched and len(sched) > 1:
        day = sched[-1].get("day")
    if not (current and proposed and day is not None):
        raise UserError(
            f"policy_switch: give -p current NAME -p proposed NAME -p switch_day DAY, or use a "
            f"scenario whose scheme {name!r} has a schedule [{{day: 0, scheme: A}}, "
            f"{{day: D, scheme: B}}]"
        )
    if current == proposed:
        raise UserError(f"policy_switch: current and proposed are both {current!r}")
    if name in (current, proposed):
        raise UserError(f"switch_scheme: a name other than current and proposed, found {name!r}")
    return Plan(str(current), str(proposed), int(day), name)


def load(values: dict[str, Any]):
    """The scenario with the switch written as ``schemes.<switch_scheme>``; and the plan."""
    from policysim.report.data import load_scenario

    p = plan(values)
    sched = (
        f"{{schedule: [{{day: 0, scheme: {json.dumps(p.current)}}}, "
        f"{{day: {p.day}, scheme: {json.dumps(p.proposed)}}}]}}"
    )
    scn = load_scenario(values, [f"schemes.{p.scheme}={sched}"])
    return scn, p


def monthly(daily: pd.DataFrame) -> pd.DataFrame:
    """Per scheme, replication and complete 30-day month: quits, mean first response (s),
    abandonment (%), revenue (thousand yuan) and headcount (mean of the days)."""
    days = int(daily["day"].max()) + 1
    d = daily.assign(month=daily["day"] // MONTH_DAYS + 1)
    d = d[d["month"] <= max(1, days // MONTH_DAYS)]
    cols = ["inquiries", "abandoned", "answered", "frt_sum_s", "revenue"]
    if "quits" in d.columns:
        cols.append("quits")
    g = d.groupby(["scheme", "rep", "month"])[cols].sum().reset_index()
    out = g[["scheme", "rep", "month"]].copy()
    out["quits"] = g["quits"] if "quits" in g.columns else np.nan
    out["frt_s"] = g["frt_sum_s"] / g["answered"].where(g["answered"] > 0)
    out["abandon_pct"] = g["abandoned"] / g["inquiries"].where(g["inquiries"] > 0) * 100
    out["revenue_k"] = g["revenue"] / 1000.0
    if "headcount" in d.columns:
        heads = d.groupby(["scheme", "rep", "month"])["headcount"].mean().reset_index()
        out = out.merge(heads, on=["scheme", "rep", "month"], how="left")
    return out


def paired_monthly(m: pd.DataFrame, switch: str, stay: str) -> pd.DataFrame:
    """Month by month: CI of (switch - stay) across replications, per measure."""
    a = m[m["scheme"] == switch].set_index(["rep", "month"])
    b = m[m["scheme"] == stay].set_index(["rep", "month"])
    diff = (a[list(MEASURES)] - b[list(MEASURES)]).dropna(how="all").reset_index()
    rows = []
    for (month,), g in diff.groupby(["month"]):
        for k in MEASURES:
            ci = mean_ci(g[k].to_numpy(float))
            rows.append(
                {
                    "month": int(month),
                    "measure": k,
                    "mean": ci["mean"],
                    "lo": ci["ci_low"],
                    "hi": ci["ci_high"],
                    "n": ci["n"],
                }
            )
    return pd.DataFrame(rows)


def window_cis(m: pd.DataFrame, switch: str, stay: str, day: int) -> list[tuple[str, str, dict]]:
    """Paired differences averaged over windows after the switch: the first full month on
    the new scheme, the two months after it, and all months after (per-replication
    averages, then a t interval across replications)."""
    first = day // MONTH_DAYS + 1 + (day % MONTH_DAYS > 0)  # first full month on the new scheme
    last = int(m["month"].max())
    spans = [
        ("first month after", first, first),
        ("months 2-3 after", first + 1, first + 2),
        ("all months after", first, last),
    ]
    a = m[m["scheme"] == switch].set_index(["rep", "month"])
    b = m[m["scheme"] == stay].set_index(["rep", "month"])
    diff = (a[list(MEASURES)] - b[list(MEASURES)]).reset_index()
    out = []
    for label, lo, hi in spans:
        if lo > last:
            continue
        hi = min(hi, last)
        sel = diff[(diff["month"] >= lo) & (diff["month"] <= hi)]
        per_rep = sel.groupby("rep")[list(MEASURES)].mean()
        months = f"months {lo}-{hi}" if hi > lo else f"month {lo}"
        out.append(
            (
                f"{label} ({months})",
                months,
                {k: mean_ci(per_rep[k].to_numpy(float)) for k in MEASURES},
            )
        )
    return out


def _text(ci: dict, unit: str, fmt: str) -> str:
    f = fmt.format
    return f"{f(ci['mean'])} {unit} (95% CI {f(ci['ci_low'])} to {f(ci['ci_high'])})"


def windows(m: pd.DataFrame, switch: str, stay: str, day: int) -> pd.DataFrame:
    """Table of :func:`window_cis`; '*' marks differences whose CI excludes 0."""
    rows = []
    for name, _, cis in window_cis(m, switch, stay, day):
        row = {"window": name}
        for k, (lab, unit, fmt) in MEASURES.items():
            ci, f = cis[k], fmt.format
            star = " *" if ci["n"] >= 2 and (ci["ci_low"] > 0 or ci["ci_high"] < 0) else ""
            row[f"{lab} ({unit})"] = (
                f"{f(ci['mean'])} ({f(ci['ci_low'])} to {f(ci['ci_high'])}){star}"
            )
        rows.append(row)
    if not rows:
        return pd.DataFrame({"window": ["the horizon ends before a full month on the new scheme"]})
    return pd.DataFrame(rows).set_index("window")


def verdict(m: pd.DataFrame, p: Plan, stay: str) -> str:
    """One sentence for the manager: the effect over all months after the switch."""
    cis = window_cis(m, p.scheme, stay, p.day)
    if not cis:
        return (
            f"The horizon ends before a full month under {p.proposed}: simulate at least "
            f"{(p.day // MONTH_DAYS + 2) * MONTH_DAYS} days."
        )
    _, months, last = cis[-1]
    parts = [f"{lab} {_text(last[k], unit, fmt)}" for k, (lab, unit, fmt) in MEASURES.items()]
    return (
        f"Switching from {p.current} to {p.proposed} on day {p.day} instead of staying on "
        f"{p.current} changes, per month on average over {months} (every full month after "
        f"the switch): " + "; ".join(parts) + "."
    )
