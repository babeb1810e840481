"""Confidence intervals across independent replications, kept inside what is possible.

Replications are independent, so the mean of a metric over R replications has a t
interval: mean +- t(0.975, R-1) x sd / sqrt(R) (:func:`mean_ci`). Paired differences between
two schemes run on the same buyers (common random numbers) use the same formula on
per-replication differences, which is what makes small effects visible with few
replications. With R = 1 there is no interval: it is reported as [mean, mean] with ``n`` = 1,
and every display shows the mean alone.

A plain t interval can leave the range a metric can take (a share below 0, a correlation
above 1, a count below 0). :func:`bounded_ci` keeps it inside:

- a metric bounded on both sides (share in [0, 1], correlation in [-1, 1], rating in [1, 5])
  gets its interval on the logit scale of its position in the range, u = (x - low) /
  (high - low): logit(u) +- t x se / ((high - low) u (1 - u)), mapped back (the delta
  method; for a correlation this is Fisher's z, atanh r = logit((r + 1) / 2) / 2);
- a metric bounded on one side (a count, a cost, a time) has its t interval cut at the bound
  (the true mean lies inside it, so the cut interval covers at least as often);
- all values equal (sd 0): the interval is the point.

A relative change ((a - b) / |b| of two paired means, :func:`ratio_ci`) gets Fieller's interval
(Fieller 1954): every ratio r for which the paired t test of a - r b does not reject. At r = 1
that test *is* the test of the absolute difference a - b, so the relative interval excludes 0
exactly when the absolute one does: the star and the two rows always agree. When the
baseline's mean is not clearly away from 0 the set is unbounded and no interval is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

Bounds = Callable[[str], tuple[float | None, float | None]]


def _clean(values: Sequence[float]) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[~np.isnan(x)]


def t_quantile(n: int, level: float = 0.95) -> float:
    """The two-sided t quantile of ``level`` with n - 1 degrees of freedom."""
    from scipy import stats  # imported here: scipy takes longer to load than a short run

    return float(stats.t.ppf(0.5 + level / 2, n - 1))


def mean_ci(values: Sequence[float], level: float = 0.95) -> dict[str, float]:
    """{"mean", "ci_low", "ci_high", "se", "n"} of independent values.

    Undefined values (NaN, e.g. a new-hire quit rate in a run with no hire observed for 90
    days) are left out; ``n`` counts the values used; with none, mean and CI are NaN.
    """
    x = _clean(values)
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    if n < 2:
        return {"mean": mean, "ci_low": mean, "ci_high": mean, "se": 0.0, "n": n}
    se = float(x.std(ddof=1) / math.sqrt(n))
    half = t_quantile(n, level) * se
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "se": se, "n": n}


def bounded_ci(values: Sequence[float], low: float | None = None, high: float | None = None,
               level: float = 0.95) -> dict[str, float]:
    """:func:`mean_ci` kept inside [low, high] (None: unbounded on that side).

    Same keys as :func:`mean_ci`; ``mean`` and ``se`` are unchanged, only the interval moves.
    """
    ci = mean_ci(values, level)
    n, m, se = ci["n"], ci["mean"], ci["se"]
    if n < 2 or se == 0.0:
        return ci
    t = t_quantile(n, level)
    if low is not None and high is not None and low < m < high:
        width = high - low
        u = (m - low) / width
        z = math.log(u / (1.0 - u))
        half = t * se / (width * u * (1.0 - u))
        ci["ci_low"] = low + width / (1.0 + math.exp(-(z - half)))
        ci["ci_high"] = low + width / (1.0 + math.exp(-(z + half)))
        return ci
    if low is not None:
        ci["ci_low"] = max(ci["ci_low"], low)
    if high is not None:
        ci["ci_high"] = min(ci["ci_high"], high)
    return ci


def ratio_ci(a: Sequence[float], b: Sequence[float], level: float = 0.95) -> dict[str, float]:
    """Relative change (mean(a) - mean(b)) / |mean(b)| of paired values (mean(a) / mean(b) - 1
    when mean(b) > 0), with Fieller's interval: its sign is always that of mean(a) - mean(b).

    Pairs with a NaN on either side are left out. Returns {"mean", "ci_low", "ci_high",
    "n"}: NaN mean when mean(b) is 0 or nothing is left; the interval is the point with one
    pair, and NaN (no finite interval) when mean(b) is not clearly away from 0.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n = len(x)
    if n == 0 or y.mean() == 0.0:
        return {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    ma, mb = float(x.mean()), float(y.mean())
    r = ma / mb
    rel = (r - 1.0) if mb > 0 else (1.0 - r)  # the change as a share of |mean(b)|
    if n < 2:
        return {"mean": rel, "ci_low": rel, "ci_high": rel, "n": n}
    q = t_quantile(n, level) ** 2 / n
    cov = np.cov(x, y, ddof=1)
    saa, sab, sbb = float(cov[0, 0]), float(cov[0, 1]), float(cov[1, 1])
    # (ma - r mb)^2 <= q (saa - 2 r sab + r^2 sbb)  <=>  A r^2 - 2 B r + C <= 0
    A, B, C = mb * mb - q * sbb, ma * mb - q * sab, ma * ma - q * saa
    if A <= 0.0:
        return {"mean": rel, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    root = math.sqrt(max(B * B - A * C, 0.0))
    lo, hi = (B - root) / A, (B + root) / A
    lo, hi = min(lo, r), max(hi, r)
    if mb < 0:  # 1 - r: a loss growing from -16.6k to -28.6k is -72%, not +72%
        return {"mean": rel, "ci_low": 1.0 - hi, "ci_high": 1.0 - lo, "n": n}
    return {"mean": rel, "ci_low": lo - 1.0, "ci_high": hi - 1.0, "n": n}


def clear(ci: dict[str, float]) -> bool:
    """True when there is an interval (2 replications or more) and it excludes 0."""
    return ci.get("n", 2) >= 2 and (ci["ci_low"] > 0 or ci["ci_high"] < 0)


def summarize_reps(rows: Sequence[dict[str, float]], bounds: Bounds | None = None
                   ) -> dict[str, dict[str, float]]:
    """Per-metric CIs from one dict of metrics per replication, inside each metric's range
    (``bounds(name) -> (low, high)``; default :func:`policysim.results.measures.bounds`)."""
    if bounds is None:
        from policysim.results.measures import bounds
    keys = list(rows[0]) if rows else []
    return {k: bounded_ci([r[k] for r in rows], *bounds(k)) for k in keys}


def paired(rows_a: Sequence[dict], rows_b: Sequence[dict], bounds: Bounds | None = None
           ) -> dict[str, dict[str, float]]:
    """CIs of (a - b) metric by metric, pairing replication i of a with replication i of b;
    a difference of a metric bounded on both sides stays within +-(high - low)."""
    if bounds is None:
        from policysim.results.measures import bounds
    keys = [k for k in rows_a[0] if k in rows_b[0]]
    out = {}
    for k in keys:
        low, high = bounds(k)
        ci = mean_ci([ra[k] - rb[k] for ra, rb in zip(rows_a, rows_b)])
        if low is not None and high is not None:
            span = high - low
            ci["ci_low"], ci["ci_high"] = max(ci["ci_low"], -span), min(ci["ci_high"], span)
        out[k] = ci
    return out
