"""Behaviour held against published field evidence: stylised field experiments.

Economists have measured in the field what workers do when their pay changes: a piece rate
instead of a fixed wage, a prize for the best team, a pay cut. Each study here is redone in
a small store set up like the study (``scenarios/field/``): the change is written only as two
pay schemes (or two scenario settings), and the outcome the study measured is read from the
model's records (output per worker = sales per agent-month, quits per agent-month, ...).

Every study is a *paired* comparison on common random numbers: replication r of the baseline
arm and of the changed arm share their seed, so they meet the same buyers, hires and luck,
and the relative effect mean(changed) / mean(baseline) - 1 gets Fieller's interval over the
replications (:func:`policysim.experiment.stats.ratio_ci`).

A published figure is a point (``+44%``), a bound (``at least +50%``) or only a direction
("the most productive leave first"); no number is given that the source does not state.
The model effect is ``inside`` the published interval only where the source gives one (a
bound counts, as a half-line); otherwise ``inside`` is None. ``same_direction`` compares the
sign of the model's mean effect with the published sign; where the published finding is
"no reaction" (direction 0) it holds when the model's 95% interval contains 0.

Studies marked ``in_sample`` are the ones the behaviour defaults may be fitted to
(:mod:`policysim.validation.field_fit`); the others stay out-of-sample checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from policysim.config.schema import Scenario
from policysim.config.validate import validate_data
from policysim.config.yamlio import apply_overrides, read_yaml
from policysim.experiment.runner import Job, Outcome, run_jobs
from policysim.errors import UserError
from policysim.experiment.stats import ratio_ci
from policysim.results import measures as M

#: Folder of the study scenarios (a checkout's ``scenarios/field``).
FIELD_DIR = Path(__file__).resolve().parents[3] / "scenarios" / "field"


@dataclass(frozen=True)
class Published:
    """A published effect as the source states it.

    Attributes:
        text: The figure in words, as in LITERATURE.md.
        source: Authors, year, journal.
        direction: +1 (rises), -1 (falls) or 0 (no reaction).
        value: The point effect as a relative change (0.44 = +44%), None if not given.
        low: Lower end of the published interval (a bound counts), None if not given.
        high: Upper end, None if not given (or unbounded).
    """

    text: str
    source: str
    direction: int
    value: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def has_interval(self) -> bool:
        return self.low is not None or self.high is not None

    def as_dict(self) -> dict:
        return {"text": self.text, "source": self.source, "direction": self.direction,
                "value": self.value, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Study:
    """One stylised field experiment: two arms of one store and the outcome compared.

    Attributes:
        id: Short key (JSON ``id``).
        study: Who measured it.
        change: The change in words.
        scenario: File under ``scenarios/field/``.
        baseline: Scheme of the baseline arm.
        treatment: Scheme of the changed arm.
        outcome: Name in :data:`OUTCOMES` of the metric matching the published outcome.
        published: The published effect.
        in_sample: Used to fit the behaviour defaults.
        treatment_set: ``dotted.key=value`` settings of the changed arm only.
        settings: ``dotted.key=value`` settings of both arms.
    """

    id: str
    study: str
    change: str
    scenario: str
    baseline: str
    treatment: str
    outcome: str
    published: Published
    in_sample: bool = False
    treatment_set: tuple[str, ...] = field(default_factory=tuple)
    settings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def arms(self) -> tuple:
        """What identifies the two arms' runs (studies sharing it share their runs)."""
        return (self.scenario, self.baseline, self.treatment, self.treatment_set, self.settings)


def _per_month(agents: pd.DataFrame, column: str, period_days: int) -> float:
    """Total ``column`` per agent-month (agent-periods weighted by presence)."""
    months = agents["present"].sum() * period_days / 30.0
    return float(agents[column].astype(float).sum() / months) if months > 0 else math.nan


def sales_per_agent_month(o: Outcome) -> float:
    """Output per worker: sales (yuan) per agent-month on the team."""
    return _per_month(o.agents, "sales", o.job.scenario.sim.period_days)


