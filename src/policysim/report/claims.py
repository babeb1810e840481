"""The field claims C1-C9 (FIELD_NOTES.md) as measured effects of the model's defaults.

All effects come from one paired comparison of the scenario's three schemes (commission,
KPI, group contest) plus five probe schemes that some claims need and a store may not define
(added with ``--set`` overrides, so the scenario file is untouched). C1-C5 are tested with the
project's own claim tests (:data:`policysim.experiment.claims.CLAIMS`, the same tests a
sweep is analysed with), read as a single design point; this module adds tests for C3 (from
the per-agent records), C6-C9 (from the probes):

- ``probe_ranking``: base pay + a public individual sales ranking with prizes (C6);
- ``probe_threshold`` / ``probe_tiny``: commission only above a break-even target with the
  excess split 50/50, versus a tiny flat commission (C8);
- ``probe_kpi_service`` / ``probe_kpi_sales``: the same KPI sheet weighted on service
  (first response, rating) or on sales (conversion, sales) (C9).

A test is "reproduced" when the effect's CI excludes the null in the claim's direction,
"opposite" when it excludes it the other way and "not reproduced" otherwise. Nothing is
hard-coded: every number comes from the agents' choices under each pay formula. What a claim
says that the model has no mechanism for is listed beside it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from policysim.config.schema import Scenario
from policysim.experiment.stats import mean_ci

PROBES = ("probe_ranking", "probe_threshold", "probe_tiny", "probe_kpi_service", "probe_kpi_sales")


def expected_sales_per_agent_month(scn: Scenario) -> float:
    """Rough pre-run scale for sales targets: inquiries x pre-sales share x 50% conversion x
    mean price x 30 days / agents."""
    cat = scn.demand.catalogue
    price = float(np.average(cat.prices, weights=cat.weights))
    return (
        scn.demand.daily_volume
        * scn.demand.pre_sales_share
        * 0.5
        * price
        * 30.0
        / max(1, scn.n_agents)
    )


def probe_overrides(scn: Scenario, commission: str, group: str) -> list[str]:
    """``--set`` texts adding the probe schemes, scaled to the store."""
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
    """A test this module adds (C1-C5 are tested by ``policysim.experiment.claims``).

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


def _low_earner_quits(agents: pd.DataFrame, scheme: str) -> dict:
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


def _top_vs_new(agents: pd.DataFrame, scheme: str) -> dict:
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


def _verdict(ci: dict, sign: int, null: float = 0.0) -> str:
    if ci is None or ci["n"] == 0 or math.isnan(ci["mean"]):
        return "cannot be measured here"
    above, below = ci["ci_low"] > null, ci["ci_high"] < null
    if ci["n"] < 2 or not (above or below):
        return "not reproduced"
    return "reproduced" if (above and sign > 0) or (below and sign < 0) else "opposite"


def _unit(metric: str) -> tuple[float, str]:
    from policysim.report.verdict import METRICS

    kind = METRICS[metric].kind if metric in METRICS else "index"
    plain = {"pay_gini": "Gini", "transfers": "chats", "pay_luck_corr": "correlation",
             "pay_skill_corr": "correlation"}.get(metric, "")
    return {"rate": (100.0, "points"), "seconds": (1.0, "s"), "yuan": (1.0, "yuan")}.get(
        kind, (1.0, plain))


def _label(metric: str) -> str:
    from policysim.report.verdict import METRICS

    return METRICS[metric].label if metric in METRICS else metric.replace("_", " ")


