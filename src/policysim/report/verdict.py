"""Plain-language verdicts and headline tables from a paired comparison.

A verdict reads like what a manager would say after looking at the table:

    Switching from commission to kpi: annual turnover -4.1 points (95% CI -6.0 to -2.2),
    first response +1.3 s (0.4 to 2.2), revenue -2.1% (-3.0% to -1.2%), ...

followed by the manager's money: mean pay per agent before and after, labour cost, profit,
and who gains or loses (the pay change of each tenure band).

Rates (turnover, abandonment, conversion) change in percentage points; times in seconds;
money in percent of the baseline: the ratio of the paired means with Fieller's interval
(:func:`policysim.experiment.stats.ratio_ci`), which excludes 0 exactly when the interval of
the absolute change does, so a star and the two rows always agree. A change whose interval
contains 0 is said to be "no clear change" rather than given a direction. With one
replication there is no interval and no star; below 10 a warning says intervals are wide.
How each metric is named, bounded and written: :mod:`policysim.results.measures`.
"""

from __future__ import annotations

import pandas as pd

from policysim.experiment.compare import pay_by_tenure
from policysim.experiment.stats import clear, ratio_ci
from policysim.results import measures as M
from policysim.results.measures import HEADLINE, METRICS, Metric, metric
from policysim.config.dates import date_of, show_date

__all__ = ["HEADLINE", "METRICS", "Metric", "REPORT", "change", "clear", "headline_table",
           "level", "money", "relative", "sentence", "verdicts", "warning"]

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


def level(name: str, ci: dict[str, float]) -> str:
    """ "mean [low, high]" of a level in the metric's unit; the mean alone with one
    replication; "n/a" when undefined."""
    return M.interval(name, ci)


def relative(rows_a: list[dict], rows_b: list[dict], name: str) -> dict[str, float]:
    """mean(a) / mean(b) - 1 with Fieller's interval (paired by replication), a fraction."""
    return ratio_ci([r.get(name, float("nan")) for r in rows_a],
                    [r.get(name, float("nan")) for r in rows_b])


def change(name: str, diff: dict[str, float], rel: dict[str, float] | None = None) -> str:
    """ "-4.1 points (95% CI -6.0 to -2.2)" style text of one paired change; money as a
    percentage of the baseline when ``rel`` is given; no interval with one replication."""
    if metric(name).kind == "yuan" and rel is not None and not M.missing(rel["mean"]):
        point = M.percent(rel["mean"], 1, signed=True)
        if rel.get("n", 2) < 2:
            return point
        if M.missing(rel["ci_low"]):
            return f"{point} (interval n/a: baseline too close to 0)"
        return (f"{point} ({M.percent(rel['ci_low'], 1, True)} to "
                f"{M.percent(rel['ci_high'], 1, True)})")
    if diff.get("n", 2) < 2 or M.missing(diff["mean"]) or M.missing(diff["ci_low"]):
        return M.change(name, diff["mean"])
    ref = max(abs(diff[k]) for k in ("mean", "ci_low", "ci_high"))
    point, lo, hi = (M.change(name, diff[k], ref) for k in ("mean", "ci_low", "ci_high"))
    unit = {"rate": " points", "seconds": " s"}.get(metric(name).kind, "")
    return f"{point} ({lo.removesuffix(unit)} to {hi.removesuffix(unit)})"


def _reps(res) -> int:
    base = res.metrics.get(res.baseline, {})
    return max((ci.get("n", 0) for ci in base.values()), default=0)


def warning(res) -> str | None:
    """The few-replications warning every output carries below 10 replications."""
    return M.few_reps(_reps(res))


#: What the money part of a verdict speaks about (before -> after, change).
MONEY = ("mean_pay", "labour_cost", "profit")


def money(res, scheme: str) -> str:
    """The manager's numbers for switching to ``scheme``: mean pay per agent before and
    after, labour cost, profit, and the pay change of each tenure band."""
    base, rows_a, rows_b = res.baseline, res.rows(scheme), res.rows(res.baseline)
    parts = []
    for name in MONEY:
        if name not in res.metrics[scheme] or name not in res.differences.get(scheme, {}):
            continue
        before, after = res.metrics[base][name]["mean"], res.metrics[scheme][name]["mean"]
        d = res.differences[scheme][name]
        text = change(name, d, relative(rows_a, rows_b, name))
        star = " *" if clear(d) else ""
        parts.append(f"{metric(name).label} {M.money(before)} -> {M.money(after)} yuan, "
                     f"{text}{star}")
    agents = res.tables.get("agents") if isinstance(res.tables, dict) else None
    period = getattr(getattr(res.scenario, "sim", None), "period_days", 30)
    if agents is not None and len(agents):
        bands = pay_by_tenure(agents, scheme, base, period)
        if len(bands):
            cells = [f"{r['band']} {M.money(r['change'], signed=True)}"
                     + (" *" if r["clear"] else "") for _, r in bands.iterrows()]
            parts.append("monthly pay by tenure (full months, paired change): "
                         + ", ".join(cells))
    return "; ".join(parts)


