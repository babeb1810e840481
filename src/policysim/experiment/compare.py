"""Paired comparison of pay schemes on common random numbers.

Every scheme runs replication r with the same streams, so scheme A and scheme B face the same
buyers, the same hires and the same luck; the difference of a metric between them in
replication r is a paired observation, and its t interval across replications is the honest
uncertainty of the effect of switching (MODEL.md section 7; docs/model.md). Money is also
compared as a percentage of the baseline (:func:`policysim.experiment.stats.ratio_ci`), and
pay by tenure band says who gains and who loses (:func:`pay_by_tenure`).

With ``auto`` (``--reps auto``) replications are added in batches until every headline
difference is precise enough (:mod:`policysim.experiment.auto`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from policysim.config.schema import Scenario
from policysim.errors import UserError
from policysim.experiment.auto import AutoReps, AutoSpec, paired_widths, replicate_until
from policysim.experiment.runner import Job, Outcome, default_workers, run_jobs
from policysim.experiment.stats import clear, mean_ci, paired, ratio_ci, summarize_reps
from policysim.results import measures as M

#: Tenure bands for "who gains or loses": (label, from day, to day).
TENURE_BANDS = [("under 3 months", 0, 90), ("3-12 months", 90, 365), ("over 1 year", 365, None)]
MONTH_DAYS = 30


@dataclass
class Comparison:
    """Per-scheme metric CIs and paired differences from the baseline.

    Attributes:
        scenario: The scenario as run (``sim.reps``: the replications run).
        baseline: The scheme the others are differenced against.
        outcomes: Every replication of every scheme.
        metrics: scheme -> metric -> CI of the level.
        differences: scheme -> metric -> CI of (scheme - baseline), paired.
        auto: How ``--reps auto`` ended (None for a fixed number).
        cost_scale: With ``--equal-cost``: scheme -> the factor on its variable pay at which
            it costs what the baseline does (:mod:`policysim.experiment.equal_cost`).
        cost_search: With ``--equal-cost``: scheme -> the search's steps.
    """

    scenario: Scenario
    baseline: str
    outcomes: list[Outcome]
    metrics: dict[str, dict[str, dict[str, float]]]
    differences: dict[str, dict[str, dict[str, float]]]
    auto: AutoReps | None = None
    cost_scale: dict[str, float] | None = None
    cost_search: dict | None = None

    @property
    def reps(self) -> int:
        """Replications per scheme."""
        return self.scenario.sim.reps

    def rows(self, scheme: str) -> list[dict]:
        """Per-replication summaries of ``scheme`` (ordered by replication)."""
        return [o.summary for o in sorted(self.outcomes, key=lambda o: o.job.rep)
                if o.job.scheme == scheme]

    def cost_text(self) -> str:
        """The equal-cost factors, one line per scheme."""
        lines = [f"equal cost: each scheme's variable pay scaled to cost what {self.baseline} "
                 "does (common random numbers)"]
        lines += [_cost_line(n, s) for n, s in (self.cost_search or {}).items()]
        return "\n".join(lines)

    def agents(self) -> pd.DataFrame:
        """The per-agent table of every scheme and replication."""
        return pd.concat([o.agents for o in self.outcomes], ignore_index=True)

    def render(self) -> str:
        """Side-by-side levels, the paired differences and pay by tenure band."""
        from policysim.results.metrics import FORMATS

        names, scn, n = list(self.metrics), self.scenario, self.reps
        keys = _keys(FORMATS, self.metrics[names[0]])
        head = (f"{scn.name}: {M.plural(len(names), 'scheme')}, {M.plural(scn.sim.days, 'day')}, "
                f"{M.plural(n, 'replication')}, seed {scn.sim.seed} "
                f"({'mean' if n < 2 else 'mean [95% CI]'})")
        out = [head]
        if self.auto is not None:
            out.append(self.auto.text())
        if self.cost_scale is not None:
            out.append(self.cost_text())
        note = M.few_reps(n)
        if note:
            out.append(f"warning: {note}")
        rows = [[k] + [M.interval(k, self.metrics[s][k]) for s in names] for k in keys]
        out += ["", M.align(rows, ["metric", *names])]
        for s, diff in self.differences.items():
            star = "" if n < 2 else "; * = CI excludes 0"
            out += ["", f"{s} - {self.baseline} (paired{'' if n < 2 else ', 95% CI'}{star})"]
            table = []
            for k in keys:
                d = diff[k]
                row = [k, M.interval(k, d, M.change), "*" if clear(d) else ""]
                if M.metric(k).kind == "yuan":
                    rel = ratio_ci([r[k] for r in self.rows(s)],
                                   [r[k] for r in self.rows(self.baseline)])
                    row.append(_relative(rel))
                table.append(row)
            out.append(M.align(table))
            bands = pay_by_tenure(self.agents(), s, self.baseline, scn.sim.period_days)
            if len(bands):
                out += ["", f"monthly pay per agent by tenure (full months; {s} vs "
                        f"{self.baseline}, yuan)"]
                out.append(M.align(
                    [[r["band"], M.money(r["baseline"]), M.money(r["scheme"]),
                      M.interval("mean_pay", {"mean": r["change"], "ci_low": r["ci_low"],
                                              "ci_high": r["ci_high"], "n": r["n"]}, M.change),
                      "*" if r["clear"] else ""] for _, r in bands.iterrows()],
                    ["tenure", self.baseline, s, "change", ""]))
        return "\n".join(out)


def _cost_line(name: str, search) -> str:
    steps = len(search.steps) - 1
    if search.unmatched_zero:
        return (f"  {name}: variable pay x {search.factor:.3f} (labour cost "
                f"{M.money(search.steps[-1][1])} yuan against the baseline's 0, not matched)")
    return (f"  {name}: variable pay x {search.factor:.3f} (labour cost "
            f"{M.percent(search.gap, 2, signed=True)} of the baseline's after "
            f"{M.plural(steps, 'search step')})")


def _keys(formats: dict, present: dict) -> list[str]:
    """The metrics shown, in the run table's order, mean pay before labour cost."""
    keys = [k for k in formats if k in present]
    if "mean_pay" in present and "mean_pay" not in keys:
        keys.insert(keys.index("labour_cost") if "labour_cost" in keys else len(keys),
                    "mean_pay")
    return keys


