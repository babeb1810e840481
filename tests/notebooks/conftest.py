"""Fixtures for the notebook tests: a tiny store and the project's Jupyter kernel."""

from __future__ import annotations

import pytest

TINY = """
name: tiny
sim: {days: 10, reps: 2, seed: 5, period_days: 5}
demand:
  daily_volume: 300
  events:
    - {name: promo, date: 2026-01-04, days: 1, multiplier: 3.0}
teams: [{name: A, agents: 3}, {name: B, agents: 3}]
schemes:
  commission: {base_salary: 3000, commission: {rate: 0.01}}
  kpi: {base_salary: 3500, kpi: {metrics: {rating: {weight: 1, target: 4.6, floor: 3.6}}}}
  group_contest: {base_salary: 3500, contest: {metric: sales, prize_per_member: 2000}}
  switch: {schedule: [{day: 0, scheme: commission}, {day: 5, scheme: kpi}]}
"""


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """Path of a tiny scenario: 6 agents, 300 inquiries a day, 10 days, 2 replications."""
    path = tmp_path_factory.mktemp("scn") / "tiny.yaml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="session")
def kernel():
    """The 'policysim' kernel of this venv (installed as `make` does, if missing)."""
    from policysim.report.kernel import NAME, install, installed

    if not installed(NAME):
        install(NAME)
    return NAME
