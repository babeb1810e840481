"""Read a store's exported records (docs/data.md) into clean, typed tables.

Real exports are messy, so reading is done in two steps. First every cell is read as text
and checked: a missing required column, a timestamp that cannot be parsed, a number that is
not a number, or a file that is not a table stops the calibration with one message naming
the file, the row (the line of a CSV file, header = line 1) and the column. Then what a
store's records plausibly contain is repaired and *counted* in :attr:`Records.notes`:
rows out of time order, duplicate chat ids, time zones, bot-handled chats, missing
optional columns, days with no chats, agents who chat but are not on the roster.

Times become seconds since local midnight of the first day with a chat (``origin``).
Timestamps with a UTC offset are converted to the offset most rows carry (the store's
own clock); timestamps without one are read as that local time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from policysim.errors import UserError

CHATS_REQUIRED = ("chat_id", "arrived_at", "agent_id", "assigned_at", "first_reply_at",
                  "ended_at", "abandoned")
CHATS_OPTIONAL = ("buyer_id", "kind", "transferred_to", "order_value", "rating")
ROSTER_REQUIRED = ("agent_id", "team", "hired_on")
ROSTER_OPTIONAL = ("left_on", "leave_reason", "shift")
PAYROLL_REQUIRED = ("agent_id", "period_start", "pay")
EVENTS_REQUIRED = ("name", "date")

#: A UTC offset at the end of a timestamp. ``[0-9]`` rather than ``\d``: with it pandas runs
#: the match in Arrow (RE2, vectorised) instead of Python's ``re`` row by row.
_OFFSET_TEXT = r"Z|[+-][0-9][0-9]:?[0-9][0-9]"
_OFFSET = rf"(?:{_OFFSET_TEXT})$"
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


@dataclass
class Records:
    """Clean records. Times in seconds since ``origin``; dates as day numbers since it."""

    chats: pd.DataFrame
    roster: pd.DataFrame
    payroll: pd.DataFrame | None
    events: pd.DataFrame | None
    origin: dt.date
    notes: Counter = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)


class Table:
    """The raw text cells of one file, with located errors."""

    def __init__(self, path: str | Path, required: tuple[str, ...], optional: tuple[str, ...]):
        self.path = str(path)
        self.parquet = self.path.lower().endswith((".parquet", ".pq"))
        self.df = self._read()
        self.df.columns = [str(c).strip().lower() for c in self.df.columns]
        names = list(self.df.columns)
        for col in (*required, *optional):
            if names.count(col) > 1:
                raise UserError(f"{self.path}:1: {col}: expected one column named {col!r}, "
                                f"found {names.count(col)} (names are matched without regard "
                                "to case or surrounding spaces)")
        for col in required:
            if col not in self.df.columns:
                raise UserError(f"{self.path}:1: {col}: expected a column named {col!r} (see "
                                f"docs/data.md), found columns {list(self.df.columns)}")
        self.missing = [c for c in optional if c not in self.df.columns]

    def _read(self) -> pd.DataFrame:
        try:
            if self.parquet:
                df = pd.read_parquet(self.path)
                return df.astype(object).where(df.notna(), "").astype(str)
            df = pd.read_csv(self.path, dtype=str, keep_default_na=False, na_filter=False,
                             skipinitialspace=True)
            # pandas renames a repeated header name (``chat_id.1``): keep the names as written
            head = pd.read_csv(self.path, dtype=str, header=None, nrows=1, keep_default_na=False,
                               na_filter=False, skipinitialspace=True)
            if head.shape[1] == df.shape[1]:
                df.columns = list(head.iloc[0])
        except FileNotFoundError:
            raise UserError(f"{self.path}: expected an existing file, found none") from None
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError,
                ValueError, OSError) as err:
            raise UserError(f"{self.path}:1: expected a table (CSV with a header line, or "
                            f"parquet), found unreadable content ({_first_line(err)})") from None
        if df.shape[1] < 2:
            raise UserError(f"{self.path}:1: expected a table (CSV with a header line, or "
                            f"parquet), found {df.shape[1]} column")
        return df

    def where(self, row: int) -> str:
        """``file:line`` of data row ``row`` (0-based, in file order)."""
        return f"{self.path}:{row + 2}" if not self.parquet else f"{self.path}: row {row + 1}"

    def text(self, col: str) -> pd.Series:
        if col not in self.df.columns:
            return pd.Series("", index=self.df.index)
        return self.df[col].astype(str).str.strip()

    def bad(self, row: int, col: str, expected: str, found: str) -> UserError:
        return UserError(f"{self.where(row)}: {col}: expected {expected}, found {found!r}")

    def times(self, col: str, notes: Counter, offset: pd.Timedelta | None) -> pd.Series:
        """Timestamps (naive local) of ``col``; empty cells NaT; anything else an error."""
        s = self.text(col)
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        aware = s.str.contains(_OFFSET, regex=True) & (s != "")
        naive = (~aware) & (s != "")
        if naive.any():
            out[naive] = pd.to_datetime(s[naive], format="ISO8601", errors="coerce").astype(
                "datetime64[ns]")
        if aware.any():
            utc = pd.to_datetime(s[aware], format="ISO8601", utc=True, errors="coerce")
            out[aware] = (utc.dt.tz_localize(None) + (offset or pd.Timedelta(0))).astype(
                "datetime64[ns]")
            notes[f"{col}: timestamps with a time zone, read as store time"] += int(aware.sum())
        failed = out.isna() & (s != "")
        if failed.any():
            row = int(np.flatnonzero(failed.to_numpy())[0])
            raise self.bad(row, col, "an ISO 8601 timestamp such as 2026-01-01T08:00:00 or "
                           "2026-01-01 08:00:00+08:00", s.iloc[row])
        return out

    def numbers(self, col: str, low: float | None = None, high: float | None = None,
                whole: bool = False) -> pd.Series:
        """Finite numbers of ``col`` (empty cells NaN), each within ``[low, high]`` and, with
        ``whole``, a whole number; anything else is an error naming the row."""
        s = self.text(col)
        out = pd.to_numeric(s.where(s != "", None), errors="coerce").astype(float)
        given = s != ""
        failed = given & ~np.isfinite(out)
        if low is not None:
            failed |= given & (out < low)
        if high is not None:
            failed |= given & (out > high)
        if whole:
            failed |= given & (out != np.floor(out))
        if failed.any():
            row = int(np.flatnonzero(failed.to_numpy())[0])
            kind = "a whole number" if whole else "a number"
            if low is not None and high is not None:
                kind += f" from {low:g} to {high:g}"
            elif low is not None:
                kind += f" of at least {low:g}"
            raise self.bad(row, col, f"{kind} or an empty cell", s.iloc[row])
        return out

    def choice(self, col: str, allowed: tuple[str, ...]) -> pd.Series:
        """Lower-cased cells of ``col``, each one of ``allowed`` (or empty)."""
        s = self.text(col).str.lower()
        ok = s.isin(allowed) | (s == "")
        if not ok.all():
            row = int(np.flatnonzero(~ok.to_numpy())[0])
            raise self.bad(row, col, f"{' or '.join(allowed)} or an empty cell", s.iloc[row])
        return s

    def flags(self, col: str) -> pd.Series:
        s = self.text(col).str.lower()
        ok = s.isin(_TRUE | _FALSE)
        if not ok.all():
            row = int(np.flatnonzero(~ok.to_numpy())[0])
            raise self.bad(row, col, "true or false", s.iloc[row])
        return s.isin(_TRUE)


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0][:120] if str(err).strip() else type(err).__name__


def store_offset(table: Table, col: str) -> pd.Timedelta | None:
    """The UTC offset most timestamps in ``col`` carry (None if none carries one)."""
    cells = pa.array(table.text(col), type=pa.string())
    cells = cells.filter(pc.match_substring_regex(cells, _OFFSET))
    if len(cells) == 0:
        return None
    found = pd.Series(pc.extract_regex(cells, rf"(?P<o>{_OFFSET_TEXT})$").field("o"),
                      dtype="str")
    text = found.mode().iloc[0]
    if text == "Z":
        return pd.Timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * pd.Timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))


def _seconds(t: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    return ((t - origin) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)


def _days(t: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    return np.floor(((t - origin) / pd.Timedelta(days=1)).to_numpy(dtype=float))


def read_records(chats: str | Path, roster: str | Path, payroll: str | Path | None = None,
                 events: str | Path | None = None) -> Records:
    """Read, check and clean the tables (see the module docstring)."""
    notes: Counter = Counter()
    ct = Table(chats, CHATS_REQUIRED, CHATS_OPTIONAL)
    rt = Table(roster, ROSTER_REQUIRED, ROSTER_OPTIONAL)
    pt = Table(payroll, PAYROLL_REQUIRED, ()) if payroll is not None else None
    et = Table(events, EVENTS_REQUIRED, ("days",)) if events is not None else None
    missing = [f"chats.{c}" for c in ct.missing] + [f"roster.{c}" for c in rt.missing]
    if ct.df.empty:
        raise UserError(f"{ct.path}:2: chat_id: expected at least one chat, found an empty table")
    offset = store_offset(ct, "arrived_at")
    arrived = ct.times("arrived_at", notes, offset)
    if arrived.isna().any():
        row = int(np.flatnonzero(arrived.isna().to_numpy())[0])
        raise ct.bad(row, "arrived_at", "a timestamp (every chat has one)", "")
    origin = arrived.min().normalize()
    df = pd.DataFrame({"chat_id": ct.text("chat_id"), "arrived": _seconds(arrived, origin)})
    for col, name in (("assigned_at", "assigned"), ("first_reply_at", "reply"),
                      ("ended_at", "ended")):
        df[name] = _seconds(ct.times(col, notes, offset), origin)
    df["abandoned"] = ct.flags("abandoned").to_numpy()
    df["agent"] = ct.text("agent_id").to_numpy()
    df["transfer"] = ct.text("transferred_to").to_numpy()
    kind = ct.text("kind").str.lower()
    df["pre"] = np.where(kind == "pre", 1.0, np.where(kind == "after", 0.0, np.nan))
    if "kind" not in ct.missing:
        notes["chats: kind neither pre nor after (treated as unknown)"] += int(
            (~kind.isin(["pre", "after"])).sum())
    df["order_value"] = ct.numbers("order_value", low=0).to_numpy()
    df["rating"] = ct.numbers("rating", low=1, high=5).to_numpy()
    df["row"] = np.arange(len(df))

    # repairs, each counted
    notes["chats: rows out of time order (sorted)"] += int((np.diff(df["arrived"]) < 0).sum())
    df = df.sort_values(["arrived", "row"], kind="stable")
    dup = df["chat_id"].duplicated(keep="first")
    notes["chats: duplicate chat ids (first kept)"] += int(dup.sum())
    df = df[~dup]
    bot = df["agent"].str.lower() == "bot"
    notes["chats: bot-handled (left out)"] += int(bot.sum())
    df = df[~bot].reset_index(drop=True)
    if df.empty:
        raise UserError(f"{ct.path}: agent_id: expected some chats handled by people, found "
                        f"all {int(bot.sum())} handled by 'bot'")
    bad_order = (df["assigned"] < df["arrived"]) | (df["reply"] < df["assigned"]) | (
        df["ended"] < df["arrived"])
    notes["chats: times out of order (arrive, assign, reply, end; timing left out)"] += int(
        bad_order.sum())
    df.loc[bad_order, ["assigned", "reply", "ended"]] = np.nan
    # patience is the time a buyer waits for a first reply: one who got a reply did not
    # leave before it (a platform may flag a buyer who left mid-conversation as abandoned)
    replied = df["abandoned"].to_numpy(bool) & np.isfinite(df["reply"].to_numpy(float))
    notes["chats: marked abandoned but with a first reply (treated as answered)"] += int(
        replied.sum())
    df.loc[replied, "abandoned"] = False
    df.loc[df["agent"] == "", "agent"] = None
    if not np.isfinite(df["assigned"].to_numpy(float)).any():
        raise UserError(f"{ct.path}: assigned_at: expected some chats taken by an agent (with "
                        "times in order), found none: nothing to fit the team to")
    day = np.floor(df["arrived"].to_numpy() / 86400.0)
    df["day"] = day.astype(int)
    n_days = int(day.max()) + 1
    notes["days with no chats inside the period (left out of demand)"] += int(
        n_days - len(np.unique(day)))

    roster = _roster(rt, notes, pd.Timestamp(origin))
    on_roster = set(roster["agent"])
    strangers = set(pd.unique(df["agent"].dropna())) - on_roster
    notes["agents in chats but not on the roster (no tenure or team)"] += len(strangers)
    pay = _payroll(pt, pd.Timestamp(origin)) if pt is not None else None
    ev = _events(et, pd.Timestamp(origin)) if et is not None else None
    if ev is not None:
        ev = _events_inside(et, ev, np.unique(day), notes)
    notes = Counter({k: v for k, v in notes.items() if v})
    return Records(df, roster, pay, ev, origin.date(), notes, missing)


def _roster(rt: Table, notes: Counter, origin: pd.Timestamp) -> pd.DataFrame:
    if rt.df.empty:
        raise UserError(f"{rt.path}:2: agent_id: expected at least one agent, found an empty "
                        "table")
    hired = rt.times("hired_on", notes, store_offset(rt, "hired_on"))
    if hired.isna().any():
        row = int(np.flatnonzero(hired.isna().to_numpy())[0])
        raise rt.bad(row, "hired_on", "a date (every agent has one)", "")
    left = rt.times("left_on", notes, store_offset(rt, "left_on"))
    before = (left < hired).to_numpy()
    if before.any():
        row = int(np.flatnonzero(before)[0])
        hired_text = rt.text("hired_on").iloc[row]
        raise rt.bad(row, "left_on", f"a date on or after hired_on ({hired_text})",
                     rt.text("left_on").iloc[row])
    reason = rt.choice("leave_reason", ("quit", "dismissed"))
    r = pd.DataFrame({
        "agent": rt.text("agent_id").to_numpy(),
        "team": rt.text("team").replace("", "unknown").to_numpy(),
        "hired": _days(hired, origin),
        "left": _days(left, origin),
        "reason": np.where(left.notna() & (reason == ""), "quit", reason),
        "shift": rt.text("shift").to_numpy(),
    })
    dup = r["agent"].duplicated(keep="last")
    notes["roster: duplicate agent ids (last kept)"] += int(dup.sum())
    return r[~dup].reset_index(drop=True)


def _payroll(pt: Table, origin: pd.Timestamp) -> pd.DataFrame:
    start = pt.times("period_start", Counter(), None)
    if start.isna().any():
        row = int(np.flatnonzero(start.isna().to_numpy())[0])
        raise pt.bad(row, "period_start", "a date", "")
    pay = pt.numbers("pay", low=0)
    return pd.DataFrame({"agent": pt.text("agent_id").to_numpy(),
                         "start": _days(start, origin), "pay": pay.to_numpy()})


def _events(et: Table, origin: pd.Timestamp) -> pd.DataFrame:
    date = et.times("date", Counter(), None)
    if date.isna().any():
        row = int(np.flatnonzero(date.isna().to_numpy())[0])
        raise et.bad(row, "date", "a date", "")
    days = et.numbers("days", low=1, high=366, whole=True).fillna(1.0)
    return pd.DataFrame({"name": et.text("name").to_numpy(), "day": _days(date, origin),
                         "date": date.dt.date.to_numpy(), "days": days.to_numpy()})


def _events_inside(et: Table, ev: pd.DataFrame, chat_days: np.ndarray, notes: Counter
                   ) -> pd.DataFrame:
    """Events with a day of chats (the others are left out and counted); an error if they
    leave no ordinary day with chats (demand would have no baseline)."""
    first, length = ev["day"].to_numpy(), ev["days"].to_numpy()
    hits = (chat_days[None, :] >= first[:, None]) & (
        chat_days[None, :] < (first + length)[:, None])
    if hits.any(axis=0).all():
        row = int(np.flatnonzero(hits.any(axis=1))[0])
        raise et.bad(row, "date", "events that leave some days of the chats ordinary (no "
                     "event)", str(et.text("date").iloc[row]))
    inside = hits.any(axis=1)
    notes["events: no day of chats inside them (left out)"] += int((~inside).sum())
    return ev[inside].reset_index(drop=True)
