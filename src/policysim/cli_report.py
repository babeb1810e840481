"""``policysim report``: run a report notebook on a scenario and print the HTML's path.

Kept apart from cli.py so the report layer (papermill, nbconvert) is imported only when a
report is asked for; cli.py adds the command with ``register(app)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from policysim.report.params import NOTEBOOKS

_NAMES = ", ".join(NOTEBOOKS)


def _pairs(args: list[str]) -> list[tuple[str, str]]:
    """``-p NAME VALUE`` pairs from the arguments click left over; anything else refused."""
    from policysim.errors import UserError

    pairs, i = [], 0
    while i < len(args):
        flag = args[i]
        if flag in ("-p", "--param"):
            if len(args) - i < 3:
                raise UserError(
                    f"{flag}: expected NAME VALUE, found {' '.join(args[i + 1 :]) or 'nothing'}"
                )
            pairs.append((args[i + 1], args[i + 2]))
            i += 3
        else:
            raise UserError(
                f"report: unexpected argument {flag!r} (parameters go as -p NAME VALUE "
                "after SCENARIO)"
            )
    return pairs


def report(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    notebook: Annotated[
        str, typer.Option("--notebook", "-n", help=f"Notebook: {_NAMES}.")
    ] = "scenario_report",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output directory (default: reports/<scenario name>/)."),
    ] = None,
    timeout: Annotated[
        Optional[int], typer.Option(
            "--timeout", min=1, help="Per-cell timeout in seconds (default: none; a large "
            "store on a busy machine may take longer than any fixed limit).")
    ] = None,
    kernel: Annotated[str, typer.Option("--kernel", help="Jupyter kernel.")] = "policysim",
) -> None:
    """Run a report notebook on a scenario; print the path of its HTML.

    Writes the executed notebook, a self-contained HTML report without code and the parquet
    results to reports/<scenario name>/ (or --out). Notebook parameters follow SCENARIO as
    -p NAME VALUE (repeatable), e.g. -p reps 10 -p days 180; reports/README.md lists each
    notebook's parameters.
    """
    from policysim.report.params import from_cli, spec
    from policysim.report.render import render

    spec(notebook)
    values = from_cli(notebook, _pairs(list(ctx.args)))
    html = render(notebook, scenario, out, values, kernel=kernel, timeout=timeout)
    typer.echo(str(html))


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to the policysim app."""
    app.command(
        "report", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )(report)


#: A stand-alone app with only ``report`` (for tests and ``python -m policysim.cli_report``).
