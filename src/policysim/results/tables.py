"""Tidy result tables from finished replications, as plain data.

Every replication ends as a summary (one flat dict of metrics) and three frames (daily,
agents, hourly), each already tagged with its ``scheme`` and ``rep``. Stacking many
replications gives the four tidy tables every command writes and every report reads:
``runs`` (one row per replication: scheme, rep, seed, days, then the metrics), ``daily``,
``agents`` and ``hourly``. This module knows nothing of how the replications were run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class RepTables:
    """One finished replication as plain data.

    Attributes:
        scheme: The scheme in force ("" for none).
        rep: Replication number.
        seed: Master seed.
        days: Days simulated.
        summary: Run metrics (metric -> value).
        daily, agents, hourly: The replication's tagged frames.
    """

    scheme: str
    rep: int
    seed: int
    days: int
    summary: dict[str, float]
    daily: pd.DataFrame
    agents: pd.DataFrame
    hourly: pd.DataFrame


def tidy_tables(reps: Iterable[RepTables]) -> dict[str, pd.DataFrame]:
    """Tidy tables of many replications: runs (one row per replication), daily, agents,
    hourly."""
    reps = list(reps)
    runs = pd.DataFrame([
        {"scheme": r.scheme, "rep": r.rep, "seed": r.seed, "days": r.days, **r.summary}
        for r in reps
    ])
    return {
        "runs": runs,
        "daily": pd.concat([r.daily for r in reps], ignore_index=True),
        "agents": pd.concat([r.agents for r in reps], ignore_index=True),
        "hourly": pd.concat([r.hourly for r in reps], ignore_index=True),
    }