def project_tests(res, commission: str, kpi: str, group: str) -> list[dict]:
    """C1-C5 by :func:`policysim.experiment.claims.analyze_claims` on this comparison (one
    design point), the schemes in the roles it expects renamed to its names."""
    from policysim.experiment.claims import analyze_claims, claims_table

    rename = {commission: "commission", kpi: "kpi", group: "group_contest"}
    runs = res.tables["runs"].assign(point=0)
    runs["scheme"] = runs["scheme"].map(lambda s: rename.get(s, f"other:{s}"))
    result = analyze_claims(runs, [])
    table = claims_table()
    back = {v: k for k, v in rename.items()}
    rows = []
    for _, t in result.tests.iterrows():
        spec = table[(table["claim"] == t["claim"]) & (table["says"] == t["says"])].iloc[0]
        sign = 1 if spec["sign"] == ">" else -1
        ma, mb = spec["metric_a"], spec["metric_b"]
        sa, sb = back.get(spec["scheme_a"]), back.get(spec["scheme_b"])
        scale, unit = _unit(ma) if ma == mb else (1.0, _unit(ma)[1])
        ci = {k: t[k] * scale for k in ("mean", "ci_low", "ci_high")} | {"n": t["n"]}
        axis = (f"{_label(ma)}, {sa} - {sb}" if ma == mb else f"{_label(ma)} - {_label(mb)}, {sa}")
        rows.append({"claim": t["claim"], "test": t["says"], "unit": unit,
                     "axis": axis + (f" ({unit})" if unit else ""), "null": 0.0,
                     "effect": ci["mean"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                     "verdict": _verdict(ci, sign)})
    for _, sk in result.skipped.iterrows():
        rows.append({"claim": sk["claim"], "test": f"{sk['says']} ({sk['reason']})",
                     "unit": "", "axis": "", "null": 0.0, "effect": math.nan,
                     "ci_low": math.nan, "ci_high": math.nan,
                     "verdict": "cannot be measured here"})
    return rows


def evaluate(res, commission: str, kpi: str, group: str) -> pd.DataFrame:
    """The claims table: one row per test, with effect, 95% CI, verdict and what the model
    cannot express of the claim yet.

    Args:
        res: :class:`policysim.report.data.Results` of all schemes incl. :data:`PROBES`.
        commission, kpi, group: The scenario's scheme names in those roles.
    """
    R = res.rows
    agents = res.tables["agents"]
    present = set(res.names)
    rows = project_tests(res, commission, kpi, group)
    extra: dict[str, dict | None] = {}
    if commission in present:
        extra["C3"] = _low_earner_quits(agents, commission)
        extra["C7"] = _top_vs_new(agents, commission)
    if {"probe_ranking", group} <= present:
        extra["C6"] = _paired(R("probe_ranking"), R(group), "annual_turnover_rate", 100)
    if {"probe_threshold", "probe_tiny"} <= present:
        extra["C8"] = mean_ci([(a["revenue"] / b["revenue"] - 1) * 100
                               for a, b in zip(R("probe_threshold"), R("probe_tiny"))
                               if b["revenue"]])
    if {"probe_kpi_service", "probe_kpi_sales"} <= present:
        extra["C9"] = _paired(R("probe_kpi_service"), R("probe_kpi_sales"),
                              "first_response_mean_s")
    for code, c in EXTRA.items():
        ci = extra.get(code)
        ok = ci is not None and ci["n"] > 0
        rows.append({"claim": code, "test": c.says, "unit": c.unit, "axis": c.axis,
                     "null": c.null, "effect": ci["mean"] if ok else math.nan,
                     "ci_low": ci["ci_low"] if ok else math.nan,
                     "ci_high": ci["ci_high"] if ok else math.nan,
                     "verdict": _verdict(ci, c.sign, c.null)})
    out = pd.DataFrame(rows)
    out["short"] = out["claim"].map(lambda c: NOTES[c][0])
    out["cannot express yet"] = out["claim"].map(lambda c: NOTES[c][1] or "-")
    return out.sort_values("claim", kind="stable").reset_index(drop=True)


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The claims table with the effect as 'mean (95% CI lo to hi) unit'."""
    t = table.copy()
    t["effect (95% CI)"] = t.apply(
        lambda r: "n/a" if math.isnan(r["effect"]) else
        f"{r['effect']:+.3g} ({r['ci_low']:+.3g} to {r['ci_high']:+.3g}) {r['unit']}", axis=1)
    t["claim"] = t["claim"] + " " + t["short"]
    return t[["claim", "test", "effect (95% CI)", "verdict", "cannot express yet"]].set_index(
        ["claim", "test"])
