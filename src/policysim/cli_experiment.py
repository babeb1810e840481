"""``policysim sweep`` and ``policysim query``: run an experiment into a results store, and
query the store with SQL.

Kept apart from cli.py, which adds both commands with ``register(app)``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from policysim.errors import UserError
from policysim.results.measures import MISSING


def sweep(
    experiment: Annotated[Path, typer.Argument(help="Experiment YAML file.", show_default=False)],
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=1, max=4096,
        help="Worker processes on this machine (default: all cores; 1: in this process).")]
    = None,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Run on a Dask cluster: its scheduler address, tcp://host:port.")]
    = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Results store directory (default: results/<experiment name>/, with "
        "--days N results/<experiment name>-<N>d/).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the sweep in --out (it must hold this experiment); "
        "finished runs are never recomputed (rerunning without --resume does the same).")]
    = False,
    days: Annotated[Optional[int], typer.Option(
        "--days", min=1, max=3650, help="Days per run (a quick look; a different experiment).")]
    = None,
    reps: Annotated[Optional[int], typer.Option(
        "--reps", min=1, max=10000, help="Replications per design point and scheme.")] = None,
) -> None:
    """Run every design point x scheme x replication of an experiment into a results store.

    Each finished run is written at once; a failing run is recorded and the sweep goes on,
    exiting with code 1 at the end and naming the failed runs. Query the store with
    ``policysim query OUT "SQL"``.
    """
    from policysim.experiment.plan import load_plan
    from policysim.experiment.executors import check_flags, make_executor
    from policysim.experiment.sweep import analyze, code_version, open_store, run_sweep
    from policysim.results.measures import plural, sweep_few_reps

    check_flags(workers, scheduler)
    plan = load_plan(experiment, days=days, reps=reps)
    if out is None:  # a quick look (--days) gets its own store beside the full one
        out = Path("results") / (plan.name + (f"-{days}d" if days is not None else ""))
    open_store(plan, out, resume)  # a store of another experiment: error before connecting
    executor = make_executor(workers, scheduler)
    schemes = ", ".join(s or "none: fixed actions" for s in plan.schemes)
    where = {"in-process": "in this process",
             "local-pool": f"{getattr(executor, 'workers', '?')} local worker processes",
             "dask": f"Dask scheduler {scheduler}"}.get(executor.name, executor.name)
    typer.echo(f"{plan.name}: {plural(len(plan.design), 'design point')} ({plan.design.name}) "
               f"x {plural(len(plan.schemes), 'scheme')} ({schemes}) x "
               f"{plural(plan.reps, 'replication')} = {plural(len(plan.runs), 'run')}, {where}; "
               f"store {out}", err=True)
    note = sweep_few_reps(plan.reps, plan.schemes)
    if note:
        typer.echo(f"warning: {note}", err=True)
    with executor:
        result = run_sweep(plan, out, executor, resume=resume)
    typer.echo(f"{plural(result.total, 'run')}: {result.completed} finished now, "
               f"{result.skipped} "
               f"already finished, {len(result.failed)} failed ({result.seconds:.1f} s); "
               f"store {result.out}")
    if result.other_code:
        others = ", ".join(sorted(result.other_code))
        typer.echo(f"warning: some workers ran other policysim code ({others}; this process: "
                   f"{code_version()}); see code_version in the manifest view", err=True)
    if result.failed:
        typer.echo(f"failed runs ({len(result.failed)}; errors in {result.out}/failed/, rerun "
                   "the same command to retry them):", err=True)
        for run, error in sorted(result.failed.items()):
            typer.echo(f"  {run}: {error}", err=True)
        sys.exit(1)
    from policysim.report.plots.sensitivity import plot_indices

    try:
        text = analyze(result.out, plot=plot_indices).render()
    except UserError as err:
        text = f"analysis skipped: {err.message}"
    if text:
        typer.echo(text)


def query(
    out: Annotated[Path, typer.Argument(metavar="OUT", help="A sweep's results store.",
                                        show_default=False)],
    sql: Annotated[str, typer.Argument(
        metavar="SQL", help="DuckDB SQL over the views runs, daily, agents (and manifest).",
        show_default=False)],
    json_: Annotated[bool, typer.Option("--json", help="Print the rows as a JSON list.")]
    = False,
) -> None:
    """Run SQL over a results store: views runs (one row per run), daily and agents."""
    import pandas as pd

    from policysim.results.query import json_rows
    from policysim.results.query import query as run_query

    df = run_query(out, sql)
    if json_:
        typer.echo(json.dumps(json_rows(df), indent=1))
        return
    if df.empty:
        typer.echo(f"(no rows; columns: {', '.join(map(str, df.columns))})")
        return
    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.width", 200):
        typer.echo(_missing_as_na(df).to_string(index=False, na_rep=MISSING))


def _missing_as_na(df):
    """The table with every missing value written n/a, as in every other command (floats get
    it from ``na_rep``; None in text columns and <NA> in nullable ones here)."""
    import pandas as pd

    df = df.copy()
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if not pd.api.types.is_float_dtype(col) and col.isna().any():
            df.isetitem(i, col.astype(object).where(col.notna(), MISSING))
    return df


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` and ``query`` commands to the policysim app."""
    app.command("sweep")(sweep)
    app.command("query")(query)
