"""Tests for policysim.config.validate and policysim.errors: pydantic errors as located problems."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from policysim.config.validate import load_model, validate_data
from policysim.errors import ConfigError, Problem, UserError


class Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Demand(Base):
    daily_volume: PositiveFloat
    dist: Literal["lognormal", "exponential"] = "lognormal"


class Team(Base):
    name: str
    agents: int = Field(ge=1)


class Scenario(Base):
    demand: Demand
    teams: list[Team] = []
    learning: bool = True
    seed: int | str = 0
    start: int = 8
    end: int = 17

    @model_validator(mode="after")
    def _coherent(self) -> Scenario:
        if self.end <= self.start:
            raise ValueError(f"end: after start ({self.start}), found {self.end}")
        if len(self.teams) > 3:
            raise ValueError("at most 3 teams")
        return self


GOOD = """\
# a scenario
demand:
  daily_volume: 1e3
  dist: lognormal
teams:
  - name: a
    agents: 2
  - name: b
    agents: 3
learning: no
"""


def write(tmp_path, text: str):
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path, text: str, overrides=()):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_model(Scenario, path, overrides)
    assert str(err.value) == "\n".join(str(p) for p in err.value.problems)
    return path, err.value


def test_valid_file_loads(tmp_path):
    scenario = load_model(Scenario, write(tmp_path, GOOD))
    assert isinstance(scenario, Scenario)
    assert scenario.demand.daily_volume == 1000.0
    assert scenario.learning is False  # YAML 1.2 'no' is a string; pydantic makes it False
    assert [t.agents for t in scenario.teams] == [2, 3]


def test_overrides_are_applied(tmp_path):
    scenario = load_model(
        Scenario, write(tmp_path, GOOD), ["demand.daily_volume=2e3", "teams.1.agents=7", "seed=x"]
    )
    assert scenario.demand.daily_volume == 2000.0
    assert scenario.teams[1].agents == 7
    assert scenario.seed == "x"


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "expected", "found"),
    [
        ("daily_volume: 1e3", "daily_volume: -5", 3, "demand.daily_volume",
         "a number greater than 0", "-5 (int)"),
        ("daily_volume: 1e3", "daily_volume: .nan", 3, "demand.daily_volume",
         "a finite number", "nan (float)"),
        ("daily_volume: 1e3", "daily_volume: .inf", 3, "demand.daily_volume",
         "a finite number", "inf (float)"),
        ("daily_volume: 1e3", "daily_volume: lots", 3, "demand.daily_volume",
         "a number", "'lots' (str)"),
        ("dist: lognormal", "dist: gamma", 4, "demand.dist",
         "one of 'lognormal', 'exponential'", "'gamma' (str)"),
        ("agents: 3", "agents: 0", 9, "teams.1.agents", "a number of at least 1", "0 (int)"),
        ("learning: no", "learning: maybe", 10, "learning", "true or false", "'maybe' (str)"),
        ("learning: no", "learning: no\nseed: {a: 1}", 11, "seed",
         "a whole number or a string", "{'a': 1} (dict)"),
        ("learning: no", "learning: no\nteams2: 1", 11, "teams2",
         "no unknown keys (allowed: demand, teams, learning, seed, start, end)",
         "the key 'teams2'"),
        ("dist: lognormal", "dist: lognormal\n  colour: red", 5, "demand.colour",
         "no unknown keys (allowed: daily_volume, dist)", "the key 'colour'"),
        ("agents: 2", "agents: 2\n    boss: x", 8, "teams.0.boss",
         "no unknown keys (allowed: name, agents)", "the key 'boss'"),
        # a missing key is reported at the nearest enclosing line
        ("  daily_volume: 1e3\n", "", 2, "demand.daily_volume",
         "a value (this key is required)", "nothing"),
        ("  - name: b\n    agents: 3", "  - agents: 3", 8, "teams.1.name",
         "a value (this key is required)", "nothing"),
        ("demand:\n  daily_volume: 1e3\n  dist: lognormal\n", "", None, "demand",
         "a value (this key is required)", "nothing"),
        ("teams:\n  - name: a\n    agents: 2\n  - name: b\n    agents: 3\n", "teams: 5\n", 5,
         "teams", "a list", "5 (int)"),
        # a model validator naming a key is reported at that key
        ("learning: no", "learning: no\nstart: 9\nend: 7", 12, "end", "after start (9)", "7"),
        ("learning: no", "learning: no\nstart: 20", None, "end", "after start (20)", "17"),
    ],
)
def test_value_errors_are_located(tmp_path, old, new, line, key, expected, found):
    assert old in GOOD
    path, err = problems_of(tmp_path, GOOD.replace(old, new))
    assert err.problems == (Problem(str(path), line, key, expected, found),)
    where = str(path) if line is None else f"{path}:{line}"
    assert str(err) == f"{where}: {key}: expected {expected}, found {found}"


def test_model_validator_location_is_kept(tmp_path):
    more = "  - {name: c, agents: 1}\n  - {name: d, agents: 1}\nlearning: no\n"
    text = GOOD.replace("learning: no\n", more)
    path, err = problems_of(tmp_path, text)
    (problem,) = err.problems
    assert (problem.file, problem.line, problem.key) == (str(path), None, "")
    assert problem.expected == "at most 3 teams"
    assert str(err).startswith(f"{path}: expected at most 3 teams, found {{'demand': ")


def test_several_problems_one_per_line(tmp_path):
    text = (
        GOOD.replace("daily_volume: 1e3", "daily_volume: 0")
        .replace("dist: lognormal", "dist: gamma")
        .replace("agents: 2", "agents: x")
    )
    path, err = problems_of(tmp_path, text)
    assert [(p.line, p.key) for p in err.problems] == [
        (3, "demand.daily_volume"),
        (4, "demand.dist"),
        (7, "teams.0.agents"),
    ]
    assert len(str(err).splitlines()) == 3
    assert all(line.startswith(f"{path}:") for line in str(err).splitlines())


def test_long_found_values_are_truncated(tmp_path):
    long = "x" * 200
    _, err = problems_of(tmp_path, GOOD.replace("1e3", long))
    (problem,) = err.problems
    assert problem.found.startswith("'xxx")
    assert problem.found.endswith("... (str)")
    assert len(problem.found) < 80


def test_error_from_override_names_the_option(tmp_path):
    _, err = problems_of(tmp_path, GOOD, ["demand.daily_volume=-1e3"])
    assert err.problems == (
        Problem(None, None, "demand.daily_volume", "a number greater than 0", "-1000.0 (float)",
                override="demand.daily_volume=-1e3"),
    )
    assert str(err) == (
        "--set demand.daily_volume=-1e3: demand.daily_volume: "
        "expected a number greater than 0, found -1000.0 (float)"
    )


def test_error_below_an_overridden_subtree_names_the_option(tmp_path):
    path, err = problems_of(tmp_path, GOOD, ["teams=[{name: x}]", "learning=maybe"])
    assert [str(p) for p in err.problems] == [
        "--set teams=[{name: x}]: teams.0.agents: expected a value (this key is required), "
        "found nothing",
        "--set learning=maybe: learning: expected true or false, found 'maybe' (str)",
    ]
    assert str(path) not in str(err)


def test_error_at_a_mapping_an_override_created_names_the_option(tmp_path):
    """``--set start.x=1`` makes ``start`` (absent from the file) a mapping; the error at
    ``start`` is the option's, not line 1 of the file (found by the --set fuzzing)."""
    path, err = problems_of(tmp_path, GOOD, ["start.x=1"])
    assert [str(p) for p in err.problems] == [
        "--set start.x=1: start: expected a whole number, found {'x': 1} (dict)"]
    assert str(path) not in str(err)


