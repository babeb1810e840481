"""Run every run of an experiment into a results store, skipping what is already done.

A sweep is a loop with three parties: the **plan** (every run, from the experiment file;
:mod:`policysim.experiment.design`), an **executor** that runs them somewhere and returns
them as they finish (:mod:`policysim.experiment.executors`) and the **store** that writes
each finished run at once (:mod:`policysim.results.runstore`). Only this process writes the
store, so workers on a cluster need no shared disk, and a sweep killed at any moment loses
only the runs in flight. A run that raises is recorded with its error and the sweep goes on.

::

    plan = load_plan("experiments/levers.yaml", days=30)
    with make_executor(workers=4) as ex:
        result = run_sweep(plan, "results/levers", ex)
    result.failed      # {run id: error}
"""

from __future__ import annotations

import hashlib
import socket
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from policysim.experiment.plan import STORE_FORMAT, Plan, Run, run_id, scenario_hash
from policysim.experiment.executors import Executor, InProcess
from policysim.experiment.runner import Job
from policysim.results.measures import plain
from policysim.results.runstore import RunStore


@dataclass
class Finished:
    """What a worker sends back: a run's tables, or its error, and where and how long."""

    id: str
    scenario_hash: str
    summary: dict | None
    daily: pd.DataFrame | None
    agents: pd.DataFrame | None
    error: str | None
    traceback: str | None
    seconds: float
    host: str
    pid: int
    code_version: str = ""


def execute(job: Job) -> Finished:
    """Run one run (on any worker); never raises: an error is returned in the record."""
    import os

    from policysim.experiment import runner

    t0 = time.perf_counter()
    host, pid = socket.gethostname(), os.getpid()
    run = run_id(job.point, job.scheme, job.rep)
    digest = scenario_hash(job.scenario)
    try:
        out = runner.run_job(job)
    except Exception as err:  # noqa: BLE001 - recorded, and the sweep goes on
        return Finished(run, digest, None, None, None, f"{type(err).__name__}: {err}",
                        traceback.format_exc(), time.perf_counter() - t0, host, pid,
                        code_version())
    return Finished(run, digest, out.summary, out.daily, out.agents, None, None,
                    time.perf_counter() - t0, host, pid, code_version())


class _Jobs:
    """The jobs of some runs, each built when an executor asks for it."""

    def __init__(self, plan: Plan, runs: list[Run]) -> None:
        self.plan, self.runs = plan, runs

    def __len__(self) -> int:
        return len(self.runs)

    def __getitem__(self, i: int) -> Job:
        return self.plan.job(self.runs[i])

    def __iter__(self):
        return (self[i] for i in range(len(self)))


@dataclass
class SweepResult:
    """How a sweep went.

    Attributes:
        out: The results store.
        total: Runs in the plan.
        skipped: Runs already finished before this sweep (not recomputed).
        completed: Runs finished by this sweep.
        failed: Run id -> error, for runs that failed in this sweep.
        seconds: Wall time of this sweep.
        other_code: Code versions of workers that differ from this process's (they are
            recorded in each run's manifest; a cluster should run one version).
    """

    out: Path
    total: int
    skipped: int
    completed: int
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    other_code: set[str] = field(default_factory=set)


_CODE: str | None = None


def code_version() -> str:
    """policysim's version and a digest of its source files (``0.1.0+3f2a...``)."""
    global _CODE
    if _CODE is None:
        import policysim

        root = Path(policysim.__file__).parent
        h = hashlib.sha256()
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
        _CODE = f"{policysim.__version__}+{h.hexdigest()[:12]}"
    return _CODE


def experiment_record(plan: Plan) -> dict:
    """What the store keeps about the experiment (experiment.yaml)."""
    return {
        "name": plan.name, "source": str(plan.path), "scenario": str(plan.scenario_path),
        "hash": plan.hash, "hash_parts": plan.hash_parts, "format": STORE_FORMAT,
        "design": plan.design.spec.model_dump(mode="json"), "points": len(plan.design),
        "factors": [{"section": s, "key": k, **f.model_dump(mode="json", exclude_none=True)}
                    for s, k, f in plan.experiment.factors()],
        "schemes": [s or "" for s in plan.schemes], "reps": plan.reps, "seed": plan.seed,
        "days": plan.days, "runs": len(plan.runs), "code_version": code_version(),
        "experiment": plan.experiment.model_dump(mode="json", exclude_none=True),
    }


