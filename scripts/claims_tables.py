"""Regenerate every number of docs/claims.md: run the two experiments, rewrite the tables.

docs/claims.md reports what the model says about the field claims C1-C5 on the default
store. Its numbers come from two runs, both on common random numbers with fixed seeds:

1. ``policysim compare scenarios/baseline.yaml --days D --reps N --seed S --json --out
   DIR/compare``: the three baseline schemes, the levels table and the C1-C5 verdicts at the
   baseline (the same tests as the sweep, read at one design point). D, N and S are the
   experiment file's, so its runs are the sweep's base point run for run (streams derive
   from seed, point and replication; the base point is point 0, as a comparison is);
2. ``policysim sweep experiments/claims_map.yaml --out DIR/claims_map``: the structural
   levers one at a time (routing mode, returning share, pay period, team size, KPI tiers)
   and where each claim holds or flips, with paired 95% intervals.

This script runs whichever of the two is not in ``DIR`` yet (a sweep is resumed, never
recomputed; delete ``DIR`` after the model changes), then rewrites the parts of
docs/claims.md between ``<!-- begin: NAME -->`` and ``<!-- end: NAME -->`` markers; the
prose around them is left as it is (re-read it when the numbers move)::

    nice -n 10 python scripts/claims_tables.py                 # or: make claims
    python scripts/claims_tables.py --no-run                   # tables from DIR only
    python scripts/claims_tables.py --reps 5 --days 365 --results /tmp/c   # another size

It prints how long each step took.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # this checkout's policysim, whatever is installed

from policysim.experiment.claims import FLIPS, HOLDS, NO_DATA, UNCLEAR, analyze_claims  # noqa: E402
from policysim.config.yamlio import read_yaml  # noqa: E402
from policysim.experiment.claims import claims_table  # noqa: E402
from policysim.experiment.design import base_slices  # noqa: E402
from policysim.experiment.sensitivity import load_design  # noqa: E402
from policysim.results import measures as M  # noqa: E402
from policysim.results.query import query  # noqa: E402

SCENARIO = "scenarios/baseline.yaml"
EXPERIMENT = "experiments/claims_map.yaml"
SCHEMES = ("commission", "kpi", "group_contest")

#: The levels table: metric, label (None: the metric's own), scale, format.
LEVELS = [
    ("annual_turnover_rate", None), ("new_hire_90d_quit_rate", None),
    ("first_response_mean_s", "first response, mean over answered buyers"),
    ("reply_within_30s", "replied within 30 s (all inquiries)"),
    ("reply_within_180s", "replied within 3 min (all inquiries)"),
    ("p_wait", None), ("abandon_rate", None), ("conversion_rate", None),
    ("rating_mean", None), ("transfers", None), ("mean_threshold", None),
    ("coop_share", None), ("pay_gini", None), ("pay_skill_corr", None),
    ("pay_luck_corr", None), ("novice_chat_share", None),
    ("returning_same_agent_share", None), ("belief_error_routed", None),
    ("mean_pay", None), ("revenue", None), ("profit", None),
]

#: Mechanism metrics shown per lever value and scheme (the reasons the model gives).
MECHANISMS = ["first_response_mean_s", "reply_within_180s", "p_wait", "abandon_rate",
              "mean_threshold", "transfers", "coop_share", "novice_chat_share",
              "annual_turnover_rate", "pay_gini", "pay_luck_corr", "pay_skill_corr"]

SIGN = {HOLDS: "holds", FLIPS: "**flips**", UNCLEAR: "unclear", NO_DATA: "no data"}


# ------------------------------------------------------------------ running
def os_env() -> dict[str, str]:
    """The environment with this checkout's source first on the path."""
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def policysim(*args: str) -> str:
    """Run ``policysim ARGS`` from the project root with this checkout's source; stdout."""
    exe = Path(sys.executable).with_name("policysim")
    done = subprocess.run([str(exe), *args], cwd=ROOT, env=os_env(), stdout=subprocess.PIPE,
                          text=True, check=True)
    return done.stdout


def run_compare(out: Path, days: int, reps: int, seed: int, workers: int | None) -> float:
    """The baseline comparison into ``out`` (JSON in ``out/compare.json``); wall seconds."""
    t0 = time.perf_counter()
    args = ["compare", SCENARIO, "--days", str(days), "--reps", str(reps), "--seed", str(seed),
            "--json", "--out", str(out / "compare")]
    if workers:
        args += ["--workers", str(workers)]
    text = policysim(*args)
    (out / "compare.json").write_text(text)
    return time.perf_counter() - t0


def run_sweep(out: Path, reps: int | None, days: int | None, workers: int | None) -> float:
    """The claims map sweep into ``out/claims_map`` (resumed if there); wall seconds."""
    t0 = time.perf_counter()
    args = ["sweep", EXPERIMENT, "--out", str(out / "claims_map")]
    for flag, v in (("--reps", reps), ("--days", days), ("--workers", workers)):
        if v:
            args += [flag, str(v)]
    print(policysim(*args), end="")
    return time.perf_counter() - t0


