"""First-response and wait histograms: 1-second bins, and percentiles read from them.

The engine counts first-response times and queue waits in 1-second bins up to two hours plus
one overflow bin, so a million chats cost a fixed-size array, not a list of times. A
percentile is then the upper edge of the bin where the cumulative count first reaches the
wanted share: exact to the second.
"""

from __future__ import annotations

import numpy as np

HIST_MAX_S = 7200  # 1-second bins up to 2 hours, then one overflow bin


def percentiles(hist: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """Percentiles (seconds, 1-s resolution, upper bin edge) from a 1-second histogram.

    Args:
        hist: counts per 1-second bin (bin ``i`` holds values in ``[i, i + 1)``).
        qs: the wanted shares, each in (0, 1].

    Returns:
        One value per share; all 0.0 when the histogram is empty.
    """
    total = hist.sum()
    if total == 0:
        return [0.0 for _ in qs]
    cum = np.cumsum(hist)
    return [float(np.searchsorted(cum, q * total) + 1) for q in qs]
