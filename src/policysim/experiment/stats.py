"""Confidence intervals across independent replications.

Replications are independent, so the mean of a metric over R replications has a t
interval: mean +- t(0.975, R-1) x sd / sqrt(R). Paired differences between two schemes run on
the same buyers (common random numbers) use the same formula on per-replication differences,
which is what makes small effects visible with few replications. With R = 1 the interval is
reported as [mean, mean] and flagged by ``n`` = 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def mean_ci(values: Sequence[float], level: float = 0.95) -> dict[str, float]:
    """{"mean", "ci_low", "ci_high", "se", "n"} of independent values.

    Undefined values (NaN, e.g. a new-hire quit rate in a run with no hire observed for 90
    days) are left out; ``n`` counts the values used; with none, mean and CI are NaN.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    if n < 2:
        return {"mean": mean, "ci_low": mean, "ci_high": mean, "se": 0.0, "n": n}
    se = float(x.std(ddof=1) / math.sqrt(n))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * se
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "se": se, "n": n}


def summarize_reps(rows: Sequence[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per-metric CIs from one dict of metrics per replication."""
    keys = list(rows[0]) if rows else []
    return {k: mean_ci([r[k] for r in rows]) for k in keys}


def paired(rows_a: Sequence[dict], rows_b: Sequence[dict]) -> dict[str, dict[str, float]]:
    """CIs of (a - b) metric by metric, pairing replication i of a with replication i of b."""
    keys = [k for k in rows_a[0] if k in rows_b[0]]
    return {k: mean_ci([ra[k] - rb[k] for ra, rb in zip(rows_a, rows_b)]) for k in keys}
