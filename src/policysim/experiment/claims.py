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
and replication (schemes at one point share buyers, so the pairing removes their luck). How
fast buyers get a first reply is read from ``reply_within_30s``, the share of *all*
inquiries replied to within 30 s (a buyer who left unanswered counts as not replied), not
from the mean over answered buyers, which a scheme that makes more buyers give up would
flatter (issue 11, item 5); a
claim holds at a point when all its tests hold, flips when any flips. They are data
(:data:`CLAIMS`): edit the table to change one. A test whose scheme or metric the sweep does
not have is skipped and said so. A comparison of one store (the field-claims report) reads
the same tests at a single design point and adds tests for C3 (from the per-agent records)
and C6-C9 (from five probe schemes, :func:`probe_overrides`): :data:`EXTRA`,
:func:`extra_effects`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from policysim.experiment.stats import mean_ci
from policysim.results.measures import plural

HOLDS, FLIPS, UNCLEAR, NO_DATA = "holds", "flips", "unclear", "no data"
#: The verdict of every claim test, everywhere.
VERDICTS = (HOLDS, FLIPS, UNCLEAR, NO_DATA)

#: claim, what the field says, scheme a, metric a, predicted (a vs b), scheme b, metric b
CLAIMS: list[tuple[str, str, str, str, str, str, str]] = [
    ("C1", "commission pays for luck more than for skill",
     "commission", "pay_luck_corr", ">", "commission", "pay_skill_corr"),
    ("C2", "commission makes agents hoard chats: slower first replies",
     "commission", "reply_within_30s", "<", "group_contest", "reply_within_30s"),
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
     "group_contest", "reply_within_30s", ">", "commission", "reply_within_30s"),
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
        summary: One row per claim: points, the count of each verdict, flips_at and holds_at
            (the factor values of the first points where it flips / holds, names in full).
        by_test: The same per test: claim, says, points, counts, flips_at, holds_at.
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
                out += [f"    test '{t['says']}': {_counts(t)}{_where_mixed(t)}"
                        for _, t in tests.iterrows()]
            if r["holds"] == r["points"] or r["flips"] == r["points"] \
                    or r["holds"] + r["flips"] == 0:
                continue  # the same everywhere: nothing to locate
            by = self.by_factor[self.by_factor["claim"] == r["claim"]]
            for factor, g in by.groupby("factor", sort=False):
                cells = [f"{v['value']}: {_cell(v)}" for _, v in g.iterrows()]
                out.append(f"    {factor}: " + " | ".join(cells))
        for _, r in self.skipped.iterrows():
            out.append(f"{r['claim']} ({r['says']}): skipped, {r['reason']}")
        if len(self.tests) and self.tests["n"].max() < 2:
            out.append("(one replication per point: every verdict is unclear; run --reps 2 "
                       "or more for intervals)")
        return "\n".join(out) if out else "no claim could be evaluated"


def _cell(v) -> str:
    """One factor value's verdicts: the verdict itself at a single point, else the counts
    ("holds 2, flips 0, unclear 1, no data 0 of 3")."""
    if v["points"] == 1:
        return next(k for k in VERDICTS if v[k])
    return ", ".join(f"{k} {v[k]}" for k in VERDICTS) + f" of {v['points']}"


def _where_mixed(t) -> str:
    """Where a test that neither holds nor flips everywhere holds and flips."""
    out = ""
    for word, col in ((HOLDS, "holds_at"), (FLIPS, "flips_at")):
        if 0 < t[word] < t["points"] and t.get(col):
            out += f"; {word} where {t[col]}"
    return out


def _counts(r) -> str:
    """ "holds at 3 of 4 points, flips at 0, unclear at 1, no data at 0"."""
    return (f"holds at {r['holds']} of {plural(int(r['points']), 'point')}, flips at "
            f"{r['flips']}, unclear "
            f"at {r['unclear']}, no data at {r['no data']}")


