"""The router's rule as a mean-field spread of open chats (model/routed_share.py).

Every expected value is worked out by hand in the test's docstring or comment.
"""

from __future__ import annotations

import numpy as np
import pytest

from policysim.model.routed_share import carried, levels, open_chats, routed_table

ONE_HOUR = np.ones((1, 3))  # three agents on shift for one hour


def test_least_loaded_fills_everybody_to_a_common_level():
    """Limits 2, 4, 4 holding 5 chats: min(2, x) + 2 min(4, x) = 5 at x = 5/3 (below 2), so
    each holds 5/3; at any other limit k the agent would hold min(k, 5/3). A chat holding a
    slot 600 s, one hour on shift: open chats x 6 chats routed."""
    table = routed_table("least_loaded", True, np.array([2, 4, 4]), np.ones(3), ONE_HOUR,
                         np.array([5.0]), 600.0, size=6)
    want = np.minimum(np.arange(6.0), 5 / 3) * 6
    np.testing.assert_allclose(table, np.tile(want, (3, 1)), rtol=1e-9)


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
    table = routed_table("most_available", True, limit, np.ones(3), ONE_HOUR, np.array([5.0]),
                         3600.0, size=6)
    np.testing.assert_allclose(table[0], np.maximum(np.arange(6.0) - 5 / 3, 0), atol=1e-9)


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
    limits 4: 0.5 x + x = 3, x = 2. Agent 1: 1 + 0.5 x 2 = 2 open-chat hours."""
    cover = np.array([[1.0, 0.0], [0.5, 1.0]])
    table = routed_table("least_loaded", True, np.array([4, 4]), np.ones(2), cover,
                         np.array([1.0, 3.0]), 3600.0, size=5)
    np.testing.assert_allclose(table[:, 4], [2.0, 2.0], rtol=1e-9)


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
