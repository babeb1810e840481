"""How to speak about each run metric: its name, unit, possible range, and how to write it.

Every metric of a run summary is one of a few kinds, and the kind decides everything a
reader sees:

- ``rate``: a share or rate, shown in % (``12.3%``); a change is in percentage points;
- ``seconds``: a time (``41.2 s``); ``count``: quits, hires, chats (``1,204``);
- ``yuan``: money, with k and M units (``256.7k``, ``22.0M``); a change is also given in %
  of the baseline;
- ``index``: a plain number such as a Gini, a correlation or a rating (``0.312``).

Each metric also has the range it can take (``low``, ``high``; None = unbounded): a share
lies in [0, 1], a correlation in [-1, 1], a count or a cost is never below 0, profit can be
anything. The statistics (:mod:`policysim.experiment.stats`) keep intervals inside it.

The writing rules hold in every command and report: no scientific notation, no ``nan`` (the
one word for a missing value is :data:`MISSING`, "n/a"), no ``-0``, singular and plural
right (:func:`plural`), columns aligned whatever their width (:func:`align`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The one word for a value that does not exist (no data, no interval).
MISSING = "n/a"


@dataclass(frozen=True)
class Metric:
    """How to speak about one summary metric.

    Attributes:
        label: Plain-language name.
        kind: "rate", "seconds", "yuan", "count" or "index" (see the module docstring).
        better: +1 if more is better, -1 if less is better, 0 if neither.
        unit: Unit of a "count" or "index" (rates, seconds and yuan have theirs).
        low, high: The range the metric can take (None: unbounded on that side).
    """

    label: str
    kind: str
    better: int = 0
    unit: str = ""
    low: float | None = 0.0
    high: float | None = None


METRICS: dict[str, Metric] = {
    "inquiries": Metric("inquiries", "count", 0, "inquiries"),
    "annual_turnover_rate": Metric("annual turnover", "rate", -1),
    "quits": Metric("quits", "count", -1, "quits"),
    "new_hire_90d_quit_rate": Metric("new hires quitting within 90 days", "rate", -1, high=1.0),
    "regretted_quits": Metric("quits of top-quartile agents", "count", -1, "quits"),
    "hires": Metric("hires", "count", 0, "hires"),
    "new_hire_mean_skill": Metric("mean ability of new hires (team mean 1)", "index", +1,
                                  "ability"),
    "promotions": Metric("promotions up the career ladder", "count", 0, "promotions"),
    "mean_headcount": Metric("mean headcount", "count", 0, "agents"),
    "agent_days_worked_share": Metric("share of days on the team people worked", "rate", 0,
                                      high=1.0),
    "overtime_days": Metric("days off worked on all-hands days", "count", 0, "days"),
    "temp_staff_days": Metric("temporary agents' days worked", "count", 0, "days"),
    "temp_staff_cost": Metric("temporary staff cost", "yuan", -1),
    "event_peak_abandon_rate": Metric("abandonment in the busiest hour of temporary staff's "
                                      "event days", "rate", -1, high=1.0),
    "reply_within_180s": Metric("inquiries answered within 3 minutes", "rate", +1, high=1.0),
    "reply_within_30s": Metric("inquiries answered within 30 seconds", "rate", +1, high=1.0),
    "first_response_mean_s": Metric("mean first response of answered buyers", "seconds", -1),
    "first_response_p50_s": Metric("median first response of answered buyers", "seconds", -1),
    "first_response_p90_s": Metric("90th-percentile first response of answered buyers",
                                   "seconds", -1),
    "returning_same_agent_share": Metric("returning buyers back with their agent", "rate", 0,
                                         high=1.0),
    "message_share": Metric("inquiries left as messages (nobody on shift)", "rate", 0, high=1.0),
    "belief_error_routed": Metric("agents' error predicting their routed chats", "rate", -1),
    "belief_error_pay": Metric("agents' error predicting their pay", "rate", -1),
    "belief_bias_pay": Metric("agents' pay expected beyond pay received", "rate", 0, low=None),
    "belief_error_help": Metric("agents' error predicting colleagues' help", "rate", -1),
    "abandon_rate": Metric("abandonment", "rate", -1, high=1.0),
    "p_wait": Metric("buyers who wait in the queue", "rate", -1, high=1.0),
    "rating_mean": Metric("buyer rating (1-5)", "index", +1, "rating points", 1.0, 5.0),
    "conversion_rate": Metric("conversion", "rate", +1, high=1.0),
    "revenue": Metric("revenue", "yuan", +1),
    "mean_pay": Metric("mean pay per agent and pay period", "yuan", 0),
    "labour_cost": Metric("labour cost", "yuan", -1),
    "hiring_cost": Metric("hiring and training cost", "yuan", -1),
    "profit": Metric("profit", "yuan", +1, low=None),
    "pay_gini": Metric("pay Gini", "index", 0, "Gini", 0.0, 1.0),
    "pay_skill_corr": Metric("pay-skill correlation", "index", 0, "correlation", -1.0, 1.0),
    "pay_luck_corr": Metric("pay-luck correlation", "index", 0, "correlation", -1.0, 1.0),
    "transfers": Metric("transfers to colleagues", "count", 0, "chats"),
    "novice_chat_share": Metric("share of chats served by novices", "rate", 0, high=1.0),
    "mean_threshold": Metric("chats carried before hanging up", "index", 0, "chats"),
    "mean_sales_effort": Metric("mean sales effort (0-1)", "index", 0, "", 0.0, 1.0),
    "mean_service_effort": Metric("mean service effort (0-1)", "index", 0, "", 0.0, 1.0),
    "coop_share": Metric("share of agents who pass chats on", "rate", 0, high=1.0),
}

#: What the top-of-report verdict speaks about, in order; also the differences ``--reps
#: auto`` replicates until they are precise enough.
HEADLINE = [
    "annual_turnover_rate",
    "reply_within_180s",
    "first_response_mean_s",
    "abandon_rate",
    "conversion_rate",
    "revenue",
    "mean_pay",
    "labour_cost",
    "profit",
    "pay_gini",
]


def metric(name: str) -> Metric:
    """The metric's description; an unknown metric is a plain unbounded number."""
    if name in METRICS:
        return METRICS[name]
    if name.startswith("level_mix_"):  # a career ladder's share of the team at one level
        return Metric(f"share of the team at level {name.removeprefix('level_mix_')}", "rate",
                      0, high=1.0)
    return Metric(name.replace("_", " "), "index", 0, "", None, None)


