"""policysim's command line: a thin Typer layer over config, experiment, results and report.

Every mistake a user can fix ends as one located message on stderr and exit code 2; add
``--debug`` (anywhere on the command line) to see the traceback.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from policysim.cli_calibrate import register as register_calibrate
from policysim.cli_experiment import register as register_experiment
from policysim.cli_report import register as register_report
from policysim.errors import UserError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate what incentive-pay schemes do to an e-commerce chat customer-service team.",
)
validate_app = typer.Typer(no_args_is_help=True, help="Check the queueing core against theory.")
app.add_typer(validate_app, name="validate")
register_report(app)
register_experiment(app)
register_calibrate(app)

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
DaysOpt = Annotated[Optional[int], typer.Option("--days", min=1, max=3650, help="Days to simulate.")]
RepsOpt = Annotated[Optional[int], typer.Option("--reps", min=1, max=10000, help="Replications.")]
SeedOpt = Annotated[Optional[int], typer.Option("--seed", min=0, help="Base random seed.")]
SetOpt = Annotated[
    Optional[list[str]],
    typer.Option("--set", help="Override a scenario field: dotted.key=value (repeatable)."),
]
OutOpt = Annotated[Optional[Path], typer.Option("--out", help="Directory for parquet tables.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print only a JSON object on stdout.")]
WorkersOpt = Annotated[
    Optional[int], typer.Option("--workers", min=1, max=512, help="Worker processes (default: all cores).")
]


def _load(path: Path, overrides: list[str] | None, days: int | None, reps: int | None,
          seed: int | None):
    from policysim.config.schema import Scenario
    from policysim.config.validate import load_model

    extra = list(overrides or [])
    for key, value in (("days", days), ("reps", reps), ("seed", seed)):
        if value is not None:
            extra.append(f"sim.{key}={value}")
    return load_model(Scenario, path, extra)


def _progress(total: int, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="run", disable=quiet or None, file=sys.stderr, leave=False)


def _on_done(bar, out: Path | None, scn):
    """Progress, and with ``--out`` each finished replication written at once (so an
    interrupted command keeps it). The directory is checked before any work starts."""
    from policysim.results.store import prepare_out, write_part

    if out is not None:
        prepare_out(out, scn)

    def done(outcome) -> None:
        if out is not None:
            write_part(out, outcome)
        bar.update()

    return done


def _fmt(name: str, value: float) -> str:
    from policysim.results.metrics import FORMATS

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return FORMATS.get(name, "{:,.4g}").format(value)


def _table(metrics: dict[str, dict[str, float]], title: str) -> str:
    width = max(len(k) for k in metrics) + 2
    lines = [title, f"{'metric':<{width}}{'mean':>14}   95% CI", "-" * (width + 44)]
    for name, ci in metrics.items():
        lines.append(
            f"{name:<{width}}{_fmt(name, ci['mean']):>14}   "
            f"[{_fmt(name, ci['ci_low'])}, {_fmt(name, ci['ci_high'])}]"
        )
    return "\n".join(lines)


def _public(ci: dict[str, float]) -> dict[str, float | None]:
    """The JSON face of an interval; undefined values (NaN) become null."""
    return {k: (None if math.isnan(ci[k]) else float(ci[k])) for k in ("mean", "ci_low", "ci_high")}


@app.command()
def run(
    scenario: ScenarioArg,
    days: DaysOpt = None,
    reps: RepsOpt = None,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    out: OutOpt = None,
    json_: JsonOpt = False,
    workers: WorkersOpt = None,
    scheme: Annotated[Optional[str], typer.Option("--scheme", help="Pay scheme in force.")] = None,
    records: Annotated[Optional[Path], typer.Option("--records", help="Directory for per-chat records (docs/data.md), one subfolder per replication.")] = None,
) -> None:
    """Run replications of one scenario and print its metrics with 95% CIs."""
    from policysim.experiment.runner import default_workers, replicate, scheme_in_force
    from policysim.experiment.stats import summarize_reps
    from policysim.results.store import write_tables

    scn = _load(scenario, set_, days, reps, seed)
    chosen = scheme_in_force(scn, scheme)
    n = scn.sim.reps
    bar = _progress(n, json_)
    outcomes = replicate(scn, n, scn.sim.seed, scn.sim.days, chosen,
                         workers=workers or default_workers(), on_done=_on_done(bar, out, scn),
                         records=None if records is None else str(records))
    bar.close()
    metrics = summarize_reps([o.summary for o in outcomes])
    if out is not None:
        write_tables(out, outcomes, scn)
    if json_:
        doc = {"scenario": scn.name, "scheme": chosen, "days": scn.sim.days, "reps": n,
               "seed": scn.sim.seed, "metrics": {k: _public(v) for k, v in metrics.items()}}
        typer.echo(json.dumps(doc, indent=2))
        return
    title = (f"{scn.name}: scheme {chosen or '(none: fixed actions)'}, {scn.sim.days} days, "
             f"{n} replications, seed {scn.sim.seed}")
    typer.echo(_table(metrics, title))
    if out is not None:
        typer.echo(f"\ntables written to {out}/")


@app.command()
def compare(
    scenario: ScenarioArg,
    schemes: Annotated[Optional[str], typer.Option("--schemes", help="Comma-separated scheme names.")] = None,
    baseline: Annotated[Optional[str], typer.Option("--baseline", help="Scheme to difference against.")] = None,
    days: DaysOpt = None,
    reps: RepsOpt = None,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    out: OutOpt = None,
    json_: JsonOpt = False,
    workers: WorkersOpt = None,
) -> None:
    """Run each scheme on the same buyers and print paired differences from the baseline."""
    from policysim.experiment.compare import compare_schemes, pick_schemes

    scn = _load(scenario, set_, days, reps, seed)
    names, base = pick_schemes(scn, schemes, baseline)
    bar = _progress(len(names) * scn.sim.reps, json_)
    result = compare_schemes(scn, names, base, workers=workers, on_done=_on_done(bar, out, scn))
    bar.close()
    if out is not None:
        from policysim.results.store import write_tables

        write_tables(out, result.outcomes, scn)
    if json_:
        doc = {
            "scenario": scn.name, "baseline": base, "days": scn.sim.days, "reps": scn.sim.reps,
            "seed": scn.sim.seed,
            "schemes": {n: {"metrics": {k: _public(v) for k, v in m.items()}}
                        for n, m in result.metrics.items()},
            "differences": {n: {k: _public(v) for k, v in d.items()}
                            for n, d in result.differences.items()},
        }
        typer.echo(json.dumps(doc, indent=2))
        return
    typer.echo(result.render())


@validate_app.command("erlang-a")
def validate_erlang_a(
    agents: Annotated[int, typer.Option("--agents", min=1, max=5000, help="Number of agents c.")],
    arrival_rate: Annotated[float, typer.Option("--arrival-rate", min=1e-9, help="Arrivals per minute.")],
    service_rate: Annotated[float, typer.Option("--service-rate", min=1e-9, help="Services per minute per agent.")],
    patience_rate: Annotated[float, typer.Option("--patience-rate", min=0.0, help="Abandonments per minute of waiting; 0 = Erlang-C.")],
    customers: Annotated[int, typer.Option("--customers", min=100, max=100_000_000, help="Customers per replication.")] = 200_000,
    reps: Annotated[int, typer.Option("--reps", min=2, max=1000, help="Replications.")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Base random seed.")] = 1,
    json_: JsonOpt = False,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, max=512, help="Worker processes (default: 1).")] = None,
) -> None:
    """Simulate M/M/c+M through the engine and compare with exact Erlang-A (or Erlang-C)."""
    from policysim.validation.check import check_erlang

    for name, value in (("--arrival-rate", arrival_rate), ("--service-rate", service_rate),
                        ("--patience-rate", patience_rate)):
        if not math.isfinite(value):
            raise UserError(f"{name}: expected a finite number, found {value}")
    res = check_erlang(agents, arrival_rate, service_rate, patience_rate, customers, reps, seed,
                       workers=workers or 1)
    if json_:
        typer.echo(json.dumps(res, indent=2))
        return
    p = res["params"]
    typer.echo(f"{res['model']}: c={p['agents']}, lambda={p['arrival_rate']}/min, "
               f"mu={p['service_rate']}/min, theta={p['patience_rate']}/min, "
               f"{p['customers']} customers x {p['reps']} replications")
    typer.echo(f"{'measure':<16}{'simulated':>12}   {'95% CI':<24}{'exact':>10}")
    for key in ("p_wait", "p_abandon", "mean_wait_min"):
        s = res["simulated"][key]
        typer.echo(f"{key:<16}{s['mean']:>12.5f}   [{s['ci_low']:.5f}, {s['ci_high']:.5f}]"
                   f"{'':<3}{res['analytic'][key]:>10.5f}")


@app.command()
def schema() -> None:
    """Print the JSON schema of scenario files (for editor completion)."""
    from policysim.config.schema import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


def _click_exceptions() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """Usage-error and exit exception classes of click and of the click copy some typer
    releases bundle (``typer._click``), whichever are installed."""
    import importlib

    usage: list[type] = []
    exits: list[type] = [typer.Exit]
    for mod in ("click.exceptions", "typer._click.exceptions"):
        try:
            m = importlib.import_module(mod)
        except ImportError:
            continue
        usage.append(m.ClickException)
        if hasattr(m, "Exit"):
            exits.append(m.Exit)
    return tuple(usage), tuple(exits)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning user errors into one message and exit code 2."""
    import signal

    # a shell that starts us in the background may leave SIGINT ignored: Ctrl-C (or kill -INT)
    # must still stop a run cleanly, keeping what is already written
    signal.signal(signal.SIGINT, signal.default_int_handler)
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    try:
        rc = app(args=args, prog_name="policysim", standalone_mode=False)
        # typer returns the exit code of an Exit (Ctrl-C becomes Exit(130)) instead of raising
        if isinstance(rc, int) and not isinstance(rc, bool) and rc != 0:
            if rc == 130:
                raise KeyboardInterrupt
            sys.exit(rc)
    except UserError as err:
        if debug:
            raise
        typer.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("interrupted: finished work is kept where it was written", err=True)
        sys.exit(130)
    except Exception as err:  # click usage errors and anything unexpected
        usage, exits = _click_exceptions()
        if isinstance(err, usage):
            err.show()
            sys.exit(2)
        if isinstance(err, exits):
            sys.exit(err.exit_code)
        if debug:
            raise
        typer.echo(f"internal error: {type(err).__name__}: {err} (rerun with --debug for the "
                   "traceback and report it)", err=True)
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
