"""Write a run's per-chat records as the three tables of docs/data.md (CSV).

The recorder (``policysim.model.records``) keeps times in seconds from the start of the run
and days as numbers; here they become the store's calendar: ISO 8601 local timestamps
(no time zone, millisecond resolution) from ``sim.start_date`` and dates for the roster.
Agent ids are written as ``a0001``; payroll periods as the date each pay period starts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from policysim.config.schema import Scenario
from policysim.results.runstore import atomic_write

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def _stamps(start: pd.Timestamp, seconds: np.ndarray) -> pd.Series:
    """Seconds from ``start`` as ISO text with milliseconds; NaN becomes empty."""
    ms = np.round(np.asarray(seconds, dtype=float) * 1000.0)
    ok = np.isfinite(ms)
    out = pd.Series("", index=range(len(ms)), dtype=object)
    if ok.any():
        t = start + pd.to_timedelta(ms[ok].astype(np.int64), unit="ms")
        out[ok] = t.strftime(TIME_FORMAT).str.slice(0, -3)
    return out


def _agent_ids(ids: np.ndarray) -> pd.Series:
    return pd.Series([f"a{i:04d}" if i >= 0 else "" for i in np.asarray(ids).tolist()],
                     dtype=object)


def _dates(start: dt.date, days: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    text = [(start + dt.timedelta(days=int(d))).isoformat() for d in days]
    if missing is not None:
        text = ["" if m else t for t, m in zip(text, missing)]
    return pd.Series(text, dtype=object)


def records_frames(tables: dict[str, dict[str, np.ndarray]], scn: Scenario) -> dict[str, pd.DataFrame]:
    """The recorder's columns as the chats, roster and payroll tables of docs/data.md."""
    start = pd.Timestamp(scn.sim.start_date)
    c = tables["chats"]
    answered = np.isfinite(c["first_reply_at"])
    chats = pd.DataFrame({
        "chat_id": c["chat_id"],
        "buyer_id": c["buyer_id"],
        "arrived_at": _stamps(start, c["arrived_at"]),
        "kind": c["kind"],
        "agent_id": _agent_ids(c["agent_id"]),
        "assigned_at": _stamps(start, c["assigned_at"]),
        "first_reply_at": _stamps(start, c["first_reply_at"]),
        "ended_at": _stamps(start, c["ended_at"]),
        "abandoned": np.where(c["abandoned"], "true", "false"),
        "transferred_to": _agent_ids(c["transferred_to"]),
        "order_value": np.where(answered, np.round(c["order_value"], 2), np.nan),
        "rating": np.round(c["rating"], 6),  # the model's rating is continuous
    })
    r = tables["roster"]
    roster = pd.DataFrame({
        "agent_id": _agent_ids(r["agent_id"]),
        "team": r["team"],
        "hired_on": _dates(scn.sim.start_date, r["hired_on"]),
        "left_on": _dates(scn.sim.start_date, np.maximum(r["left_on"], 0), r["left_on"] < 0),
        "leave_reason": r["leave_reason"],
        "shift": r["shift"],
    })
    p = tables["payroll"]
    payroll = pd.DataFrame({
        "agent_id": _agent_ids(p["agent_id"]),
        "period_start": _dates(scn.sim.start_date, p["period"] * scn.sim.period_days),
        "pay": np.round(p["pay"], 2),
    })
    return {"chats": chats, "roster": roster, "payroll": payroll}


def write_records(folder: Path, tables: dict[str, dict[str, np.ndarray]], scn: Scenario) -> None:
    """Write ``chats.csv``, ``roster.csv`` and (if anybody was paid) ``payroll.csv``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in records_frames(tables, scn).items():
        if name == "payroll" and df.empty:
            continue
        atomic_write(folder / f"{name}.csv", lambda tmp, df=df: df.to_csv(tmp, index=False))
