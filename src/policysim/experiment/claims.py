"""The field claims C1-C9 as tests of the model: where do they hold, and where do they flip?

Store managers told us nine things about pay (FIELD_NOTES.md). Each becomes one or more
**tests**, an effect with a t interval across replications and the direction the claim
predicts. Every test gets one of four verdicts (:data:`VERDICTS`), the only vocabulary of
claims anywhere in policysim (console, CSV, notebooks):

- **holds**: the interval lies wholly on the predicted side of "no effect";
- **flips**: it lies wholly on the other side (the model says the opposite);
- **unclear**: it contains "no effect" (always so with one replication: no interval);
- **no data**: the effect cannot be measured in these runs (e.g. 90-day quits of hires in a
  90-day run).

C1-C5 are paired differences between two (scheme, metric) cells at the same design point
and replication (schemes at one point share buyers, so the pairing removes their luck); a
claim holds at a point when all its tests hold, flips when any flips. They are data
(:data:`CLAIMS`): edit the table to change one. A test whose scheme or metric the sweep does
not have is skipped and said so. A comparison of one store (the field-claims report) reads
the same tests at a single design point and adds tests for C3 (from the per-agent records)
and C6-C9 (from five probe schemes, :func:`probe_overrides`): :data:`EXTRA`,
:func:`extra_effects`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from policysim.config.schema import Scenario
from policysim.experiment.stats import mean_ci

HOLDS, FLIPS, UNCLEAR, NO_DATA = "holds", "flips", "unclear", "no data"
#: The verdict of every claim test, everywhere.
VERDICTS = (HOLDS, FLIPS, UNCLEAR, NO_DATA)

#: claim, what the field says, scheme a, metric a, predicted (a vs b), scheme b, metric b
CLAIMS: list[tuple[str, str, str, str, str, str, str]] = [
    ("C1", "commission pays for luck more than for skill",
     "commission", "pay_luck_corr", ">", "commission", "pay_skill_corr"),
    ("C2", "commission makes agents hoard chats: slower first replies",
     "commission", "first_response_mean_s", ">", "group_contest", "first_response_mean_s"),
    ("C2", "commission makes agents hoard chats: fewer chats reach novices",
     "commission", "novice_chat_share", "<", "group_contest", "novice_chat_share"),
    ("C3", "under commission low earners (new hires) quit",
     "commission", "new_hire_90d_quit_rate", ">", "kpi", "new_hire_90d_quit_rate"),
    ("C4", "KPI pay narrows the pay gap",
     "kpi", "pay_gini", "<", "commission", "pay_gini"),
    ("C4", "KPI pay lowers turnover",
     "kpi", "annual_turnover_rate", "<", "commission", "annual_turnover_rate"),
    ("C5", "group pay makes agents pass chats on",
     "group_contest", "transfers", ">", "commission", "transfers"),
    ("C5", "group pay gives faster first replies",
     "group_contest", "first_response_mean_s", "<", "commission", "first_response_mean_s"),
]
_COLUMNS = ["claim", "says", "scheme_a", "metric_a", "sign", "scheme_b", "metric_b"]


def claims_table(claims=CLAIMS) -> pd.DataFrame:
    """The claim definitions as a table (one row per test)."""
    return pd.DataFrame(claims, columns=_COLUMNS)


@dataclass
class ClaimsResult:
    """Claims across a sweep. Every count table has one column per verdict of
    :data:`VERDICTS` (``no data`` counted apart from ``unclear``).

    Attributes:
        tests: One row per design point and test: point, factor values, claim, says, mean,
            ci_low, ci_high, n, verdict.
        points: One row per design point and claim: factor values, claim, verdict.
        by_factor: One row per claim, factor and factor value (or tercile): points and the
            count of each verdict.
        summary: One row per claim: points, the count of each verdict, flips_at (the factor
            values of the first points where it flips, names written in full).
        by_test: The same per test: claim, says, points, counts, flips_at.
        skipped: Tests that could not be computed: claim, says, reason.
    """

    tests: pd.DataFrame
    points: pd.DataFrame
    by_factor: pd.DataFrame
    summary: pd.DataFrame
    skipped: pd.DataFrame
    by_test: pd.DataFrame | None = None

    def render(self) -> str:
        """A short text report: per claim, then per test, the count of each verdict."""
        out = []
        for _, r in self.summary.iterrows():
            out.append(f"{r['claim']}: {_counts(r)}")
            tests = self.by_test[self.by_test["claim"] == r["claim"]] \
                if self.by_test is not None else []
            if len(tests) > 1:
                out += [f"    test '{t['says']}': {_counts(t)}" for _, t in tests.iterrows()]
            if r["holds"] == r["points"] or r["flips"] == r["points"] \
                    or r["holds"] + r["flips"] == 0:
                continue  # the same everywhere: nothing to locate
            by = self.by_factor[self.by_factor["claim"] == r["claim"]]
            for factor, g in by.groupby("factor", sort=False):
                cells = [f"{v['value']}: {v['holds']} holds, {v['flips']} flips of "
                         f"{v['points']}" for _, v in g.iterrows()]
                out.append(f"    {factor}: " + " | ".join(cells))
        for _, r in self.skipped.iterrows():
            out.append(f"{r['claim']} ({r['says']}): skipped, {r['reason']}")
        if len(self.tests) and self.tests["n"].max() < 2:
            out.append("(one replication per point: every verdict is unclear; run --reps 2 "
                       "or more for intervals)")
        return "\n".join(out) if out else "no claim could be evaluated"


def _counts(r) -> str:
    """ "holds at 3 of 4 points, flips at 0, unclear at 1, no data at 0"."""
    return (f"holds at {r['holds']} of {r['points']} points, flips at {r['flips']}, unclear "
            f"at {r['unclear']}, no data at {r['no data']}")


def analyze_claims(runs: pd.DataFrame, factors: list[str], claims=CLAIMS,
                   level: float = 0.95) -> ClaimsResult:
    """Evaluate every claim at every design point of a sweep's ``runs`` table.

    Args:
        runs: One row per run: point, scheme, rep, the factor columns and metrics.
        factors: The varied keys (columns of ``runs``).
        claims: The claim definitions (see :data:`CLAIMS`).
        level: Confidence level of the intervals.
    """
    table = claims_table(claims)
    schemes = set(runs["scheme"]) if "scheme" in runs.columns else set()
    design = runs[["point", *factors]].drop_duplicates("point").set_index("point").sort_index()
    rows, skipped = [], []
    for _, c in table.iterrows():
        reason = _missing(runs, schemes, c)
        if reason:
            skipped.append({"claim": c["claim"], "says": c["says"], "reason": reason})
            continue
        a = runs.loc[runs["scheme"] == c["scheme_a"], ["point", "rep", c["metric_a"]]]
        b = runs.loc[runs["scheme"] == c["scheme_b"], ["point", "rep", c["metric_b"]]]
        pair = a.merge(b, on=["point", "rep"], suffixes=("_a", "_b"))
        ma = c["metric_a"] + ("_a" if c["metric_a"] == c["metric_b"] else "")
        mb = c["metric_b"] + ("_b" if c["metric_a"] == c["metric_b"] else "")
        sign = 1.0 if c["sign"] == ">" else -1.0
        for point, g in pair.groupby("point"):
            ci = mean_ci((g[ma] - g[mb]).to_numpy(float), level)
            rows.append({"point": point, "claim": c["claim"], "says": c["says"],
                         "mean": ci["mean"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                         "n": ci["n"], "verdict": verdict(ci, sign)})
    tests = pd.DataFrame(rows, columns=["point", "claim", "says", "mean", "ci_low", "ci_high",
                                        "n", "verdict"])
    tests = design.reset_index().merge(tests, on="point") if len(tests) else tests
    points = _per_point(tests, design)
    return ClaimsResult(tests, points, _by_factor(points, factors), _summary(points, factors),
                        pd.DataFrame(skipped, columns=["claim", "says", "reason"]),
                        _summary(tests, factors, by=["claim", "says"]))


def _missing(runs: pd.DataFrame, schemes: set, c: pd.Series) -> str | None:
    for s in (c["scheme_a"], c["scheme_b"]):
        if s not in schemes:
            return f"the sweep has no scheme {s!r}"
    for m in (c["metric_a"], c["metric_b"]):
        if m not in runs.columns:
            return f"the runs have no metric {m!r}"
    return None


def verdict(ci: dict | None, sign: float, null: float = 0.0) -> str:
    """The verdict of one test (one of :data:`VERDICTS`).

    Args:
        ci: The effect's :func:`policysim.experiment.stats.mean_ci` (None: not measured).
        sign: +1 if the claim predicts an effect above ``null``, -1 below.
        null: The no-effect value (0 for differences, 1 for ratios).
    """
    if ci is None or ci["n"] == 0 or math.isnan(ci["mean"]):
        return NO_DATA
    if ci["n"] < 2:  # one replication: no interval, so no verdict
        return UNCLEAR
    lo, hi = sign * (ci["ci_low"] - null), sign * (ci["ci_high"] - null)
    lo, hi = min(lo, hi), max(lo, hi)
    if lo > 0:
        return HOLDS
    if hi < 0:
        return FLIPS
    return UNCLEAR


def _per_point(tests: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (point, claim), g in tests.groupby(["point", "claim"], sort=True):
        v = set(g["verdict"])
        at_point = (FLIPS if FLIPS in v else HOLDS if v == {HOLDS}
                    else NO_DATA if v == {NO_DATA} else UNCLEAR)
        rows.append({"point": point, "claim": claim, "verdict": at_point})
    out = pd.DataFrame(rows, columns=["point", "claim", "verdict"])
    return design.reset_index().merge(out, on="point") if len(out) else out


def _show(v: object) -> str:
    if isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)):
        return f"{v:g}"
    return str(v)


def _bins(values: pd.Series) -> pd.Series:
    """Each value as its own label (six distinct or fewer), else low/mid/high terciles."""
    if values.nunique() <= 6 or not pd.api.types.is_numeric_dtype(values):
        return values.map(_show)
    cut = pd.qcut(values.rank(method="first"), 3, labels=["low", "mid", "high"])
    ranges = values.groupby(cut, observed=True).agg(["min", "max"])
    return cut.map(lambda b: f"{b} [{ranges.loc[b, 'min']:.4g}, {ranges.loc[b, 'max']:.4g}]"
                   ).astype(str)


def _by_factor(points: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    rows = []
    for f in factors:
        if not len(points):
            break
        labels = _bins(points[f])
        groups = points.groupby([points["claim"], labels], sort=False)
        first = groups[f].min() if pd.api.types.is_numeric_dtype(points[f]) else None
        keys = sorted(groups.groups, key=lambda k: (k[0], first[k] if first is not None
                                                    else k[1]))
        for claim, label in keys:
            g = groups.get_group((claim, label))
            rows.append({"claim": claim, "factor": f, "value": label, "points": len(g),
                         **_tally(g["verdict"])})
    return pd.DataFrame(rows, columns=["claim", "factor", "value", "points", *VERDICTS])


def _tally(verdicts: pd.Series) -> dict[str, int]:
    counts = verdicts.value_counts()
    return {v: int(counts.get(v, 0)) for v in VERDICTS}


def _summary(points: pd.DataFrame, factors: list[str], show: int = 5,
             by: list[str] | None = None) -> pd.DataFrame:
    """Per claim (or per ``by`` group, e.g. claim and test): points, the count of each
    verdict and where it flips (factor names in full, at most ``show`` points)."""
    by = by or ["claim"]
    rows = []
    for key, g in points.groupby(by, sort=True) if len(points) else []:
        flips = g[g["verdict"] == FLIPS]
        where = ["(" + ", ".join(f"{f}={_show(r[f])}" for f in factors) + ")" if factors
                 else "the only point" for _, r in flips.head(show).iterrows()]
        if len(flips) > show:
            where.append(f"... {len(flips) - show} more")
        ids = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        rows.append({**ids, "points": len(g), **_tally(g["verdict"]),
                     "flips_at": "; ".join(where)})
    return pd.DataFrame(rows, columns=[*by, "points", *VERDICTS, "flips_at"])


# ------------------------------------------------------------------ one store: C3, C6-C9
#: Schemes some field claims need and a store may not define (see :func:`probe_overrides`).
PROBES = ("probe_ranking", "probe_threshold", "probe_tiny", "probe_kpi_service", "probe_kpi_sales")


def expected_sales_per_agent_month(scn: Scenario) -> float:
    """Rough pre-run scale for sales targets: inquiries x pre-sales share x 50% conversion x
    mean price x 30 days / agents."""
    cat = scn.demand.catalogue
    price = float(np.average(cat.prices, weights=cat.weights))
    return (scn.demand.daily_volume * scn.demand.pre_sales_share * 0.5 * price * 30.0
            / max(1, scn.n_agents))


def probe_overrides(scn: Scenario, commission: str, group: str) -> list[str]:
    """``--set`` texts adding the probe schemes, scaled to the store (the scenario file is
    untouched):

    - ``probe_ranking``: base pay + a public individual sales ranking with prizes (C6);
    - ``probe_threshold`` / ``probe_tiny``: commission only above a break-even target with
      the excess split 50/50, versus a tiny flat commission (C8);
    - ``probe_kpi_service`` / ``probe_kpi_sales``: the same KPI sheet weighted on service
      (first response, rating) or on sales (conversion, sales) (C9).
    """
    base_c = scn.schemes[commission].base_salary if commission in scn.schemes else 3000.0
    base_g = scn.schemes[group].base_salary if group in scn.schemes else 3500.0
    target = round(expected_sales_per_agent_month(scn) * 0.6, -3)
    probes = {
        "probe_ranking": {
            "base_salary": base_g,
            "ranking": {"metric": "sales", "prize": 3000, "top": 3},
        },
        "probe_threshold": {
            "base_salary": base_c,
            "commission": {"rate": 0.05, "target": target, "share": 0.5},
        },
        "probe_tiny": {"base_salary": base_c, "commission": {"rate": 0.002}},
        "probe_kpi_service": {
            "base_salary": base_g,
            "kpi": {
                "metrics": {
                    "first_response_s": {"weight": 40, "target": 12, "floor": 40,
                                         "measure": "platform"},
                    "rating": {"weight": 40, "target": 4.6, "floor": 3.6},
                    "reply_rate": {"weight": 20, "target": 0.97, "floor": 0.85},
                }
            },
        },
        "probe_kpi_sales": {
            "base_salary": base_g,
            "kpi": {
                "metrics": {
                    "conversion": {"weight": 40, "target": 0.55, "floor": 0.35},
                    "sales": {"weight": 40, "target": max(1.0, target / 0.6), "floor": target / 2},
                    "reply_rate": {"weight": 20, "target": 0.97, "floor": 0.85},
                }
            },
        },
    }
    return [f"schemes.{k}={json.dumps(v)}" for k, v in probes.items()]


@dataclass(frozen=True)
class Claim:
    """A field-claim test beyond :data:`CLAIMS` (C3 from the agents, C6-C9 from probes).

    Attributes:
        code: "C1".."C9".
        says: What the test checks, in a few words.
        unit: Unit of the effect.
        sign: +1 if the claim predicts an effect above ``null``, -1 below.
        null: The no-effect value (0 for differences, 1 for ratios).
        axis: Axis label of the effect, with its unit (figures).
    """

    code: str
    says: str
    unit: str
    sign: int
    null: float = 0.0
    axis: str = ""


#: claim -> (the claim in a few words, what the model cannot express of it yet)
NOTES = {
    "C1": ("commission rewards luck", ""),
    "C2": ("commission breeds hoarding", "team cohesion is not a state of the model; novices' "
           "lost learning shows only through skill and pay"),
    "C3": ("individual pay drives out low earners", ""),
    "C4": ("KPI narrows the pay gap, turnover falls", ""),
    "C5": ("group pay brings cooperation", "helping is only handing over chats; no coaching "
           "or knowledge sharing"),
    "C6": ("public rankings demotivate", "demotivation acts only through the quit hazard of "
           "those not recognised; no effort or cohesion penalty of rankings"),
    "C7": ("losing a top performer is costly", "'pay a good agent double' needs individual "
           "retention pay, not yet a scheme component"),
    "C8": ("threshold beats tiny commission", "the applicant pool does not depend on base pay, "
           "so 'base pay too low hurts hiring' cannot be expressed"),
    "C9": ("KPI weights steer behaviour", "neglect of unmeasured work acts only through the "
           "multitask effort cost"),
}

EXTRA = {
    "C3": Claim("C3", "under commission the lowest-paid quarter quits more often", "points", +1,
                axis="monthly quit rate, bottom pay quartile - rest (points)"),
    "C6": Claim("C6", "an individual ranking raises turnover against a group contest", "points",
                +1, axis="annual turnover, ranking - contest (points)"),
    "C7": Claim("C7", "a top-quartile agent sells more than a new hire", "ratio", +1, null=1.0,
                axis="sales, top-quartile agent / new hire (ratio)"),
    "C8": Claim("C8", "a threshold 50/50 commission brings more revenue than a tiny one",
                "% of revenue", +1, axis="revenue, threshold - tiny commission (%)"),
    "C9": Claim("C9", "a service-weighted KPI gives faster first replies than a sales-weighted "
                "one", "s", -1, axis="first response, service KPI - sales KPI (s)"),
}


def _paired(rows_a: list[dict], rows_b: list[dict], key: str, scale: float = 1.0) -> dict:
    return mean_ci([(a[key] - b[key]) * scale for a, b in zip(rows_a, rows_b)])


def low_earner_quits(agents: pd.DataFrame, scheme: str) -> dict:
    """Per replication: monthly quit share of the bottom pay quartile minus the rest (points)."""
    a = agents[(agents["scheme"] == scheme)]
    if "quit" not in a.columns or not len(a):
        return mean_ci([])
    if "present" in a.columns:
        a = a[a["present"] > 0]
    vals = []
    for _, g in a.groupby("rep"):
        q = g.groupby("period")["pay"].transform(lambda p: p <= p.quantile(0.25))
        low, rest = g.loc[q, "quit"].astype(float), g.loc[~q, "quit"].astype(float)
        if len(low) and len(rest):
            vals.append((low.mean() - rest.mean()) * 100)
    return mean_ci(vals)


def top_vs_new(agents: pd.DataFrame, scheme: str) -> dict:
    """Per replication: sales of a top-quartile-skill agent-month / of a new hire's
    (tenure < 90 days) agent-month."""
    a = agents[(agents["scheme"] == scheme)]
    if "present" in a.columns:
        a = a[a["present"] >= 0.999]
    vals = []
    for _, g in a.groupby("rep"):
        top = g[g["skill"] >= g.groupby("period")["skill"].transform(lambda s: s.quantile(0.75))]
        new = g[g["tenure_days"] < 90]
        if len(top) and len(new) and new["sales"].mean() > 0:
            vals.append(top["sales"].mean() / new["sales"].mean())
    return mean_ci(vals)


def extra_effects(rows, agents: pd.DataFrame, names: list[str], commission: str,
                  group: str) -> dict[str, dict | None]:
    """The effect (:func:`policysim.experiment.stats.mean_ci`) of every :data:`EXTRA` test
    whose schemes ran; a test left out has no data.

    Args:
        rows: ``rows(scheme)`` -> one dict of run metrics per replication.
        agents: The per-agent table of every scheme.
        names: The schemes that ran (incl. :data:`PROBES` if added).
        commission, group: The scenario's scheme names in those roles.
    """
    present = set(names)
    extra: dict[str, dict | None] = {}
    if commission in present:
        extra["C3"] = low_earner_quits(agents, commission)
        extra["C7"] = top_vs_new(agents, commission)
    if {"probe_ranking", group} <= present:
        extra["C6"] = _paired(rows("probe_ranking"), rows(group), "annual_turnover_rate", 100)
    if {"probe_threshold", "probe_tiny"} <= present:
        extra["C8"] = mean_ci([(a["revenue"] / b["revenue"] - 1) * 100
                               for a, b in zip(rows("probe_threshold"), rows("probe_tiny"))
                               if b["revenue"]])
    if {"probe_kpi_service", "probe_kpi_sales"} <= present:
        extra["C9"] = _paired(rows("probe_kpi_service"), rows("probe_kpi_sales"),
                              "first_response_mean_s")
    return extra
