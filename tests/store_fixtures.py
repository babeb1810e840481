"""Small stores the tests share (importable from any test: pytest puts tests/ on the path,
because tests/conftest.py lives there).

- :data:`OK`: a valid tiny scenario file (one agent, 20 inquiries a day, one day): loads in
  milliseconds and runs in a fraction of a second; tests of bad input break one key of it.
- :func:`all_day_store`: a six-agent store open around the clock with flat demand, for engine
  tests that need load without the baseline's calendar.
"""

from __future__ import annotations

import copy

from policysim.config.schema import Scenario

OK = """\
name: ok
sim: {days: 1, reps: 1, seed: 1}
demand: {daily_volume: 20}
teams:
  - {name: A, agents: 1}
schemes:
  commission: {base_salary: 3000, commission: {rate: 0.01}}
"""


def merged(data: dict, over: dict) -> dict:
    """``data`` with each top-level section of ``over`` merged in (a dict section updates the
    section's keys, anything else replaces it)."""
    data = copy.deepcopy(data)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **copy.deepcopy(value)}
        else:
            data[key] = copy.deepcopy(value)
    return data


def all_day_store(name: str = "engine-test", days: int = 2, **over) -> Scenario:
    """A small all-day store (two teams of three, 3,000 inquiries a day spread evenly over 24
    hours, exponential patience of mean 120 s); top-level sections merged with ``over``."""
    data = {
        "name": name,
        "sim": {"days": days, "period_days": days},
        "demand": {"daily_volume": 3000.0, "hour_profile": [1.0] * 24,
                   "weekday_factor": [1.0] * 7, "events": [],
                   "patience": {"dist": "exponential", "mean_s": 120.0}},
        "teams": [{"name": "A", "agents": 3}, {"name": "B", "agents": 3}],
        "shifts": [{"name": "all", "start": "00:00", "end": "24:00"}],
    }
    return Scenario.model_validate(merged(data, over))
