"""Tests for policysim.model.demand: arrival volume per hour, calendar events, buyer draws.

Statistical checks use fixed seeds and a tolerance of 4 standard errors: an hour's count is
Poisson with the hour's expected volume E, so a total over independent days/replications
has sd sqrt(sum E); a sample mean of draws with sd s over n buyers has se s / sqrt(n).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from policysim.config.schema import Scenario
from store_fixtures import merged
from policysim.model.demand import DAY_S, HOUR_S, Calendar, DemandGenerator
from policysim.model.streams import stream

START = dt.date(2026, 1, 5)  # a Monday

FLAT = [1.0] * 24
SPIKY = [1.0] * 24
SPIKY[10] = 8.0  # an hour_profile spike at 10:00-11:00
SPIKY[3] = 0.0  # and a closed hour


def make(**over) -> Scenario:
    """A small scenario (one all-day shift, flat week) with top-level sections replaced."""
    data = {
        "name": "demand-test",
        "sim": {"days": 30, "period_days": 30, "start_date": START.isoformat()},
        "demand": {
            "daily_volume": 2400.0,
            "hour_profile": FLAT,
            "weekday_factor": [1.0] * 7,
            "events": [],
        },
        "teams": [{"name": "A", "agents": 2}],
        "shifts": [{"name": "all", "start": "00:00", "end": "24:00"}],
    }
    return Scenario.model_validate(merged(data, over))


def spike_event(**kw) -> dict:
    ev = {"name": "flash", "date": START.isoformat(), "days": 30, "multiplier": 8.0,
          "start_hour": "14:00", "end_hour": "15:00", "intent_boost": 0.0}
    ev.update(kw)
    return ev


def hours_of(dd) -> np.ndarray:
    return ((np.asarray(dd.times) - dd.day * DAY_S) // HOUR_S).astype(int)


# ----------------------------------------------------------------- expected volumes
def test_expected_per_hour_spikes_are_exact_multiples():
    scn = make(demand={"hour_profile": SPIKY, "events": [spike_event()]})
    gen = DemandGenerator(scn, seed=1, rep=0)
    exp = gen.expected_per_hour(0)
    plain = exp[0]
    assert plain == pytest.approx(2400.0 / (sum(SPIKY)), rel=1e-12)
    assert exp[10] == pytest.approx(8.0 * plain, rel=1e-12)  # hour_profile spike
    assert exp[14] == pytest.approx(8.0 * plain, rel=1e-12)  # one-hour event
    assert exp[3] == 0.0
    others = [h for h in range(24) if h not in (3, 10, 14)]
    assert np.allclose(exp[others], plain, rtol=1e-12)
    # the day total is the volume plus the event's extra hour
    assert exp.sum() == pytest.approx(2400.0 + 7.0 * plain, rel=1e-12)


def test_event_covering_part_of_an_hour_scales_by_the_covered_fraction():
    ev = spike_event(start_hour="14:30", end_hour="16:15", multiplier=5.0)
    scn = make(demand={"events": [ev]})
    exp = DemandGenerator(scn, 1, 0).expected_per_hour(0)
    plain = 100.0
    assert exp[13] == pytest.approx(plain)
    assert exp[14] == pytest.approx(plain * (1 + 4 * 0.5))
    assert exp[15] == pytest.approx(plain * 5.0)
    assert exp[16] == pytest.approx(plain * (1 + 4 * 0.25))
    assert exp[17] == pytest.approx(plain)


def test_overlapping_events_multiply_and_events_end():
    evs = [spike_event(days=2, start_hour=0, end_hour=24, multiplier=2.0),
           spike_event(name="b", days=1, start_hour=0, end_hour=24, multiplier=3.0)]
    gen = DemandGenerator(make(demand={"events": evs}), 1, 0)
    assert gen.expected_per_hour(0).sum() == pytest.approx(2400.0 * 6.0)
    assert gen.expected_per_hour(1).sum() == pytest.approx(2400.0 * 2.0)
    assert gen.expected_per_hour(2).sum() == pytest.approx(2400.0)


def test_weekday_factors_are_relative_to_their_mean():
    wf = [1.0, 0.9, 0.9, 0.9, 1.0, 1.4, 1.5]
    scn = make(demand={"weekday_factor": wf})
    gen = DemandGenerator(scn, 1, 0)
    mean = sum(wf) / 7
    for day in range(14):
        weekday = (START + dt.timedelta(days=day)).weekday()
        assert gen.expected_per_hour(day).sum() == pytest.approx(2400.0 * wf[weekday] / mean,
                                                                  rel=1e-12)


def test_growth_compounds_per_year():
    scn = make(demand={"growth_per_year": 0.2}, sim={"days": 800, "period_days": 30})
    gen = DemandGenerator(scn, 1, 0)
    assert gen.expected_per_hour(0).sum() == pytest.approx(2400.0)
    assert gen.expected_per_hour(365).sum() == pytest.approx(2400.0 * 1.2, rel=1e-12)
    assert gen.expected_per_hour(730).sum() == pytest.approx(2400.0 * 1.44, rel=1e-12)
    assert gen.expected_per_hour(100).sum() == pytest.approx(2400.0 * 1.2 ** (100 / 365))


def test_yearly_event_repeats_and_one_off_does_not():
    last_year = dt.date(2025, 1, 6)  # the event's date a year before the start
    yearly = spike_event(date=last_year.isoformat(), days=1, start_hour=0, end_hour=24)
    once = {**yearly, "name": "once", "repeat_yearly": False, "multiplier": 3.0}
    cal = Calendar(make(demand={"events": [yearly]}))
    assert cal.day(1)[3] and cal.day(1)[0][0] == pytest.approx(8.0)  # 2026-01-06
    assert not cal.day(0)[3] and not cal.day(2)[3]
    cal = Calendar(make(demand={"events": [once]}))
    assert not any(cal.day(d)[3] for d in range(5))


def test_is_event_marks_exactly_the_event_days():
    ev = spike_event(date=START.replace(day=7).isoformat(), days=2)  # days 2 and 3
    gen = DemandGenerator(make(demand={"events": [ev]}), seed=1, rep=0)
    assert [gen.is_event(d) for d in range(6)] == [False, False, True, True, False, False]
    assert gen.day(0).is_event is False and gen.day(1).is_event is False
    assert gen.day(2).is_event is True


# ----------------------------------------------------------------- drawn arrivals
def test_mean_count_per_hour_matches_expected_with_spikes():
    """Over 4 replications x 20 days, the total count of each hour is Poisson with mean
    sum(E); it must be within 4 sd = 4 sqrt(sum E) of it. The spike hours must also hold
    ~8x the plain hours' arrivals (checked through the same 4-sd bounds)."""
    scn = make(demand={"hour_profile": SPIKY, "events": [spike_event()]})
    counts = np.zeros(24)
    expected = np.zeros(24)
    for rep in range(4):
        gen = DemandGenerator(scn, seed=11, rep=rep)
        for day in range(20):
            dd = gen.day(day)
            counts += np.bincount(hours_of(dd), minlength=24)
            expected += gen.expected_per_hour(day)
            assert np.array_equal(dd.expected_per_hour, gen.expected_per_hour(day))
    assert counts[3] == 0  # closed hour
    open_hours = [h for h in range(24) if h != 3]
    tol = 4.0 * np.sqrt(expected[open_hours])
    assert np.all(np.abs(counts[open_hours] - expected[open_hours]) <= tol), (counts, expected)
    plain = expected[0]
    assert expected[10] == pytest.approx(8 * plain) and expected[14] == pytest.approx(8 * plain)
    assert counts[14] > 7 * plain and counts[10] > 7 * plain  # 8 plain - 4 sd is ~7.8 plain


