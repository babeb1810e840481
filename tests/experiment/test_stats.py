"""Intervals inside the possible range, and relative changes that agree with absolute ones
(issue 12 item 2): cases at the bounds (0, 1, all equal, n = 1, n = 2) and coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from policysim.experiment.stats import (
    bounded_ci,
    clear,
    mean_ci,
    paired,
    ratio_ci,
    summarize_reps,
)
from policysim.results.measures import bounds


def test_mean_ci_is_the_textbook_t_interval():
    x = [3.0, 5.0, 4.0, 8.0]
    m, sd = np.mean(x), np.std(x, ddof=1)
    half = sps.t.ppf(0.975, 3) * sd / 2.0
    ci = mean_ci(x)
    assert ci["mean"] == pytest.approx(5.0)
    assert (ci["ci_low"], ci["ci_high"]) == pytest.approx((m - half, m + half))


@pytest.mark.parametrize("values", [[0.0] * 5, [1.0] * 5, [0.3] * 5])
def test_a_share_whose_replications_all_agree_has_the_point_as_interval(values):
    ci = bounded_ci(values, 0.0, 1.0)
    assert ci["ci_low"] == ci["ci_high"] == ci["mean"] == values[0]


@pytest.mark.parametrize("values", [[0.0, 0.02, 0.0, 0.01], [0.0, 0.3], [1.0, 0.97, 0.99],
                                    [0.002, 0.9]])
def test_a_share_near_its_bounds_keeps_its_interval_inside_0_1(values):
    plain = mean_ci(values)
    ci = bounded_ci(values, 0.0, 1.0)
    assert plain["ci_low"] < 0 or plain["ci_high"] > 1  # the t interval would leave [0, 1]
    assert 0.0 < ci["ci_low"] < ci["mean"] < ci["ci_high"] < 1.0


def test_the_logit_interval_is_the_delta_method_on_the_logit_scale():
    x = np.array([0.10, 0.14, 0.08, 0.12, 0.11])
    m, se = x.mean(), x.std(ddof=1) / math.sqrt(5)
    z, half = math.log(m / (1 - m)), sps.t.ppf(0.975, 4) * se / (m * (1 - m))
    ci = bounded_ci(x, 0.0, 1.0)
    assert ci["ci_low"] == pytest.approx(1 / (1 + math.exp(-(z - half))))
    assert ci["ci_high"] == pytest.approx(1 / (1 + math.exp(-(z + half))))


def test_a_correlation_gets_fishers_z_interval_inside_minus_1_1():
    r = np.array([0.97, 0.999, 0.95])  # the t interval reaches above 1
    assert mean_ci(r)["ci_high"] > 1
    ci = bounded_ci(r, -1.0, 1.0)
    m, se = r.mean(), r.std(ddof=1) / math.sqrt(3)
    half = sps.t.ppf(0.975, 2) * se / (1 - m * m)  # Fisher z: atanh, its derivative 1/(1-r^2)
    assert ci["ci_low"] == pytest.approx(math.tanh(math.atanh(m) - half))
    assert ci["ci_high"] == pytest.approx(math.tanh(math.atanh(m) + half))
    assert ci["ci_high"] < 1.0


def test_counts_and_costs_never_go_below_zero():
    quits = [0.0, 0.0, 4.0]  # the "quits [-1.2, 4.5]"
    assert mean_ci(quits)["ci_low"] < 0
    ci = bounded_ci(quits, 0.0, None)
    assert ci["ci_low"] == 0.0 and ci["ci_high"] == mean_ci(quits)["ci_high"]
    profit = [-5.0, 1.0, 2.0]  # unbounded: unchanged
    assert bounded_ci(profit, None, None) == mean_ci(profit)


@pytest.mark.parametrize("n", [1, 2])
def test_one_and_two_replications(n):
    values = [0.2, 0.6][:n]
    ci = bounded_ci(values, 0.0, 1.0)
    assert ci["n"] == n
    if n == 1:  # no interval: the point, and never "clear"
        assert ci["ci_low"] == ci["ci_high"] == 0.2 and not clear(ci)
    else:  # t(0.975, 1) = 12.7: very wide, but inside [0, 1]
        assert 0.0 < ci["ci_low"] < 0.4 < ci["ci_high"] < 1.0


def test_no_values_and_nan_values():
    assert math.isnan(bounded_ci([], 0.0, 1.0)["mean"])
    ci = bounded_ci([0.1, math.nan, 0.2], 0.0, 1.0)
    assert ci["n"] == 2 and ci["mean"] == pytest.approx(0.15)


def test_summaries_use_each_metrics_range():
    rows = [{"abandon_rate": a, "quits": q, "profit": p, "pay_luck_corr": c}
            for a, q, p, c in [(0.0, 0, -9.0, 0.99), (0.01, 0, 3.0, 0.96), (0.0, 3, 4.0, 0.999)]]
    s = summarize_reps(rows)
    assert s["abandon_rate"]["ci_low"] > 0 and s["quits"]["ci_low"] == 0
    assert s["pay_luck_corr"]["ci_high"] < 1 and s["profit"]["ci_low"] < -9
    assert bounds("pay_gini") == (0.0, 1.0) and bounds("profit") == (None, None)


def test_a_career_ladders_level_mix_is_a_share_in_0_1():
    """level_mix_NAME (the share of the team at a level) was an unbounded number: with a
    ladder, `run` printed level_mix_senior 0.491 [-0.050, 1.031]."""
    rows = [{"level_mix_senior": v} for v in (0.0, 0.98)]
    ci = summarize_reps(rows)["level_mix_senior"]
    assert 0 <= ci["ci_low"] and ci["ci_high"] <= 1
    assert bounds("level_mix_expert") == (0.0, 1.0)


def test_a_paired_difference_of_shares_stays_within_plus_minus_one():
    a = [{"abandon_rate": x} for x in (0.9, 0.0, 0.95)]
    b = [{"abandon_rate": 0.0}] * 3
    d = paired(a, b)["abandon_rate"]
    assert -1.0 <= d["ci_low"] and d["ci_high"] == 1.0  # the t interval reaches 1.6


# ------------------------------------------------------------------ relative changes
def test_the_ratio_interval_is_fiellers():
    a, b = np.array([90.0, 80, 95, 85]), np.array([100.0, 95, 105, 90])
    ci = ratio_ci(a, b)
    assert ci["mean"] == pytest.approx(a.mean() / b.mean() - 1)
    t2n = sps.t.ppf(0.975, 3) ** 2 / 4
    for r in (ci["ci_low"] + 1, ci["ci_high"] + 1):  # the ends solve the Fieller equation
        d = a - r * b
        assert (d.mean()) ** 2 == pytest.approx(t2n * d.var(ddof=1))


@pytest.mark.parametrize("seed", range(60))
def test_the_relative_interval_excludes_0_exactly_when_the_absolute_one_does(seed):
    """The issue's rows: -25.8% (-29.5% to -22.2%) without a star beside an absolute
    -6,601 [-14,432, +1,230]. Random paired samples, some with an effect, some without."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    b = rng.normal(100, 20, n)
    a = b * rng.normal(1 + rng.choice([0, 0.05, 0.3]), 0.1, n) + rng.normal(0, 10, n)
    absolute = paired([{"x": v} for v in a], [{"x": v} for v in b], lambda k: (None, None))["x"]
    rel = ratio_ci(a, b)
    if math.isnan(rel["ci_low"]):  # unbounded Fieller set: no relative interval at all
        return
    assert clear(absolute) == clear(rel)
    assert (rel["mean"] > 0) == (absolute["mean"] > 0)


