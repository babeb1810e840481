"""SQL over a sweep's results store (DuckDB), from the command line or from Python.

A store holds one parquet part per finished run and table; DuckDB reads a list of parts as
one table, so the store is queried through views over the parts of *finished* runs (those
with a manifest entry; a part left by a killed sweep is never read):

- ``runs``: one row per run: ``point``, ``scheme``, ``rep``, ``seed``, ``days``, the value
  of every varied key (a column named by its dotted key: quote it in SQL,
  ``"teams.0.agents"``) and every metric. Only deterministic columns: two identical sweeps
  give identical rows. Ordered by point, scheme, rep.
- ``daily``: the daily series of every run (``point``, ``scheme``, ``rep``, ``day``, ...).
- ``agents``: per agent and pay period (``point``, ``scheme``, ``rep``, ``period``, ...).
- ``manifest``: per run: where, when and how long it ran (``seconds``, ``host``, ...).

::

    from policysim.results.query import query, tables
    query("results/levers", 'SELECT scheme, avg(profit) FROM runs GROUP BY ALL')
    runs = tables("results/levers")["runs"]
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from policysim.errors import UserError
from policysim.results.runstore import TABLES, RunStore

VIEWS = (*TABLES, "manifest")
_ORDER = {"runs": "point, scheme, rep", "daily": "point, scheme, rep, day",
          "agents": "point, scheme, rep, period, agent"}


def _store(out: str | Path) -> RunStore:
    store = RunStore(out)
    if store.root.exists() and not store.root.is_dir():
        raise UserError(f"OUT {store.root}: expected a sweep's results store (a directory), "
                        "found a file")
    if not store.root.is_dir():
        raise UserError(f"OUT {store.root}: no such directory")
    if not store.is_store():
        raise UserError(f"OUT {store.root}: not a sweep's results store (no experiment.yaml)")
    return store


def connect(out: str | Path, views: tuple[str, ...] = VIEWS):
    """An in-memory DuckDB connection with views over the store's finished runs.

    Args:
        out: The results store.
        views: The views to create (each costs a read of every part's metadata: about
            2 s per view for 10,000 runs).

    Raises:
        UserError: If ``out`` is not a store or has no finished run yet.
    """
    import duckdb

    store = _store(out)
    finished = store.finished()
    if not finished:
        raise UserError(f"OUT {store.root}: no finished run yet")
    con = duckdb.connect()
    runs = sorted(finished)
    for table in (t for t in TABLES if t in views):
        files = ", ".join(_quote(str(store.part(table, r))) for r in runs)
        rel = f"SELECT * FROM read_parquet([{files}], union_by_name=true)"
        try:
            try:
                con.execute(f"CREATE VIEW {table} AS {rel} ORDER BY {_ORDER[table]}")
            except duckdb.BinderException:  # e.g. no run has any agent row: no period column
                con.execute(f"CREATE VIEW {table} AS {rel} ORDER BY point, scheme, rep")
        except duckdb.Error as err:  # a part damaged after it was written (disk, hand edits)
            con.close()
            first = str(err).strip().splitlines()[0]
            raise UserError(f"OUT {store.root}: cannot read the {table} parts ({first}); "
                            "delete that run's manifest/<run>.json and rerun the sweep to "
                            "redo it") from None
    if "manifest" in views:
        manifest = pd.DataFrame([{k: v for k, v in finished[r].items()
                                  if not isinstance(v, dict)} for r in runs])
        con.register("manifest_df", manifest)
        con.execute("CREATE VIEW manifest AS SELECT * FROM manifest_df")
    return con


def mentioned(sql: str) -> tuple[str, ...]:
    """The views a SQL text names (only those are created)."""
    return tuple(v for v in VIEWS if re.search(rf"\b{v}\b", sql, re.IGNORECASE))


def query(out: str | Path, sql: str) -> pd.DataFrame:
    """Run DuckDB SQL over the store's views; return the rows as a DataFrame.

    Raises:
        UserError: If the store cannot be read or the SQL fails (DuckDB's message).
    """
    import duckdb

    if not sql.strip().strip(";").strip():
        raise UserError("SQL: expected a statement (e.g. \"SELECT * FROM runs\"), found nothing")
    con = connect(out, mentioned(sql))
    try:
        result = con.execute(sql)
        if result is None:  # only comments or empty statements: nothing ran
            raise UserError("SQL: expected a statement (e.g. \"SELECT * FROM runs\"), found "
                            f"none in {sql!r}")
        return result.df()
    except duckdb.Error as err:
        raise UserError(f"SQL: {str(err).strip()}") from None
    finally:
        con.close()


def tables(out: str | Path) -> dict[str, pd.DataFrame]:
    """Every view as a DataFrame (``runs`` sorted by point, scheme, rep)."""
    con = connect(out)
    try:
        return {name: con.execute(f"SELECT * FROM {name}").df() for name in VIEWS}
    finally:
        con.close()


def json_rows(df: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: NaN and nulls become None, numpy values plain Python,
    dates ISO text, bytes hex, times, intervals, UUIDs and other types their text."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in df.to_dict("records")]


def _plain(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (dt.date, dt.datetime, pd.Timestamp)):
        return v.isoformat()
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    if isinstance(v, (dt.time, dt.timedelta, pd.Timedelta)):
        return str(v)  # DuckDB TIME and INTERVAL: '10:00:00', '1 days 00:00:00'
    if isinstance(v, decimal.Decimal):
        return float(v)
    if not isinstance(v, (str, int, float, bool)):
        return str(v)  # UUID and any other type JSON has no word for
    return v


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
