"""Shared helpers for the experiment-layer tests: tiny scenarios and experiments in tmp_path.

Scenarios here have no ``schemes`` (runs use fixed actions), small volumes and few days, so
these tests do not depend on the pay, behaviour and attrition models being worked on.
"""

from __future__ import annotations

from pathlib import Path

import pytest


TINY = """\
name: tiny
sim: {days: 2, reps: 2, seed: 5, period_days: 2}
demand:
  daily_volume: 300
teams:
  - {name: A, agents: 3}
"""

GRID = """\
scenario: tiny.yaml
levers:
  teams.0.agents: [3, 4]
uncertainties:
  demand.daily_volume: {low: 200, high: 400, num: 3}
reps: 2
seed: 11
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write(tmp_path, "tiny.yaml", TINY)


@pytest.fixture
def grid(tmp_path: Path, tiny: Path) -> Path:
    """A 2 x 3 grid over team size and demand, 2 replications: 12 runs of 2 days."""
    return write(tmp_path, "grid.yaml", GRID)


@pytest.fixture
def put(tmp_path: Path):
    """Write a file into tmp_path: ``put("x.yaml", text) -> path``."""
    return lambda name, text: write(tmp_path, name, text)
