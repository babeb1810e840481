"""Leavers in the records: dismissals are written as ``dismissed`` and censor the quit hazard.

Two paid stores, each with one way of leaving switched off, so which reason every leaver
must carry is known without looking inside the engine: with quits off (``b0`` so low that
a quit has probability below 1e-20 a month) every leaver was dismissed; with dismissals off
every leaver quit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from policysim.calibration.scenario import calibrate
from policysim.calibration.workforce import person_periods
from policysim.config.schema import Scenario
from policysim.config.validate import validate_data
from policysim.experiment.runner import replicate

BASE = {
    "sim": {"days": 150, "reps": 1, "seed": 21},
    "demand": {"daily_volume": 60},
    "agents": {"learning": False},
    "behaviour": {"adaptive": False},
    "hiring": {"delay_days": 5},
    "teams": [{"name": "A", "agents": 6}, {"name": "B", "agents": 6}],
    "scheme": "commission",
    "schemes": {"commission": {"base_salary": 3000, "commission": {"rate": 0.02}}},
}
NO_QUITS = {"b0": -50.0, "tenure_hump": 0.0, "b_wage": 0.0, "b_shortfall": 0.0,
            "b_stress": 0.0, "b_recognition": 0.0, "b_denied": 0.0}


def _records(tmp_path_factory, name: str, attrition: dict):
    spec = {**BASE, "name": name, "attrition": attrition}
    scn = validate_data(Scenario, spec, name)
    out = tmp_path_factory.mktemp(name)
    replicate(scn, 1, scn.sim.seed, scn.sim.days, scn.scheme, records=str(out))
    return out / "rep000"


@pytest.fixture(scope="module")
def dismissals_only(tmp_path_factory):
    return _records(tmp_path_factory, "fired",
                    {**NO_QUITS, "dismiss_bottom_share": 0.25, "dismiss_after_periods": 1})


@pytest.fixture(scope="module")
def quits_only(tmp_path_factory):
    return _records(tmp_path_factory, "quit", {"b0": -1.0, "dismiss_bottom_share": 0.0})


def _roster(folder):
    return pd.read_csv(folder / "roster.csv", keep_default_na=False, dtype=str)


def test_dismissals_are_written_as_dismissed(dismissals_only):
    roster = _roster(dismissals_only)
    left = roster[roster["left_on"] != ""]
    assert len(left) > 0  # a quarter of each team is dismissed at every period's end
    assert set(left["leave_reason"]) == {"dismissed"}
    assert set(roster.loc[roster["left_on"] == "", "leave_reason"]) == {""}


def test_quits_are_written_as_quit(quits_only):
    roster = _roster(quits_only)
    left = roster[roster["left_on"] != ""]
    assert len(left) > 0
    assert set(left["leave_reason"]) == {"quit"}


def test_dismissals_are_no_quits_to_the_hazard(dismissals_only):
    cal = calibrate(dismissals_only / "chats.csv", dismissals_only / "roster.csv")
    assert cal.get("attrition.b0") is None
    assert any(k.key == "attrition" and "only 0 quits" in k.reason for k in cal.kept)
    # the hiring delay still pairs every leave, whatever its reason, with the next hire
    assert cal.get("hiring.delay_days") is not None


def test_a_dismissal_censors_its_period_a_quit_ends_it():
    roster = pd.DataFrame({"agent": ["q", "d", "s"], "team": "A", "hired": [0.0, 0.0, 0.0],
                           "left": [45.0, 45.0, np.nan], "reason": ["quit", "dismissed", ""],
                           "shift": ""})
    pp = person_periods(roster, 90, None)
    periods = pp.groupby("agent")["period"].apply(list).to_dict()
    assert periods == {"q": [0, 1], "d": [0], "s": [0, 1, 2]}
    assert pp.loc[pp["agent"] == "q", "quit"].tolist() == [False, True]
    assert not pp.loc[pp["agent"] != "q", "quit"].any()