def test_hour_counts_are_the_poisson_draws_of_the_arrivals_stream():
    # exact trace: day 0's per-hour counts are the first Poisson draw of "demand.arrivals"
    scn = make(demand={"hour_profile": SPIKY, "events": [spike_event()]})
    gen = DemandGenerator(scn, seed=5, rep=3, point=2)
    dd = gen.day(0)
    ref = stream(5, 3, "demand.arrivals", 2).poisson(gen.expected_per_hour(0))
    assert np.array_equal(np.bincount(hours_of(dd), minlength=24), ref)


def test_arrival_times_sorted_and_inside_their_day():
    scn = make(demand={"hour_profile": SPIKY, "events": [spike_event()]})
    gen = DemandGenerator(scn, seed=2, rep=0)
    last = -1.0
    for day in range(3):
        dd = gen.day(day)
        t = np.asarray(dd.times)
        assert len(dd) > 2000
        assert np.all(np.diff(t) >= 0)
        assert t[0] >= day * DAY_S and t[-1] < (day + 1) * DAY_S
        assert t[0] > last
        last = t[-1]
        hours = hours_of(dd)
        assert not np.any(hours == 3)
        # uniform within the hour: the mean position in the hour is 1/2 (se 1/sqrt(12 n))
        frac = (t - day * DAY_S) / HOUR_S - hours
        assert abs(frac.mean() - 0.5) <= 4.0 / math.sqrt(12 * len(t))
        n = len(dd)
        for name in ("pre_sales", "price", "intent", "patience", "handle_mult", "reply_mult",
                     "u_convert", "rating_noise"):
            assert len(getattr(dd, name)) == n, name


def test_zero_volume_gives_empty_days():
    gen = DemandGenerator(make(demand={"daily_volume": 0.0}), 1, 0)
    dd = gen.day(0)
    assert len(dd) == 0 and dd.times == [] and dd.pre_sales == []
    assert gen.expected_per_hour(0).sum() == 0.0


# ---------------------------------------------------------- common random numbers
def _fields(dd):
    return (dd.times, dd.pre_sales, dd.price, dd.intent, dd.patience, dd.handle_mult,
            dd.reply_mult, dd.u_convert, dd.rating_noise)