def analyze_claims(runs: pd.DataFrame, factors: list[str], claims=CLAIMS,
                   level: float = 0.95,
                   slices: dict[str, list[int]] | None = None) -> ClaimsResult:
    """Evaluate every claim at every design point of a sweep's ``runs`` table.

    Args:
        runs: One row per run: point, scheme, rep, the factor columns and metrics.
        factors: The varied keys (columns of ``runs``).
        claims: The claim definitions (see :data:`CLAIMS`).
        level: Confidence level of the intervals.
        slices: One-at-a-time designs (:func:`policysim.experiment.design.base_slices`):
            each factor's points (the base point and those where only it moved). Each
            factor is then tallied on its own slice only, and ``flips_at`` names only what
            moved from the base point. None: every point counts for every factor.
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
    base = _base_values(design, slices)
    return ClaimsResult(tests, points, _by_factor(points, factors, slices),
                        _summary(points, factors, base=base),
                        pd.DataFrame(skipped, columns=["claim", "says", "reason"]),
                        _summary(tests, factors, by=["claim", "says"], base=base))


def _base_values(design: pd.DataFrame, slices: dict | None) -> dict | None:
    """The base point's factor values of a one-at-a-time design (None otherwise)."""
    if slices is None or not len(design):
        return None
    return design.iloc[0].to_dict()


def _moved(r: pd.Series, factors: list[str], base: dict | None) -> list[str]:
    """The factors whose value at this point is not the base point's (all without a base)."""
    if base is None:
        return list(factors)
    return [f for f in factors if not (r[f] == base[f] or (pd.isna(r[f]) and pd.isna(base[f])))]


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
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return "scenario's value"  # a null factor value: the key left as the scenario has it
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


def _by_factor(points: pd.DataFrame, factors: list[str],
               slices: dict[str, list[int]] | None = None) -> pd.DataFrame:
    rows = []
    every = points
    for f in factors:
        if not len(every):
            break
        points = every[every["point"].isin(slices[f])] if slices and f in slices else every
        labels = _bins(points[f])
        groups = points.groupby([points["claim"], labels], sort=False, dropna=False)
        if slices:  # one at a time: the factor's values in the order the file lists them
            order = {lab: i for i, lab in enumerate(dict.fromkeys(labels))}
            keys = sorted(groups.groups, key=lambda k: (k[0], order[k[1]]))
        else:
            first = groups[f].min() if pd.api.types.is_numeric_dtype(points[f]) else None
            keys = sorted(groups.groups, key=lambda k: (k[0], first[k] if first is not None
                                                        else k[1]))
        for claim, label in keys:
            g = groups.get_group((claim, label))
            rows.append({"claim": claim, "factor": f, "value": label, "points": len(g),
                         **_tally(g["verdict"])})
    return pd.DataFrame(rows, columns=["claim", "factor", "value", "points", *VERDICTS])


def _where(r: pd.Series, factors: list[str], base: dict | None) -> str:
    """ "(team_size=8, sim.period_days=7)", "the base point" or "the only point"."""
    if not factors:
        return "the only point"
    moved = _moved(r, factors, base)
    if not moved:
        return "the base point"
    return "(" + ", ".join(f"{f}={_show(r[f])}" for f in moved) + ")"


def _tally(verdicts: pd.Series) -> dict[str, int]:
    counts = verdicts.value_counts()
    return {v: int(counts.get(v, 0)) for v in VERDICTS}


def _summary(points: pd.DataFrame, factors: list[str], show: int = 5,
             by: list[str] | None = None, base: dict | None = None) -> pd.DataFrame:
    """Per claim (or per ``by`` group, e.g. claim and test): points, the count of each
    verdict and where it flips and where it holds (factor names in full, at most ``show``
    points; with a ``base`` point only the factors that moved from it)."""
    by = by or ["claim"]
    rows = []
    for key, g in points.groupby(by, sort=True) if len(points) else []:
        ids = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        rows.append({**ids, "points": len(g), **_tally(g["verdict"]),
                     "flips_at": _located(g[g["verdict"] == FLIPS], factors, base, show),
                     "holds_at": _located(g[g["verdict"] == HOLDS], factors, base, show)})
    return pd.DataFrame(rows, columns=[*by, "points", *VERDICTS, "flips_at", "holds_at"])


def _located(rows: pd.DataFrame, factors: list[str], base: dict | None, show: int) -> str:
    where = [_where(r, factors, base) for _, r in rows.head(show).iterrows()]
    if len(rows) > show:
        where.append(f"... {len(rows) - show} more")
    return "; ".join(where)


# The one-store tests (C3 from the agents, C6-C9 from probe schemes) live in claims_probes;
# their names stay importable from here.
from policysim.experiment.claims_probes import (  # noqa: E402,F401
    EXTRA,
    NOTES,
    PROBES,
    Claim,
    expected_sales_per_agent_month,
    extra_effects,
    low_earner_quits,
    probe_overrides,
    top_vs_new,
)