class Section(Base):
    review: int = 6
    levels: list[int]


class WithSection(Base):
    demand: Demand
    ladder: Section | None = None


def test_missing_key_of_a_section_an_override_created_names_the_option(tmp_path):
    """``--set ladder.review=3`` on a file without a ladder creates the section without its
    required ``levels``: the option is to blame, not the file (which once got the problem,
    without a line)."""
    path = write(tmp_path, GOOD.split("teams:")[0])
    with pytest.raises(ConfigError) as err:
        load_model(WithSection, path, ["ladder.review=3"])
    assert [str(p) for p in err.value.problems] == [
        "--set ladder.review=3: ladder.levels: expected a value (this key is required), "
        "found nothing"]
    path.write_text(GOOD.split("teams:")[0] + "ladder: {review: 2}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:  # the file wrote the section: its line
        load_model(WithSection, path, ["ladder.review=3"])
    assert [(p.file, p.line, p.key) for p in err.value.problems] == [
        (str(path), 5, "ladder.levels")]


def test_file_errors_still_located_with_overrides(tmp_path):
    path, err = problems_of(tmp_path, GOOD.replace("agents: 3", "agents: 0"), ["seed=5"])
    assert [(p.file, p.line, p.key) for p in err.problems] == [(str(path), 9, "teams.1.agents")]


def test_bad_override_is_config_error(tmp_path):
    _, err = problems_of(tmp_path, GOOD, ["demand.daily_volume"])
    assert "--set dotted.key=value" in str(err)


def test_missing_file_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_model(Scenario, tmp_path / "missing.yaml")


def test_validate_data_uses_source_name():
    data = {"demand": {"daily_volume": 0}, "extra": 1}
    with pytest.raises(ConfigError) as err:
        validate_data(Scenario, data, "<built-in defaults>")
    assert str(err.value).splitlines() == [
        "<built-in defaults>: demand.daily_volume: expected a number greater than 0, "
        "found 0 (int)",
        "<built-in defaults>: extra: expected no unknown keys "
        "(allowed: demand, teams, learning, seed, start, end), found the key 'extra'",
    ]


def test_validate_data_uses_line_and_override_maps():
    data = {"demand": {"daily_volume": 0, "dist": "x"}}
    lines = {("demand",): 4, ("demand", "daily_volume"): 5, ("demand", "dist"): 6}
    with pytest.raises(ConfigError) as err:
        validate_data(Scenario, data, "s.yaml", lines, {("demand", "dist"): "demand.dist=x"})
    assert [(p.file, p.line, p.override) for p in err.value.problems] == [
        ("s.yaml", 5, None),
        (None, None, "demand.dist=x"),
    ]


def test_validate_data_top_level_not_a_mapping():
    with pytest.raises(ConfigError) as err:
        validate_data(Scenario, [1, 2], "input")
    assert str(err.value) == "input: expected a mapping, found [1, 2] (list)"


class Lognormal(Base):
    kind: Literal["lognormal"]
    sigma: PositiveFloat = 1.0


class Exponential(Base):
    kind: Literal["exponential"]


class Service(Base):
    handle: Annotated[Lognormal | Exponential, Field(discriminator="kind")]


@pytest.mark.parametrize(
    ("handle", "text"),
    [
        ({"kind": "gamma"},
         "s.yaml:2: handle.kind: expected one of 'lognormal', 'exponential', found 'gamma' (str)"),
        ({"kind": "lognormal", "sigma": -1},
         "s.yaml:3: handle.sigma: expected a number greater than 0, found -1 (int)"),
        ({}, "s.yaml:1: handle: expected a 'kind' key, found {} (dict)"),
    ],
)
def test_discriminated_union(handle, text):
    lines = {("handle",): 1, ("handle", "kind"): 2, ("handle", "sigma"): 3}
    with pytest.raises(ConfigError) as err:
        validate_data(Service, {"handle": handle}, "s.yaml", lines)
    assert str(err.value) == text


# --- errors module ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("s.yaml", 12, "demand.daily_volume", "a number", "-5 (int)"),
         "s.yaml:12: demand.daily_volume: expected a number, found -5 (int)"),
        (Problem("s.yaml", None, "teams.1.agents", "a number", "x"),
         "s.yaml: teams.1.agents: expected a number, found x"),
        (Problem(None, None, "sim.days", "a whole number", "'a'", override="sim.days=a"),
         "--set sim.days=a: sim.days: expected a whole number, found 'a'"),
        (Problem("s.yaml", 3, "", "valid YAML", "a syntax error"),
         "s.yaml:3: expected valid YAML, found a syntax error"),
        (Problem(None, None, "k", "e", "f"), "k: expected e, found f"),
    ],
)
def test_problem_text(problem, text):
    assert str(problem) == text


def test_config_error_is_user_error_with_message():
    problems = [Problem("a.yaml", 1, "x", "e1", "f1"), Problem("a.yaml", 2, "y", "e2", "f2")]
    err = ConfigError(problems)
    assert isinstance(err, UserError)
    assert err.problems == tuple(problems)
    text = "a.yaml:1: x: expected e1, found f1\na.yaml:2: y: expected e2, found f2"
    assert err.message == str(err) == text
    assert str(UserError("plain message")) == UserError("plain message").message == "plain message"
