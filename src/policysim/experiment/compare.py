"""Paired comparison of pay schemes on common random numbers.

Every scheme runs replication r with the same streams, so scheme A and scheme B face the same
buyers, the same hires and the same luck; the difference of a metric between them in
replication r is a paired observation, and its t interval across replications is the honest
uncertainty of the effect of switching (MODEL.md section 7; docs/model.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from policysim.config.schema import Scenario
from policysim.errors import UserError
from policysim.experiment.runner import Job, Outcome, default_workers, run_jobs
from policysim.experiment.stats import paired, summarize_reps


@dataclass
class Comparison:
    """Per-scheme metric CIs and paired differences from the baseline."""

    scenario: Scenario
    baseline: str
    outcomes: list[Outcome]
    metrics: dict[str, dict[str, dict[str, float]]]
    differences: dict[str, dict[str, dict[str, float]]]

    def rows(self, scheme: str) -> list[dict]:
        """Per-replication summaries of ``scheme``."""
        return [o.summary for o in self.outcomes if o.job.scheme == scheme]

    def render(self) -> str:
        """A side-by-side text table and the paired differences."""
        from policysim.results.metrics import FORMATS

        names = list(self.metrics)
        scn = self.scenario
        keys = [k for k in FORMATS if k in self.metrics[names[0]]]
        w = max(len(k) for k in keys) + 2
        col = 26
        out = [f"{scn.name}: {len(names)} schemes, {scn.sim.days} days, {scn.sim.reps} "
               f"replications, seed {scn.sim.seed} (mean [95% CI])", ""]
        out.append(f"{'metric':<{w}}" + "".join(f"{n:>{col}}" for n in names))
        for k in keys:
            cells = []
            for n in names:
                ci = self.metrics[n][k]
                f = FORMATS[k]
                cells.append(f"{f.format(ci['mean'])} [{f.format(ci['ci_low'])},{f.format(ci['ci_high'])}]")
            out.append(f"{k:<{w}}" + "".join(f"{c:>{col}}" for c in cells))
        for n, diff in self.differences.items():
            out += ["", f"{n} - {self.baseline} (paired, 95% CI; * = CI excludes 0)"]
            for k in keys:
                d = diff[k]
                f = FORMATS[k].replace("%}", "%} pts") if "%" in FORMATS[k] else FORMATS[k]
                star = "*" if d["ci_low"] > 0 or d["ci_high"] < 0 else " "
                out.append(f"  {k:<{w}}{f.format(d['mean']):>16} [{f.format(d['ci_low'])}, "
                           f"{f.format(d['ci_high'])}] {star}")
        return "\n".join(out)


def pick_schemes(scn: Scenario, schemes: str | None, baseline: str | None) -> tuple[list[str], str]:
    """Validate ``--schemes a,b`` and ``--baseline`` against the scenario's schemes."""
    known = list(scn.schemes)
    if not known:
        raise UserError(f"{scn.name}: the scenario defines no schemes to compare (key 'schemes')")
    names = known if schemes is None else [s.strip() for s in schemes.split(",") if s.strip()]
    if not names:
        raise UserError("--schemes: expected comma-separated scheme names, found nothing")
    for n in names:
        if n not in scn.schemes:
            raise UserError(f"--schemes: unknown scheme {n!r}; the scenario defines {known}")
    if len(set(names)) != len(names):
        raise UserError(f"--schemes: each scheme once, found {names}")
    base = baseline or names[0]
    if base not in scn.schemes:
        raise UserError(f"--baseline: unknown scheme {base!r}; the scenario defines {known}")
    if base not in names:
        names = [base, *names]
    return names, base


def compare_schemes(scn: Scenario, names: list[str], baseline: str, workers: int | None = None,
                    on_done=None) -> Comparison:
    """Run every scheme in ``names`` for ``scn.sim.reps`` replications on common random numbers."""
    outcomes = run_jobs(comparison_jobs(scn, names), workers or default_workers(), on_done)
    return comparison(scn, names, baseline, outcomes)


def comparison_jobs(scn: Scenario, names: list[str]) -> list[Job]:
    """The replications of a comparison: every scheme in ``names``, replications 0..reps-1,
    on the scenario's seed (so replication r of each scheme shares its streams)."""
    return [Job(scn, r, scn.sim.seed, scn.sim.days, n) for n in names for r in range(scn.sim.reps)]


def comparison(scn: Scenario, names: list[str], baseline: str,
               outcomes: list[Outcome]) -> Comparison:
    """Metric CIs and paired differences of finished :func:`comparison_jobs` (run anywhere)."""
    by = {n: [o.summary for o in outcomes if o.job.scheme == n] for n in names}
    metrics = {n: summarize_reps(rows) for n, rows in by.items()}
    diffs = {n: paired(by[n], by[baseline]) for n in names if n != baseline}
    return Comparison(scn, baseline, outcomes, metrics, diffs)
