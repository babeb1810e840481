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

from policysim.cli_app import register as register_app
from policysim.cli_calibrate import register as register_calibrate
from policysim.cli_experiment import register as register_experiment
from policysim.cli_field import register as register_field
from policysim.cli_report import register as register_report
from policysim.errors import UserError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate what incentive-pay schemes do to an e-commerce chat customer-service team.",
)
validate_app = typer.Typer(no_args_is_help=True, help="Check the queueing core against theory and agents against field evidence.")
app.add_typer(validate_app, name="validate")
register_field(validate_app)
register_report(app)
register_experiment(app)
register_app(app)
register_calibrate(app)

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
DaysOpt = Annotated[Optional[int], typer.Option("--days", min=1, max=3650, help="Days to simulate.")]
def _reps_value(text: Optional[str]) -> Optional[str]:
    """``--reps``: a whole number from 1 to 10000, or ``auto``."""
    if text is None or text.strip().lower() == "auto":
        return None if text is None else "auto"
    if text.strip().isdigit() and 1 <= int(text) <= 10000:
        return str(int(text))
    raise typer.BadParameter(f"expected a whole number from 1 to 10000 or auto, found {text!r}")


RepsOpt = Annotated[Optional[str], typer.Option(
    "--reps", callback=_reps_value, metavar="N|auto",
    help="Replications: a number, or auto (add replications until every headline 95% interval "
         "is within --precision, at most --max-reps).")]
PrecisionOpt = Annotated[Optional[list[str]], typer.Option(
    "--precision", metavar="METRIC=VALUE",
    help="With --reps auto: the 95% half-width to reach, in the metric's unit (a share as a "
         "fraction) or as a percentage of the baseline (revenue=2%); repeatable. Defaults: "
         "docs/howto.md.")]
MaxRepsOpt = Annotated[Optional[int], typer.Option(
    "--max-reps", min=1, max=10000,
    help="With --reps auto: the most replications to run (default 40).")]
MAX_REPS = 40  #: the cap of --reps auto without --max-reps
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


def _auto(reps: Optional[str], precision: list[str] | None, max_reps: int | None):
    """The ``--reps auto`` settings (None for a fixed number); ``--precision`` and
    ``--max-reps`` need auto (given without it they would be silently ignored)."""
    from policysim.experiment.auto import AutoSpec, parse_precision

    if reps != "auto":
        if precision:
            raise UserError("--precision: only with --reps auto")
        if max_reps is not None:
            raise UserError("--max-reps: only with --reps auto")
        return None
    return AutoSpec(parse_precision(precision), cap=MAX_REPS if max_reps is None else max_reps)


def _few_reps(n: int, quiet: bool, auto: bool = False) -> list[str]:
    """The few-replications warning (also on stderr with --json); with ``--reps auto`` only
    ``--max-reps`` below 10 stops it that early, so the advice is to raise that."""
    from policysim.results.measures import few_reps

    note = few_reps(n)
    if note and auto:
        note = (f"only {n} replication{'s' if n != 1 else ''} (--reps auto stopped at "
                f"--max-reps {n}): 95% intervals are wide and can mislead; give --max-reps 10 "
                "or more")
    if note and quiet:
        typer.echo(f"warning: {note}", err=True)
    return [note] if note else []


def _load(path: Path, overrides: list[str] | None, days: int | None, reps: str | None,
          seed: int | None):
    from policysim.config.schema import Scenario
    from policysim.config.validate import load_model

    extra = list(overrides or [])
    reps = None if reps == "auto" else reps
    for key, value in (("days", days), ("reps", reps), ("seed", seed)):
        if value is not None:
            extra.append(f"sim.{key}={value}")
    return load_model(Scenario, path, extra)


def _progress(total: int, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="run", disable=quiet or None, file=sys.stderr, leave=False)