# ------------------------------------------------------------------ numbers
def scale_of(metric: str) -> tuple[float, str]:
    """Effects of shares in points, seconds in s, the rest as they are."""
    kind = M.metric(metric).kind
    return {"rate": (100.0, " pts"), "seconds": (1.0, " s")}.get(kind, (1.0, ""))


def effect(row: pd.Series, metric: str) -> str:
    """'+1.7 pts [+1.1, +2.3]' in the metric's change unit, three significant digits of the
    largest of the three numbers (one number of decimals in a cell)."""
    k, unit = scale_of(metric)
    if pd.isna(row["mean"]):
        return ""
    big = max(abs(row[c] * k) for c in ("mean", "ci_low", "ci_high") if not pd.isna(row[c]))
    dec = 0 if big >= 100 else 1 if big >= 10 else 2 if big >= 1 else 3

    def num(x: float) -> str:
        return M.plain(x * k, dec, signed=True)

    if row["n"] < 2 or pd.isna(row["ci_low"]):
        return num(row["mean"]) + unit
    return f"{num(row['mean'])}{unit} [{num(row['ci_low'])}, {num(row['ci_high'])}]"


def test_rows() -> list[tuple[str, str, str]]:
    """(claim, says, metric whose unit the effect has) of every C1-C5 test."""
    return [(c["claim"], c["says"], c["metric_a"]) for _, c in claims_table().iterrows()]


def tests_at_baseline(compare_dir: Path) -> pd.DataFrame:
    """The C1-C5 tests on the comparison's runs (one design point)."""
    runs = pd.read_parquet(compare_dir / "runs.parquet").assign(point=0)
    return analyze_claims(runs, []).tests


def levels_table(doc: dict) -> str:
    names = [s for s in SCHEMES if s in doc["schemes"]]
    out = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for metric, label in LEVELS:
        cells = []
        for s in names:
            ci = doc["schemes"][s]["metrics"].get(metric)
            cells.append(M.MISSING if ci is None else M.level(metric, ci["mean"]))
        out.append(f"| {label or M.metric(metric).label} ({metric}) | " + " | ".join(cells) + " |")
    return "\n".join(out)


def verdicts_table(tests: pd.DataFrame) -> str:
    out = ["| claim | test | effect [95% CI] | verdict |", "|---|---|---:|---|"]
    for claim, says, metric in test_rows():
        hit = tests[(tests["claim"] == claim) & (tests["says"] == says)]
        if not len(hit):
            out.append(f"| {claim} | {says} | {M.MISSING} | no data |")
            continue
        r = hit.iloc[0]
        out.append(f"| {claim} | {says} | {effect(r, metric) or M.MISSING} | "
                   f"{SIGN[r['verdict']]} |")
    return "\n".join(out)


def show(v: object) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return "scenario's value"
    return f"{v:g}" if isinstance(v, float) else str(v)


