"""Pay functions: exact values from the field notes and the config's worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from policysim.config.pay import METRICS, SchemeSpec
from policysim.config.schema import Scenario
from policysim.model.schemes import PayContext, Scheme, scheme_at


def pay(spec: dict, team=None, **metrics):
    n = len(next(iter(metrics.values())))
    full = {k: np.zeros(n) for k in METRICS}
    full.update({k: np.asarray(v, float) for k, v in metrics.items()})
    team = np.zeros(n, int) if team is None else np.asarray(team)
    ctx = PayContext(team, int(team.max()) + 1)
    return Scheme(SchemeSpec.model_validate(spec)).pay(full, ctx), ctx


def test_kpi_tiers_of_store_002():
    # one metric, target 100 with no floor: score = value (capped at 100)
    spec = {"kpi": {"metrics": {"served": {"weight": 1, "target": 100}}}}
    got, _ = pay(spec, served=[90, 89, 80, 79.5, 100, 150, 0])
    assert got.tolist() == pytest.approx([2700, 1780, 1600, 795, 3000, 3000, 0])


def test_kpi_floor_lower_is_better_and_weights():
    spec = {"base_salary": 1000, "kpi": {
        "metrics": {"first_response_s": {"weight": 3, "target": 10, "floor": 40,
                                         "measure": "agent"},
                    "rating": {"weight": 1, "target": 5, "floor": 4}},
        "tiers": [{"min_score": 50, "bonus_base": 100}, {"min_score": 0, "bonus_base": 0}]}}
    # frt 25 s -> 0.5, rating 4.5 -> 0.5: score 50 -> 100 x 0.5 = 50
    got, _ = pay(spec, first_response_s=[25, 10, 60], rating=[4.5, 5, 3])
    assert got.tolist() == pytest.approx([1050, 1100, 1000])


def test_commission_with_target_and_share():
    got, _ = pay({"base_salary": 3000, "commission": {"rate": 0.1, "target": 1000, "share": 0.5}},
                 sales=[500, 1000, 3000])
    assert got.tolist() == pytest.approx([3000, 3000, 3100])
    got, _ = pay({"commission": {"rate": 0.01}}, sales=[0, 12345])
    assert got.tolist() == pytest.approx([0, 123.45])


def test_contest_prize_to_winning_team_members_and_recognition():
    spec = {"base_salary": 100, "contest": {"metric": "sales", "prize_per_member": 50, "winners": 1}}
    got, ctx = pay(spec, team=[0, 0, 1, 1, 2], sales=[10, 30, 25, 25, 19])
    # team means 20, 25, 19: team 1 wins
    assert got.tolist() == [100, 100, 150, 150, 100]
    assert ctx.recognised.tolist() == [False, False, True, True, False]
    # lower-is-better metric ranks the other way
    spec2 = {"contest": {"metric": "first_response_s", "prize_per_member": 1, "winners": 2}}
    got, _ = pay(spec2, team=[0, 1, 2], first_response_s=[5, 30, 10])
    assert got.tolist() == [1, 0, 1]


def test_ranking_top_agents():
    got, _ = pay({"ranking": {"metric": "rating", "prize": 10, "top": 2}}, rating=[4.1, 4.9, 4.5, 3])
    assert got.tolist() == [0, 10, 10, 0]


def test_schedule_switches_on_the_day():
    scn = Scenario.model_validate({"sim": {"days": 400}, "schemes": {
        "a": {"base_salary": 1}, "b": {"base_salary": 2},
        "switch": {"schedule": [{"day": 0, "scheme": "a"}, {"day": 180, "scheme": "b"}]}}})
    assert scheme_at(scn.schemes, "switch", 179).spec.base_salary == 1
    assert scheme_at(scn.schemes, "switch", 180).spec.base_salary == 2
