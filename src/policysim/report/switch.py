"""A manager's preview of a policy switch: the current scheme until day D, the proposed one
after, against staying put.

Both paths run on common random numbers: replication r of "switch" and replication r of
"stay" face the same buyers, the same hires and the same luck until day D, so before the
switch their difference is exactly zero and after it every monthly difference is a paired
observation. Its t interval across replications is the uncertainty of the effect of
switching in that month. Months are 30-day blocks of the simulation (month 1 = days 0-29);
what a person reads names them with their dates ("months 7-12 (30 June to 26 December 2026)")
and the switch by its date.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from policysim.config.dates import DEFAULT_START, calendar_date, date_of, date_switches, show_date
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
    """What is previewed: ``scheme`` is the name the scheduled scheme runs under; ``start``
    is the date of day 0 (``sim.start_date``)."""

    current: str
    proposed: str
    day: int
    scheme: str
    start: dt.date = DEFAULT_START

    @property
    def date(self) -> str:
        """The date of the switch, as a person reads it."""
        return show_date(date_of(self.start, self.day))


def months(start: dt.date, lo: int, hi: int) -> str:
    """30-day months ``lo``-``hi`` with their dates: "months 7-12 (30 June to 26 December
    2026)"."""
    first, last = date_of(start, (lo - 1) * MONTH_DAYS), date_of(start, hi * MONTH_DAYS - 1)
    head = f"months {lo}-{hi}" if hi > lo else f"month {lo}"
    since = show_date(first) if first.year != last.year else f"{first.day} {first:%B}"
    return f"{head} ({since} to {show_date(last)})"


def _schedule_of(path: str, name: str) -> tuple[list[dict] | None, dt.date]:
    """The schedule ``name`` as written (switches given by date get their day) and the
    scenario's start date. A bad date is left for the scenario's validation to report."""
    from policysim.config.yamlio import read_yaml

    data, _ = read_yaml(path)
    try:
        data = date_switches(data)
    except ValueError:
        pass
    sim = data.get("sim")
    start = calendar_date(sim.get("start_date") if isinstance(sim, dict) else None)
    spec = (data.get("schemes") or {}).get(name)
    sched = spec.get("schedule") if isinstance(spec, dict) else None
    return (sched if isinstance(sched, list) and sched else None), start or DEFAULT_START


def plan(values: dict[str, Any]) -> Plan:
    """Resolve current, proposed and the switch day from the parameters and the scenario's
    scheduled scheme ``switch_scheme`` (parameters win)."""
    name = values["switch_scheme"]
    sched, start = _schedule_of(values["scenario"], name)
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
    return Plan(str(current), str(proposed), int(day), name, start)


def load(values: dict[str, Any]):
    """The scenario with the switch written as ``schemes.<switch_scheme>``; and the plan."""
    from policysim.report.data import load_scenario

    p = plan(values)
    sched = (
        f"{{schedule: [{{day: 0, scheme: {json.dumps(p.current)}}}, "
        f"{{day: {p.day}, scheme: {json.dumps(p.proposed)}}}]}}"
    )
    scn = load_scenario(values, [f"schemes.{p.scheme}={sched}"])
    return scn, replace(p, start=scn.sim.start_date)


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


def window_cis(
    m: pd.DataFrame, switch: str, stay: str, day: int, start: dt.date = DEFAULT_START
) -> list[tuple[str, str, dict]]:
    """Paired differences averaged over windows after the switch: the first full month on
    the new scheme, the two months after it, and all months after (per-replication
    averages, then a t interval across replications). Months are named with their dates
    counted from ``start`` (day 0)."""
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
        span = months(start, lo, hi)
        out.append(
            (
                f"{label}: {span}",
                span,
                {k: mean_ci(per_rep[k].to_numpy(float)) for k in MEASURES},
            )
        )
    return out


def _formatter(fmt: str):
    """``fmt.format`` that writes a missing value as "n/a" and never "-0"."""
    from policysim.results.measures import MISSING, missing, plain

    decimals = int(fmt.split(".")[1][0])

    def f(x: float) -> str:
        return MISSING if missing(x) else plain(x, decimals, signed="+" in fmt)

    return f


