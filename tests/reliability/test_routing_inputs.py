"""Bad routing, message-pool and KPI-measure inputs (issue 11 item 8): one located message,
exit code 2, no traceback, through ``policysim run`` (the contract of ``check_user_error``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store_fixtures import OK  # a valid tiny scenario
TWO_TEAMS = OK.replace("  - {name: A, agents: 1}\n",
                      "  - {name: A, agents: 1}\n  - {name: B, agents: 1}\n")

CASES = [
    ("unknown_mode", "service:\n  routing: {mode: fastest}\n",
     ["{f}:10: service.routing.mode", "'sticky'", "'round_robin'", "found 'fastest'"]),
    ("fallback_sticky", "service:\n  routing: {mode: sticky, fallback: sticky}\n",
     ["{f}:10: service.routing.fallback", "'weighted'", "found 'sticky'"]),
    ("returning_share_above_1", "service:\n  routing: {returning_share: 1.5}\n",
     ["{f}:10: service.routing.returning_share", "at most 1", "found 1.5"]),
    ("returning_share_negative", "service:\n  routing: {returning_share: -0.1}\n",
     ["{f}:10: service.routing.returning_share", "at least 0", "found -0.1"]),
    ("team_weight_negative", "service:\n  routing:\n    weights: {teams: {A: -1}}\n",
     ["{f}:11: service.routing.weights.teams.A", "at least 0", "found -1"]),
    ("team_weights_all_zero", "service:\n  routing:\n    weights: {teams: {A: 0, B: 0}}\n",
     ["{f}:11: service.routing.weights.teams", "at least one team weight above 0", "found all 0"]),
    ("team_weight_unknown_team", "service:\n  routing:\n    weights: {teams: {Z: 2}}\n",
     ["{f}:11: service.routing.weights.teams", "teams (A, B)", "found 'Z'"]),
    ("tenure_weights_all_zero",
     "service:\n  routing:\n    weights:\n      tenure: [{from_days: 0, weight: 0}]\n",
     ["{f}:12: service.routing.weights.tenure", "at least one band weight above 0"]),
    ("tenure_band_negative",
     "service:\n  routing:\n    weights:\n      tenure: [{from_days: 0, weight: -2}]\n",
     ["{f}:12: service.routing.weights.tenure.0.weight", "at least 0", "found -2"]),
    ("tenure_bands_not_from_0",
     "service:\n  routing:\n    weights:\n      tenure: [{from_days: 30, weight: 1}]\n",
     ["{f}:12: service.routing.weights.tenure", "increasing from 0"]),
    ("ladder_routing_weights_all_zero",
     "ladder:\n  levels:\n    - {name: a, routing_weight: 0}\n"
     "    - {name: b, min_tenure_months: 3, routing_weight: 0}\n",
     ["{f}:10: ladder.levels", "at least one level's routing_weight above 0", "found all 0"]),
    ("bot_share_above_1", "service:\n  message_pool: {enabled: true, bot_share: 2}\n",
     ["{f}:10: service.message_pool.bot_share", "at most 1", "found 2"]),
]


@pytest.mark.parametrize("name,extra,fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_routing_input_is_one_located_message(cli, user_error, tmp_path: Path, name, extra,
                                                  fragments):
    path = tmp_path / "scenario.yaml"
    path.write_text(TWO_TEAMS + extra)
    code, out, err = cli(["run", path, "--workers", "1"])
    user_error(code, out, err, [f.format(f=path) for f in fragments], str(path))


def test_bad_routing_override_names_the_option(cli, user_error, tmp_path: Path):
    path = tmp_path / "scenario.yaml"
    path.write_text(TWO_TEAMS)
    code, out, err = cli(["run", path, "--workers", "1", "--set", "service.routing.mode=random"])
    user_error(code, out, err, ["service.routing.mode", "found 'random'"], "--set")


def test_uncovered_demand_hours_need_the_message_pool(cli, user_error, tmp_path: Path):
    text = OK + "shifts:\n  - {name: day, start: '08:00', end: '16:00'}\n" + \
        "demand: {daily_volume: 20, hour_profile: [" + ", ".join(["1"] * 24) + "]}\n"
    text = text.replace("demand: {daily_volume: 20}\n", "", 1)
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    code, out, err = cli(["run", path, "--workers", "1"])
    user_error(code, out, err, ["shifts", "message_pool.enabled"], str(path))
    path.write_text(text + "service:\n  message_pool: {enabled: true}\n")
    code, out, err = cli(["run", path, "--workers", "1", "--json"])
    assert code == 0, err


KPI = """\
  kpi:
    base_salary: 3000
    kpi:
      metrics:
        {line}
"""


@pytest.mark.parametrize("line,fragments", [
    ("rating: {weight: 1, target: 4.5, measure: platform}",
     ["{f}:12: schemes.kpi.kpi.metrics.rating.measure",
      "a measure only on first_response_s", "found 'platform'"]),
    ("first_response_s: {weight: 1, target: 20, measure: buyer}",
     ["{f}:12: schemes.kpi.kpi.metrics.first_response_s.measure", "'agent'", "found 'buyer'"]),
])
def test_bad_kpi_measure(cli, user_error, tmp_path: Path, line, fragments):
    path = tmp_path / "scenario.yaml"
    path.write_text(OK + KPI.format(line=line))
    code, out, err = cli(["run", path, "--workers", "1"])
    user_error(code, out, err, [f.format(f=path) for f in fragments], str(path))