def output_spread(o: Outcome) -> float:
    """Dispersion of output: coefficient of variation of sales across agents who worked the
    whole period, averaged over periods."""
    a = o.agents[o.agents["present"] >= 0.999]
    cvs = [g["sales"].std(ddof=0) / g["sales"].mean() for _, g in a.groupby("period")
           if len(g) >= 3 and g["sales"].mean() > 0]
    return float(np.mean(cvs)) if cvs else math.nan


def mean_pay(o: Outcome) -> float:
    """Wages: pay per agent-month."""
    return _per_month(o.agents, "pay", o.job.scenario.sim.period_days)


def quit_rate(o: Outcome) -> float:
    """Quits per agent-month, expected: each agent-period counts the chance of leaving that
    its quit draw used (``quit_prob``; 1 if dismissed), whose mean is the quit rate's
    expectation without the noise of the draws themselves (a handful of quits per run)."""
    return _per_month(o.agents, "quit_prob", o.job.scenario.sim.period_days)


def _quits_where(o: Outcome, pick: Callable[[pd.DataFrame], pd.Series]) -> float:
    a = o.agents
    rows = [g[pick(g)] for _, g in a.groupby("period")]
    sel = pd.concat(rows) if rows else a.iloc[:0]
    return _per_month(sel, "quit_prob", o.job.scenario.sim.period_days)


def quit_rate_below_median(o: Outcome) -> float:
    """Quits per agent-month of agents paid (per day present) below their team's median."""
    return _quits_where(o, lambda g: _rate(g, "pay") < _rate(g, "pay").groupby(g["team"])
                        .transform("median"))


def quit_rate_above_median(o: Outcome) -> float:
    """Quits per agent-month of agents paid at or above their team's median."""
    return _quits_where(o, lambda g: _rate(g, "pay") >= _rate(g, "pay").groupby(g["team"])
                        .transform("median"))


def quit_rate_top_quartile(o: Outcome) -> float:
    """Quits per agent-month of the most productive: the top quarter of the store by sales
    per day present in the period."""
    return _quits_where(o, lambda g: _rate(g, "sales") >= _rate(g, "sales").quantile(0.75))


def _rate(g: pd.DataFrame, column: str) -> pd.Series:
    return g[column].astype(float) / g["days_present"].clip(lower=1)


#: Outcome name -> (function of one replication, what it measures).
OUTCOMES: dict[str, tuple[Callable[[Outcome], float], str]] = {
    "sales_per_agent_month": (sales_per_agent_month, "sales per agent-month"),
    "output_spread": (output_spread, "CV of sales across agents"),
    "mean_pay": (mean_pay, "pay per agent-month"),
    "quit_rate": (quit_rate, "quits per agent-month"),
    "quit_rate_below_median": (quit_rate_below_median, "quits, below-median earners"),
    "quit_rate_above_median": (quit_rate_above_median, "quits, above-median earners"),
    "quit_rate_top_quartile": (quit_rate_top_quartile, "quits, top-quartile producers"),
}

LAZEAR = "Lazear 2000 (AER 90(5)), Safelite"
FRIEBEL = "Friebel, Heinz, Krueger & Zubanov 2017 (AER 107(8))"
CMMS = "Card, Mas, Moretti & Saez 2012 (AER)"
SANDVIK = "Sandvik, Saouma, Seegert & Stanton (HBS WP)"
BATT = "Batt & Colvin 2011 (AMJ 54(4))"

