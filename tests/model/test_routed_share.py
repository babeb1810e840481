"""The router's rule as a mean-field spread of open chats (model/routed_share.py).

Every expected value is worked out by hand in the test's docstring or comment. The spread of
the chats open at one moment is ``open_chats`` at the level ``levels`` finds; ``routed_table``
averages a fill rule's spread over the Poisson fluctuation of that number (``load_points``).
"""

from __future__ import annotations

import numpy as np
import pytest

from scipy.stats import poisson

from policysim.model.routed_share import (QUANTILES, carried, levels, load_points,
                                            open_chats, routed_table)

ONE_HOUR = np.ones((1, 3))  # three agents on shift for one hour


def moment(mode, limit, load, size=6):
    """(n, size): what each agent holds at every limit when ``load`` chats are open now (one
    hour, everybody on shift): the rule without the fluctuation."""
    limit = np.asarray(limit, float)
    cover = np.ones((1, len(limit)))
    u = levels(mode, True, limit, np.ones(len(limit)), cover, np.array([load]), size - 1.0)
    held = open_chats(mode, True, np.arange(size, dtype=float)[None, :],
                      np.ones((len(limit), 1)), u, size - 1.0)
    return np.broadcast_to(held, (len(limit), size))


def test_least_loaded_fills_everybody_to_a_common_level():
    """Limits 2, 4, 4 holding 5 chats: min(2, x) + 2 min(4, x) = 5 at x = 5/3 (below 2), so
    each holds 5/3; at any other limit k the agent would hold min(k, 5/3)."""
    want = np.minimum(np.arange(6.0), 5 / 3)
    np.testing.assert_allclose(moment("least_loaded", [2, 4, 4], 5.0), np.tile(want, (3, 1)),
                               rtol=1e-9)


def test_load_points_are_the_means_of_equal_probability_slices_of_a_poisson():
    """Load 1: P(0) = P(1) = e^-1 = 0.3679, P(2) = 0.1839, P(3) = 0.0613, ... Of 16 slices
    of 1/16 = 0.0625, slices 0-4 (to 0.3125) are all 0; slice 5 (0.3125-0.375) holds 0 up to
    0.3679 and 1 above, mean (0.375 - 0.3679) x 16 = 0.1139; slices 6-10 (to 0.6875) are 1;
    slice 11 holds 1 up to 0.7358 and 2 above, mean 1 + (0.75 - 0.7358) x 16 = 1.2279. The
    points average to the load exactly."""
    pts = load_points(np.array([1.0, 0.0, 7.5]))
    e = np.exp(-1.0)
    np.testing.assert_allclose(pts[0, :5], 0.0, atol=1e-12)
    np.testing.assert_allclose(pts[0, 5], (0.375 - e) * 16, rtol=1e-9)
    np.testing.assert_allclose(pts[0, 6:11], 1.0, rtol=1e-12)
    np.testing.assert_allclose(pts[0, 11], 1 + (0.75 - 2 * e) * 16, rtol=1e-9)
    np.testing.assert_allclose(pts.mean(axis=1), [1.0, 0.0, 7.5], rtol=1e-9)
    assert pts.shape == (3, QUANTILES) and (np.diff(pts, axis=1) >= 0).all()


@pytest.mark.parametrize("mode", ["least_loaded", "most_available"])
def test_a_fill_rule_is_averaged_over_the_open_chats_of_the_hour(mode):
    """routed_table of a fill rule = the mean over the 16 load points of the moment's spread
    (x 6 chats per open-chat hour at a 600 s slot); round robin and weighted with busyness
    balance arrivals and departures and are taken at the mean load."""
    limit = np.array([2, 4, 4])
    pts = load_points(np.array([5.0]))[0]
    want = np.mean([moment(mode, limit, x) for x in pts], axis=0) * 6
    got = routed_table(mode, True, limit, np.ones(3), ONE_HOUR, np.array([5.0]), 600.0, size=6)
    np.testing.assert_allclose(got, want, rtol=1e-9)
    rr = routed_table("round_robin", True, limit, np.ones(3), ONE_HOUR, np.array([5.0]), 600.0,
                      size=6)
    np.testing.assert_allclose(rr, moment("round_robin", limit, 5.0) * 6, rtol=1e-9)


def test_most_available_gives_a_low_limit_chats_in_the_busy_moments_of_a_quiet_hour():
    """Limits 5, 5, 5 holding 6 chats on average leave every agent a spare of 3: limits 2
    and 3 would hold max(0, k - 3) = 0 at the mean. With Poisson(6) chats open, the busiest
    sixteenth of the hour has about 11.2 open (spare (15 - 11.2) / 3 = 1.25), so a limit of 2
    holds 0.75 chats then and a little in the average (0.05 from this slice and the next).
    A limit of 5 holds a third of the chats at every moment: 2."""
    limit = np.array([5, 5, 5])
    table = routed_table("most_available", True, limit, np.ones(3), ONE_HOUR, np.array([6.0]),
                         3600.0, size=6)
    np.testing.assert_allclose(moment("most_available", limit, 6.0)[:, 2:4], 0.0, atol=1e-9)
    assert 11 < load_points(np.array([6.0]))[0, -1] < 11.5
    assert 0.04 < table[0, 2] < 0.07
    assert 0 < table[0, 2] < table[0, 3] < table[0, 4] < table[0, 5]
    np.testing.assert_allclose(table[:, 5], 2.0, rtol=1e-9)