def lever_table(tests: pd.DataFrame, points: pd.DataFrame, factor: str,
                slice_: list[int], reps: int, finished: set[int]) -> str:
    """Rows: tests; columns: the factor's values on its one-at-a-time slice (a point whose
    runs are not all in the store yet says so; ``finished``: the points whose runs all are,
    where fewer pairs than replications means the metric is undefined in some of them)."""
    at = points.set_index("point")
    head = [show(at.loc[p, factor]) + (" (base)" if i == 0 else "") for i, p in enumerate(slice_)]
    out = ["| claim | test | " + " | ".join(head) + " |", "|---|---|" + "---|" * len(slice_)]
    for claim, says, metric in test_rows():
        cells = []
        for p in slice_:
            hit = tests[(tests["point"] == p) & (tests["claim"] == claim)
                        & (tests["says"] == says)]
            if not len(hit):
                cells.append("not run yet")
            elif (hit.iloc[0]["n"] < reps and hit.iloc[0]["verdict"] != NO_DATA
                  and p not in finished):
                cells.append(f"running ({hit.iloc[0]['n']} of {reps} pairs)")
            else:
                few = (f" ({hit.iloc[0]['n']} of {reps} pairs defined)"
                       if hit.iloc[0]["n"] < reps and hit.iloc[0]["verdict"] != NO_DATA else "")
                cells.append(f"{SIGN[hit.iloc[0]['verdict']]} "
                             f"{effect(hit.iloc[0], metric)}{few}".strip())
        out.append(f"| {claim} | {says} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def mechanism_table(runs: pd.DataFrame, factor: str, points: list[int], reps: int) -> str:
    """Means over replications per lever value and scheme of the mechanism metrics (points
    with every run finished)."""
    sub = runs[runs["point"].isin(points)]
    done = sub.groupby("point")["rep"].transform("size") == reps * len(SCHEMES)
    sub = sub[done]
    metrics = [m for m in MECHANISMS if m in sub.columns]
    out = ["| " + factor + " | scheme | " + " | ".join(M.metric(m).label for m in metrics)
           + " |", "|---|---|" + "---:|" * len(metrics)]
    for p in sorted(set(sub["point"])):
        at = sub[sub["point"] == p]
        for s in SCHEMES:
            g = at[at["scheme"] == s]
            if not len(g):
                continue
            cells = [M.level(m, float(g[m].mean())) for m in metrics]
            out.append(f"| {show(g.iloc[0][factor])} | {s} | " + " | ".join(cells) + " |")
    if not len(sub):
        out.append("| (no point of this lever has finished yet) |" + " |" * (len(metrics) + 1))
    return "\n".join(out)


# ------------------------------------------------------------------ the document
def replace_section(text: str, name: str, body: str) -> str:
    """Put ``body`` between the begin/end markers named ``name`` (which must exist)."""
    pat = re.compile(rf"(<!-- begin: {re.escape(name)} -->\n).*?(<!-- end: {re.escape(name)} -->)",
                     re.S)
    if not pat.search(text):
        raise SystemExit(f"error: docs/claims.md has no section markers for {name!r}")
    return pat.sub(lambda m: m.group(1) + body.rstrip() + "\n" + m.group(2), text)


def sections(results: Path, run_info: dict) -> dict[str, str]:
    doc = json.loads((results / "compare.json").read_text())
    store = results / "claims_map"
    design = load_design(store)
    runs = query(store, "SELECT * FROM runs")
    slices = base_slices(design)
    tests = analyze_claims(runs, design.keys, slices=slices).tests
    exp = json.loads(json.dumps(_experiment_info(store)))
    out = {
        "run": _run_text(doc, exp, run_info),
        "levels": levels_table(doc),
        "verdicts": verdicts_table(tests_at_baseline(results / "compare")),
    }
    per_point = runs.groupby("point")["rep"].size()
    finished = set(per_point[per_point >= exp["reps"] * len(SCHEMES)].index)
    for key in design.keys:
        out[f"lever {key}"] = (lever_table(tests, design.points, key, slices[key], exp["reps"],
                                           finished)
                               + "\n\nWhat the agents "
                               "and the floor did (means over replications):\n\n"
                               + mechanism_table(runs, key, slices[key], exp["reps"]))
    return out


def _experiment_info(store: Path) -> dict:
    from policysim.results.runstore import RunStore

    return RunStore(store).info()


def _run_text(doc: dict, exp: dict, info: dict) -> str:
    lines = [
        f"- Baseline comparison: `policysim compare {SCENARIO} --days {doc['days']} --reps "
        f"{doc['reps']} --seed {doc['seed']} --json --out DIR/compare` (each scheme "
        f"{doc['reps']} replications of {doc['days']} days on common random numbers; "
        f"differences paired by replication).",
        f"- Claims map: `policysim sweep {EXPERIMENT} --days {exp['days']} --reps {exp['reps']} "
        f"--out DIR/claims_map` ({exp['points']} points of a one-at-a-time design x "
        f"{len(exp['schemes'])} schemes x {exp['reps']} replications = {exp['runs']} runs of "
        f"{exp['days']} days, seed {exp['seed']}; its base point is the comparison above, run "
        f"for run).",
        "- Regenerate everything below: `nice -n 10 make claims` "
        "(`scripts/claims_tables.py`).",
    ]
    if info:
        lines.append("- Wall time of the run that wrote these tables: " + ", ".join(
            f"{k} {v / 60:.1f} min" for k, v in info.items()) + ".")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=ROOT / "results" / "claims",
                    help="where the two runs are kept (default results/claims)")
    ap.add_argument("--doc", type=Path, default=ROOT / "docs" / "claims.md")
    ap.add_argument("--reps", type=int, default=None,
                    help="replications of both runs (default: the experiment file's)")
    ap.add_argument("--days", type=int, default=None,
                    help="days of both runs (default: the experiment file's)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--no-run", action="store_true", help="only rewrite the tables")
    a = ap.parse_args(argv)
    a.results.mkdir(parents=True, exist_ok=True)
    exp = read_yaml(ROOT / EXPERIMENT)[0]
    days, reps = a.days or exp["days"], a.reps or exp["reps"]
    info: dict[str, float] = {}
    if not a.no_run:
        if not (a.results / "compare.json").is_file():
            info["comparison"] = run_compare(a.results, days, reps, exp["seed"], a.workers)
        info["sweep"] = run_sweep(a.results, a.reps, a.days, a.workers)
    t0 = time.perf_counter()
    text = a.doc.read_text()
    for name, body in sections(a.results, info).items():
        text = replace_section(text, name, body)
    a.doc.write_text(text)
    info["tables"] = time.perf_counter() - t0
    print("wrote " + str(a.doc) + "; " + ", ".join(f"{k} {v:.0f} s" for k, v in info.items()))


if __name__ == "__main__":
    main()