#: The studies, in the order of the table.
STUDIES: list[Study] = [
    Study("lazear2000", LAZEAR, "hourly -> piece rate", "lazear2000.yaml", "hourly", "piece",
          "sales_per_agent_month",
          Published("output per worker +44% (about half from who joined and stayed)", LAZEAR,
                    +1, 0.44), in_sample=True),
    Study("lazear2000_spread", LAZEAR, "hourly -> piece rate", "lazear2000.yaml", "hourly",
          "piece", "output_spread", Published("output dispersion rose", LAZEAR, +1)),
    Study("lazear2000_same_crew", LAZEAR, "hourly -> piece rate, nobody leaves or joins",
          "lazear2000.yaml", "hourly", "piece", "sales_per_agent_month",
          Published("incentive part: about half of the +44%", LAZEAR, +1),
          settings=("attrition.enabled=false", "hiring.enabled=false")),
    Study("shearer2004", "Shearer 2004 (REStud 71(2)), tree planters", "fixed wage -> piece rate",
          "shearer2004.yaml", "fixed", "piece", "sales_per_agent_month",
          Published("productivity +20%", "Shearer 2004 (REStud 71(2))", +1, 0.20),
          in_sample=True),
    Study("bbr2005", "Bandiera, Barankay & Rasul 2005 (QJE 120(3)), fruit pickers",
          "relative incentive -> piece rate", "bbr2005.yaml", "relative", "piece",
          "sales_per_agent_month",
          Published("productivity at least +50%", "Bandiera, Barankay & Rasul 2005 (QJE)", +1,
                    0.50, low=0.50)),
    Study("bbr2013", "Bandiera, Barankay & Rasul 2013 (JEEA)", "piece rate -> + team tournament",
          "bbr2013.yaml", "piece", "tournament", "sales_per_agent_month",
          Published("productivity +24%", "Bandiera, Barankay & Rasul 2013 (JEEA)", +1, 0.24),
          in_sample=True),
    Study("friebel2017", FRIEBEL, "fixed -> + team bonus", "friebel2017.yaml", "fixed",
          "team_bonus", "sales_per_agent_month",
          Published("sales +3%", FRIEBEL, +1, 0.03), in_sample=True),
    Study("friebel2017_wages", FRIEBEL, "fixed -> + team bonus", "friebel2017.yaml", "fixed",
          "team_bonus", "mean_pay", Published("wages +2.2%", FRIEBEL, +1, 0.022)),
    Study("hno2003", "Hamilton, Nickerson & Owan 2003 (JPE), garment plant",
          "individual -> team piece rate", "hno2003.yaml", "individual", "team",
          "sales_per_agent_month",
          Published("productivity +14%", "Hamilton, Nickerson & Owan 2003 (JPE)", +1, 0.14)),
    Study("cmms2012_below", CMMS, "peers' pay compared", "cmms2012.yaml", "commission",
          "commission", "quit_rate_below_median",
          Published("below-median earners search more", CMMS, +1),
          treatment_set=("attrition.b_shortfall=1.5",)),
    Study("cmms2012_above", CMMS, "peers' pay compared", "cmms2012.yaml", "commission",
          "commission", "quit_rate_above_median",
          Published("above-median earners do not react", CMMS, 0),
          treatment_set=("attrition.b_shortfall=1.5",)),
    Study("sandvik", SANDVIK, "pay cut ~7%", "sandvik.yaml", "before", "cut",
          "quit_rate_top_quartile",
          Published("the most productive agents left at a higher rate", SANDVIK, +1)),
    Study("sandvik_output", SANDVIK, "pay cut ~7%", "sandvik.yaml", "before", "cut",
          "sales_per_agent_month",
          Published("stayers' performance barely changed", SANDVIK, 0)),
    Study("batt_colvin2011", BATT, "fixed -> variable pay, tight monitoring",
          "batt_colvin2011.yaml", "fixed", "monitored", "quit_rate",
          Published("quits higher (+8.3, as reported)", BATT, +1)),
]


#: With applicants sorting on expected pay (``hiring.sorting_strength``, where the model has
#: it), Lazear's selection channel in full: k = 5 is a modelling choice (an offer 20% above
#: the outside wage raises an applicant's odds of accepting e-fold).
if "sorting_strength" in Scenario.model_fields["hiring"].annotation.model_fields:
    STUDIES.insert(1, Study(
        "lazear2000_sorting", LAZEAR, "hourly -> piece rate, applicants sort on pay",
        "lazear2000.yaml", "hourly", "piece", "sales_per_agent_month",
        Published("output per worker +44% (about half from who joined and stayed)", LAZEAR,
                  +1, 0.44), settings=("hiring.sorting_strength=5",)))


