"""How robust is a scheme ranking? Effects of switching scheme across a sweep's design points.

The input is a sweep's results store (``policysim sweep``; read through
:mod:`policysim.results.query`, whose ``runs`` view has one row per design point, scheme
and replication with the varied keys as columns). Without a store, :func:`run_builtin`
writes a small grid experiment over the given factors beside the report and runs it with
the ordinary sweep machinery (:func:`policysim.experiment.sweep.run_sweep`), so both paths
analyse the same kind of store.

For every design point and every scheme other than the baseline, the paired difference
(scheme - baseline, replication by replication on common random numbers) of each headline
metric is computed; the report shows its **main effect** along each factor (the
per-replication differences averaged over the points that share a factor value, then a t
interval across replications) and says where the ranking reverses (a clear effect one way
at some value of a factor and a clear effect the other way at another; "flips" is kept for
a field claim found the other way round, :mod:`policysim.experiment.claims`). The field
claims across the design come from :func:`policysim.experiment.claims.analyze_claims`, and
Sobol or Morris indices, for such designs, from :mod:`policysim.experiment.sensitivity`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from policysim.errors import UserError
from policysim.experiment.stats import mean_ci

#: Metrics whose robustness the report shows, with axis labels (units of the effect).
METRICS = {
    "annual_turnover_rate": "turnover change (points)",
    "first_response_mean_s": "first response change (s)",
    "revenue": "revenue change (%)",
    "profit": "profit change (thousand yuan)",
}


def parse_factors(text: str) -> list[tuple[str, list[str]]]:
    """'a.b: 1,2; c.d: 3,4' -> [('a.b', ['1', '2']), ('c.d', ['3', '4'])] ('=' works as ':')."""
    out = []
    for part in [p.strip() for p in text.split(";") if p.strip()]:
        sep = ":" if ":" in part else "="
        key, eq, values = part.partition(sep)
        vals = [v.strip() for v in values.split(",") if v.strip()]
        if not eq or not key.strip() or not vals:
            raise UserError(f"factors: 'dotted.key: v1,v2,...' separated by ';', found {part!r}")
        out.append((key.strip(), vals))
    if not out:
        raise UserError("factors: at least one factor, found none")
    return out


def _value(text: str):
    from policysim.config.yamlio import parse_override

    return parse_override(f"v={text}")[1]


def run_builtin(scn, factors: list[tuple[str, list[str]]], schemes: str, directory: Path,
                workers: int = 1) -> Path:
    """Write a grid experiment over ``factors`` on ``scn`` (as run: parameters applied) into
    ``directory`` and run it as a sweep; return the results store (``directory/store``)."""
    from policysim.experiment.plan import load_plan
    from policysim.experiment.executors import make_executor
    from policysim.experiment.sweep import run_sweep
    from policysim.results.store import atomic_write, dump_scenario

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    names = [s.strip() for s in schemes.split(",") if s.strip()] or list(scn.schemes)
    text = dump_scenario(scn)
    atomic_write(directory / "scenario.yaml", lambda tmp: tmp.write_text(text))
    exp = {
        "name": "sensitivity",
        "scenario": "scenario.yaml",
        "uncertainties": {k: [_value(v) for v in vals] for k, vals in factors},
        "design": "grid",
        "reps": scn.sim.reps,
        "seed": scn.sim.seed,
        "days": scn.sim.days,
    }
    if names:
        exp["schemes"] = names
    atomic_write(directory / "experiment.yaml", lambda tmp: tmp.write_text(json.dumps(exp)))
    plan = load_plan(directory / "experiment.yaml")
    store = directory / "store"
    with make_executor(workers=max(1, workers)) as ex:
        try:  # the same experiment again: only unfinished runs are run
            result = run_sweep(plan, store, ex, resume=store.exists(), progress=False)
        except UserError:
            if not (store / "experiment.yaml").is_file():
                raise
            import shutil

            shutil.rmtree(store)  # an earlier built-in design with other factors: replaced
            result = run_sweep(plan, store, ex, progress=False)
    if result.failed:
        first = next(iter(result.failed.items()))
        raise UserError(f"sensitivity: {len(result.failed)} runs failed, e.g. {first[0]}: "
                        f"{first[1]}")
    return store


def load_store(root: str | Path) -> tuple[pd.DataFrame, list[str], str]:
    """The ``runs`` of a sweep's results store, its varied keys and its design's name."""
    from policysim.results.runstore import RunStore

    root = Path(root)
    if not root.is_dir():
        raise UserError(f"sweep_dir: a sweep's results store (a directory), found {str(root)!r}")
    if not RunStore(root).is_store():
        raise UserError(f"sweep_dir {root}: not a sweep's results store (no experiment.yaml)")
    from policysim.experiment.sensitivity import load_design
    from policysim.results.query import tables

    runs = tables(root)["runs"]
    design = load_design(root)
    return runs, list(design.keys), design.name


def _scaled(m: str, a: pd.Series, b: pd.Series) -> pd.Series:
    if m == "revenue":
        return (a / b.replace(0, np.nan) - 1) * 100
    if m == "annual_turnover_rate":
        return (a - b) * 100
    if m == "profit":
        return (a - b) / 1000
    return a - b


def differences(runs: pd.DataFrame, baseline: str = "") -> tuple[pd.DataFrame, str]:
    """Per point, scheme (not the baseline) and rep: the paired differences of :data:`METRICS`
    in their report units. Returns the table and the baseline used."""
    schemes = list(dict.fromkeys(runs["scheme"]))
    base = baseline or schemes[0]
    if base not in schemes:
        raise UserError(f"baseline: one of the sweep's schemes {schemes}, found {base!r}")
    if len(schemes) < 2:
        raise UserError(f"the sweep has no scheme besides {base!r} to compare with it")
    b = runs[runs["scheme"] == base].set_index(["point", "rep"])
    out = []
    for s in schemes:
        if s == base:
            continue
        a = runs[runs["scheme"] == s].set_index(["point", "rep"])
        idx = a.index.intersection(b.index)
        d = pd.DataFrame(index=idx)
        for m in METRICS:
            if m in a.columns:
                d[m] = _scaled(m, a.loc[idx, m], b.loc[idx, m])
        out.append(d.reset_index().assign(scheme=s))
    return pd.concat(out, ignore_index=True), base


def _levels(values: pd.Series) -> pd.Series:
    """Each value as its own level (8 distinct or fewer), else the median of its quintile."""
    if values.nunique() <= 8 or not pd.api.types.is_numeric_dtype(values):
        return values
    q = pd.qcut(values.rank(method="first"), 5, labels=False)
    return values.groupby(q).transform("median")


def main_effects(runs: pd.DataFrame, factors: list[str], baseline: str = "") -> pd.DataFrame:
    """Rows factor, value, scheme, metric, mean, lo, hi, n: the paired effect at each level of
    each factor, averaged over the other factors' points replication by replication."""
    diffs, _ = differences(runs, baseline)
    design = runs.drop_duplicates("point").set_index("point")
    rows = []
    for f in factors:
        if f not in design.columns:
            continue
        level = _levels(design[f])
        d = diffs.assign(level=diffs["point"].map(level))
        for (s, lv), g in d.groupby(["scheme", "level"], sort=True):
            per_rep = g.groupby("rep")[[m for m in METRICS if m in g.columns]].mean()
            for m in per_rep.columns:
                ci = mean_ci(per_rep[m].to_numpy(float))
                rows.append({"factor": f, "value": lv, "scheme": s, "metric": m,
                             "mean": ci["mean"], "lo": ci["ci_low"], "hi": ci["ci_high"],
                             "n": ci["n"]})
    if not rows:
        raise UserError("sensitivity: no varied factor found in the sweep's runs")
    return pd.DataFrame(rows)


def reversals(eff: pd.DataFrame) -> pd.DataFrame:
    """Per factor, scheme and metric: the effect at the lowest and highest level, and whether
    the ranking reverses along the factor (clear effects of both signs)."""

    def at(r) -> str:
        v = f"{r['value']:g}" if isinstance(r["value"], (int, float, np.number)) else r["value"]
        num = [plain(r[k], 2, signed=True) for k in ("mean", "lo", "hi")]
        return f"{v}: {num[0]} [{num[1]}, {num[2]}]"

    from policysim.results.measures import plain

    rows = []
    for (fac, s, m), g in eff.groupby(["factor", "scheme", "metric"], sort=False):
        g = g.sort_values("value")
        up, down = (g["lo"] > 0).any(), (g["hi"] < 0).any()
        rows.append({"factor": fac, "scheme": s, "measure": METRICS.get(m, m),
                     "at lowest value": at(g.iloc[0]), "at highest value": at(g.iloc[-1]),
                     "ranking reverses": "YES" if up and down else "no"})
    return pd.DataFrame(rows).set_index(["factor", "scheme", "measure"])
