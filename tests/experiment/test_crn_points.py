"""Common random numbers across design points (issue 10 item 6).

Every design point of a sweep faces the same buyers: buyer-side streams (``demand.*``) are
keyed by (seed, replication, name) only. Two points that differ only in a pay parameter must
draw identical arrivals and buyers; agent-side streams still differ between points.
"""

from __future__ import annotations

import numpy as np

from policysim.config.validate import load_model
from policysim.config.schema import Scenario
from policysim.experiment.runner import Job, run_job
from policysim.model.demand import DemandGenerator
from policysim.model.streams import stream

STORE = """\
name: crn
sim: {days: 3, reps: 1, seed: 42, period_days: 3}
demand: {daily_volume: 400}
teams:
  - {name: A, agents: 4}
scheme: commission
schemes:
  commission: {base_salary: 3000, commission: {rate: %s}}
"""


def _scenario(tmp_path, rate: float, name: str) -> Scenario:
    path = tmp_path / f"{name}.yaml"
    path.write_text(STORE % rate)
    return load_model(Scenario, path, [])


def test_points_differing_in_pay_share_buyers(tmp_path):
    low, high = _scenario(tmp_path, 0.004, "low"), _scenario(tmp_path, 0.02, "high")
    a = run_job(Job(low, rep=0, seed=42, days=3, scheme="commission", point=0))
    b = run_job(Job(high, rep=0, seed=42, days=3, scheme="commission", point=1))
    assert a.daily["inquiries"].tolist() == b.daily["inquiries"].tolist()
    da = DemandGenerator(low, 42, 0, 0).day(1)
    db = DemandGenerator(high, 42, 0, 1).day(1)
    assert len(da) > 300
    for field in ("times", "pre_sales", "price", "intent", "patience", "handle_mult",
                  "reply_mult", "u_convert", "rating_noise"):
        assert getattr(da, field) == getattr(db, field), field


def test_agent_side_streams_still_differ_between_points():
    # the starting team, choices and quits of two points are independent draws
    for name in ("agents.setup", "behaviour.choice", "workforce.quits", "router.ties"):
        x0 = stream(42, 0, name, point=0).random(5)
        x1 = stream(42, 0, name, point=1).random(5)
        assert not np.array_equal(x0, x1), name
    # and a different replication draws different buyers
    assert not np.array_equal(stream(42, 0, "demand.arrivals").random(5),
                              stream(42, 1, "demand.arrivals").random(5))


def test_a_point_with_other_demand_draws_other_buyers(tmp_path):
    scn = _scenario(tmp_path, 0.01, "x")
    more = scn.model_copy(update={"demand": scn.demand.model_copy(update={"daily_volume": 800.0})})
    d0 = DemandGenerator(scn, 42, 0, 0).day(0)
    d1 = DemandGenerator(more, 42, 0, 1).day(0)
    assert len(d1) > 1.5 * len(d0)