def bounds(name: str) -> tuple[float | None, float | None]:
    """(low, high) of a metric; None where unbounded."""
    m = metric(name)
    return m.low, m.high


# ------------------------------------------------------------------ writing numbers
def missing(x: object) -> bool:
    """True for None and NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def _clean(text: str) -> str:
    """No "-0" (a value that rounds to zero has no sign)."""
    if text[:1] in "+-" and not any(c in "123456789" for c in text):
        return text[1:]
    return text


def plain(x: float | None, decimals: int | None = None, signed: bool = False) -> str:
    """A number with thousands separators, never in scientific notation.

    Args:
        x: The number (None or NaN: :data:`MISSING`).
        decimals: Digits after the point (default: by size, 0 from 1,000 up, 1 from 10,
            2 from 1, else 3).
        signed: Write "+" before a positive number.
    """
    if missing(x) or math.isinf(x):
        return MISSING
    if decimals is None:
        a = abs(x)
        decimals = 0 if a >= 1000 else 1 if a >= 10 else 2 if a >= 1 else 3
    return _clean(f"{x:{'+' if signed else ''},.{decimals}f}")


def money(x: float | None, signed: bool = False, ref: float | None = None) -> str:
    """Yuan with k and M units: ``950``, ``25.7k``, ``256.7k``, ``22.04M``.

    ``ref`` picks the unit instead of ``x`` (so a mean and its interval share one unit).
    """
    if missing(x) or math.isinf(x):
        return MISSING
    a = abs(x) if ref is None or missing(ref) else abs(ref)
    sign = "+" if signed else ""
    if round(a / 1e3, 1) >= 1000:
        return _clean(f"{x / 1e6:{sign}.2f}M")
    if round(a) >= 1e4:
        return _clean(f"{x / 1e3:{sign}.1f}k")
    return _clean(f"{x:{sign},.0f}")


def percent(x: float | None, decimals: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 0.457 -> ``45.7%``."""
    if missing(x) or math.isinf(x):
        return MISSING
    return _clean(f"{x * 100:{'+' if signed else ''}.{decimals}f}") + "%"


def level(name: str, x: float | None, ref: float | None = None) -> str:
    """A value of a metric as a reader expects it (``12.3%``, ``41.2 s``, ``256.7k``);
    ``ref`` picks the unit of money (see :func:`money`)."""
    m = metric(name)
    if missing(x) or math.isinf(x):
        return MISSING
    if m.kind == "rate":
        return percent(x, 2 if 0 < abs(x) < 0.01 else 1)
    if m.kind == "seconds":
        return plain(x, 1) + " s"
    if m.kind == "yuan":
        return money(x, ref=ref)
    if m.kind == "count":
        return plain(x, 0 if abs(x) >= 100 else 1)
    return plain(x, 3 if abs(x) < 10 else None)


def _nonzero_decimals(x: float, decimals: int) -> int:
    """``decimals``, or more (two significant digits) if ``x`` is not 0 but would be shown
    as 0 with ``decimals`` (a significant change must not read ``+0.00``); below 10^-6 it
    is rounding noise and stays 0."""
    if x == 0 or round(abs(x), decimals) > 0:
        return decimals
    more = 1 - math.floor(math.log10(abs(x)))
    return more if more <= 7 else decimals