def _on_done(bar, out: Path | None, scn):
    """Progress, and with ``--out`` each finished replication written at once (so an
    interrupted command keeps it). The directory is checked before any work starts; parts an
    earlier command left there are removed (they would mix with this command's)."""
    from policysim.results.store import clear_parts, prepare_out, write_part

    if out is not None:
        prepare_out(out, scn)
        if clear_parts(out):
            typer.echo(f"note: --out {out}: replacing the tables an earlier command wrote "
                       "there", err=True)

    def done(outcome) -> None:
        if out is not None:
            write_part(out, outcome.plain())
        bar.update()

    return done


def _table(metrics: dict[str, dict[str, float]], title: str, notes: list[str]) -> str:
    """The run table: metric, mean and (from 2 replications) the 95% CI, aligned."""
    from policysim.results.measures import align, interval_parts
    from policysim.results.metrics import FORMATS

    keys = [k for k in FORMATS if k in metrics] + [k for k in metrics if k not in FORMATS]
    one = all(ci["n"] < 2 for ci in metrics.values())
    rows = []
    for name in keys:
        ci = metrics[name]
        rows.append([name, *interval_parts(name, ci)])
    header = ["metric", "mean"] if one else ["metric", "mean", "95% CI"]
    return "\n".join([title, *(f"warning: {n}" for n in notes),
                      align([r[:len(header)] for r in rows], header)])