def _relative(rel: dict) -> str:
    if M.missing(rel["mean"]):
        return ""
    point = M.percent(rel["mean"], 1, signed=True)
    if rel["n"] < 2:
        return f"({point})"
    if M.missing(rel["ci_low"]):
        return f"({point}, interval n/a)"
    return (f"({point} [{M.percent(rel['ci_low'], 1, True)}, "
            f"{M.percent(rel['ci_high'], 1, True)}])")


def pay_by_tenure(agents: pd.DataFrame, scheme: str, baseline: str,
                  period_days: int = 30) -> pd.DataFrame:
    """Who gains and who loses: mean monthly pay of an agent in each tenure band under
    ``scheme`` and ``baseline``, and the paired change.

    Per replication, the mean pay of the agent-periods worked in full (``present`` = 1) whose
    tenure at the period's end lies in the band, per 30 days; then the mean over
    replications of each scheme and the t interval of the per-replication difference
    (replications where either scheme has nobody in the band are left out).

    Returns:
        Rows band, baseline, scheme, change, ci_low, ci_high, n, clear (empty without pay).
    """
    cols = ["band", "baseline", "scheme", "change", "ci_low", "ci_high", "n", "clear"]
    if not {"pay", "tenure_days", "scheme", "rep"} <= set(agents.columns):
        return pd.DataFrame(columns=cols)
    a = agents[agents["scheme"].isin([scheme, baseline])]
    if "present" in a.columns:
        a = a[a["present"] >= 0.999]
    a = a.assign(monthly=a["pay"] * MONTH_DAYS / period_days)
    rows = []
    for label, lo, hi in TENURE_BANDS:
        sel = a[(a["tenure_days"] >= lo) & ((a["tenure_days"] < hi) if hi else True)]
        per = sel.groupby(["scheme", "rep"])["monthly"].mean().unstack(0)
        if scheme not in per.columns or baseline not in per.columns:
            continue
        both = per[[scheme, baseline]].dropna()
        if not len(both):
            continue
        ci = mean_ci((both[scheme] - both[baseline]).to_numpy(float))
        rows.append({"band": label, "baseline": float(both[baseline].mean()),
                     "scheme": float(both[scheme].mean()), "change": ci["mean"],
                     "ci_low": ci["ci_low"], "ci_high": ci["ci_high"], "n": ci["n"],
                     "clear": clear(ci)})
    return pd.DataFrame(rows, columns=cols)


