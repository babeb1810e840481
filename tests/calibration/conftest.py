"""Synthetic records of a small store, written once per test session by ``run --records``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from policysim.config.validate import validate_data
from policysim.config.schema import Scenario
from policysim.experiment.runner import replicate

_spec = importlib.util.spec_from_file_location(
    "reliability_conftest", Path(__file__).parents[1] / "reliability" / "conftest.py")
_rel = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_rel)
check_user_error = _rel.check_user_error

#: Four days of a 10-agent store at 600 inquiries a day (about 2,400 chats).
SMALL = {
    "name": "small",
    "sim": {"days": 4, "reps": 1, "seed": 5},
    "demand": {"daily_volume": 600},
    "agents": {"learning": False},
    "teams": [{"name": "A", "agents": 3}, {"name": "B", "agents": 3}],
}


@pytest.fixture(scope="session")
def small_records(tmp_path_factory) -> Path:
    """Folder with chats.csv and roster.csv of one replication of :data:`SMALL`."""
    scn = validate_data(Scenario, SMALL, "small")
    out = tmp_path_factory.mktemp("records")
    replicate(scn, 1, scn.sim.seed, scn.sim.days, records=str(out))
    return out / "rep000"