def _warn(notes: list[str]) -> list[str]:
    """Print plausibility warnings on stderr (they never fail a command); return them."""
    for note in notes:
        typer.echo(f"warning: {note}", err=True)
    return notes


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
    precision: PrecisionOpt = None,
    max_reps: MaxRepsOpt = None,
    records: Annotated[Optional[Path], typer.Option("--records", help="Directory for per-chat records (docs/data.md), one subfolder per replication.")] = None,
) -> None:
    """Run replications of one scenario and print its metrics with 95% CIs."""
    from policysim.experiment.auto import replicate_auto
    from policysim.experiment.compare import with_reps
    from policysim.experiment.runner import default_workers, replicate, scheme_in_force
    from policysim.experiment.stats import summarize_reps
    from policysim.results.measures import plural
    from policysim.results.plausibility import result_warnings, scenario_warnings
    from policysim.results.metrics import SERVICE_NOTE, routing_text
    from policysim.results.store import write_tables

    auto = _auto(reps, precision, max_reps)
    scn = _load(scenario, set_, days, reps, seed)
    chosen = scheme_in_force(scn, scheme)
    if auto is not None and records is not None:
        raise UserError("--records: expected a number of replications (--reps N) to record, "
                        "found --reps auto")
    if records is not None:  # before the runs: a file in the way used to fail after them
        from policysim.results.runstore import make_out_dir

        make_out_dir(records, "--records")
    notes = _warn(scenario_warnings(scn))
    n_workers = workers or default_workers()
    bar = _progress(auto.cap if auto else scn.sim.reps, json_)
    done = _on_done(bar, out, scn)
    if auto is None:
        outcomes, how = replicate(scn, scn.sim.reps, scn.sim.seed, scn.sim.days, chosen,
                                  workers=n_workers, on_done=done,
                                  records=None if records is None else str(records)), None
    else:
        outcomes, how = replicate_auto(scn, chosen, n_workers, done, auto)
        scn = with_reps(scn, how.reps)
    bar.close()
    n = scn.sim.reps
    metrics = summarize_reps([o.summary for o in outcomes])
    if out is not None:
        write_tables(out, [o.plain() for o in outcomes], scn)
    few = _few_reps(n, json_, auto is not None)
    notes += few
    notes += _warn(result_warnings(scn, metrics, chosen))
    if json_:
        doc = {"scenario": scn.name, "scheme": chosen, "days": scn.sim.days, "reps": n,
               "seed": scn.sim.seed, "metrics": {k: _public(v) for k, v in metrics.items()},
               "warnings": notes}
        if how is not None:
            doc["reps_auto"] = how.public()
        typer.echo(json.dumps(doc, indent=2))
        return
    title = (f"{scn.name}: scheme {chosen or '(none: fixed actions)'}, "
             f"{plural(scn.sim.days, 'day')}, {plural(n, 'replication')}, seed {scn.sim.seed}")
    if how is not None:
        title += "\n" + how.text()
    typer.echo(_table(metrics, title, few))
    typer.echo(f"routing: {routing_text(scn)}; {SERVICE_NOTE}")
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
    precision: PrecisionOpt = None,
    max_reps: MaxRepsOpt = None,
    equal_cost: Annotated[bool, typer.Option("--equal-cost", help="Scale each scheme's variable pay to cost what the baseline does.")] = False,
) -> None:
    """Run each scheme on the same buyers and print paired differences from the baseline."""
    from policysim.experiment.compare import compare_schemes, pick_schemes, pay_by_tenure
    from policysim.experiment.equal_cost import (
        check_equal_cost, cost_warnings, equal_cost_compare,
    )
    from policysim.results.plausibility import result_warnings, scenario_warnings

    auto = _auto(reps, precision, max_reps)
    scn = _load(scenario, set_, days, reps, seed)
    names, base = pick_schemes(scn, schemes, baseline)
    if equal_cost:
        check_equal_cost(auto)
    notes = _warn(scenario_warnings(scn))
    bar = _progress(len(names) * (auto.cap if auto else scn.sim.reps), json_)
    if equal_cost:
        result = equal_cost_compare(scn, names, base, workers, _on_done(bar, out, scn))
    else:
        result = compare_schemes(scn, names, base, workers=workers,
                                 on_done=_on_done(bar, out, scn), auto=auto)
    bar.close()
    scn = result.scenario
    if out is not None:
        from policysim.results.store import write_tables

        write_tables(out, [o.plain() for o in result.outcomes], scn)
    notes += _few_reps(result.reps, json_, auto is not None)
    notes += _warn(cost_warnings(result))
    for name, m in result.metrics.items():
        notes += _warn(result_warnings(scn, m, name))
    if json_:
        agents = result.agents()
        doc = {
            "scenario": scn.name, "baseline": base, "days": scn.sim.days, "reps": result.reps,
            "seed": scn.sim.seed,
            "schemes": {n: {"metrics": {k: _public(v) for k, v in m.items()}}
                        for n, m in result.metrics.items()},
            "differences": {n: {k: _public(v) for k, v in d.items()}
                            for n, d in result.differences.items()},
            "pay_by_tenure": {n: pay_by_tenure(agents, n, base, scn.sim.period_days)
                              .to_dict(orient="records") for n in result.differences},
            "warnings": notes,
        }
        if result.auto is not None:
            doc["reps_auto"] = result.auto.public()
        if result.cost_scale is not None:
            doc["cost_scale"] = result.cost_scale
        typer.echo(json.dumps(doc, indent=2, default=_plain))
        return
    typer.echo(result.render())


def _plain(x):
    """JSON for numpy numbers."""
    import numpy as np

    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(type(x).__name__)


