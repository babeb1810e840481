"""Tests for policysim.config.yamlio: YAML 1.2 values, line map, located errors, overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from policysim.config.yamlio import apply_overrides, parse_override, read_yaml
from policysim.errors import ConfigError, UserError


def write(tmp_path, text: str | bytes, name: str = "scenario.yaml"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def only_problem(err: pytest.ExceptionInfo[ConfigError]):
    assert len(err.value.problems) == 1
    return err.value.problems[0]


# --- YAML 1.2 values -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1e3", 1000.0),
        ("1.5e-2", 0.015),
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("off", "off"),
        ("010", 10),
        ("1:30", "1:30"),
        ("true", True),
        ("~", None),
        ("2026-11-11", dt.date(2026, 11, 11)),
    ],
)
def test_yaml_1_2_values(tmp_path, text, value):
    data, _ = read_yaml(write(tmp_path, f"v: {text}\n"))
    assert data["v"] == value
    assert type(data["v"]) is type(value)


def test_values_are_plain_python_types(tmp_path):
    text = (
        "base: &base {rate: 1.5, n: 3, flag: &f true}\n"
        "merged:\n  <<: *base\n  extra: *f\n"
        "note: |\n  two\n  lines\n"
        "quoted: 'x'\n"
        "when: 2026-01-01T10:00:00+02:00\n"
        "items: [0x10, 1_000, .inf]\n"
    )
    data, _ = read_yaml(write(tmp_path, text))
    plain = (dict, list, str, int, float, bool, type(None), dt.date, dt.datetime)

    def check(value):
        assert type(value) in plain, type(value)
        if isinstance(value, dict):
            for key, item in value.items():
                check(key)
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)

    check(data)
    assert data["merged"] == {"rate": 1.5, "n": 3, "flag": True, "extra": True}
    assert type(data["merged"]["extra"]) is bool
    assert data["when"].utcoffset() == dt.timedelta(hours=2)
    assert data["items"] == [16, 1000, float("inf")]


def test_line_map_covers_keys_and_items(tmp_path):
    text = (
        "# a comment\n"
        "demand:\n"
        "  daily_volume: 500\n"
        "teams:\n"
        "  - name: a\n"
        "    agents: 2\n"
        "  - name: b\n"
        "    agents: 3\n"
        "hours: [1, 2]\n"
    )
    data, lines = read_yaml(write(tmp_path, text))
    assert data["teams"][1]["agents"] == 3
    assert lines[("demand",)] == 2
    assert lines[("demand", "daily_volume")] == 3
    assert lines[("teams",)] == 4
    assert lines[("teams", 0)] == 5
    assert lines[("teams", 1)] == 7
    assert lines[("teams", 1, "agents")] == 8
    assert lines[("hours", 1)] == 9


# --- located errors --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        ("", None, ["expected a mapping", "empty file"]),
        ("# only a comment\n\n", None, ["empty file"]),
        (b"a: 1\nb: \x00\x01\x02\n", 2, ["UTF-8 text file", "binary"]),
        (b"a: 1\nb: caf\xe9\n", 2, ["UTF-8", "0xe9"]),
        ("a: 1\nb: [1, 2\n", 3, ["valid YAML", "flow sequence on line 2"]),
        ("a: 1\n  b: 2\n", 2, ["valid YAML", "syntax error"]),
        ("- 1\n- 2\n", 1, ["mapping of keys at the top level", "a list"]),
        ("just text\n", 1, ["mapping of keys at the top level", "'just text'"]),
        ("---\n", None, ["mapping of keys at the top level", "an empty document"]),
        ("a: 1\n---\nb: 2\n", 3, ["a single YAML document", "second document"]),
        ("a: 1\nb: \x07\n", 2, ["printable", "0x07"]),
        ("%YAML 1.1\n---\na: no\n", 1, ["YAML 1.2", "%YAML 1.1"]),
    ],
)
def test_file_errors_are_located(tmp_path, content, line, words):
    path = write(tmp_path, content)
    with pytest.raises(ConfigError) as err:
        read_yaml(path)
    problem = only_problem(err)
    assert problem.file == str(path)
    assert problem.line == line
    message = str(err.value)
    prefix = str(path) if line is None else f"{path}:{line}"
    assert message.startswith(prefix + ": ")
    for word in words:
        assert word in message


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as err:
        read_yaml(path)
    assert str(err.value) == f"{path}: expected an existing YAML file, found no such file"
    assert isinstance(err.value, UserError)


def test_directory(tmp_path):
    with pytest.raises(ConfigError) as err:
        read_yaml(tmp_path)
    assert str(err.value) == f"{tmp_path}: expected a YAML file, found a directory"


def test_duplicate_key_names_key_and_both_lines(tmp_path):
    text = "demand:\n  daily_volume: 5\n  dist: x\n  daily_volume: 6\n"
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        read_yaml(path)
    problem = only_problem(err)
    assert (problem.line, problem.key) == (4, "demand.daily_volume")
    assert "first on line 2" in problem.found
    assert str(err.value).startswith(f"{path}:4: demand.daily_volume: expected each key once")


def test_duplicate_top_level_key(tmp_path):
    with pytest.raises(ConfigError) as err:
        read_yaml(write(tmp_path, "a: 1\nb: 2\na: 3\n"))
    problem = only_problem(err)
    assert (problem.line, problem.key) == (3, "a")
    assert "'a' again (first on line 1)" in str(err.value)


def test_python_tags_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    text = f"a: 1\nb: !!python/object/apply:builtins.exec [\"open(r'{marker}', 'w')\"]\n"
    with pytest.raises(ConfigError) as err:
        read_yaml(write(tmp_path, text))
    assert not marker.exists()
    problem = only_problem(err)
    assert (problem.line, problem.key) == (2, "b")
    assert "!!python/object/apply:builtins.exec" in problem.found


@pytest.mark.parametrize(
    ("text", "key", "tag"),
    [
        ("a:\n  b: !foo 1\n", "a.b", "!foo"),
        ("a:\n  - 1\n  - !!binary aGk=\n", "a.1", "!!binary"),
        ("a:\n  b: !!set {x, y}\n", "a.b", "!!set"),
        ("a:\n  b: !!python/name:os.system\n", "a.b", "!!python/name:os.system"),
    ],
)
def test_unknown_tags_are_located(tmp_path, text, key, tag):
    with pytest.raises(ConfigError) as err:
        read_yaml(write(tmp_path, text))
    problem = only_problem(err)
    assert (problem.line, problem.key) == (text.count("\n"), key)
    assert problem.found == f"the tag {tag}"


def test_recursive_alias_is_refused(tmp_path):
    with pytest.raises(ConfigError) as err:
        read_yaml(write(tmp_path, "a: 1\nb: &x [1, *x]\n"))
    assert only_problem(err).line == 2
    assert "b.1" in str(err.value)


# --- --set overrides -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("demand.daily_volume=1e3", ["demand", "daily_volume"], 1000.0),
        ("teams=[a,b]", ["teams"], ["a", "b"]),
        ("teams.1.agents=5", ["teams", 1, "agents"], 5),
        ("learning=no", ["learning"], "no"),
        ("seed=010", ["seed"], 10),
        ("start=1:30", ["start"], "1:30"),
        ("name=a=b", ["name"], "a=b"),
        ("demand={dist: lognormal, rate: .5}", ["demand"], {"dist": "lognormal", "rate": 0.5}),
        ("note=", ["note"], None),
        ("note='010'", ["note"], "010"),
    ],
)
def test_parse_override(text, path, value):
    got_path, got_value = parse_override(text)
    assert got_path == path
    assert got_value == value
    assert type(got_value) is type(value)


@pytest.mark.parametrize("text", ["demand.daily_volume", "=5", "a..b=1", ".a=1", "a.=1", " =1"])
def test_malformed_override(text):
    with pytest.raises(ConfigError) as err:
        parse_override(text)
    problem = only_problem(err)
    assert problem.file is None
    assert str(err.value) == (
        f"--set {text}: expected the form --set dotted.key=value "
        f"(e.g. --set demand.daily_volume=500), found {text!r}"
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a.b=[1, 2", ["valid YAML"]),
        ("a.b=!!python/name:os.system", ["tag !!python/name:os.system"]),
        ("a.b=x: 1", ["flow collection", "block collection"]),
    ],
)
def test_bad_override_value(text, words):
    with pytest.raises(ConfigError) as err:
        parse_override(text)
    assert only_problem(err).file is None
    assert str(err.value).startswith(f"--set {text}: a.b: expected ")
    for word in words:
        assert word in str(err.value)


def test_apply_overrides_copies_and_creates():
    data = {"demand": {"daily_volume": 5}, "teams": [{"agents": 1}], "empty": None}
    new, sources = apply_overrides(
        data, ["demand.daily_volume=1e3", "teams.0.agents=4", "sim.rng.seed=7", "empty.x=1"]
    )
    assert data == {"demand": {"daily_volume": 5}, "teams": [{"agents": 1}], "empty": None}
    assert new == {
        "demand": {"daily_volume": 1000.0},
        "teams": [{"agents": 4}],
        "empty": {"x": 1},
        "sim": {"rng": {"seed": 7}},
    }
    assert sources == {
        ("demand", "daily_volume"): "demand.daily_volume=1e3",
        ("teams", 0, "agents"): "teams.0.agents=4",
        ("sim", "rng", "seed"): "sim.rng.seed=7",
        ("empty", "x"): "empty.x=1",
    }


def test_later_parent_override_replaces_child_sources():
    new, sources = apply_overrides({}, ["demand.rate=1", "demand={dist: x}"])
    assert new == {"demand": {"dist": "x"}}
    assert sources == {("demand",): "demand={dist: x}"}


def test_digit_key_in_mapping_is_text_unless_int_key_exists():
    new, _ = apply_overrides({"m": {1: "a"}}, ["m.1=b", "m.2=c"])
    assert new == {"m": {1: "b", "2": "c"}}


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("teams.2.agents=1", ["teams.2.agents", "an index below 1 for the list teams", "found 2"]),
        ("teams.x=1", ["an index below 1 for the list teams", "found 'x'"]),
        ("demand.daily_volume.x=1", ["a mapping or list at demand.daily_volume", "found 5 (int)"]),
    ],
)
def test_apply_overrides_bad_path(override, words):
    with pytest.raises(ConfigError) as err:
        apply_overrides({"demand": {"daily_volume": 5}, "teams": [{}]}, [override])
    assert only_problem(err).file is None
    assert str(err.value).startswith(f"--set {override}: ")
    for word in words:
        assert word in str(err.value)
