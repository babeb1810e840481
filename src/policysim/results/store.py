"""Writing a run's or a comparison's result tables without ever losing finished work.

With ``--out DIR``, ``policysim run`` and ``compare`` write each replication's tables as soon
as it finishes (``DIR/parts/<scheme>-r0003.<table>.parquet``, each written atomically), so an
interrupted command keeps every finished replication; at the end the combined tables
(``runs``, ``daily``, ``agents``, ``hourly``) and the resolved scenario are written beside them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from policysim.config.schema import Scenario
from policysim.results.runstore import atomic_write, make_out_dir
from policysim.results.tables import RepTables, tidy_tables


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
    out = make_out_dir(out)
    text = dump_scenario(scn)
    atomic_write(out / "scenario.yaml", lambda tmp: tmp.write_text(text))
    return out


def clear_parts(out: Path) -> int:
    """Remove the replication parts an earlier command left in ``out/parts`` (so they never
    mix with this command's, e.g. replication 3 of a 4-replication run beside a new
    2-replication one); return how many files were removed."""
    parts = Path(out) / "parts"
    stale = sorted(parts.glob("*.parquet")) if parts.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def write_part(out: Path, rep: RepTables) -> None:
    """Write one finished replication's tables under ``out/parts``; its ``runs`` part is
    written last, so a replication whose runs part exists has every table on disk."""
    stem = f"{rep.scheme or 'none'}-r{rep.rep:04d}"
    parts = tidy_tables([rep])
    for name in [*(n for n in parts if n != "runs"), "runs"]:
        write_frame(parts[name], Path(out) / "parts" / f"{stem}.{name}.parquet")


def write_tables(out: Path, reps: Iterable[RepTables], scn: Scenario) -> None:
    """Write the combined runs, daily, agents and hourly tables plus the resolved scenario."""
    out = prepare_out(out, scn)
    for name, df in tidy_tables(reps).items():
        write_frame(df, out / f"{name}.parquet")
