"""Dates and hours in scenario files: switches written as calendar dates, hours as spans.

A simulation counts days from ``sim.start_date`` (day 0); a person thinks in dates. A
schedule's switch may therefore say ``date: 2026-07-01`` instead of ``day: 181``: before a
scenario is validated, :func:`date_switches` turns each date into its day number (keeping the
date, so reports can say it). Hours of the day are shown as spans ("08:00-09:00").
"""

from __future__ import annotations

import datetime as dt

#: Day 0 of a simulation when a scenario gives no ``sim.start_date``.
DEFAULT_START = dt.date(2026, 1, 1)


def date_of(start: dt.date, day: int) -> dt.date:
    """The calendar date of simulation day ``day`` when day 0 is ``start``."""
    return start + dt.timedelta(days=int(day))


def show_date(when: dt.date) -> str:
    """A date as a person reads it: "1 July 2026"."""
    return f"{when.day} {when:%B %Y}"


def date_switches(data: object) -> object:
    """Give each schedule switch written with ``date:`` its ``day`` (days after
    ``sim.start_date``, the default start if none is written); the date is kept for reports.

    Args:
        data: Scenario data as read from a file (not modified).

    Returns:
        The data with days filled in (a copy where anything changed).

    Raises:
        ValueError: ``"schemes.NAME.schedule.I.date: ..."`` for a date before the start or
            a switch giving both a day and a date.
    """
    if not isinstance(data, dict) or not isinstance(data.get("schemes"), dict):
        return data
    sim = data.get("sim")
    written = sim.get("start_date", DEFAULT_START) if isinstance(sim, dict) else DEFAULT_START
    start = calendar_date(written)
    if start is None:  # a bad start date is reported by the validation of sim
        return data
    schemes = dict(data["schemes"])
    for name, spec in schemes.items():
        sched = spec.get("schedule") if isinstance(spec, dict) else None
        if not isinstance(sched, list):
            continue
        items = list(sched)
        for i, item in enumerate(items):
            if not isinstance(item, dict) or item.get("date") is None:
                continue
            if "day" in item:
                raise ValueError(
                    f"schemes.{name}.schedule.{i}: a day or a date, not both, found day "
                    f"{item['day']!r} and date {item['date']}"
                )
            when = calendar_date(item["date"])
            if when is None:  # not a date: reported by the validation of the switch
                continue
            if when < start:
                raise ValueError(
                    f"schemes.{name}.schedule.{i}.date: a date on or after sim.start_date "
                    f"({start}), found {when}"
                )
            items[i] = {**item, "date": when, "day": (when - start).days}
        schemes[name] = {**spec, "schedule": items}
    return {**data, "schemes": schemes}


def calendar_date(value: object) -> dt.date | None:
    """Return a date written in a file (a YAML date or "YYYY-MM-DD" text), else None."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def hour_spans(hours: list[int]) -> str:
    """Hours of the day as spans, e.g. [0, 1, 2, 23] -> "00:00-03:00 and 23:00-24:00"."""
    spans: list[list[int]] = []
    for hour in hours:
        if spans and spans[-1][1] == hour:
            spans[-1][1] = hour + 1
        else:
            spans.append([hour, hour + 1])
    texts = [f"{a:02d}:00-{b:02d}:00" for a, b in spans]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]
