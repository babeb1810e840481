"""``--reps auto``: replicate in batches until the headline numbers are precise enough.

How many replications are enough depends on the store: a 12-agent store's annual turnover
moves a lot from one simulated year to the next, a 300-agent store's hardly at all. So
instead of a fixed number, ``--reps auto`` runs a first batch, looks at the 95% interval of
every headline number (:data:`policysim.results.measures.HEADLINE`: the paired difference
from the baseline in a comparison, the level itself in a single run), and adds replications
until every half-width is below its **precision** or a cap is reached:

- start with ``start`` replications (10, so no result carries the few-replications warning);
- while some headline half-width h exceeds its precision p and fewer than ``cap`` have run,
  run more: enough to bring the worst h below p if h shrinks as 1/sqrt(R) (R x (h/p)^2),
  at least ``step`` more, at most twice as many, never more than ``cap``;
- say which stopped it: "precision" (every half-width below its precision) or "cap".

Replication r always uses the streams of replication r, so its results do not depend on the
batch it ran in: ``--reps auto`` stopping at 15 gives exactly ``--reps 15``.

A precision is a number in the metric's own unit (a share as a fraction: 0.01 is one
percentage point; seconds; yuan) or a text ``"2%"``: that percentage of the baseline's mean
of the metric (used for money, whose scale depends on the store). Metrics that are undefined
(NaN) or absent in these runs are not waited for.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from policysim.errors import UserError
from policysim.experiment.stats import paired, summarize_reps
from policysim.results import measures as M
from policysim.results.measures import HEADLINE, metric

#: Default precision (95% half-width) of each headline number.
PRECISION: dict[str, float | str] = {
    "annual_turnover_rate": 0.02,  # 2 percentage points of annual turnover
    "reply_within_180s": 0.01,  # 1 percentage point of inquiries answered within 3 minutes
    "first_response_mean_s": 2.0,  # 2 seconds
    "abandon_rate": 0.005,  # half a percentage point
    "conversion_rate": 0.01,  # 1 percentage point
    "revenue": "1%",  # of the baseline's revenue
    "mean_pay": "2%",
    "labour_cost": "2%",
    "profit": "5%",
    "pay_gini": 0.01,
}
START, STEP, CAP = 10, 5, 40


@dataclass(frozen=True)
class AutoSpec:
    """What ``--reps auto`` aims at: metric -> precision, and the batch sizes and cap."""

    precision: dict[str, float | str] = field(default_factory=lambda: dict(PRECISION))
    start: int = START
    step: int = STEP
    cap: int = CAP


@dataclass
class AutoReps:
    """How many replications ``--reps auto`` ran, and why it stopped.

    Attributes:
        reps: Replications run (per scheme).
        stopped: "precision" (every headline half-width below its precision) or "cap".
        cap: The most replications allowed (``--max-reps``).
        widths: metric -> {"half_width", "precision"} (both in the metric's unit) at the end.
    """

    reps: int
    stopped: str
    cap: int
    widths: dict[str, dict[str, float]] = field(default_factory=dict)

    def unmet(self) -> list[str]:
        """Headline metrics whose half-width is still above its precision."""
        return [k for k, w in self.widths.items() if w["half_width"] > w["precision"]]

    def public(self) -> dict:
        """The JSON face: ``{"stopped", "reps", "max_reps", "precision": {metric: {...}}}``."""
        return {"stopped": self.stopped, "reps": self.reps, "max_reps": self.cap,
                "precision": {k: dict(w) for k, w in self.widths.items()}}

    def text(self) -> str:
        """One line for the console and the reports."""
        from policysim.results.measures import plural

        if self.stopped == "precision":
            return (f"--reps auto: {plural(self.reps, 'replication')}; every headline 95% "
                    "interval is within its precision (half-width below the target)")
        if self.reps < 2:
            return (f"--reps auto: stopped at the cap of {plural(self.cap, 'replication')}, "
                    "too few for a 95% interval (raise --max-reps to 10 or more)")
        worst = ", ".join(f"{metric(k).label} +-{_show(k, w['half_width'])} (target "
                          f"+-{_show(k, w['precision'])})" for k, w in self.widths.items()
                          if w["half_width"] > w["precision"])
        return (f"--reps auto: stopped at the cap of {plural(self.cap, 'replication')} before "
                f"every interval reached its precision; still wider: {worst}")


def _show(name: str, x: float) -> str:
    from policysim.results.measures import change

    return change(name, x).lstrip("+")


def parse_precision(items: list[str] | None) -> dict[str, float | str]:
    """``--precision METRIC=VALUE`` texts on top of :data:`PRECISION`.

    Raises:
        UserError: For a text without ``=``, an unknown metric or a value that is not a
            positive number or percentage.
    """
    out = dict(PRECISION)
    for item in items or []:
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        where = f"--precision {item}"
        if not eq:
            raise UserError(f"{where}: expected METRIC=VALUE (e.g. abandon_rate=0.005 or "
                            "revenue=2%), found no '='")
        if key not in HEADLINE:
            raise UserError(f"{where}: expected one of the headline metrics "
                            f"{', '.join(HEADLINE)}, found {key!r}")
        try:
            number = float(value.removesuffix("%"))
        except ValueError:
            number = math.nan
        if not (number > 0 and math.isfinite(number)):
            raise UserError(f"{where}: expected a positive number (in the metric's unit) or "
                            f"a percentage of the baseline such as 2%, found {value!r}")
        out[key] = f"{number:g}%" if value.endswith("%") else number
    return out


def target(spec: float | str, baseline_mean: float) -> float:
    """A precision in the metric's unit: a number as it is, "p%" as p% of |baseline mean|."""
    if isinstance(spec, str):
        return float(spec.removesuffix("%")) / 100.0 * abs(baseline_mean)
    return float(spec)


def next_reps(n: int, widths: dict[str, dict[str, float]], step: int, cap: int) -> int:
    """How many replications to have after ``n``: see the module docstring."""
    ratio = max((w["half_width"] / w["precision"] for w in widths.values()
                 if w["precision"] > 0), default=1.0)
    wanted = math.ceil(n * ratio * ratio) if math.isfinite(ratio) else 2 * n
    return min(cap, 2 * n, max(n + step, wanted))


def replicate_until(run: Callable[[int, int], None],
                    widths: Callable[[], dict[str, dict[str, float]]],
                    start: int = START, step: int = STEP, cap: int = CAP) -> AutoReps:
    """Run replications [0, start), then more until ``widths()`` is within precision.

    Args:
        run: ``run(first, stop)`` runs replications first .. stop - 1 (of every scheme).
        widths: The current metric -> {"half_width", "precision"} of the headline numbers
            (only those that can be measured).
        start, step, cap: See the module docstring.
    """
    if cap < 1:
        raise UserError(f"--max-reps: expected a whole number of at least 1, found {cap}")
    n = min(start, cap)
    run(0, n)
    while True:
        w = widths()
        if n >= 2 and all(x["half_width"] <= x["precision"] for x in w.values()):
            return AutoReps(n, "precision", cap, w)
        if n >= cap:
            return AutoReps(n, "cap", cap, w)
        more = next_reps(n, w, step, cap)
        run(n, more)
        n = more


def paired_widths(by: dict[str, list[dict]], baseline: str, spec: AutoSpec
                  ) -> dict[str, dict[str, float]]:
    """Per headline metric, the widest 95% half-width of a paired difference from the
    baseline (over the schemes), and its precision in the metric's unit."""
    out = {}
    for name, rule in spec.precision.items():
        halves = []
        for s, rows in by.items():
            if s == baseline or not rows or name not in rows[0]:
                continue
            d = _paired_one(rows, by[baseline], name)
            if d["n"] >= 2 and not M.missing(d["mean"]):
                halves.append((d["ci_high"] - d["ci_low"]) / 2)
        if halves:
            base = float(np.nanmean([r[name] for r in by[baseline]]))
            out[name] = {"half_width": max(halves), "precision": target(rule, base)}
    return out


def _paired_one(rows_a: list[dict], rows_b: list[dict], name: str) -> dict[str, float]:
    return paired([{name: r[name]} for r in rows_a], [{name: r[name]} for r in rows_b])[name]


def level_widths(rows: list[dict], spec: AutoSpec) -> dict[str, dict[str, float]]:
    """Per headline metric of a single run, the 95% half-width of its level and its
    precision (a percentage is of the metric's own mean)."""
    s = summarize_reps(rows)
    out = {}
    for name, rule in spec.precision.items():
        ci = s.get(name)
        if ci is None or ci["n"] < 2 or M.missing(ci["mean"]) or math.isnan(ci["ci_low"]):
            continue
        out[name] = {"half_width": (ci["ci_high"] - ci["ci_low"]) / 2,
                     "precision": target(rule, ci["mean"])}
    return out


def replicate_auto(scenario, scheme: str | None, workers: int, on_done=None,
                   auto: AutoSpec | None = None):
    """Replications of one scheme until every headline level is precise enough.

    Returns:
        (outcomes ordered by replication, :class:`AutoReps`).
    """
    from policysim.experiment.runner import Job, run_jobs

    auto = auto or AutoSpec()
    outcomes: list = []

    def run(first: int, stop: int) -> None:
        jobs = [Job(scenario, r, scenario.sim.seed, scenario.sim.days, scheme)
                for r in range(first, stop)]
        outcomes.extend(run_jobs(jobs, workers, on_done))

    result = replicate_until(run, lambda: level_widths([o.summary for o in outcomes], auto),
                             auto.start, auto.step, auto.cap)
    return outcomes, result
