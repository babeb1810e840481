"""Tests for the rota and temporary event staff (policysim.model.rota, issue 13 items 1-2).

Most checks are exact, by construction of the duty board: under a 5/2 rota every person
works exactly 5 of every 7 days, every shift has someone on duty every day, nobody takes a
chat on a day off, shifts rotate, a flat salary is paid in full whatever the days off, the
overtime of an all-hands day is 1.5 x the day rate per day off worked, and temporary agents
cost per_shift x shifts x event days x daily_cost. The one statistical check (temporary
staff lower event-day abandonment) is paired on the same buyers (same seed and rep) and
requires the mean paired difference to exceed 4 standard errors of it.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from policysim.config.schema import Scenario
from policysim.model.engine import Engine
from policysim.model.team import PaidTeam
from policysim.model.workforce import StaticTeam
from policysim.results.metrics import summarize

BASE = {
    "name": "rota-test",
    "sim": {"days": 28, "period_days": 28, "start_date": "2026-11-01"},
    "demand": {"daily_volume": 1500.0, "hour_profile": [0] * 8 + [1.0] * 16,
               "weekday_factor": [1.0] * 7, "events": []},
    "teams": [{"name": "A", "agents": 7}, {"name": "B", "agents": 7}],
    "shifts": [{"name": "early", "start": "08:00", "end": "16:00"},
               {"name": "late", "start": "16:00", "end": "24:00"}],
    "attrition": {"enabled": False},
    "behaviour": {"adaptive": False},
}


def make(**over) -> Scenario:
    data = copy.deepcopy(BASE)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **copy.deepcopy(value)}
        else:
            data[key] = copy.deepcopy(value)
    return Scenario.model_validate(data)


class Watched(StaticTeam):
    """The static team, noting at each day's end who was in, on which shift, and the chats
    each person (and temporary agent) took that day."""

    def setup(self, engine):
        super().setup(engine)
        self.days, self._handled = [], {}

    def on_day_end(self, engine, day):
        people = {}
        for a in (*engine.agents, *engine.temps):
            took = a.handled - self._handled.get(a.id, 0)
            people[a.id] = (a.active and a.working, a.shift, took)
            self._handled[a.id] = a.handled
        self.days.append(people)
        return super().on_day_end(engine, day)


def run(scn, workforce=None, seed=1, rep=0):
    workforce = workforce or Watched(scn)
    engine = Engine(scn, workforce, seed=seed, rep=rep)
    return engine, engine.run()


# ------------------------------------------------------------------------ rota
def test_five_two_rota_each_person_works_five_sevenths_and_every_shift_is_covered():
    scn = make(rota={"days_on": 5, "days_off": 2, "rotate_shifts_every_days": 0})
    engine, res = run(scn)
    days = engine.workforce.days
    for person in engine.agents:
        assert sum(days[d][person.id][0] for d in range(28)) == 20  # 4 cycles of 5 on, 2 off
    for record in res.agents:
        assert record["days_worked"] == 20 and record["overtime_days"] == 0
    for d, people in enumerate(days):
        on = [shift for working, shift, _ in people.values() if working]
        assert set(on) == {0, 1}, f"day {d}: a shift with nobody on duty"
        # nobody takes a chat on a day off (and people on duty do)
        assert all(took == 0 for working, _, took in people.values() if not working)
        assert sum(took for working, _, took in people.values() if working) > 0
    summary = summarize(res)
    assert summary["agent_days_worked_share"] == pytest.approx(5 / 7, abs=1e-12)
    assert summary["mean_headcount"] == 14  # team sizes are people
    assert [d["working_headcount"] for d in res.daily] == [
        sum(w for w, _, _ in people.values()) for people in days]


def test_days_off_are_staggered_so_each_day_has_about_five_sevenths_in():
    # one team of 14: 7 people per shift group, offsets 0..6: exactly 5 of each group in
    scn = make(rota={"rotate_shifts_every_days": 0}, teams=[{"name": "A", "agents": 14}])
    engine, res = run(scn)
    for people in engine.workforce.days:
        for shift in (0, 1):
            assert sum(1 for w, s, _ in people.values() if w and s == shift) == 5


def test_shifts_rotate_on_the_cycle():
    scn = make(rota={"rotate_shifts_every_days": 7})
    engine, _ = run(scn)
    days = engine.workforce.days
    for person in engine.agents:
        shifts = [days[d][person.id][1] for d in range(28)]
        assert shifts == [(shifts[0] + d // 7) % 2 for d in range(28)]


def test_without_rota_everyone_works_every_day_and_no_rota_metrics():
    engine, res = run(make())
    assert all(w for people in engine.workforce.days for w, _, _ in people.values())
    summary = summarize(res)
    assert "agent_days_worked_share" not in summary and "temp_staff_cost" not in summary
    assert "working_headcount" not in res.daily[0]


def test_flat_salary_paid_in_full_and_all_hands_overtime_at_one_and_a_half_day_rates():
    """A flat salary of 4,200 over a 28-day period, 5/2 rota: the day rate is 4200 / (28 x
    5/7) = 210; everyone is called in on the all-hands day (day 10), and each person whose
    day off it was is paid 1.5 x 210 = 315 on top."""
    scn = make(rota={"rotate_shifts_every_days": 0},
               demand={"events": [{"name": "d11", "date": "2026-11-11", "days": 1,
                                   "multiplier": 2.0, "all_hands": True}]},
               schemes={"flat": {"base_salary": 4200}})
    engine = Engine(scn, PaidTeam(scn, "flat"), seed=2)
    res = engine.run()
    event = res.daily[10]
    assert event["is_event"] and event["working_headcount"] == event["headcount"] == 14
    assert event["overtime_days"] == 4  # 2 of the 7 patterns are off on any day, x 2 groups
    assert sum(d["overtime_days"] for d in res.daily) == 4
    worked = [r["days_worked"] for r in res.agents]
    assert sorted(worked) == [20] * 10 + [21] * 4
    for r in res.agents:
        assert r["overtime_pay"] == pytest.approx(315.0 * r["overtime_days"], rel=1e-12)
        assert r["pay"] == pytest.approx(4200 + 315.0 * r["overtime_days"], rel=1e-12)
    summary = summarize(res)
    assert summary["labour_cost"] == pytest.approx(14 * 4200 + 4 * 315.0, rel=1e-12)
    assert summary["agent_days_worked_share"] == pytest.approx((280 + 4) / (14 * 28))


def test_hire_takes_the_least_staffed_seat_on_the_board():
    """Many quits; shifts rotate every 5 days, so leavers at the ends of days 29 and 59 are on
    the shift opposite their base one. Each hire lands in the base group of its team with
    the fewest people (ties: the first shift), so every team's two shift groups stay 4 and 3
    as at the start (taking the leaver's current shift instead would give 3 and 4)."""
    scn = make(rota={"rotate_shifts_every_days": 5}, sim={"days": 61, "period_days": 30},
               attrition={"enabled": True, "b0": 0.5}, hiring={"delay_days": 0},
               schemes={"flat": {"base_salary": 4200}})
    engine = Engine(scn, PaidTeam(scn, "flat"), seed=3)
    res = engine.run()
    assert len(res.hire_days) >= 4, "the test needs hires"
    for t in (0, 1):  # on the last day (60) every group has rotated 12 times: back to base
        sizes = [sum(1 for a in engine.agents if a.active and a.team == t and a.shift == s)
                 for s in (0, 1)]
        assert sizes == [4, 3], sizes


# ------------------------------------------------------------ temporary staff
EVENT = {"events": [{"name": "d11", "date": "2026-11-02", "days": 3, "multiplier": 4.0}]}


def test_temporary_staff_cost_and_only_on_event_days():
    temps = [{"event": "d11", "per_shift": 2, "skill": 0.8, "cap": 3, "daily_cost": 180}]
    scn = make(sim={"days": 7, "period_days": 7}, demand=EVENT, temp_staff=temps,
               schemes={"flat": {"base_salary": 4200}})
    engine = Engine(scn, PaidTeam(scn, "flat"), seed=4)
    res = engine.run()
    assert len(engine.temps) == 4 and len(engine.agents) == 14
    summary = summarize(res)
    # per_shift x shifts x event days x daily cost
    assert summary["temp_staff_cost"] == 2 * 2 * 3 * 180
    assert summary["labour_cost"] == pytest.approx(14 * 4200 + 2160, rel=1e-12)
    assert [d["temp_staff_on_duty"] for d in res.daily] == [0, 4, 4, 4, 0, 0, 0]
    assert all(d["headcount"] == 14 for d in res.daily)  # temps are not on the team
    # never learn, choose or get paid by the scheme
    assert {r["agent"] for r in res.agents} == {a.id for a in engine.agents}
    for t in engine.temps:
        assert t.skill == 0.8 and t.cap == 3 and t.handled > 0
        assert t.sales_effort == scn.agents.default_sales_effort


def test_temporary_staff_take_chats_only_on_their_event_days():
    temps = [{"event": "d11", "per_shift": 2}]
    scn = make(sim={"days": 7, "period_days": 7}, demand=EVENT, temp_staff=temps)
    engine, _ = run(scn)
    days = engine.workforce.days
    for t in engine.temps:
        took = [days[d][t.id][2] for d in range(7)]
        assert all(took[d] > 0 for d in (1, 2, 3)) and all(took[d] == 0 for d in (0, 4, 5, 6))


def test_temporary_staff_lower_event_day_abandonment_paired():
    """Same seed and rep with and without 4 temporary agents per shift on a 4x event day:
    the paired difference of event-day abandonment over 5 reps must be positive by more
    than 4 standard errors of its mean."""
    over = dict(sim={"days": 2, "period_days": 2, "start_date": "2026-11-01"},
                demand={"events": [{"name": "d11", "date": "2026-11-02", "multiplier": 4.0}]})
    without = make(**over)
    with_temps = make(**over, temp_staff=[{"event": "d11", "per_shift": 4}])
    diffs = []
    for rep in range(5):
        _, a = run(without, StaticTeam(without), seed=5, rep=rep)
        _, b = run(with_temps, StaticTeam(with_temps), seed=5, rep=rep)
        assert a.daily[1]["inquiries"] == b.daily[1]["inquiries"]  # the same buyers
        rate = [r.daily[1]["abandoned"] / r.daily[1]["inquiries"] for r in (a, b)]
        diffs.append(rate[0] - rate[1])
    d = np.asarray(diffs)
    se = d.std(ddof=1) / math.sqrt(len(d))
    assert d.mean() > 4 * se and d.mean() > 0.02, (d, se)