@pytest.mark.parametrize("seed", range(60))
def test_a_relative_change_from_a_negative_baseline_has_the_sign_of_the_difference(seed):
    """A loss (profit below 0) that grows is a fall: -12.0k beside (+72.1%) read as a rise.
    The change is a share of |baseline|, its interval and star agree with the absolute row."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    b = -rng.normal(100, 20, n)
    a = b + rng.choice([-30.0, 0.0, 30.0]) + rng.normal(0, 10, n)
    absolute = paired([{"x": v} for v in a], [{"x": v} for v in b], lambda k: (None, None))["x"]
    rel = ratio_ci(a, b)
    assert rel["mean"] == pytest.approx((a.mean() - b.mean()) / abs(b.mean()))
    assert (rel["mean"] > 0) == (absolute["mean"] > 0)
    if math.isnan(rel["ci_low"]):
        return
    assert rel["ci_low"] <= rel["mean"] <= rel["ci_high"]
    assert clear(absolute) == clear(rel)


def test_ratio_edge_cases():
    assert math.isnan(ratio_ci([1.0, 2.0], [0.0, 0.0])["mean"])  # baseline 0: no ratio
    one = ratio_ci([2.0], [4.0])
    assert one["mean"] == -0.5 and one["ci_low"] == one["ci_high"] == -0.5
    loss = ratio_ci([-28.6], [-16.6])  # compare's profit row of a store losing money
    assert loss["mean"] == pytest.approx(-12.0 / 16.6) and loss["ci_low"] == loss["mean"]
    same = ratio_ci([3.0, 3.0, 3.0], [2.0, 2.0, 2.0])  # all equal: the point
    assert same["ci_low"] == pytest.approx(0.5) and same["ci_high"] == pytest.approx(0.5)
    noisy = ratio_ci([1.0, -1.0, 2.0], [1.0, -1.0, 0.5])  # baseline mean not away from 0
    assert not math.isnan(noisy["mean"]) and math.isnan(noisy["ci_low"])


def test_coverage_of_the_logit_interval_near_a_bound():
    """2,000 samples of 10 replications of a share with true mean 0.03: the interval covers
    the truth in 95% of them within 4 SE of a coverage share (SE = sqrt(0.95 x 0.05 / 2000)
    = 0.0049), and never leaves [0, 1]."""
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(2000):
        x = rng.beta(3, 97, 10)
        ci = bounded_ci(x, 0.0, 1.0)
        assert 0.0 <= ci["ci_low"] and ci["ci_high"] <= 1.0
        hits += ci["ci_low"] <= 0.03 <= ci["ci_high"]
    assert abs(hits / 2000 - 0.95) < 4 * math.sqrt(0.95 * 0.05 / 2000)