def study(study_id: str) -> Study:
    """The study with this id; a :class:`UserError` naming the known ids otherwise."""
    for s in STUDIES:
        if s.id == study_id:
            return s
    raise UserError(f"studies: expected study ids from {', '.join(s.id for s in STUDIES)}, "
                    f"found {study_id!r}")


def arm_scenario(path: Path, settings: Sequence[str] = ()) -> Scenario:
    """The scenario file at ``path`` with ``dotted.key=value`` settings applied."""
    data, lines = read_yaml(path)
    data, sources = apply_overrides(data, list(settings))
    return validate_data(Scenario, data, str(path), lines, sources)


def study_jobs(s: Study, reps: int | None, settings: Sequence[str] = (),
               folder: Path = FIELD_DIR) -> tuple[list[Job], list[Job]]:
    """Baseline and changed-arm jobs of a study, replication r of both on one seed."""
    base = arm_scenario(folder / s.scenario, [*s.settings, *settings])
    treat = arm_scenario(folder / s.scenario, [*s.settings, *settings, *s.treatment_set])
    n = reps or base.sim.reps
    seed, days = base.sim.seed, base.sim.days
    return ([Job(base, r, seed, days, s.baseline) for r in range(n)],
            [Job(treat, r, seed, days, s.treatment) for r in range(n)])


def effect(s: Study, base: list[Outcome], treat: list[Outcome]) -> dict:
    """The model's relative effect of the change (Fieller 95% interval) and the verdicts."""
    fn = OUTCOMES[s.outcome][0]
    b = [fn(o) for o in sorted(base, key=lambda o: o.job.rep)]
    t = [fn(o) for o in sorted(treat, key=lambda o: o.job.rep)]
    rel = ratio_ci(t, b)
    model = {"mean": rel["mean"], "ci_low": rel["ci_low"], "ci_high": rel["ci_high"],
             "n": rel["n"], "se": _se(rel), "baseline": float(np.nanmean(b)) if b else math.nan}
    return {"id": s.id, "study": s.study, "setting": setting_text(base[0].job.scenario),
            "change": s.change, "outcome": OUTCOMES[s.outcome][1],
            "published": s.published.as_dict(), "model": model,
            "same_direction": same_direction(s.published, model),
            "inside": inside(s.published, model["mean"]), "in_sample": s.in_sample}


def _se(rel: dict) -> float:
    """Standard error read off a 95% interval (half-width / t); NaN without one."""
    from policysim.experiment.stats import t_quantile

    if rel["n"] < 2 or M.missing(rel["ci_low"]) or M.missing(rel["ci_high"]):
        return math.nan
    return (rel["ci_high"] - rel["ci_low"]) / 2.0 / t_quantile(rel["n"])


def same_direction(p: Published, model: dict) -> bool | None:
    """The model's effect has the published sign (direction 0: its interval holds 0)."""
    m = model["mean"]
    if M.missing(m):
        return None
    if p.direction == 0:
        lo, hi = model["ci_low"], model["ci_high"]
        if M.missing(lo) or M.missing(hi):
            return None
        return bool(lo <= 0.0 <= hi)
    return bool(np.sign(m) == p.direction)


def inside(p: Published, mean: float) -> bool | None:
    """The model's mean effect lies in the published interval; None where none is given."""
    if not p.has_interval or M.missing(mean):
        return None
    return bool((p.low is None or mean >= p.low) and (p.high is None or mean <= p.high))


def setting_text(scn: Scenario) -> str:
    """The study store in a few words."""
    turnover = "quits and hiring" if scn.attrition.enabled else "same crew"
    return (f"{scn.n_agents} agents, {len(scn.teams)} teams, {scn.sim.days} days, "
            f"{turnover}")


