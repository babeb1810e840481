"""The load path behind the live-concurrency fit, worked out by hand on a few chats."""

from __future__ import annotations

import numpy as np
import pandas as pd

from policysim.calibration.concurrency import exposure


def test_time_at_each_load_and_the_load_at_the_end():
    # agent a: chat 0 held 0-100 (first reply at 10), chat 1 held 50-80 (reply at 60);
    # a's load is 1 on [0, 50), 2 on [50, 80), 1 on [80, 100). Agent b: chat 2 alone.
    # chat 3 left from the queue (no agent) and changes nobody's load.
    chats = pd.DataFrame({
        "handler": ["a", "a", "b", None],
        "assigned": [0.0, 50.0, 5.0, np.nan],
        "reply": [10.0, 60.0, 6.0, np.nan],
        "ended": [100.0, 80.0, 30.0, 40.0],
    })
    rows = np.array([True, True, True, False])
    T, k_end = exposure(chats, rows)
    # chat 0 works 10-100: 40 s + 20 s at load 1, 30 s at load 2; it ends at load 1
    np.testing.assert_allclose(T, [[60.0, 30.0], [0.0, 20.0], [24.0, 0.0]])
    assert k_end.tolist() == [1, 2, 1]


def test_an_open_chat_at_the_end_of_the_records_keeps_its_load():
    # chat 1 never ends inside the records: a's load stays 2 after 20 s
    chats = pd.DataFrame({"handler": ["a", "a"], "assigned": [0.0, 20.0],
                          "reply": [5.0, 25.0], "ended": [50.0, np.nan]})
    T, k_end = exposure(chats, np.array([True, False]))
    np.testing.assert_allclose(T, [[15.0, 30.0]])
    assert k_end.tolist() == [2]
