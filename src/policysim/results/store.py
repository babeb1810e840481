"""Writing result tables: parquet files written atomically (never a half-written file)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from policysim.config.schema import Scenario
from policysim.errors import UserError


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename onto ``path``: readers see all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def write_tables(out: Path, outcomes, scn: Scenario) -> None:
    """Write runs, daily, agents and hourly tables plus the resolved scenario into ``out``."""
    from policysim.experiment.runner import tables

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: expected a directory, found a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"--out {out}: cannot create the directory ({err.strerror})") from None
    for name, df in tables(outcomes).items():
        write_frame(df, out / f"{name}.parquet")
    text = dump_scenario(scn)
    atomic_write(out / "scenario.yaml", lambda tmp: tmp.write_text(text))