def test_round_robin_agents_are_loss_systems_offered_the_same_load():
    """Erlang loss at offered load 1: B(1) = 1/2, B(2) = 1/5, so limits 1 and 2 hold 1/2 and
    4/5. Limits 1 and 2 holding 13/10 chats are therefore offered 1 each."""
    np.testing.assert_allclose(carried(np.array([1, 2]), 1.0), [0.5, 0.8], rtol=1e-12)
    limit = np.array([1, 2])
    u = levels("round_robin", True, limit, np.ones(2), np.ones((1, 2)), np.array([1.3]), 5.0)
    np.testing.assert_allclose(open_chats("round_robin", True, limit, np.ones(2), u, 5.0),
                               [0.5, 0.8], rtol=1e-6)


def test_most_available_leaves_everybody_the_same_spare():
    """Limits 2, 4, 4 holding 5 chats: (2 - s) + 2 (4 - s) = 5 at spare s = 5/3, so they
    hold 1/3, 7/3, 7/3; a limit k would hold max(0, k - 5/3): a lower limit than the others'
    costs more than in proportion."""
    limit = np.array([2, 4, 4])
    held = open_chats("most_available", True, limit, np.ones(3),
                      levels("most_available", True, limit, np.ones(3), ONE_HOUR,
                             np.array([5.0]), 5.0), 5.0)
    np.testing.assert_allclose(held, [1 / 3, 7 / 3, 7 / 3], rtol=1e-9)
    np.testing.assert_allclose(moment("most_available", limit, 5.0)[0],
                               np.maximum(np.arange(6.0) - 5 / 3, 0), atol=1e-9)


def test_weighted_with_busyness_balances_inflow_and_outflow():
    """Weights 1 and 3, limits 2 and 4: open = L w u / (1 - u + w u). At u = 1/2 they hold
    2 x 1/2 / 1 = 1 and 4 x 3/2 / 2 = 3, together 4: the level for a load of 4."""
    limit, weight = np.array([2, 4]), np.array([1.0, 3.0])
    u = levels("weighted", True, limit, weight, np.ones((1, 2)), np.array([4.0]), 5.0)
    np.testing.assert_allclose(u, [0.5], rtol=1e-9)
    np.testing.assert_allclose(open_chats("weighted", True, limit, weight, u, 5.0), [1, 3],
                               rtol=1e-9)


def test_weighted_without_busyness_and_weight_zero():
    """Without busyness inflow is proportional to weight: weights 1, 2, 0 and limits 5, 5, 5
    holding 3 chats: x + 2x = 3, so 1, 2 and nothing for the weight-0 agent at any limit."""
    limit, weight = np.array([5, 5, 5]), np.array([1.0, 2.0, 0.0])
    table = routed_table("weighted", False, limit, weight, ONE_HOUR, np.array([3.0]), 3600.0,
                         size=6)
    np.testing.assert_allclose(table[:, 5], [1, 2, 0], atol=1e-9)
    assert (table[2] == 0).all()


@pytest.mark.parametrize("mode", ["least_loaded", "most_available", "weighted", "round_robin"])
def test_a_saturated_hour_fills_every_limit_and_pays_a_higher_one(mode):
    """Load 20 above the limits' sum (2 + 4 + 4): everybody holds its limit, and a higher
    limit would hold more (queued buyers go to whoever frees a slot)."""
    table = routed_table(mode, True, np.array([2, 4, 4]), np.ones(3), ONE_HOUR,
                         np.array([20.0]), 3600.0, size=6)
    np.testing.assert_allclose(table, np.tile(np.arange(6.0), (3, 1)), atol=1e-9)


def test_hours_add_up_by_the_share_of_each_hour_on_shift():
    """Two hours: the first agent covers all of hour 0 and half of hour 1, the second only
    hour 1. Hour 0: agent 1 alone holds load 1. Hour 1: load 3 over cover 0.5 and 1 with
    limits 4: 0.5 x + x = 3, x = 2. Agent 1: 1 + 0.5 x 2 = 2 open-chat hours. (Weighted with
    busyness and weight 1 holds open = 4 u: hour 1 0.5 x 4u + 4u = 3 at u = 1/2, 2 each; hour
    0, 4u = 1. It balances arrivals and departures, so it is taken at the mean load.)"""
    cover = np.array([[1.0, 0.0], [0.5, 1.0]])
    table = routed_table("weighted", True, np.array([4, 4]), np.ones(2), cover,
                         np.array([1.0, 3.0]), 3600.0, size=5)
    np.testing.assert_allclose(table[:, 4], [1 + 0.5 * 2, 2.0], rtol=1e-9)


def test_no_load_routes_nothing():
    table = routed_table("least_loaded", True, np.array([2, 4, 4]), np.ones(3), ONE_HOUR,
                         np.array([0.0]), 0.0, size=6)
    assert (table == 0).all()


def test_hours_count_as_often_as_given():
    """The same hour counted 3 times routes 3 times as many chats."""
    args = ("least_loaded", True, np.array([2, 4, 4]), np.ones(3), ONE_HOUR, np.array([5.0]),
            600.0, 6)
    np.testing.assert_allclose(routed_table(*args, hours=np.array([3.0])),
                               3 * routed_table(*args), rtol=1e-12)
