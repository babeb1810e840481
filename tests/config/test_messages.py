"""Messages that help (issue 12 items 5 and 6): the keys allowed where a key stands, the fix
for shifts that leave demand hours uncovered, and shares or rates written as percentages."""

from __future__ import annotations

import pytest

from policysim.config.pay import percent
from policysim.config.schema import Scenario
from policysim.config.validate import load_model
from policysim.errors import ConfigError

BASE = """\
name: t
sim: {days: 1, reps: 1}
teams: [{name: A, agents: 1}]
schemes:
  commission: {base_salary: 3000, commission: {rate: 0.01}}
"""

SCHEME_KEYS = ("allowed: base_salary, commission, kpi, contest, ranking, schedule, "
               "variable_pay_scale")


def problems(tmp_path, text: str, overrides: tuple[str, ...] = ()) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_model(Scenario, path, overrides)
    return [str(p) for p in exc.value.problems]


# ---- item 6: the keys allowed at the place where the key stands ----------------------------

def test_component_key_under_a_scheme_lists_the_scheme_keys(tmp_path):
    """The issue's case: ``rate`` directly under the scheme named ``commission``."""
    text = BASE.replace("{base_salary: 3000, commission: {rate: 0.01}}",
                        "{base_salary: 3000, rate: 0.01}")
    [msg] = problems(tmp_path, text)
    assert msg == (
        f"{tmp_path / 's.yaml'}:5: schemes.commission.rate: expected no unknown keys "
        f"({SCHEME_KEYS}), found the key 'rate', which belongs under 'commission': "
        "schemes.commission.commission.rate"
    )


def test_scheme_named_unlike_any_component_gets_the_same_keys(tmp_path):
    """A scheme name that is no field name (the dict key is skipped, not read as a field)."""
    [msg] = problems(tmp_path, BASE, ("schemes.pay.target=100",))
    assert msg.startswith("--set schemes.pay.target=100: schemes.pay.target: ")
    assert f"({SCHEME_KEYS})" in msg
    assert "found the key 'target', which belongs under 'commission'" in msg


def test_unknown_key_inside_the_component_lists_the_component_keys(tmp_path):
    [msg] = problems(tmp_path, BASE, ("schemes.commission.commission.bogus=1",))
    assert "schemes.commission.commission.bogus: expected no unknown keys " \
           "(allowed: rate, target, share, basis), found the key 'bogus'" in msg
    assert "belongs under" not in msg  # no component has a key 'bogus'


def test_unknown_key_in_a_kpi_line_lists_the_line_keys(tmp_path):
    """Two dict levels (schemes, kpi.metrics) between the scenario and the model."""
    [msg] = problems(tmp_path, BASE, (
        "schemes.k={kpi: {metrics: {sales: {weight: 1, target: 1, colour: 2}}}}",))
    assert ("schemes.k.kpi.metrics.sales.colour: expected no unknown keys "
            "(allowed: weight, target, floor, measure), found the key 'colour'") in msg


def test_unknown_key_in_a_list_item_lists_the_item_keys(tmp_path):
    [msg] = problems(tmp_path, BASE, ("teams.0.rate=3",))
    assert "teams.0.rate: expected no unknown keys (allowed: name, agents), " \
           "found the key 'rate'" in msg


def test_unknown_key_in_a_schedule_item_lists_the_switch_keys(tmp_path):
    [msg] = problems(tmp_path, BASE, (
        "schemes.s={schedule: [{day: 0, scheme: commission, when: 3}]}",))
    assert "schemes.s.schedule.0.when: expected no unknown keys (allowed: day, date, scheme)" \
        in msg


# ---- item 6: shifts and demand hours -----------------------------------------------------

@pytest.mark.parametrize("shifts, hours", [
    # the default demand (08-24) and a 09-23 shift: one hour missing at each end
    ([("09:00", "23:00")], "08:00-09:00 and 23:00-24:00"),
    # a shift starting half past the hour leaves that hour only partly covered
    ([("08:30", "24:00")], "08:00-09:00"),
    # a gap in the middle, between two shifts
    ([("08:00", "12:00"), ("13:00", "24:00")], "12:00-13:00"),
    # one store hour past the last full shift hour (23:59 is not 24:00)
    ([("08:00", "23:59")], "23:00-24:00"),
])
def test_uncovered_hours_are_named_with_the_fix(tmp_path, shifts, hours):
    text = BASE + "shifts:\n" + "".join(
        f"  - {{name: s{i}, start: '{a}', end: '{b}'}}\n" for i, (a, b) in enumerate(shifts))
    [msg] = problems(tmp_path, text)
    assert msg.startswith(f"{tmp_path / 's.yaml'}:6: shifts: expected ")
    assert ("set demand.hour_profile (24 values, 0 where the store is closed) or add a shift "
            "covering them") in msg
    assert msg.endswith(f"found demand but no shift during {hours}")


def test_closing_the_uncovered_hours_in_hour_profile_is_the_fix(tmp_path):
    profile = [0.0] * 24
    profile[9:23] = [1.0] * 14
    text = BASE + "shifts:\n  - {name: day, start: '09:00', end: '23:00'}\n"
    path = tmp_path / "s.yaml"
    path.write_text(text)
    scn = load_model(Scenario, path, (f"demand.hour_profile={profile}",))
    assert scn.shifts[0].start == 9.0


def test_scenario_template_shows_hour_profile():
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2] / "scenarios" / "README.md"
    template = readme.read_text().split("## Writing your own", 1)[1]
    assert "hour_profile:" in template


# ---- item 5: percentages for shares and rates ----------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("1%", 0.01), ("12.5 %", 0.125), (" 100% ", 1.0), ("0%", 0.0), (".5%", 0.005),
])
def test_percent_reads_a_percentage_as_a_fraction(text, value):
    assert percent(text) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("value", ["1", "abc%", "%", "1%%", "1e2%", 0.01, 1, None])
def test_percent_leaves_anything_else_alone(value):
    assert percent(value) is value


@pytest.mark.parametrize("key", [
    "schemes.commission.commission.rate", "schemes.commission.commission.share",
    "demand.pre_sales_share", "conversion.gross_margin",
])
def test_share_and_rate_fields_accept_a_percentage(tmp_path, key):
    path = tmp_path / "s.yaml"
    path.write_text(BASE)
    scn = load_model(Scenario, path, (f"{key}=1%",))
    node = scn
    for part in key.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    assert node == 0.01


def test_a_percentage_in_the_file_equals_the_fraction(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE.replace("rate: 0.01", "rate: 1%"))
    b.write_text(BASE)
    assert load_model(Scenario, a) == load_model(Scenario, b)


@pytest.mark.parametrize("text, expected", [
    ("100.5%", "a number of at most 1"),  # just past the top of the range
    ("-0.1%", "a number of at least 0"),
])
def test_percentages_outside_zero_to_one_are_refused(tmp_path, text, expected):
    [msg] = problems(tmp_path, BASE, (f"schemes.commission.commission.rate={text}",))
    assert f"schemes.commission.commission.rate: expected {expected}, found '{text}'" in msg


def test_a_percentage_where_no_share_is_expected_says_how_to_write_it(tmp_path):
    [msg] = problems(tmp_path, BASE, ("demand.daily_volume=55%",))
    assert msg == ("--set demand.daily_volume=55%: demand.daily_volume: expected a number "
                   "(write 0.55 for 55%), found '55%' (str)")
