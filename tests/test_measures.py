"""Readable numbers (issue 12 item 4): units, no scientific notation, no nan% or -0, plurals,
one missing-value word, aligned columns."""

from __future__ import annotations

import math

import pytest

from policysim.results import measures as M


@pytest.mark.parametrize("x,text", [
    (0.0, "0"), (950.4, "950"), (9_999.0, "9,999"), (25_700.0, "25.7k"), (256_700.0, "256.7k"),
    (999_949.0, "999.9k"), (999_990.0, "1.00M"), (22_000_677.0, "22.00M"), (-6_601.0, "-6,601"),
    (-14_432.0, "-14.4k"), (-0.3, "0"),
])
def test_money_in_yuan_with_k_and_m(x, text):
    assert M.money(x) == text


def test_money_signed_and_in_the_unit_of_a_reference():
    assert M.money(1_230.0, signed=True) == "+1,230"
    assert M.money(1_230.0, signed=True, ref=14_432.0) == "+1.2k"  # one unit per interval
    assert M.interval("labour_cost", {"mean": -6_601.0, "ci_low": -14_432.0, "ci_high": 1_230.0,
                                      "n": 5}, M.change) == "-6.6k [-14.4k, +1.2k]"


@pytest.mark.parametrize("x", [2.567e5, 1e-7, 3.2e12, -4e-9, 1e21])
def test_no_scientific_notation_anywhere(x):
    for name in ("mean_pay", "abandon_rate", "first_response_mean_s", "quits", "pay_gini",
                 "some_new_metric"):
        for text in (M.level(name, x), M.change(name, x)):
            assert "e+" not in text and "e-" not in text, (name, x, text)
    assert M.plain(2.567e5) == "256,700"


@pytest.mark.parametrize("x", [math.nan, None, math.inf])
def test_one_word_for_a_missing_value(x):
    for name in ("abandon_rate", "revenue", "quits", "pay_gini"):
        assert M.level(name, x) in (M.MISSING,) and M.change(name, x) == M.MISSING
    assert M.percent(x) == "n/a" and "nan" not in M.interval("abandon_rate", {
        "mean": x, "ci_low": x, "ci_high": x, "n": 3})


@pytest.mark.parametrize("name,x,text", [
    ("abandon_rate", -1e-10, "0.00 points"), ("first_response_mean_s", -1e-9, "0.0 s"),
    ("quits", -4e-9, "0.0"), ("pay_gini", -1e-10, "0.000"), ("profit", -0.4, "0"),
])
def test_no_minus_zero(name, x, text):
    """Rounding noise (below 10^-6 of the unit shown) reads 0, without a sign."""
    assert M.change(name, x) == text
    assert "-0" not in M.level(name, x).replace("-0.", "X")  # "-0.5" would be fine


@pytest.mark.parametrize("name,x,text", [
    ("abandon_rate", -0.00001, "-0.0010 points"), ("reply_within_30s", 0.00003, "+0.0030 points"),
    ("first_response_mean_s", -0.01, "-0.010 s"), ("quits", -0.04, "-0.040"),
    ("pay_gini", 0.0004, "+0.00040"),
    ("abandon_rate", 0.004, "+0.40 points"), ("first_response_mean_s", 2.5, "+2.5 s"),
])
def test_a_change_that_is_not_zero_never_reads_zero(name, x, text):
    """A paired difference can be significant (starred) and smaller than the usual decimals:
    it used to read '0.00 points [0.00, 0.00] *'; now it gets two significant digits.
    Changes the usual decimals show keep them."""
    assert M.change(name, x) == text


def test_rates_seconds_and_plain_numbers():
    assert M.level("abandon_rate", 0.0517) == "5.2%"
    assert M.level("abandon_rate", 0.004) == "0.40%"
    assert M.level("annual_turnover_rate", 1.444) == "144.4%"
    assert M.level("first_response_mean_s", 9.46) == "9.5 s"
    assert M.change("conversion_rate", -0.0421) == "-4.2 points"
    assert M.level("inquiries", 36_132.0) == "36,132"
    assert M.level("pay_skill_corr", 0.9601) == "0.960"


@pytest.mark.parametrize("n,text", [(1, "1 replication"), (0, "0 replications"),
                                    (2, "2 replications"), (1200, "1,200 replications")])
def test_singular_and_plural(n, text):
    assert M.plural(n, "replication") == text


def test_few_replications_warn_below_ten_and_one_says_no_interval():
    assert "no confidence intervals" in M.few_reps(1) and "1 replication:" in M.few_reps(1)
    assert M.few_reps(9).startswith("only 9 replications")
    assert M.few_reps(10) is None


def test_an_interval_with_one_replication_is_the_mean_alone():
    ci = {"mean": 0.2, "ci_low": 0.2, "ci_high": 0.2, "n": 1}
    assert M.interval("abandon_rate", ci) == "20.0%"


@pytest.mark.parametrize("width", [1, 8, 30])
def test_columns_are_aligned_whatever_their_width(width):
    """The issue's run-together columns: 22,000,677 [17,418,446,26,582,907]18,251,946."""
    rows = [["revenue", "x" * width, "22.00M [17.42M, 26.58M]", "18.25M"],
            ["q", "1", "2", "3"]]
    lines = M.align(rows, ["metric", "a", "b", "c"]).splitlines()
    body = [lines[0], *lines[2:]]
    ends = {len(line) for line in body}
    assert len(ends) == 1  # right-aligned last column: every line ends at the same place
    for line in body[1:]:  # every cell separated from the next by at least two spaces
        assert "M]18" not in line and "  18.25M" in line or line.endswith("3")
    starts = [line.index(c) + len(c) for line, c in zip(body, ["a", "x" * width, "1"])]
    assert len(set(starts)) == 1  # each column ends at the same place on every line