def pick_schemes(scn: Scenario, schemes: str | None, baseline: str | None,
                 flags: tuple[str, str] = ("--schemes", "--baseline")) -> tuple[list[str], str]:
    """Validate ``--schemes a,b`` and ``--baseline`` against the scenario's schemes; messages
    name the options as ``flags`` (``-p schemes`` for a report)."""
    known = list(scn.schemes)
    fs, fb = flags
    if not known:
        raise UserError(f"{scn.name}: the scenario defines no schemes to compare (key 'schemes')")
    names = known if schemes is None else [s.strip() for s in schemes.split(",")]
    if not any(names):
        raise UserError(f"{fs}: expected comma-separated scheme names, found nothing")
    if not all(names):  # 'a,,b' or 'a,': a name left out by mistake
        raise UserError(f"{fs}: expected comma-separated scheme names, found an empty name "
                        f"in {schemes!r}")
    for n in names:
        if n not in scn.schemes:
            raise UserError(f"{fs}: unknown scheme {n!r}; the scenario defines {known}")
    if len(set(names)) != len(names):
        raise UserError(f"{fs}: each scheme once, found {names}")
    base = names[0] if baseline is None else baseline
    if base not in scn.schemes:
        raise UserError(f"{fb}: unknown scheme {base!r}; the scenario defines {known}")
    if base not in names:
        names = [base, *names]
    return names, base


def with_reps(scn: Scenario, reps: int) -> Scenario:
    """``scn`` with ``sim.reps`` set (how many replications ran)."""
    return scn.model_copy(update={"sim": scn.sim.model_copy(update={"reps": reps})})


def compare_schemes(scn: Scenario, names: list[str], baseline: str, workers: int | None = None,
                    on_done=None, auto: AutoSpec | None = None) -> Comparison:
    """Run every scheme in ``names`` on common random numbers: ``scn.sim.reps`` replications,
    or with ``auto`` as many as :func:`policysim.experiment.auto.replicate_until` needs."""
    workers = workers or default_workers()
    outcomes: list[Outcome] = []

    def run(first: int, stop: int) -> None:
        jobs = comparison_jobs(scn, names, first, stop)
        outcomes.extend(run_jobs(jobs, workers, on_done))

    def by_scheme() -> dict[str, list[dict]]:
        ordered = sorted(outcomes, key=lambda o: o.job.rep)
        return {n: [o.summary for o in ordered if o.job.scheme == n] for n in names}

    result = None
    if auto is None:
        run(0, scn.sim.reps)
    else:
        result = replicate_until(run, lambda: paired_widths(by_scheme(), baseline, auto),
                                 auto.start, auto.step, auto.cap)
        scn = with_reps(scn, result.reps)
    outcomes.sort(key=lambda o: (names.index(o.job.scheme), o.job.rep))
    return comparison(scn, names, baseline, outcomes, result)


def comparison_jobs(scn: Scenario, names: list[str], first: int = 0,
                    stop: int | None = None) -> list[Job]:
    """The replications of a comparison: every scheme in ``names``, replications
    ``first``..``stop - 1`` (default all ``sim.reps``), on the scenario's seed (so replication
    r of each scheme shares its streams)."""
    stop = scn.sim.reps if stop is None else stop
    return [Job(scn, r, scn.sim.seed, scn.sim.days, n) for n in names for r in range(first, stop)]


def comparison(scn: Scenario, names: list[str], baseline: str, outcomes: list[Outcome],
               auto=None) -> Comparison:
    """Metric CIs and paired differences of finished :func:`comparison_jobs` (run anywhere,
    finished in any order); ``auto`` says how ``--reps auto`` ended, if it ran."""
    ordered = sorted(outcomes, key=lambda o: o.job.rep)
    by = {n: [o.summary for o in ordered if o.job.scheme == n] for n in names}
    metrics = {n: summarize_reps(rows) for n, rows in by.items()}
    diffs = {n: paired(by[n], by[baseline]) for n in names if n != baseline}
    return Comparison(scn, baseline, outcomes, metrics, diffs, auto)