def open_store(plan: Plan, out: str | Path, resume: bool = False) -> RunStore:
    """Create the store for ``plan`` in ``out`` or check it holds the same experiment."""
    from policysim.results.store import dump_scenario

    store = RunStore(out)
    design = plan.design
    extra = {
        "scenario.yaml": lambda p: p.write_text(dump_scenario(plan.base)),
        "points.parquet": lambda p: design.points.to_parquet(p, index=False),
    }
    if design.unit is not None:
        unit = pd.DataFrame(design.unit, columns=design.keys)
        unit.insert(0, "point", np.arange(len(unit), dtype=np.int64))
        extra["unit_samples.parquet"] = lambda p: unit.to_parquet(p, index=False)
    store.open(experiment_record(plan), resume, extra)
    return store


def run_sweep(plan: Plan, out: str | Path, executor: Executor | None = None,
              resume: bool = False, progress: bool | None = None) -> SweepResult:
    """Run every unfinished run of ``plan`` and write it to the store in ``out``.

    Args:
        plan: From :func:`~policysim.experiment.plan.load_plan`.
        out: The results store directory.
        executor: Where to run (default: in this process). Not closed here.
        resume: ``--resume``: ``out`` must already hold this experiment.
        progress: Show a progress bar on stderr (None: only on a terminal).

    Raises:
        UserError: If ``out`` cannot hold this experiment's results.
    """
    from tqdm import tqdm

    t0 = time.perf_counter()
    store = open_store(plan, out, resume)
    executor = executor or InProcess()
    with store.lock():
        done = store.finished(plan.hash)
        todo = [r for r in plan.runs if r.id not in done]
        result = SweepResult(store.root, len(plan.runs), len(plan.runs) - len(todo), 0)
        old = [str(e.get("code_version")) for e in done.values()
               if e.get("code_version") != code_version()]
        if old:
            print(f"note: {len(old)} finished runs were made by other code versions "
                  f"({', '.join(sorted(set(old)))}); they are kept, not rerun", file=sys.stderr)
        bar = tqdm(total=len(plan.runs), initial=result.skipped, unit="run", file=sys.stderr,
                   disable=None if progress is None else not progress, leave=False,
                   desc=plan.name, dynamic_ncols=True)
        bar.set_postfix(failed=0)
        try:
            for i, fin in executor.imap_unordered(execute, _Jobs(plan, todo)):
                run = todo[i]
                if isinstance(fin, BaseException):
                    fin = Finished(run.id, "", None, None, None, f"{type(fin).__name__}: {fin}",
                                   "".join(traceback.format_exception(fin)), 0.0, "", 0)
                if fin.code_version and fin.code_version != code_version():
                    result.other_code.add(fin.code_version)
                if fin.error is None:
                    _commit(store, plan, run, fin, executor.name)
                    result.completed += 1
                else:
                    store.fail(run.id, _failure(plan, run, fin))
                    result.failed[run.id] = fin.error
                    bar.set_postfix(failed=len(result.failed))
                bar.update()
        finally:
            bar.close()
    result.seconds = time.perf_counter() - t0
    return result


def _commit(store: RunStore, plan: Plan, run: Run, fin: Finished, executor: str) -> None:
    tables = {"runs": plan.runs_row(run, fin.summary), "daily": fin.daily,
              "agents": fin.agents}
    manifest = {
        "run": run.id, "point": run.point, "scheme": run.scheme or "", "rep": run.rep,
        "seed": run.seed, "days": run.days, "experiment": plan.hash,
        "scenario_hash": fin.scenario_hash, "code_version": fin.code_version,
        "seconds": round(fin.seconds, 6), "host": fin.host, "pid": fin.pid,
        "executor": executor, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rows": {t: len(df) for t, df in tables.items()},
    }
    store.commit(run.id, tables, manifest)


