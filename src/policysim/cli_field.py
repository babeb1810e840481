"""``policysim validate field``: the model's agents against published field experiments.

Kept apart from cli.py, which adds the command to its ``validate`` group with
``register(validate_app)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from policysim.errors import UserError


def _reps(text: Optional[str]) -> Optional[int]:
    """``--reps``: a whole number of replications per arm, at least 2 (an interval needs 2)."""
    if text is None:
        return None
    if text.strip().isdigit() and 2 <= int(text) <= 1000:
        return int(text)
    raise UserError(f"--reps: expected a whole number from 2 to 1000, found {text!r}")


def field(
    reps: Annotated[Optional[str], typer.Option(
        "--reps", metavar="R", help="Replications per arm of every study (2-1000; default: "
        "each study scenario's sim.reps).")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print only a JSON object on stdout.")]
    = False,
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", help="Override a setting of every study scenario: dotted.key=value "
        "(repeatable), e.g. behaviour.temperature=80.")] = None,
    fit: Annotated[Optional[Path], typer.Option(
        "--fit", help="Fit the behaviour defaults to the in-sample studies as this file says "
        "(experiments/behaviour_fit.yaml) and report in- and out-of-sample agreement.")]
    = None,
    studies: Annotated[Optional[str], typer.Option(
        "--studies", help="Comma-separated study ids to run (default: all).")] = None,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=1, max=512, help="Worker processes (default: all cores).")] = None,
) -> None:
    """Run stylised versions of published field studies of pay and compare the effects."""
    from policysim.experiment.runner import default_workers
    from policysim.validation import field as F

    n = _reps(reps)
    workers = workers or default_workers()
    if fit is not None:
        from policysim.validation import field_fit as FF

        if studies is not None:  # it would be ignored: say so rather than run other studies
            raise UserError(f"--studies: not with --fit (a fit runs the in-sample studies "
                            f"and, with out_of_sample, all others), found {studies!r}")

        spec = FF.load_fit(fit)
        if n is not None:
            spec = spec.model_copy(update={"reps": n})
        def log(text: str) -> None:  # progress on stderr (stdout stays the JSON)
            typer.echo(text, err=True)

        res = FF.fit(spec, workers, log=log, settings=list(set_ or []))
        if json_:
            typer.echo(json.dumps(F.plain_json(FF.fit_json(res)), indent=2))
        else:
            typer.echo(FF.render_fit(res))
        return
    settings = list(set_ or [])
    for s in settings:
        if "=" not in s:
            raise UserError(f"--set: expected dotted.key=value, found {s!r}")
    chosen = F.STUDIES
    if studies is not None:
        ids = [s.strip().lower() for s in studies.split(",") if s.strip()]  # ids are lower case
        known = [s.id for s in F.STUDIES]
        bad = [i for i in ids if i not in known]
        if bad or not ids:
            raise UserError(f"--studies: expected study ids from {', '.join(known)}, found "
                            f"{bad[0] if bad else studies!r}")
        if len(set(ids)) != len(ids):
            raise UserError(f"--studies: each study once, found {ids}")
        chosen = [F.study(i) for i in ids]
    rows = F.run_field(chosen, n, settings, workers)
    if json_:
        typer.echo(json.dumps(F.as_json(rows), indent=2))
    else:
        typer.echo(F.render(rows, n))


def register(validate_app: typer.Typer) -> None:
    """Add ``field`` to the ``validate`` group."""
    validate_app.command("field")(field)
