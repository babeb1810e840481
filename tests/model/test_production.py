"""Tests for policysim.model.production's scalar chat laws and policysim.model.histogram.

The engine evaluates conversion and rating per chat with the scalar ``ChatOutcome``; agents
predict with the array functions. Both must be the same law: compared on a grid of agent
parts, intents, first-response times and noises (including logits beyond the +-700 clip),
they agree to rounding (1e-12 relative), and an order happens exactly when the buyer's
uniform is below the array probability (away from rounding ties). The live-concurrency laws:
per-chat speed (power law, table with interpolation) and handle time = work / speed.
"""

from __future__ import annotations

import numpy as np
import pytest

from policysim.config.schema import Scenario
from policysim.model import production as prod
from policysim.model.histogram import percentiles

SCN = Scenario.model_validate({
    "name": "prod-test",
    "conversion": {"a_intent": 1.3, "a_wait": 0.4, "w0_s": 25.0},
    "rating": {"r_wait": 0.7, "w0_s": 40.0, "noise_sd": 0.9},
})

GRID = [(base, z, frt) for base in (-900.0, -3.0, -0.4, 0.0, 1.2, 850.0)
        for z in (-2.0, 0.0, 0.7, 2.5) for frt in (0.0, 3.0, 45.0, 600.0)]


@pytest.mark.parametrize("base,z,frt", GRID)
def test_scalar_rating_is_the_array_law(base, z, frt):
    got = prod.ChatOutcome(SCN).rating(base, frt, z)
    want = float(prod.rating_value(SCN, np.array([base]), np.array([frt]), np.array([z]))[0])
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_scalar_conversion_orders_when_the_uniform_is_below_the_array_probability():
    outcome = prod.ChatOutcome(SCN)
    rng = np.random.default_rng(7)
    checked = orders = 0
    for base, intent, frt in GRID:
        p = float(prod.conversion_prob(SCN, np.array([base]), np.array([intent]),
                                       np.array([frt]))[0])
        for u in rng.random(20):
            if abs(u - p) < 1e-9:  # a rounding tie could go either way
                continue
            checked += 1
            got = outcome.converts(base, intent, frt, float(u))
            assert got == (u < p), (base, intent, frt, u, p)
            orders += got
    assert checked > 1900 and 0 < orders < checked  # both outcomes exercised


def test_percentiles_read_the_upper_edge_of_the_bin():
    hist = np.zeros(10, dtype=np.int64)
    hist[[2, 5, 9]] = [5, 4, 1]  # 10 values: five in [2, 3), four in [5, 6), one in [9, 10)
    assert percentiles(hist, (0.1, 0.5, 0.6, 0.9, 1.0)) == [3.0, 3.0, 6.0, 6.0, 10.0]
    assert percentiles(np.zeros(5), (0.5, 0.9)) == [0.0, 0.0]


def test_per_chat_rate_power_law_and_table():
    scn = Scenario.model_validate({"name": "p", "service": {"concurrency_alpha": 0.5}})
    assert prod.per_chat_rate(scn, np.array([1, 4, 9])).tolist() == pytest.approx([1.0, 0.5, 1 / 3])
    table = Scenario.model_validate({
        "name": "t", "agents": {"cap_novice": 3, "cap_expert": 4},
        "service": {"concurrency": {"per_chat_rate": [1.0, 0.7, 0.45, 0.3]}}})
    got = prod.per_chat_rate(table, np.array([1, 2, 3, 4, 2.5, 0.5, 6]))
    assert got.tolist() == pytest.approx([1.0, 0.7, 0.45, 0.3, 0.575, 1.0, 0.3])


def test_handle_scale_is_work_over_speed():
    scn = Scenario.model_validate({
        "name": "h", "agents": {"cap_novice": 2, "cap_expert": 3},
        "service": {"handle_base_s": 200.0, "effort_stretch": 0.4, "after_sales_handle_factor": 1.5,
                    "concurrency": {"per_chat_rate": [1.0, 0.6, 0.4]}}})
    work_pre = 200.0 / 0.8 * (1 + 0.4 * 0.5 * (0.3 + 0.9))
    work_after = 200.0 / 0.8 * 1.5 * (1 + 0.4 * 0.9)
    assert float(prod.handle_work(scn, 0.8, 0.3, 0.9, True)) == pytest.approx(work_pre)
    assert float(prod.handle_work(scn, 0.8, 0.3, 0.9, False)) == pytest.approx(work_after)
    ks = np.array([1, 2, 3])
    assert prod.handle_scale(scn, 0.8, ks, 0.3, 0.9, True).tolist() == pytest.approx(
        [work_pre, work_pre / 0.6, work_pre / 0.4])
