"""The field claims C1-C9 (FIELD_NOTES.md) as measured effects of the model's defaults:
the table and its text.

All effects come from one paired comparison of the scenario's three schemes (commission,
KPI, group contest) plus five probe schemes that some claims need and a store may not define
(:func:`policysim.experiment.claims.probe_overrides`). The analysis, and the verdicts
(holds / flips / unclear / no data), are those of :mod:`policysim.experiment.claims`: C1-C5
are the claim tests a sweep is analysed with, read as a single design point; C3 and C6-C9
add the tests of :data:`policysim.experiment.claims.EXTRA`. This module puts each effect
in the unit a reader expects (points, seconds, yuan), labels it, and adds what the model
has no mechanism for beside each claim. Nothing is hard-coded: every number comes from the
agents' choices under each pay formula.
"""

from __future__ import annotations

import math

import pandas as pd

from policysim.experiment.claims import (
    EXTRA,
    NO_DATA,
    NOTES,
    analyze_claims,
    claims_table,
    extra_effects,
    verdict,
)
from policysim.results import measures as M


def _unit(metric: str) -> tuple[float, str]:
    kind = M.metric(metric).kind
    plain = {"pay_gini": "Gini", "transfers": "chats", "pay_luck_corr": "correlation",
             "pay_skill_corr": "correlation"}.get(metric, "")
    return {"rate": (100.0, "points"), "seconds": (1.0, "s"), "yuan": (1.0, "yuan")}.get(
        kind, (1.0, plain))


def _label(metric: str) -> str:
    return M.metric(metric).label


def project_tests(res, commission: str, kpi: str, group: str) -> list[dict]:
    """C1-C5 by :func:`policysim.experiment.claims.analyze_claims` on this comparison (one
    design point), the schemes in the roles it expects renamed to its names."""
    rename = {commission: "commission", kpi: "kpi", group: "group_contest"}
    runs = res.tables["runs"].assign(point=0)
    runs["scheme"] = runs["scheme"].map(lambda s: rename.get(s, f"other:{s}"))
    result = analyze_claims(runs, [])
    table = claims_table()
    back = {v: k for k, v in rename.items()}
    rows = []
    for _, t in result.tests.iterrows():
        spec = table[(table["claim"] == t["claim"]) & (table["says"] == t["says"])].iloc[0]
        ma, mb = spec["metric_a"], spec["metric_b"]
        sa, sb = back.get(spec["scheme_a"]), back.get(spec["scheme_b"])
        scale, unit = _unit(ma) if ma == mb else (1.0, _unit(ma)[1])
        ci = {k: t[k] * scale for k in ("mean", "ci_low", "ci_high")} | {"n": t["n"]}
        axis = (f"{_label(ma)}, {sa} - {sb}" if ma == mb else f"{_label(ma)} - {_label(mb)}, {sa}")
        rows.append({"claim": t["claim"], "test": t["says"], "unit": unit,
                     "axis": axis + (f" ({unit})" if unit else ""), "null": 0.0,
                     "effect": ci["mean"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                     "verdict": t["verdict"]})
    for _, sk in result.skipped.iterrows():
        rows.append({"claim": sk["claim"], "test": f"{sk['says']} ({sk['reason']})",
                     "unit": "", "axis": "", "null": 0.0, "effect": math.nan,
                     "ci_low": math.nan, "ci_high": math.nan,
                     "verdict": NO_DATA})
    return rows


def evaluate(res, commission: str, kpi: str, group: str) -> pd.DataFrame:
    """The claims table: one row per test, with effect, 95% CI, verdict and what the model
    cannot express of the claim yet.

    Args:
        res: :class:`policysim.report.data.Results` of all schemes incl. :data:`policysim.experiment.claims.PROBES`.
        commission, kpi, group: The scenario's scheme names in those roles.
    """
    rows = project_tests(res, commission, kpi, group)
    extra = extra_effects(res.rows, res.tables["agents"], res.names, commission, group)
    for code, c in EXTRA.items():
        ci = extra.get(code)
        ok = ci is not None and ci["n"] > 0
        rows.append({"claim": code, "test": c.says, "unit": c.unit, "axis": c.axis,
                     "null": c.null, "effect": ci["mean"] if ok else math.nan,
                     "ci_low": ci["ci_low"] if ok else math.nan,
                     "ci_high": ci["ci_high"] if ok else math.nan,
                     "verdict": verdict(ci, c.sign, c.null)})
    out = pd.DataFrame(rows)
    out["short"] = out["claim"].map(lambda c: NOTES[c][0])
    out["cannot express yet"] = out["claim"].map(lambda c: NOTES[c][1] or "-")
    return out.sort_values("claim", kind="stable").reset_index(drop=True)


def _num(x: float) -> str:
    """Three significant digits, signed, never in scientific notation."""
    a = abs(x)
    return M.plain(x, 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 1 else 3, signed=True)


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The claims table with the effect as 'mean (95% CI lo to hi) unit'."""
    t = table.copy()
    t["effect (95% CI)"] = t.apply(
        lambda r: M.MISSING if math.isnan(r["effect"]) else
        f"{_num(r['effect'])} ({_num(r['ci_low'])} to {_num(r['ci_high'])}) {r['unit']}",
        axis=1)
    t["claim"] = t["claim"] + " " + t["short"]
    return t[["claim", "test", "effect (95% CI)", "verdict", "cannot express yet"]].set_index(
        ["claim", "test"])


ROLES = ("commission_scheme", "kpi_scheme", "group_scheme")


def check_roles(scn, params: dict) -> None:
    """Refuse a scheme named for a claim role (``-p kpi_scheme NAME``) that the scenario does
    not define. A role left at its default name may be missing from a store (its claims then
    have no data), but a name the user gave is a typo to report before anything runs."""
    from policysim.errors import UserError
    from policysim.report.params import defaults

    default = defaults("field_claims")
    for role in ROLES:
        name = params.get(role)
        if name != default[role] and name not in scn.schemes:
            raise UserError(f"-p {role}: expected a scheme of {scn.name} "
                            f"({', '.join(scn.schemes) or 'none defined'}), found {name!r}")