@validate_app.command("chat")
def validate_chat(
    agents: Annotated[int, typer.Option("--agents", min=1, max=5000, help="Number of identical agents N.")],
    cap: Annotated[int, typer.Option("--cap", min=1, max=20, help="Most chats an agent holds, K.")],
    arrival_rate: Annotated[float, typer.Option("--arrival-rate", help="Arrivals per minute.")],
    per_chat_rates: Annotated[str, typer.Option("--per-chat-rates", help="r1,...,rK: per-chat service rate per minute while an agent holds k chats.")],
    patience_rate: Annotated[float, typer.Option("--patience-rate", help="Abandonments per minute of queueing; 0 = nobody leaves.")],
    customers: Annotated[int, typer.Option("--customers", min=100, max=100_000_000, help="Customers per replication.")] = 200_000,
    reps: Annotated[int, typer.Option("--reps", min=2, max=1000, help="Replications.")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Base random seed.")] = 1,
    json_: JsonOpt = False,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, max=512, help="Worker processes (default: 1).")] = None,
) -> None:
    """Simulate the degenerate chat store (live concurrency) and compare with its exact Markov chain."""
    from policysim.validation.chat import check_chat_params
    from policysim.validation.check import check_chat

    try:
        rates = [float(x) for x in per_chat_rates.split(",")]
    except ValueError:
        raise UserError(f"--per-chat-rates: expected comma-separated numbers r1,...,rK, "
                        f"found {per_chat_rates!r}") from None
    check_chat_params(agents, cap, arrival_rate, rates, patience_rate)
    res = check_chat(agents, cap, arrival_rate, rates, patience_rate, customers, reps, seed,
                     workers=workers or 1)
    if json_:
        typer.echo(json.dumps(res, indent=2))
        return
    p = res["params"]
    typer.echo(f"chat: N={p['agents']}, K={p['cap']}, lambda={p['arrival_rate']}/min, "
               f"r={','.join(f'{r:g}' for r in p['per_chat_rates'])}/min, "
               f"theta={p['patience_rate']}/min, {p['customers']} customers x {p['reps']} "
               f"replications; exact chain of {p['chain_states']} load states")
    typer.echo(f"{'measure':<22}{'simulated':>12}   {'95% CI':<24}{'exact':>10}")
    for key in ("p_wait", "p_abandon", "mean_wait", "mean_chats_per_agent"):
        s = res["simulated"][key]
        typer.echo(f"{key:<22}{s['mean']:>12.5f}   [{s['ci_low']:.5f}, {s['ci_high']:.5f}]"
                   f"{'':<3}{res['exact'][key]:>10.5f}")
    typer.echo("(waits in minutes)")


@validate_app.command("erlang-a")
def validate_erlang_a(
    agents: Annotated[int, typer.Option("--agents", min=1, max=5000, help="Number of agents c.")],
    arrival_rate: Annotated[float, typer.Option("--arrival-rate", help="Arrivals per minute.")],
    service_rate: Annotated[float, typer.Option("--service-rate", help="Services per minute per agent.")],
    patience_rate: Annotated[float, typer.Option("--patience-rate", help="Abandonments per minute of waiting; 0 = Erlang-C.")],
    customers: Annotated[int, typer.Option("--customers", min=100, max=100_000_000, help="Customers per replication.")] = 200_000,
    reps: Annotated[int, typer.Option("--reps", min=2, max=1000, help="Replications.")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Base random seed.")] = 1,
    json_: JsonOpt = False,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, max=512, help="Worker processes (default: 1).")] = None,
) -> None:
    """Simulate M/M/c+M through the engine and compare with exact Erlang-A (or Erlang-C)."""
    from policysim.validation.chat import check_rate
    from policysim.validation.check import check_erlang

    check_rate("--arrival-rate", arrival_rate)
    check_rate("--service-rate", service_rate)
    check_rate("--patience-rate", patience_rate, zero=True)
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
    # SIGTERM (kill PID, a job scheduler's stop) ends a run the way Ctrl-C does, so that
    # what is written is kept and a report's Jupyter kernels are shut down, not orphaned
    terminated = []

    def _terminate(signum, frame):
        terminated.append(signum)
        raise KeyboardInterrupt

    try:
        old_term = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave SIGTERM alone
        old_term = None
    try:
        _main(argv, terminated)
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def _main(argv: list[str] | None, terminated: list) -> None:
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
        typer.echo(f"{'terminated' if terminated else 'interrupted'}: what was already "
                   "written to disk (an --out folder, a sweep's store, a report's folder) is "
                   "kept; nothing else was saved", err=True)
        sys.exit(143 if terminated else 130)
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
