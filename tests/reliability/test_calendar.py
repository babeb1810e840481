"""Schedules written with dates (issue 12 item 7): ``date:`` converts with sim.start_date, and
every date the horizon cannot hold is one located message, exit code 2 (``check_user_error``).

The horizon of the scenario below runs from 2026-03-01 (day 0) for 100 days: its last day,
day 99, is 2026-06-08.
"""

from __future__ import annotations

import datetime as dt

import pytest

from policysim.config.schema import Scenario
from policysim.config.validate import load_model

TEXT = """\
name: dated
sim: {days: 100, reps: 1, seed: 1, start_date: 2026-03-01, period_days: 30}
demand: {daily_volume: 20}
teams:
  - {name: A, agents: 1}
schemes:
  commission: {base_salary: 3000, commission: {rate: 0.01}}
  kpi: {base_salary: 3500}
  switch:
    schedule:
      - {day: 0, scheme: commission}
      - {date: 2026-04-01, scheme: kpi}
"""
LAST = dt.date(2026, 6, 8)


@pytest.fixture
def dated(tmp_path):
    path = tmp_path / "dated.yaml"
    path.write_text(TEXT)
    return path


def switch_day(path, *overrides):
    return load_model(Scenario, path, overrides).schemes["switch"].schedule[1]


def test_a_date_becomes_the_days_since_the_start(dated):
    switch = switch_day(dated)
    assert (switch.day, switch.date) == (31, dt.date(2026, 4, 1))  # March has 31 days


def test_the_same_date_moves_with_the_start_date(dated):
    assert switch_day(dated, "sim.start_date=2026-03-02").day == 30


def test_a_date_equals_the_day_it_names(dated, tmp_path):
    by_day = tmp_path / "day.yaml"
    by_day.write_text(TEXT.replace("{date: 2026-04-01, scheme: kpi}", "{day: 31, scheme: kpi}"))
    a, b = load_model(Scenario, dated), load_model(Scenario, by_day)
    assert a.schemes["switch"].schedule[1].day == b.schemes["switch"].schedule[1].day == 31


@pytest.mark.parametrize("when, day", [
    (LAST, 99),                          # the last day simulated
    (dt.date(2026, 3, 2), 1),            # the day after the start
])
def test_dates_at_the_edges_of_the_horizon_are_accepted(dated, when, day):
    assert switch_day(dated, f"schemes.switch.schedule.1.date={when}").day == day


def test_first_switch_may_be_the_start_date(dated):
    sched = load_model(Scenario, dated, (
        "schemes.switch.schedule.0={date: 2026-03-01, scheme: commission}",
    )).schemes["switch"].schedule
    assert [s.day for s in sched] == [0, 31]


BAD = [
    # (overrides, location, fragments)
    (["schemes.switch.schedule.1.date=2026-02-28"],
     "--set schemes.switch.schedule.1.date=2026-02-28: schemes.switch.schedule.1.date",
     ["expected a date on or after sim.start_date (2026-03-01), found 2026-02-28"]),
    (["schemes.switch.schedule.1.date=2026-06-09"],
     "--set schemes.switch.schedule.1.date=2026-06-09",
     ["expected a date from sim.start_date (2026-03-01) to the last day simulated "
      "(2026-06-08, sim.days=100), found 2026-06-09"]),
    # a shorter horizon moves the last day: 2026-04-01 is day 31, past a 31-day horizon
    (["--days", "31"], "{f}:12: schemes.switch.schedule.1.date",
     ["to the last day simulated (2026-03-31, sim.days=31), found 2026-04-01"]),
    (["schemes.switch.schedule.1.day=31"], "{f}:12: schemes.switch.schedule.1",
     ["expected a day or a date, not both, found day 31 and date 2026-04-01"]),
    (["schemes.switch.schedule.1.date=1 April"], "--set schemes.switch.schedule.1.date=1 April",
     ["expected a date (YYYY-MM-DD), found '1 April' (str)"]),
    (["schemes.switch.schedule.1.date=2026-04-31"], "--set schemes.switch.schedule.1.date",
     ["expected a calendar date (YYYY-MM-DD), found '2026-04-31'"]),
    (["schemes.switch.schedule.1={scheme: kpi}"], "--set schemes.switch.schedule.1={{scheme: kpi}}",
     ["schemes.switch.schedule.1.day: expected a day number (day: 180) or a date "
      "(date: 2026-07-01), found nothing"]),
    (["schemes.switch.schedule.0={date: 2026-03-02, scheme: commission}"],
     "{f}:10: schemes.switch.schedule",
     ["expected days increasing and starting at 0 (date: sim.start_date), found days [1, 31]"]),
]


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize("overrides, where, fragments", BAD, ids=[b[0][-1] for b in BAD])
def test_bad_dates_are_one_located_message(cli, user_error, dated, command, overrides, where,
                                           fragments):
    argv = [command, dated, "--workers", "1"]
    for o in overrides:  # "key=value" is a --set, anything else an argument as it is
        argv += ["--set", o] if "=" in o else [o]
    code, out, err = cli(argv)
    user_error(code, out, err, fragments, where.format(f=dated))
