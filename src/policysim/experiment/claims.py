"""Where in the varied parameters do the field claims C1-C5 hold, and where do they flip?

Store managers told us five things about pay (FIELD_NOTES.md). Each becomes one or more
**tests**: a paired difference between two (scheme, metric) cells at the same design point
and replication (schemes at one point share buyers, so the pairing removes their luck), with
the sign the claim predicts. At each design point a test **holds** when the t interval of the
mean difference lies wholly on the predicted side of 0, **flips** when it lies wholly on the
other side, and is **unclear** otherwise (always with one replication: no interval); a claim
holds at a point when all its tests hold, flips when any flips. The claims are data
(:data:`CLAIMS`): edit the table to change one. A test whose scheme or metric the sweep does
not have is skipped and said so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from policysim.experiment.stats import mean_ci

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
    """Claims across a sweep.

    Attributes:
        tests: One row per design point and test: point, factor values, claim, says, mean,
            ci_low, ci_high, n, verdict.
        points: One row per design point and claim: factor values, claim, verdict.
        by_factor: One row per claim, factor and factor value (or tercile): points, holds,
            flips, unclear.
        summary: One row per claim: points, holds, flips, unclear, flips_at.
        skipped: Tests that could not be computed: claim, says, reason.
    """

    tests: pd.DataFrame
    points: pd.DataFrame
    by_factor: pd.DataFrame
    summary: pd.DataFrame
    skipped: pd.DataFrame

    def render(self) -> str:
        """A short text report."""
        out = []
        for _, r in self.summary.iterrows():
            out.append(f"{r['claim']}: holds at {r['holds']}/{r['points']} points, flips at "
                       f"{r['flips']}, unclear at {r['unclear']}")
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
                         "n": ci["n"], "verdict": _verdict(ci, sign)})
    tests = pd.DataFrame(rows, columns=["point", "claim", "says", "mean", "ci_low", "ci_high",
                                        "n", "verdict"])
    tests = design.reset_index().merge(tests, on="point") if len(tests) else tests
    points = _per_point(tests, design)
    return ClaimsResult(tests, points, _by_factor(points, factors), _summary(points, factors),
                        pd.DataFrame(skipped, columns=["claim", "says", "reason"]))


def _missing(runs: pd.DataFrame, schemes: set, c: pd.Series) -> str | None:
    for s in (c["scheme_a"], c["scheme_b"]):
        if s not in schemes:
            return f"the sweep has no scheme {s!r}"
    for m in (c["metric_a"], c["metric_b"]):
        if m not in runs.columns:
            return f"the runs have no metric {m!r}"
    return None


def _verdict(ci: dict, sign: float) -> str:
    if ci["n"] == 0:
        return "no data"
    if ci["n"] < 2:  # one replication: no interval, so no verdict
        return "unclear"
    lo, hi = sign * ci["ci_low"], sign * ci["ci_high"]
    lo, hi = min(lo, hi), max(lo, hi)
    if lo > 0:
        return "holds"
    if hi < 0:
        return "flips"
    return "unclear"


def _per_point(tests: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (point, claim), g in tests.groupby(["point", "claim"], sort=True):
        v = set(g["verdict"])
        verdict = ("flips" if "flips" in v else "holds" if v == {"holds"}
                   else "no data" if v == {"no data"} else "unclear")
        rows.append({"point": point, "claim": claim, "verdict": verdict})
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
            counts = g["verdict"].value_counts()
            rows.append({"claim": claim, "factor": f, "value": label, "points": len(g),
                         "holds": int(counts.get("holds", 0)),
                         "flips": int(counts.get("flips", 0)),
                         "unclear": int(counts.get("unclear", 0) + counts.get("no data", 0))})
    return pd.DataFrame(rows, columns=["claim", "factor", "value", "points", "holds", "flips",
                                       "unclear"])


def _summary(points: pd.DataFrame, factors: list[str], show: int = 5) -> pd.DataFrame:
    rows = []
    for claim, g in points.groupby("claim", sort=True) if len(points) else []:
        counts = g["verdict"].value_counts()
        flips = g[g["verdict"] == "flips"]
        where = ["(" + ", ".join(f"{f}={_show(r[f])}" for f in factors) + ")" if factors
                 else "the only point" for _, r in flips.head(show).iterrows()]
        if len(flips) > show:
            where.append(f"... {len(flips) - show} more")
        rows.append({"claim": claim, "points": len(g), "holds": int(counts.get("holds", 0)),
                     "flips": int(counts.get("flips", 0)),
                     "unclear": int(len(g) - counts.get("holds", 0) - counts.get("flips", 0)),
                     "flips_at": "; ".join(where)})
    return pd.DataFrame(rows, columns=["claim", "points", "holds", "flips", "unclear",
                                       "flips_at"])