def switched_to(res, scheme: str) -> str:
    """How a verdict names ``scheme``: a schedule by the schemes it switches to and when
    ("kpi on 30 June 2026 (schedule switch)"), any other scheme by its name."""
    scn = getattr(res, "scenario", None)
    spec = scn.schemes.get(scheme) if scn is not None else None
    if spec is None or not spec.schedule:
        return scheme
    first, *later = spec.schedule
    steps = [f"{s.scheme} on {show_date(date_of(scn.sim.start_date, s.day))}" for s in later]
    if not steps:
        return f"{first.scheme} (schedule {scheme})"
    lead = "" if first.scheme == res.baseline else f"{first.scheme}, then "
    return f"{lead}{', then '.join(steps)} (schedule {scheme})"


def sentence(res, scheme: str, names: list[str] | None = None) -> str:
    """The verdict for switching from the baseline to ``scheme``.

    Args:
        res: A :class:`policysim.report.data.Results` (or anything with ``baseline``,
            ``metrics``, ``differences`` and ``rows(scheme)``).
        scheme: The scheme switched to.
        names: Metrics to speak about (default :data:`HEADLINE`, those present, but the
            :data:`MONEY` ones, which the money part gives before and after).
    """
    diffs = res.differences[scheme]
    rows_a, rows_b = res.rows(scheme), res.rows(res.baseline)
    single = _reps(res) < 2
    parts, unclear = [], []
    for name in names or [h for h in HEADLINE if h not in MONEY]:
        if name not in diffs or M.missing(diffs[name]["mean"]):
            continue
        d = diffs[name]
        label = metric(name).label
        rel = relative(rows_a, rows_b, name) if metric(name).kind == "yuan" else None
        if single:
            parts.append(f"{label} {change(name, d, rel)}")
        elif clear(d):
            text = change(name, d, rel)
            if not parts:  # the first interval says what it is
                text = text.replace(" (", " (95% CI ", 1)
            parts.append(f"{label} {text}")
        else:
            unclear.append(label)
    if single:
        first = ", ".join(parts) or "nothing measured"
        text = (f"Switching from {res.baseline} to {switched_to(res, scheme)} "
                f"(1 replication: no intervals, "
                f"so no verdict): {first}")
    else:
        first = ", ".join(parts) if parts else "no clear change in any headline measure"
        text = f"Switching from {res.baseline} to {switched_to(res, scheme)}: {first}"
        if unclear and parts:
            text += f"; no clear change in {', '.join(unclear)}"
    text += "."
    extra = money(res, scheme)
    return text + (f" Money: {extra}." if extra else "")


def verdicts(res) -> list[str]:
    """One sentence per non-baseline scheme (95% CIs, paired by replication), after the
    few-replications warning if there is one."""
    out = [sentence(res, s) for s in res.names if s != res.baseline and s in res.differences]
    note = warning(res)
    return ([f"**Warning:** {note}"] if note and out else []) + out


def headline_table(res, names: list[str] | None = None) -> pd.DataFrame:
    """Metric rows, one column per scheme ("mean [95% CI]"), then one column per change
    from the baseline; a '*' marks changes whose CI excludes 0 (never with one
    replication). Mean pay per agent is always a row when the runs have it."""
    wanted = list(names or REPORT)
    if "mean_pay" not in wanted:
        wanted.insert(wanted.index("labour_cost") if "labour_cost" in wanted else len(wanted),
                      "mean_pay")
    keys = [k for k in wanted if k in res.metrics[res.names[0]]]
    out = []
    for k in keys:
        row = {"measure": metric(k).label}
        for s in res.names:
            row[s] = level(k, res.metrics[s][k])
        for s in res.names:
            if s == res.baseline or s not in res.differences:
                continue
            d = res.differences[s][k]
            rel = (relative(res.rows(s), res.rows(res.baseline), k)
                   if metric(k).kind == "yuan" else None)
            row[f"{s} - {res.baseline}"] = change(k, d, rel) + (" *" if clear(d) else "")
        out.append(row)
    return pd.DataFrame(out).set_index("measure")
