"""``policysim calibrate``: fit a scenario to a store's own records (docs/data.md).

Kept apart from cli.py (which adds the command with ``register(app)``). The calibration
runs to the end before anything is written: the scenario YAML (validated first) goes to
``--out`` atomically, then, with ``--report DIR``, the fit report notebook runs on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

def calibrate(
    chats: Annotated[Path, typer.Option("--chats", help="Chats table (CSV or parquet).")],
    roster: Annotated[Path, typer.Option("--roster", help="Roster table (CSV or parquet).")],
    out: Annotated[Path, typer.Option("--out", help="Calibrated scenario YAML to write.")],
    payroll: Annotated[Optional[Path], typer.Option("--payroll", help="Payroll table (optional).")] = None,
    events: Annotated[Optional[Path], typer.Option("--events", help="Promotion days: name, date, days (optional).")] = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="Directory for the fit report (HTML).")] = None,
) -> None:
    """Estimate a scenario from a store's chats, roster (and payroll) records."""
    import re

    from policysim.calibration.scenario import calibrate as fit
    from policysim.calibration.scenario import scenario_yaml
    from policysim.errors import UserError
    from policysim.results.runstore import atomic_write

    if out.exists() and out.is_dir():
        raise UserError(f"--out {out}: expected a YAML file name, found a directory")
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise UserError(f"--out {out}: expected a file name ending in .yaml, found {out.name!r}")
    # where the scenario and the report go is checked before the fit, which may take a while
    _check_writable_place("--out", out, out.parent)
    if report is not None:
        if report.exists() and not report.is_dir():
            raise UserError(f"--report {report}: expected a directory, found a file")
        _check_writable_place("--report", report, report)
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", out.stem).lstrip(".") or "calibrated"
    cal = fit(chats, roster, payroll, events, name=name)
    text = scenario_yaml(cal, ", ".join(str(p) for p in (chats, roster, payroll, events) if p))
    try:
        atomic_write(out, lambda tmp: tmp.write_text(text))
    except OSError as err:
        raise UserError(f"--out {out}: cannot write the scenario ({err.strerror})") from None
    typer.echo(summary(cal))
    typer.echo(f"\nscenario written to {out}")
    if report is not None:
        from policysim.report.render import render

        values = {"chats": str(chats), "roster": str(roster),
                  "payroll": "" if payroll is None else str(payroll)}
        html = render("calibration", out, report, values)
        typer.echo(f"fit report: {html}")


def _check_writable_place(option: str, given: Path, folder: Path) -> None:
    """Refuse a folder that cannot be made: its nearest existing ancestor is a file or is not
    writable (nothing is created here: nothing is written unless calibration succeeds)."""
    import os

    from policysim.errors import UserError

    here = folder.absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    if not here.is_dir():
        raise UserError(f"{option} {given}: expected a folder that can be made, found a "
                        f"file at {here}")
    if not os.access(here, os.W_OK | os.X_OK):
        raise UserError(f"{option} {given}: expected a writable place, found {here} read-only")


def summary(cal) -> str:
    """Estimates, defaults kept and repairs, as plain text."""
    lines = [f"{'parameter':<36}{'value':>12}   95% interval"]
    for e in cal.estimates:
        if isinstance(e.value, list) or e.low is None:
            shown = e.value if not isinstance(e.value, list) else f"{len(e.value)} values"
            lines.append(f"{e.key:<36}{str(shown):>12}   ({e.how})")
        else:
            lines.append(f"{e.key:<36}{e.value:>12.4g}   [{e.low:.4g}, {e.high:.4g}]")
    for ev in cal.info["demand"]["events"]:
        m = ev["multiplier"]
        lines.append(f"{'event ' + ev['name'] + ' ' + ev['date'].isoformat():<36}"
                     f"{m.value:>12.4g}   [{m.low:.4g}, {m.high:.4g}] x demand, {ev['days']} days")
    lines.append("\ndefaults kept (not identifiable from these records):")
    lines += [f"  {k.key}: {k.reason}" for k in cal.kept]
    if cal.records.missing:
        lines.append("optional columns missing: " + ", ".join(cal.records.missing))
    if cal.records.notes:
        lines.append("repairs made to the records:")
        lines += [f"  {msg}: {n}" for msg, n in sorted(cal.records.notes.items())]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add the ``calibrate`` command to the policysim app."""
    app.command("calibrate")(calibrate)
