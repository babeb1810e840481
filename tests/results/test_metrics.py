"""Run metrics computed from records (results/metrics.py)."""

from __future__ import annotations

import statistics

import pytest

from policysim.results.metrics import corr, gini


def test_gini_against_mean_absolute_difference():
    # Gini = sum over ordered pairs |x_i - x_j| / (2 n^2 mean), computed here independently
    for x in ([1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 1.0], [5.0, 1.0, 1.0, 9.0, 2.5]):
        n, mean = len(x), sum(x) / len(x)
        expected = sum(abs(a - b) for a in x for b in x) / (2 * n * n * mean)
        assert gini(x) == pytest.approx(expected, rel=1e-12)
    assert gini([3.0, 3.0, 3.0]) == 0.0
    assert gini([]) == 0.0 and gini([0.0, 0.0]) == 0.0


def test_corr_against_statistics_module_and_constant_sides():
    a, b = [1.0, 2.0, 3.0, 5.0], [2.0, 4.0, 7.0, 8.0]
    assert corr(a, b) == pytest.approx(statistics.correlation(a, b), rel=1e-12)
    assert corr(a, [1.0, 1.0, 1.0, 1.0]) == 0.0
    assert corr([1.0, 2.0], [2.0, 1.0]) == 0.0  # fewer than 3 points