def _text(ci: dict, unit: str, fmt: str) -> str:
    f = _formatter(fmt)
    return f"{f(ci['mean'])} {unit} (95% CI {f(ci['ci_low'])} to {f(ci['ci_high'])})"


def windows(
    m: pd.DataFrame, switch: str, stay: str, day: int, start: dt.date = DEFAULT_START
) -> pd.DataFrame:
    """Table of :func:`window_cis`; '*' marks differences whose CI excludes 0."""
    rows = []
    for name, _, cis in window_cis(m, switch, stay, day, start):
        row = {"window": name}
        for k, (lab, unit, fmt) in MEASURES.items():
            ci, f = cis[k], _formatter(fmt)
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
    cis = window_cis(m, p.scheme, stay, p.day, p.start)
    if not cis:
        need = (p.day // MONTH_DAYS + 2) * MONTH_DAYS
        return (
            f"The horizon ends before a full month under {p.proposed}: simulate at least "
            f"{need} days (to {show_date(date_of(p.start, need - 1))})."
        )
    _, span, last = cis[-1]
    parts = [f"{lab} {_text(last[k], unit, fmt)}" for k, (lab, unit, fmt) in MEASURES.items()]
    return (
        f"Switching from {p.current} to {p.proposed} on {p.date} instead of staying on "
        f"{p.current} changes, per month on average over {span}, every full month after "
        f"the switch: " + "; ".join(parts) + "."
    )


def pay_after(agents: pd.DataFrame, switch: str, stay: str, day: int,
              period_days: int = 30) -> dict[str, dict]:
    """Mean monthly pay of an agent (full pay periods that start on or after the switch)
    on each path, per replication, and the paired change.

    Returns:
        {"stay": CI, "switch": CI, "change": CI, "relative": CI of switch / stay - 1}.
    """
    from policysim.experiment.stats import ratio_ci

    a = agents[agents["scheme"].isin([switch, stay])]
    if "present" in a.columns:
        a = a[a["present"] >= 0.999]
    a = a[a["period"] * period_days >= day]
    per = (a.assign(monthly=a["pay"] * MONTH_DAYS / period_days)
           .groupby(["scheme", "rep"])["monthly"].mean().unstack(0))
    if switch not in per.columns or stay not in per.columns:
        return {}
    both = per[[switch, stay]].dropna()
    return {"stay": mean_ci(both[stay]), "switch": mean_ci(both[switch]),
            "change": mean_ci(both[switch] - both[stay]),
            "relative": ratio_ci(both[switch], both[stay])}


def money(res, p: Plan, stay: str) -> str:
    """The manager's numbers of the switch: mean pay per agent after it on both paths, and
    labour cost and profit over the horizon (paired; before the switch both paths are the
    same, so the whole difference arises after it)."""
    from policysim.experiment.compare import pay_by_tenure
    from policysim.experiment.stats import clear
    from policysim.report import verdict as V
    from policysim.results import measures as M

    parts = []
    period = res.scenario.sim.period_days
    pay = pay_after(res.tables["agents"], p.scheme, stay, p.day, period)
    if pay:
        star = " *" if clear(pay["change"]) else ""
        parts.append(f"mean pay per agent after the switch {M.money(pay['stay']['mean'])} "
                     f"yuan a month staying on {p.current}, {M.money(pay['switch']['mean'])} "
                     f"switching to {p.proposed}: "
                     f"{V.change('mean_pay', pay['change'], pay['relative'])}{star}")
    rows_a, rows_b = res.rows(p.scheme), res.rows(stay)
    for name in ("labour_cost", "profit"):
        d = res.differences.get(p.scheme, {}).get(name)
        if d is None:
            continue
        star = " *" if clear(d) else ""
        parts.append(f"{M.metric(name).label} over the horizon "
                     f"{V.change(name, d, V.relative(rows_a, rows_b, name))}{star}")
    bands = pay_by_tenure(res.tables["agents"], p.scheme, stay, period)
    if len(bands):
        parts.append("monthly pay by tenure over the horizon: " + ", ".join(
            f"{r['band']} {M.money(r['change'], signed=True)}" + (" *" if r["clear"] else "")
            for _, r in bands.iterrows()))
    return ("Money: " + "; ".join(parts) + ".") if parts else ""
