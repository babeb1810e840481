"""The field claims of one store beyond C1-C5: C3 from the per-agent records, and C6-C9 from
five probe schemes a store may not define.

A sweep reads claims C1-C5 as paired differences between two schemes' run metrics
(:mod:`policysim.experiment.claims`). Some claims need more than that: C3's "low earners
quit" is about *which* agents quit (the per-agent table), and C6-C9 compare pay designs the
store does not run (a public ranking, a threshold commission, KPI sheets weighted on service
or on sales). :func:`probe_overrides` adds those designs as ``--set`` texts scaled to the
store, and :func:`extra_effects` measures each test (:data:`EXTRA`) as a mean with a t
interval across replications; the verdict is :func:`policysim.experiment.claims.verdict`'s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from policysim.config.schema import Scenario
from policysim.experiment.stats import mean_ci

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