def test_same_seed_and_rep_same_buyers_other_rep_other_buyers():
    scn = make()
    a = [DemandGenerator(scn, 7, 1).day(0), DemandGenerator(scn, 7, 1).day(0)]
    assert _fields(a[0]) == _fields(a[1])
    other_rep = DemandGenerator(scn, 7, 2).day(0)
    other_seed = DemandGenerator(scn, 8, 1).day(0)
    for other in (other_rep, other_seed):
        assert other.times != a[0].times
        assert other.intent[:10] != a[0].intent[:10]
    # every design point of a sweep faces the same buyers (buyer-side streams ignore it)
    assert _fields(DemandGenerator(scn, 7, 1, point=1).day(0)) == _fields(a[0])


def test_buyers_do_not_depend_on_the_team():
    small = make(teams=[{"name": "A", "agents": 2}])
    big = make(teams=[{"name": "A", "agents": 20}, {"name": "B", "agents": 20}],
               shifts=[{"name": "e", "start": 0, "end": 12}, {"name": "l", "start": 12, "end": 24}],
               agents={"cap_novice": 1, "cap_expert": 2})
    ga, gb = DemandGenerator(small, 3, 0), DemandGenerator(big, 3, 0)
    for day in range(2):
        assert _fields(ga.day(day)) == _fields(gb.day(day))


# ----------------------------------------------------------------- buyer draws
def test_event_day_intent_boost_and_pre_sales_share():
    """On event days intent is shifted by intent_boost and the pre-sales share is the event's;
    sample means over n buyers are within 4 se (sd/sqrt(n), binomial sd for shares)."""
    ev = spike_event(days=1, start_hour=0, end_hour=24, multiplier=2.0, intent_boost=0.8,
                     pre_sales_share=0.35)
    scn = make(demand={"events": [ev], "pre_sales_share": 0.7, "intent_mean": 0.1,
                       "intent_sd": 1.0})
    gen = DemandGenerator(scn, 4, 0)
    event, plain = gen.day(0), gen.day(1)
    assert event.is_event and not plain.is_event
    for dd, share, mean in ((event, 0.35, 0.9), (plain, 0.7, 0.1)):
        n = len(dd)
        assert abs(np.mean(dd.pre_sales) - share) <= 4 * math.sqrt(share * (1 - share) / n)
        assert abs(np.mean(dd.intent) - mean) <= 4 * 1.0 / math.sqrt(n)
    # the shift is visible: the difference is many se away from 0
    assert np.mean(event.intent) - np.mean(plain.intent) > 0.6
    assert np.mean(plain.pre_sales) - np.mean(event.pre_sales) > 0.3


def test_event_without_share_keeps_the_default_share():
    ev = spike_event(days=1, start_hour=0, end_hour=24, intent_boost=0.0)
    cal = Calendar(make(demand={"events": [ev], "pre_sales_share": 0.6}))
    _, boost, share, is_event = cal.day(0)
    assert is_event and boost == 0.0 and share == 0.6


def test_patience_distributions():
    """Exponential patience: mean within 4 se (sd = mean); lognormal: mean within 4 se
    (sd = cv * mean); infinite: all inf."""
    for dist, cv in (("exponential", 1.0), ("lognormal", 0.5)):
        scn = make(demand={"patience": {"dist": dist, "mean_s": 90.0, "cv": cv}})
        p = np.asarray(DemandGenerator(scn, 6, 0).day(0).patience)
        assert abs(p.mean() - 90.0) <= 4 * cv * 90.0 / math.sqrt(len(p)), dist
        assert p.min() > 0
    scn = make(demand={"patience": {"dist": "infinite"}})
    assert all(math.isinf(x) for x in DemandGenerator(scn, 6, 0).day(0).patience)


def test_outcome_variates_have_unit_means_and_prices_from_catalogue():
    scn = make(demand={"daily_volume": 5000.0,
                       "catalogue": {"prices": [10, 20, 30], "weights": [1, 0, 3]}})
    dd = DemandGenerator(scn, 9, 0).day(0)
    n = len(dd)
    assert set(dd.price) == {10.0, 30.0}
    assert abs(np.mean(np.asarray(dd.price) == 30.0) - 0.75) <= 4 * math.sqrt(0.75 * 0.25 / n)
    # handle multiplier: lognormal with mean 1, sigma 0.6 -> sd sqrt(exp(0.36) - 1)
    sd_h = math.sqrt(math.exp(0.6**2) - 1)
    assert abs(np.mean(dd.handle_mult) - 1.0) <= 4 * sd_h / math.sqrt(n)
    assert abs(np.mean(dd.reply_mult) - 1.0) <= 4 * 1.0 / math.sqrt(n)  # Exp(1)
    assert abs(np.mean(dd.u_convert) - 0.5) <= 4 * math.sqrt(1 / 12 / n)
    assert abs(np.mean(dd.rating_noise)) <= 4 / math.sqrt(n)
