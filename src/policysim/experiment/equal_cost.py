"""Equal-cost comparisons: compare pay *structures* at the same pay *level*.

The baseline schemes of a store rarely cost the same, so a plain comparison mixes what a
scheme rewards with how much it pays. ``policysim compare --equal-cost`` first finds, for
each non-baseline scheme, the one factor c on its variable pay (every component but the base
salary: commission, KPI bonus, prizes; ``variable_pay_scale``) at which its expected labour
cost over the horizon equals the baseline's, then compares at those factors.

Labour cost L(c) is the mean over the comparison's replications, run on the baseline's
common random numbers (same seed and replications: the same buyers, starting team and
hires), so L is a smooth-ish, nearly deterministic function of c and a few root-finding steps
suffice. Agents respond to c (a richer commission buys more effort and fewer quits), so L is
not linear in c; the steps are:

1. c0 = 1, L0 = L(1) (the scheme as written);
2. c1 from the linear model L(c) = F + c V, where F is the cost the factor does not scale
   (the base salary actually paid, ``base_salary x present`` over the period records, read
   off the pay function in force, plus overtime pay and temporary staff) and V = L0 - F the
   variable pay: c1 = (B - F) / V (B the baseline's cost);
3. secant steps through the last two points, until |L(c) / B - 1| <= ``TOLERANCE``
   (0.5%, inside the 1% the comparison promises) or ``MAX_STEPS`` runs.

The comparison then uses the runs at the final factor, so its labour costs agree with the
baseline's within the tolerance reached (printed). A scheme without variable pay cannot be
matched (its factor stays 1); factors are kept within [0, 1000].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from policysim.config.schema import Scenario
from policysim.errors import UserError
from policysim.experiment.compare import Comparison, comparison, comparison_jobs
from policysim.experiment.runner import Outcome, default_workers, run_jobs
from policysim.model.schemes import scheme_at

#: Relative gap |L(c) / B - 1| at which the search stops.
TOLERANCE = 0.005
#: Most runs (of all replications) per scheme, the unscaled one included.
MAX_STEPS = 6
MAX_FACTOR = 1000.0


@dataclass
class CostSearch:
    """The search for one scheme's factor: each step's (factor, labour cost)."""

    scheme: str
    target: float
    steps: list[tuple[float, float]]

    @property
    def factor(self) -> float:
        return self.steps[-1][0]

    @property
    def gap(self) -> float:
        """Relative labour-cost gap to the baseline at the final factor."""
        return self.steps[-1][1] / self.target - 1.0 if self.target else 0.0

    @property
    def unmatched_zero(self) -> bool:
        """The baseline costs nothing and this scheme does: no relative gap exists (``gap``
        says 0, which only stops the search)."""
        return not self.target and self.steps[-1][1] != 0.0


def scaled(scn: Scenario, scheme: str, factor: float) -> Scenario:
    """``scn`` with the variable pay of ``scheme`` multiplied by ``factor``."""
    spec = scn.schemes[scheme]
    new = spec.model_copy(update={"variable_pay_scale": spec.variable_pay_scale * factor})
    return scn.model_copy(update={"schemes": {**scn.schemes, scheme: new}})


def labour_cost(outcomes: list[Outcome]) -> float:
    """Mean labour cost over replications."""
    return float(np.mean([o.summary["labour_cost"] for o in outcomes]))


def fixed_cost(scn: Scenario, scheme: str, outcomes: list[Outcome]) -> float:
    """Mean over replications of the labour cost the factor does not scale: the base salary
    paid (base of the scheme in force at each period's end x the share of the period the
    agent was present), overtime pay (a day rate of the base salary) and temporary staff."""
    total = 0.0
    for o in outcomes:
        total += float(o.summary.get("temp_staff_cost", 0.0))
        a = o.agents
        if not len(a):
            continue
        base = np.array([float(getattr(scheme_at(scn.schemes, scheme, int(d)).spec,
                                       "base_salary", 0.0)) for d in a["end_day"]])
        total += float((base * a["present"].to_numpy(float)).sum())
        if "overtime_pay" in a:
            total += float(a["overtime_pay"].fillna(0.0).sum())
    return total / max(1, len(outcomes))


def next_factor(search: CostSearch, fixed: float) -> float:
    """The next factor to try: the linear model after one step, then the secant."""
    (c0, l0), target = search.steps[-1], search.target
    if len(search.steps) == 1:
        variable = l0 - fixed
        c = c0 * (target - fixed) / variable
    else:
        c_prev, l_prev = search.steps[-2]
        c = c0 + (target - l0) * (c0 - c_prev) / (l0 - l_prev) if l0 != l_prev else c0
    return float(np.clip(c, 0.0, MAX_FACTOR))


def equal_cost_compare(scn: Scenario, names: list[str], baseline: str,
                       workers: int | None = None, on_done=None) -> Comparison:
    """Compare ``names`` with each non-baseline scheme's variable pay scaled to cost what
    ``baseline`` costs; the result's ``cost_scale`` holds the factors, ``cost_search`` the
    steps of each search."""
    workers = workers or default_workers()
    base_runs = run_jobs(comparison_jobs(scn, [baseline]), workers, on_done)
    target = labour_cost(base_runs)
    outcomes = list(base_runs)
    searches: dict[str, CostSearch] = {}
    for name in names:
        if name == baseline:
            continue
        factor, runs = 1.0, run_jobs(comparison_jobs(scn, [name]), workers, on_done)
        search = CostSearch(name, target, [(factor, labour_cost(runs))])
        fixed = fixed_cost(scn, name, runs)
        while abs(search.gap) > TOLERANCE and len(search.steps) < MAX_STEPS:
            # (a sum of the same amounts in another order: allow for rounding)
            if search.steps[-1][1] - fixed <= 1e-9 * abs(fixed) and len(search.steps) == 1:
                break  # no variable pay to scale
            factor = next_factor(search, fixed)
            if any(abs(factor - c) < 1e-9 for c, _ in search.steps):
                break
            runs = run_jobs(comparison_jobs(scaled(scn, name, factor), [name]), workers,
                            on_done)
            search.steps.append((factor, labour_cost(runs)))
        searches[name] = search
        outcomes.extend(runs)
    result = comparison(scn, names, baseline, outcomes)
    result.cost_scale = {n: s.factor for n, s in searches.items()}
    result.cost_search = searches
    return result


#: The labour-cost gap an equal-cost comparison promises (issue 13): wider gaps are warned of.
PROMISED = 0.01


def cost_warnings(result: Comparison) -> list[str]:
    """A warning for each scheme whose labour cost could not be brought within 1% of the
    baseline's (no variable pay to scale, or its base salary alone costs more or less)."""
    notes = []
    for name, search in (result.cost_search or {}).items():
        if search.unmatched_zero:
            notes.append(f"--equal-cost: {name}'s labour cost is {search.steps[-1][1]:,.0f} "
                         f"yuan and {result.baseline}'s 0, so no factor on its variable pay "
                         "matches it; it is compared at unequal cost")
            continue
        if abs(search.gap) <= PROMISED:
            continue
        why = ("it has no variable pay to scale" if len(search.steps) == 1 else
               f"its variable pay x {search.factor:.3f} is the nearest the search came")
        notes.append(f"--equal-cost: {name}'s labour cost stays {search.gap:+.1%} from "
                     f"{result.baseline}'s, outside the 1% promised: {why}; it is compared at "
                     "unequal cost")
    return notes


def check_equal_cost(auto) -> None:
    """``--equal-cost`` searches on a fixed set of replications (not ``--reps auto``)."""
    if auto is not None:
        raise UserError("--equal-cost: a fixed number of replications (--reps N), found "
                        "--reps auto")