def change(name: str, x: float | None, ref: float | None = None) -> str:
    """A paired change of a metric, signed, in its change unit (``+1.3 points``, ``-4.0 s``,
    ``-6.6k``); ``ref`` picks the unit of money. A change that is not 0 never reads as 0:
    it gets the decimals it needs (``+0.0031 points``)."""
    m = metric(name)
    if missing(x) or math.isinf(x):
        return MISSING
    if m.kind == "rate":
        v = x * 100
        return plain(v, _nonzero_decimals(v, 2 if 0 < abs(x) < 0.01 else 1), signed=True) \
            + " points"
    if m.kind == "seconds":
        return plain(x, _nonzero_decimals(x, 1), signed=True) + " s"
    if m.kind == "yuan":
        return money(x, signed=True, ref=ref)
    if m.kind == "count":
        return plain(x, _nonzero_decimals(x, 1), signed=True)
    return plain(x, _nonzero_decimals(x, 3) if abs(x) < 10 else None, signed=True)


def plural(n: int | float, word: str, many: str | None = None) -> str:
    """``1 replication``, ``3 replications`` (``many``: an irregular plural)."""
    n_text = f"{n:,}" if isinstance(n, int) else plain(n)
    return f"{n_text} {word if n == 1 else (many or word + 's')}"


def interval_parts(name: str, ci: dict, fmt=level) -> tuple[str, str]:
    """(mean, "[low, high]") of a metric (``fmt``: :func:`level` or :func:`change`): one
    unit of money for all three, a change's unit (points, s) only after the mean; no
    interval ("") with one replication; :data:`MISSING` when undefined."""
    if missing(ci["mean"]):
        return MISSING, ""
    if ci.get("n", 2) < 2 or missing(ci["ci_low"]):
        return fmt(name, ci["mean"]), ""
    ref = max(abs(ci["mean"]), abs(ci["ci_low"]), abs(ci["ci_high"]))
    mean, lo, hi = (fmt(name, ci[k], ref) for k in ("mean", "ci_low", "ci_high"))
    for unit in (" points", " s"):
        if fmt is change and lo.endswith(unit) and hi.endswith(unit):
            lo, hi = lo.removesuffix(unit), hi.removesuffix(unit)
    return mean, f"[{lo}, {hi}]"


def interval(name: str, ci: dict, fmt=level) -> str:
    """ "mean [low, high]" of a metric (see :func:`interval_parts`)."""
    mean, bracket = interval_parts(name, ci, fmt)
    return f"{mean} {bracket}" if bracket else mean


#: Below this many replications every output warns that its intervals are wide.
FEW_REPS = 10


def few_reps(n: int) -> str | None:
    """The warning every output carries below :data:`FEW_REPS` replications (None above)."""
    if n >= FEW_REPS:
        return None
    if n <= 1:
        return (f"{plural(n, 'replication')}: no confidence intervals and no stars (*); use "
                "--reps auto or --reps 10 or more before trusting a difference")
    return (f"only {plural(n, 'replication')}: 95% intervals are wide and can mislead; use "
            "--reps auto or --reps 10 or more")


def sweep_few_reps(reps: int, schemes: list) -> str | None:
    """A sweep's few-replications warning: its claims analysis (two schemes or more, or
    commission's C1) judges each design point by a t interval across replications. None at
    :data:`FEW_REPS` or more, or without a claims analysis (sensitivity indices average the
    replications of each point, and a Sobol study often runs one or two)."""
    if reps >= FEW_REPS or not (len(schemes) >= 2 or "commission" in schemes):
        return None
    if reps <= 1:
        return ("1 replication per design point: the claims analysis has no intervals and "
                "every verdict is 'unclear'; use --reps 10 or more")
    return (f"only {reps} replications per design point: the claims analysis's intervals at "
            "each point are wide and can mislead; use --reps 10 or more")


def align(rows: list[list[str]], header: list[str] | None = None, gap: int = 2,
          rule: bool = True) -> str:
    """A text table: the first column left-aligned, the others right-aligned, each as wide
    as its widest cell, columns separated by ``gap`` spaces (so they never run together)."""
    table = ([header] if header else []) + [list(map(str, r)) for r in rows]
    if not table:
        return ""
    ncol = max(len(r) for r in table)
    table = [r + [""] * (ncol - len(r)) for r in table]
    widths = [max(len(r[i]) for r in table) for i in range(ncol)]
    sep = " " * gap

    def line(r: list[str]) -> str:
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        return sep.join(cells).rstrip()

    out = [line(r) for r in table]
    if header and rule:
        out.insert(1, "-" * len(sep.join("x" * w for w in widths)))
    return "\n".join(out)
