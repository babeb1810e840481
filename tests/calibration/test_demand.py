"""Promotions: detected as outlying days, or read from an events file, with their multiplier.

One replication; the multiplier's estimate must lie within 4 standard errors of the truth
(SE read back from the 95% interval on the log scale: (ln hi - ln lo) / 3.92).
"""

from __future__ import annotations

import math

import pytest

from policysim.calibration.scenario import calibrate
from policysim.config.schema import Scenario
from policysim.config.validate import validate_data
from policysim.experiment.runner import replicate

PROMO = {
    "name": "promo",
    "sim": {"days": 12, "reps": 1, "seed": 8, "start_date": "2026-03-02"},
    "demand": {"daily_volume": 500,
               "events": [{"name": "sale", "date": "2026-03-07", "days": 1, "multiplier": 3.0,
                           "intent_boost": 0.0}]},
    "agents": {"learning": False},
    "teams": [{"name": "A", "agents": 4}, {"name": "B", "agents": 4}],
}


@pytest.fixture(scope="module")
def promo_records(tmp_path_factory):
    scn = validate_data(Scenario, PROMO, "promo")
    out = tmp_path_factory.mktemp("promo")
    replicate(scn, 1, scn.sim.seed, scn.sim.days, records=str(out))
    return out / "rep000"


def _check(ev, truth=3.0):
    m = ev["multiplier"]
    se = (math.log(m.high) - math.log(m.low)) / 3.92
    assert abs(math.log(m.value) - math.log(truth)) <= 4 * se, (m.value, m.low, m.high)
    assert str(ev["date"]) == "2026-03-07" and ev["days"] == 1


def test_promotion_day_detected(promo_records):
    cal = calibrate(promo_records / "chats.csv", promo_records / "roster.csv")
    events = cal.info["demand"]["events"]
    assert len(events) == 1 and cal.info["demand"]["detected"]
    _check(events[0])


def test_promotion_from_events_file(promo_records, tmp_path):
    events = tmp_path / "events.csv"
    events.write_text("name,date,days\nsale,2026-03-07,1\n")
    cal = calibrate(promo_records / "chats.csv", promo_records / "roster.csv", events=events)
    ev = cal.info["demand"]["events"]
    assert [e["name"] for e in ev] == ["sale"] and not cal.info["demand"]["detected"]
    _check(ev[0])
