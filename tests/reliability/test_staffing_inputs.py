"""Bad rota and temporary-staff input (issue 13 item 6): one located message, exit code 2.

Each row is (name, the scenario's ``rota``/``temp_staff`` text appended to a valid store of
6 agents with one event named d11, fragments of the message). ``{f}`` stands for the file;
line 9 is the first line after the valid part.
"""

from __future__ import annotations

from pathlib import Path

import pytest

STORE = """\
name: ok
sim: {days: 1, reps: 1, seed: 1}
demand:
  daily_volume: 20
  events:
    - {name: d11, date: 2026-11-11}
teams:
  - {name: A, agents: 6}
"""

ROWS = [
    ("negative_days_off", "rota: {days_off: -1}\n",
     ["{f}:9: rota.days_off", "at least 0", "found -1"]),
    ("days_on_zero", "rota: {days_on: 0}\n", ["{f}:9: rota.days_on", "at least 1", "found 0"]),
    ("negative_rotation", "rota:\n  rotate_shifts_every_days: -7\n",
     ["{f}:10: rota.rotate_shifts_every_days", "at least 0", "found -7"]),
    ("overtime_below_day_rate", "rota: {overtime_multiplier: 0.5}\n",
     ["{f}:9: rota.overtime_multiplier", "at least 1", "found 0.5"]),
    # 3 people per shift group cannot cover a 5-on/3-off cycle: on some day all are off
    ("rota_leaves_hours_uncovered", "rota: {days_on: 5, days_off: 3}\n",
     ["{f}:9: rota: expected a rota that leaves no hour with demand uncovered",
      "days_off + 1 = 4 people", "found nobody on duty during 08:00-24:00"]),
    ("temp_event_unknown", "temp_staff:\n  - {event: d12, per_shift: 2}\n",
     ["{f}:10: temp_staff.0.event", "an event in demand.events (d11)", "found 'd12'"]),
    ("temp_negative_cost", "temp_staff:\n  - {event: d11, per_shift: 2, daily_cost: -5}\n",
     ["{f}:10: temp_staff.0.daily_cost", "at least 0", "found -5"]),
    ("temp_skill_zero", "temp_staff:\n  - {event: d11, per_shift: 2, skill: 0}\n",
     ["{f}:10: temp_staff.0.skill", "greater than 0", "found 0"]),
    ("temp_skill_too_high", "temp_staff:\n  - {event: d11, per_shift: 2, skill: 7}\n",
     ["{f}:10: temp_staff.0.skill", "at most 3", "found 7"]),
    ("temp_negative_count", "temp_staff:\n  - {event: d11, per_shift: -1}\n",
     ["{f}:10: temp_staff.0.per_shift", "at least 0", "found -1"]),
    ("temp_cap_above_agents", "temp_staff:\n  - {event: d11, per_shift: 2, cap: 9}\n",
     ["{f}:10: temp_staff.0.cap", "at most the largest agent cap (5", "found 9"]),
    ("temp_missing_event", "temp_staff:\n  - {per_shift: 2}\n",
     ["{f}:10: temp_staff.0.event", "a value (this key is required)"]),
    ("all_hands_not_a_flag",
     "", ["{f}:6: demand.events.0.all_hands", "true or false", "found 'often'"]),
]


@pytest.mark.parametrize("name,extra,fragments", ROWS, ids=[r[0] for r in ROWS])
def test_bad_staffing_input_is_one_located_message(cli, user_error, tmp_path: Path, name,
                                                   extra, fragments):
    text = STORE + extra
    if name == "all_hands_not_a_flag":
        text = text.replace("date: 2026-11-11}", "date: 2026-11-11, all_hands: often}")
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    for command in ("run", "compare"):
        code, out, err = cli([command, path, "--workers", "1"])
        user_error(code, out, err, [f.format(f=path) for f in fragments], str(path))


def test_a_covering_rota_and_temps_run(cli, tmp_path: Path):
    # 6 people, 3 per shift group, 5 on / 2 off: someone is in on every shift every day
    path = tmp_path / "scenario.yaml"
    path.write_text(STORE + "rota: {}\ntemp_staff:\n  - {event: d11, per_shift: 1}\n")
    code, out, err = cli(["run", path, "--workers", "1", "--json"])
    assert code == 0, err
    assert '"agent_days_worked_share"' in out and '"temp_staff_cost"' in out
