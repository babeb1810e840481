"""Writing a run's or a comparison's result tables without ever losing finished work.

With ``--out DIR``, ``policysim run`` and ``compare`` write each replication's tables as soon
as it finishes (``DIR/parts/<scheme>-r0003.<table>.parquet``, each written atomically), so an
interrupted command keeps every finished replication; at the end the combined tables
(``runs``, ``daily``, ``agents``, ``hourly``) and the resolved scenario are written beside them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from policysim.config.schema import Scenario
from policysim.errors import UserError
from policysim.results.runstore import atomic_write


def write_frame(df: pd.DataFrame, path: Path) -> None:
    """Write one DataFrame to parquet atomically."""
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


def dump_scenario(scn: Scenario) -> str:
    """The resolved scenario (every default filled in) as YAML text."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    buf = io.StringIO()
    yaml.dump(scn.model_dump(mode="json"), buf)
    return buf.getvalue()


def prepare_out(out: Path, scn: Scenario) -> Path:
    """Check and create the output directory before any work starts; write the scenario."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: expected a directory, found a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"--out {out}: cannot create the directory ({err.strerror})") from None
    text = dump_scenario(scn)
    atomic_write(out / "scenario.yaml", lambda tmp: tmp.write_text(text))
    return out


def write_part(out: Path, outcome) -> None:
    """Write one finished replication's tables under ``out/parts``; the ``runs`` part last, so
    that a replication with a ``runs`` part has all its tables (an interrupt part-way leaves
    only parts without one)."""
    from policysim.experiment.runner import tables

    job = outcome.job
    stem = f"{job.scheme or 'none'}-r{job.rep:04d}"
    frames = tables([outcome])
    for name in sorted(frames, key=lambda n: n == "runs"):
        write_frame(frames[name], Path(out) / "parts" / f"{stem}.{name}.parquet")


def write_tables(out: Path, outcomes, scn: Scenario) -> None:
    """Write the combined runs, daily, agents and hourly tables plus the resolved scenario."""
    from policysim.experiment.runner import tables

    out = prepare_out(out, scn)
    for name, df in tables(outcomes).items():
        write_frame(df, out / f"{name}.parquet")