def _failure(plan: Plan, run: Run, fin: Finished) -> dict:
    return {"run": run.id, "point": run.point, "scheme": run.scheme or "", "rep": run.rep,
            "seed": run.seed, "experiment": plan.hash, "values": plan.design.values(run.point),
            "error": fin.error, "traceback": fin.traceback, "host": fin.host,
            "code_version": fin.code_version, "failed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


#: Outcomes whose sensitivity the sweep prints (all are written to the CSV).
HEADLINE = ("profit", "revenue", "first_response_mean_s", "abandon_rate", "rating_mean",
            "annual_turnover_rate", "pay_gini")


@dataclass
class Analysis:
    """What :func:`analyze` found and wrote.

    Attributes:
        sensitivity: Sobol or Morris indices (None for grid and lhs designs).
        claims: The claims C1-C5 across the design (None without the schemes they need).
        files: Files written under ``OUT/analysis/``.
    """

    sensitivity: pd.DataFrame | None
    claims: object | None
    files: list[Path]

    def render(self) -> str:
        """Claims and the largest indices, as text."""
        out = []
        t = self.sensitivity
        if t is not None and len(t):
            key, conf = ("ST", "ST_conf") if "ST" in t.columns else ("mu_star", "mu_star_conf")
            shown = t[t["outcome"].isin(HEADLINE)] if t["outcome"].isin(HEADLINE).any() else t
            top = shown.sort_values(key, ascending=False).groupby(["scheme", "outcome"],
                                                                  sort=False).head(1)
            out.append(f"sensitivity: the factor with the largest {key} per outcome "
                       f"(+- 95% CI half-width; every outcome and factor in sensitivity.csv):")
            for _, r in top.sort_values(["scheme", "outcome"]).iterrows():
                label = f"{r['scheme']}/{r['outcome']}" if r["scheme"] else r["outcome"]
                out.append(f"  {label:<40} {r['factor']:<40} {plain(r[key])} +- "
                           f"{plain(r[conf])}")
            if t.attrs.get("note"):
                out.append(f"  note: {t.attrs['note']}")
        if self.claims is not None:
            out += ["claims:", *("  " + line for line in self.claims.render().splitlines())]
        if self.files:
            out.append("written: " + ", ".join(str(f) for f in self.files))
        return "\n".join(out)


def analyze(out: str | Path, plot: Callable[..., Path] | None = None) -> Analysis:
    """Sensitivity indices (Sobol and Morris designs) and the claims analysis (two schemes
    or more) of a results store; tables (CSV) go to ``OUT/analysis/``.

    Args:
        out: The results store.
        plot: Draws the indices of one scheme to a PNG, called as
            ``plot(table, path, outcomes=..., scheme=...)`` (the CLI passes
            :func:`policysim.report.plots.sensitivity.plot_indices`; this layer does not
            plot). None: no figures.
    """
    from policysim.experiment.claims import analyze_claims
    from policysim.experiment.design import base_slices
    from policysim.experiment.sensitivity import indices, load_design
    from policysim.results.query import query

    out = Path(out)
    runs = query(out, "SELECT * FROM runs")
    design = load_design(out)
    folder = out / "analysis"
    files: list[Path] = []
    sens = None
    if design.name in ("sobol", "morris"):
        sens = indices(design, runs)
        files.append(_csv(sens, folder / "sensitivity.csv"))
        if plot and len(sens):
            shown = [o for o in HEADLINE if o in set(sens["outcome"])] or None
            for scheme in dict.fromkeys(sens["scheme"]):
                name = f"sensitivity-{scheme}.png" if scheme else "sensitivity.png"
                files.append(plot(sens, folder / name, outcomes=shown, scheme=scheme))
    claims = None
    if runs["scheme"].nunique() >= 2 or "commission" in set(runs["scheme"]):
        claims = analyze_claims(runs, design.keys, slices=base_slices(design))
        for name in ("tests", "points", "by_factor", "summary", "by_test", "skipped"):
            files.append(_csv(getattr(claims, name), folder / f"claims_{name}.csv"))
    return Analysis(sens, claims, files)


def _csv(df: pd.DataFrame, path: Path) -> Path:
    from policysim.results.runstore import atomic_write

    atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))
    return path