def run_field(studies: Sequence[Study] = tuple(STUDIES), reps: int | None = None,
              settings: Sequence[str] = (), workers: int = 1, folder: Path = FIELD_DIR,
              on_done=None) -> list[dict]:
    """Run every study (arms shared between studies of one file and one change run once)
    and return one row per study (see :func:`effect`)."""
    keyed: dict[tuple, tuple[list[Job], list[Job]]] = {}
    for s in studies:
        if s.arms not in keyed:
            keyed[s.arms] = study_jobs(s, reps, settings, folder)
    jobs = [j for b, t in keyed.values() for j in (*b, *t)]
    outcomes = run_jobs(jobs, workers, on_done)
    done: dict[tuple, tuple[list[Outcome], list[Outcome]]] = {}
    i = 0
    for key, (b, t) in keyed.items():
        done[key] = (outcomes[i:i + len(b)], outcomes[i + len(b):i + len(b) + len(t)])
        i += len(b) + len(t)
    return [effect(s, *done[s.arms]) for s in studies]


def as_json(rows: list[dict]) -> dict:
    """The ``--json`` document: ``{"studies": [...]}``."""
    return {"studies": [plain_json(r) for r in rows]}


def plain_json(value):
    """``value`` with NaN and infinities as None (JSON has neither)."""
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _signed(x: float) -> str:
    return "n/a" if M.missing(x) else f"{x:+.1%}"


def _verdict(x: bool | None) -> str:
    return "n/a" if x is None else ("yes" if x else "no")


COLUMNS = ["study", "setting", "change", "outcome", "published", "model [95% CI]", "inside",
           "same dir", "sample"]


def table_rows(rows: list[dict]) -> list[list[str]]:
    """The side-by-side table's cells, one list per study (columns :data:`COLUMNS`)."""
    table = []
    for r in rows:
        p, m = r["published"], r["model"]
        pub = p["text"]
        if p["low"] is not None or p["high"] is not None:
            lo = "-inf" if p["low"] is None else f"{p['low']:+.0%}"
            hi = "+inf" if p["high"] is None else f"{p['high']:+.0%}"
            pub += f" [{lo}, {hi}]"
        elif p["value"] is not None:
            pub += " (interval not published)"
        if m["n"] >= 2 and not M.missing(m["ci_low"]):
            model = f"{_signed(m['mean'])} [{_signed(m['ci_low'])}, {_signed(m['ci_high'])}]"
        else:
            model = f"{_signed(m['mean'])} (interval n/a)"
        table.append([r["id"], r["setting"], r["change"], r["outcome"], pub, model,
                      _verdict(r["inside"]), _verdict(r["same_direction"]),
                      "in" if r["in_sample"] else "out"])
    return table


def markdown(rows: list[dict]) -> str:
    """The side-by-side table in Markdown (docs/validity.md)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in cells) + " |"
              for cells in table_rows(rows)]
    return "\n".join(lines)


def render(rows: list[dict], reps: int | None = None) -> str:
    """The side-by-side table: published effect against the model's, one row per study."""
    table = table_rows(rows)
    n = rows[0]["model"]["n"] if rows else 0
    head = (f"field evidence: {M.plural(len(rows), 'study', 'studies')}, {M.plural(reps or n, 'replication')} per "
            "arm, paired on common random numbers; model effect = relative change, 95% "
            "Fieller interval")
    return "\n".join([head, "", M.align(table, COLUMNS)])


def frame(rows: list[dict]) -> pd.DataFrame:
    """The side-by-side table as a data frame (effects as relative changes)."""
    return pd.DataFrame([{
        "study": r["id"], "source": r["study"], "setting": r["setting"], "change": r["change"],
        "outcome": r["outcome"], "published": r["published"]["text"],
        "published_value": r["published"]["value"], "published_low": r["published"]["low"],
        "published_high": r["published"]["high"], "model_mean": r["model"]["mean"],
        "model_ci_low": r["model"]["ci_low"], "model_ci_high": r["model"]["ci_high"],
        "reps": r["model"]["n"], "inside": r["inside"], "same_direction": r["same_direction"],
        "in_sample": r["in_sample"]} for r in rows])
