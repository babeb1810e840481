"""Simulated versus exact Erlang-A and Erlang-C over a range of offered loads.

For each load rho = lambda / (c mu) the degenerate store of MODEL.md section 2 (cap 1, no
learning, no behaviour, no attrition, constant rate, exponential times) runs through the
ordinary engine (:func:`policysim.validation.check.check_erlang`) and its P(wait > 0),
P(abandon) and mean wait are set beside the exact values. Erlang-C (no abandonment) is
only defined for rho < 1, so it is checked there alone.
"""

from __future__ import annotations

import pandas as pd

from policysim.validation.check import check_erlang

MEASURES = ("p_wait", "p_abandon", "mean_wait_min")


def parse_loads(text: str) -> list[float]:
    """The ``loads`` parameter: comma-separated offered loads, each a number above 0."""
    import math

    from policysim.errors import UserError
    from policysim.report.params import split_list

    items = split_list(str(text))
    try:
        loads = [float(x) for x in items]
    except ValueError:
        loads = []
    if not loads or not all(math.isfinite(x) and x > 0 for x in loads):
        raise UserError("-p loads: expected comma-separated offered loads, each a number "
                        f"greater than 0 (e.g. 0.7,0.95,1.2), found {text!r}")
    return loads


def erlang_table(
    agents: int,
    loads: list[float],
    service_rate: float,
    patience_rate: float,
    customers: int,
    reps: int,
    seed: int,
    workers: int = 1,
) -> pd.DataFrame:
    """One row per (variant, load, measure): simulated mean and 95% CI, exact value, and
    whether the CI covers it."""
    rows = []
    for variant, theta in (("erlang-a", patience_rate), ("erlang-c", 0.0)):
        for rho in loads:
            if theta == 0 and rho >= 1:
                continue
            lam = rho * agents * service_rate
            res = check_erlang(
                agents, lam, service_rate, theta, customers, reps, seed, workers=workers
            )
            for m in MEASURES:
                if theta == 0 and m == "p_abandon":
                    continue  # no abandonment in Erlang-C: nothing to check
                s, exact = res["simulated"][m], res["analytic"][m]
                rows.append(
                    {
                        "variant": variant,
                        "load": rho,
                        "measure": m,
                        "mean": s["mean"],
                        "lo": s["ci_low"],
                        "hi": s["ci_high"],
                        "exact": exact,
                        "covered": s["ci_low"] <= exact <= s["ci_high"],
                        "days": res["params"]["days"],
                    }
                )
    return pd.DataFrame(rows)


def exact_curves(
    agents: int, loads: list[float], service_rate: float, patience_rate: float, points: int = 60
) -> pd.DataFrame:
    """Exact measures on a fine grid of loads (for drawing the theory as a smooth line)."""
    import numpy as np

    from policysim.validation.erlang import erlang_a

    rows = []
    lo, hi = min(loads), max(loads)
    for variant, theta in (("erlang-a", patience_rate), ("erlang-c", 0.0)):
        below = [x for x in loads if x < 1]
        top = hi if theta > 0 else (max(below) if below else lo)  # no line beyond the checks
        if theta == 0 and not below:
            continue
        for rho in np.linspace(lo, top, points) if top > lo else [lo]:
            if theta == 0 and rho >= 1:
                continue
            r = erlang_a(agents, rho * agents * service_rate, service_rate, theta)
            for m in MEASURES:
                if theta == 0 and m == "p_abandon":
                    continue
                rows.append(
                    {"variant": variant, "load": float(rho), "measure": m, "exact": getattr(r, m)}
                )
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Readable wide table: simulated [CI] vs exact per variant, load and measure."""
    t = table.copy()
    scale = {"p_wait": 100, "p_abandon": 100, "mean_wait_min": 60}
    unit = {"p_wait": "P(wait>0) %", "p_abandon": "P(abandon) %", "mean_wait_min": "mean wait s"}
    t["simulated"] = t.apply(
        lambda r: (
            f"{r['mean'] * scale[r['measure']]:.2f} "
            f"[{r['lo'] * scale[r['measure']]:.2f}, {r['hi'] * scale[r['measure']]:.2f}]"
        ),
        axis=1,
    )
    t["exact"] = t.apply(lambda r: f"{r['exact'] * scale[r['measure']]:.2f}", axis=1)
    t["CI covers exact"] = t["covered"].map({True: "yes", False: "NO"})
    t["measure"] = t["measure"].map(unit)
    return t[["variant", "load", "measure", "simulated", "exact", "CI covers exact"]].set_index(
        ["variant", "load", "measure"]
    )
