"""Property-based fuzzing of the scenario schema, ``--set`` and the engine (issue 7, point 2).

Parsing: whatever a scenario file or a ``--set`` option says, ``load_model(Scenario, path,
overrides)`` returns a Scenario or raises ``policysim.errors.UserError``; never any other
exception (which the CLI would show as an "internal error", exit 1). What comes back is
checked too: a scenario that validated round-trips through its YAML dump to an equal
Scenario; a refusal is located at the file or at a given ``--set`` option and names a key
the example changed (or its parent, child or sibling); and the strategies that put values
at known keys must produce a floor share of valid scenarios (``check_floor``), so that the
valid side is exercised, not only refusals. Documents are a small
valid scenario with random values put at random known dotted keys (numbers including
negative, NaN, infinite and huge ones, strings, YAML-looking strings, dates, booleans, None,
lists, nested mappings), written as YAML; overrides are random ``--set key=value`` texts;
and raw text is random YAML-ish token soup.

Running: every valid scenario drawn from small valid perturbations (0-300 inquiries a day,
1-3 teams of 1-4 agents, 1-3 days, any patience distribution, shifts, hour profiles, pay
schemes built from random components or a schedule, attrition and hiring on or off; every
routing mode and fallback with team and tenure weights, the message pool with shifts that
leave hours uncovered, per-chat rate tables, caps, transfer hold and delay, a rota with
all-hands events, temporary staff, a ladder over a little more than a month) runs
through ``run_job`` without an exception, every summary metric is finite except
``new_hire_90d_quit_rate``, the ``belief_*`` gaps and ``new_hire_mean_skill`` (NaN when
no hire could be observed for 90 days, no period came after the first two or nobody passed a
chat on, nobody was hired), and the
summary, daily, hourly and agent tables agree (``check_accounting``).

Inputs that crashed when this was written (explicit ``!!int``/``!!float``/``!!bool`` tags on
text that is no such value, hex integers of thousands of digits, extreme values that broke
the engine) are fixed and pinned by regression tests in test_bad_inputs.py, test_safety.py
and test_edge_cases.py. (This fuzzing, run longer and without ``derandomize``, found the
explicit-tag crashes.)

``derandomize=True`` makes every run draw the same examples (CI is deterministic);
``deadline=None`` because the first example pays for imports.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from ruamel.yaml import YAML

from policysim.config.pay import MEASURES, METRICS
from policysim.config.schema import Scenario
from policysim.config.validate import load_model, validate_data
from policysim.config.yamlio import dotted
from policysim.errors import ConfigError, UserError
from policysim.experiment.runner import Job, run_job

PARSE = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture])
RUNS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: short runs: undefined (no hire observed for 90 days, no period after the first two, no hire)
MAY_BE_NAN = {"new_hire_90d_quit_rate", "belief_error_routed", "belief_error_pay",
              "belief_bias_pay", "belief_error_help", "new_hire_mean_skill"}

# A small valid scenario that names every kind of section, so random keys land next to real
# values (list items, scheme components, KPI lines, schedule switches, events).
BASE = {
    "name": "fuzz",
    "description": "fuzzing base",
    "sim": {"days": 2, "reps": 1, "seed": 1, "period_days": 1, "start_date": dt.date(2026, 1, 1)},
    "demand": {
        "daily_volume": 10,
        "events": [{"name": "promo", "date": dt.date(2026, 1, 2), "multiplier": 2.0}],
        "catalogue": {"prices": [59, 99], "weights": [1, 1]},
    },
    "teams": [{"name": "A", "agents": 2}, {"name": "B", "agents": 1}],
    "shifts": [{"name": "early", "start": "08:00", "end": "16:00"},
               {"name": "late", "start": "16:00", "end": "24:00"}],
    "schemes": {
        "s": {"base_salary": 100, "commission": {"rate": 0.01},
              "kpi": {"metrics": {"rating": {"weight": 1, "target": 4, "floor": 3}},
                      "tiers": [{"min_score": 50, "bonus_base": 10}, {"min_score": 0, "bonus_base": 1}]},
              "contest": {"metric": "sales"}, "ranking": {"metric": "served"}},
        "t": {"schedule": [{"day": 0, "scheme": "s"}]},
    },
    "scheme": "s",
}


def _known_paths(model: type[BaseModel], prefix: tuple = ()) -> list[tuple]:
    """Every dotted key of the schema, list items as index 0, scheme names as 's', KPI
    metric names as 'rating'."""
    out: list[tuple] = []
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        out.append(path)
        out.extend(_inner_paths(info.annotation, path))
    return out


def _inner_paths(annotation, path: tuple) -> list[tuple]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _known_paths(annotation, path)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list:
        return [(*path, 0), *_inner_paths(args[0], (*path, 0))]
    if origin is dict:
        key = "rating" if typing.get_origin(args[0]) is typing.Literal else "s"
        return [(*path, key), *_inner_paths(args[1], (*path, key))]
    if origin is typing.Annotated:
        return _inner_paths(args[0], path)
    return [p for arg in args for p in _inner_paths(arg, path)]  # unions, Optional


KNOWN = sorted(set(_known_paths(Scenario)), key=lambda p: tuple(map(str, p)))
assert ("schemes", "s", "kpi", "metrics", "rating", "floor") in KNOWN
assert ("demand", "events", 0, "start_hour") in KNOWN and ("teams", 0, "agents") in KNOWN

YAMLISH = ["", " ", "~", "null", "true", "no", "yes", "on", "1e3", "0x1F", "0o17", "010",
           ".nan", ".inf", "-.inf", "1:30", "08:00", "24:00", "23:59", "2026-11-11",
           "2026-11-11 10:00:00", "[]", "{}", "[1, 2", "{a: 1", "- a", "a: b", "? x", "*a",
           "&a", "!!str x", "!foo", "'", '"', "#", "%YAML 1.2", "---", "...", "|", ">", "@",
           "`", "\\", "\t", "\n", "é", "中文", "\u2028", "💥", "-1", "+1", "1_000", "NaN",
           "Infinity", "1e-400", "9" * 40, "../../etc", "a/b"]

finite = st.floats(allow_nan=False, allow_infinity=False)
numbers = st.one_of(
    st.integers(-10**6, 10**6), st.integers(-2**70, 2**70), st.sampled_from([0, 1, -1, 2**63]),
    finite, st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 0.0, -0.0]),
)
texts = st.one_of(st.sampled_from(YAMLISH), st.text(max_size=20))
scalars = st.one_of(st.none(), st.booleans(), numbers, texts,
                    st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)))
plausible = st.one_of(st.integers(0, 30), st.floats(0, 1), st.sampled_from(
    ["08:00", "16:00", "exponential", "lognormal", "sales", "rating", "A", "2026-01-03"]))
values = st.recursive(
    st.one_of(plausible, scalars),
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.one_of(st.sampled_from(["name", "agents", "rate", "x"]),
                                                      st.text(max_size=8)), inner, max_size=4)),
    max_leaves=12,
)
known = st.sampled_from(KNOWN)
key_paths = st.one_of(
    known, known, known,
    known.map(lambda p: (*p, "extra")),  # below a leaf, or an unknown key
    st.tuples(st.sampled_from(["teams", "shifts"]), st.integers(0, 5)),  # maybe out of range
)


def _set(data: dict, path: tuple, value) -> None:
    node = data
    for part in path[:-1]:
        if isinstance(node, list):
            if not (isinstance(part, int) and part < len(node)):
                return
            node = node[part]
        elif isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            return
        if not isinstance(node, (dict, list)):
            return
    last = path[-1]
    if isinstance(node, list):
        if isinstance(last, int) and last < len(node):
            node[last] = value
    else:
        node[last] = value


def _dump(data: dict, flow: bool) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def flow(value) -> str:
    """A value as YAML flow text for --set (strings double-quoted, as JSON writes them)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {flow(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def load_or_user_error(path: Path, overrides: list[str] = ()) -> Scenario | UserError:
    """Load, and check what came back: a validated scenario round-trips through its YAML dump
    to an equal Scenario; a refusal says something, without a traceback, and every line of a
    ConfigError is located at ``path`` or at one of the ``overrides`` given."""
    try:
        scn = load_model(Scenario, path, overrides)
    except UserError as err:
        assert err.message.strip(), "a UserError must say something"
        assert "Traceback" not in err.message
        if isinstance(err, ConfigError):
            assert err.problems
            for problem in err.problems:
                assert (problem.file == str(path) and problem.override is None
                        or problem.file is None and problem.override in overrides), str(problem)
        return err
    assert isinstance(scn, Scenario)
    dump = path.with_name("round-trip.yaml")
    dump.write_text(_dump(scn.model_dump(mode="json"), False), encoding="utf-8")
    assert load_model(Scenario, dump) == scn
    return scn


def related(key: str, changed: list[str]) -> bool:
    """Whether a problem's dotted key is a changed dotted key, lies below or above one, or is
    a sibling of one (a cross-field check such as a KPI floor against its target); "" is the
    document as a whole."""
    parent = key.rpartition(".")[0]
    return key == "" or any(key == k or key.startswith(k + ".") or k.startswith(key + ".")
                            or parent and k.startswith(parent + ".") for k in changed)


def in_base(key: str) -> bool:
    """Whether the dotted key names a value written in BASE (the file of the --set tests)."""
    node: object = json.loads(json.dumps(BASE, default=str))
    for part in key.split(".") if key else []:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def check_floor(results: list, floor: float, minimum: int) -> None:
    """At least ``minimum`` examples ran and a share ``floor`` of them validated."""
    valid = sum(isinstance(r, Scenario) for r in results)
    assert len(results) >= minimum, len(results)
    assert valid >= floor * len(results), f"{valid} of {len(results)} validated"


def load_changed(tmp_path: Path, changes: list[tuple], flow_style: bool) -> Scenario | UserError:
    """BASE with ``changes`` (key path, value) applied, written and loaded; a refusal must
    name a changed key, or one related to it (:func:`related`)."""
    data = json.loads(json.dumps(BASE, default=str))  # deep copy (dates as text)
    for path, value in changes:
        _set(data, path, value)
    file = tmp_path / "scenario.yaml"
    file.write_text(_dump(data, flow_style), encoding="utf-8")
    got = load_or_user_error(file)
    if isinstance(got, ConfigError):
        keys = [dotted(c) for c, _ in changes]
        assert any(related(p.key, keys) for p in got.problems), (changes, str(got))
    return got


def test_random_values_at_known_keys_in_a_file(tmp_path):
    """Random values at known keys: a refusal names a changed key (or one above or below
    it); 5 to 13 of the 60 examples validate, depending on the draw (floor: 5%)."""
    results = []

    @PARSE
    @given(changes=st.lists(st.tuples(key_paths, values), min_size=1, max_size=4),
           flow_style=st.booleans())
    def example(changes, flow_style):
        results.append(load_changed(tmp_path, changes, flow_style))

    example()
    check_floor(results, 0.05, 30)


LEAVES = [p for p in KNOWN if not any(q[:len(p)] == p and q != p for q in KNOWN)]
near_valid = st.one_of(plausible, st.integers(-3, 30), st.floats(-2, 25), st.booleans(),
                       st.none(), st.sampled_from(["00:00", "24:00", "23:30", "infinite"]))


def test_near_valid_values_at_leaf_keys(tmp_path):
    """Values close to the valid range, so cross-field checks (shift coverage, caps, tiers,
    schedules, horizon) run on many variants rather than type errors only. A refusal names a
    changed key (or one above or below it); at least 10% of the examples validate."""
    results = []

    @PARSE
    @given(changes=st.lists(st.tuples(st.sampled_from(LEAVES), near_valid), min_size=1,
                            max_size=3))
    def example(changes):
        results.append(load_changed(tmp_path, changes, False))

    example()
    check_floor(results, 0.10, 30)


def test_random_set_options(tmp_path):
    """Random ``--set`` texts on a valid file; half the examples set near-valid values at
    leaf keys only, so that some validate (at least 10%). Every problem is located at a
    given option, or at a key in the file related to one (a sibling checked against it)."""
    path = tmp_path / "scenario.yaml"
    path.write_text(_dump(json.loads(json.dumps(BASE, default=str)), False), encoding="utf-8")
    results = []

    near = st.tuples(st.sampled_from(LEAVES), near_valid).map(
        lambda kv: ".".join(map(str, kv[0])) + "=" + flow(kv[1]))

    @PARSE
    @given(sets=st.one_of(st.lists(st.one_of(
        st.tuples(key_paths, values).map(lambda kv: ".".join(map(str, kv[0])) + "=" + flow(kv[1])),
        st.tuples(st.sampled_from(KNOWN), texts).map(lambda kv: ".".join(map(str, kv[0])) + "="
                                                     + kv[1]),
        st.text(max_size=30),  # anything at all, e.g. no '=' or an empty key
    ), min_size=1, max_size=3), st.lists(near, min_size=1, max_size=2)))
    def example(sets):
        got = load_or_user_error(path, sets)
        if isinstance(got, ConfigError):  # the file alone is valid: an option is to blame
            keys = [text.partition("=")[0] for text in sets]
            for problem in got.problems:  # the option, or a file key it made inconsistent
                if problem.override in sets:
                    continue
                assert related(problem.key, keys), (sets, str(got))
                assert in_base(problem.key), (sets, str(got))  # the file wrote this key
                assert not any(problem.key == k or problem.key.startswith(k + ".")
                               for k in keys), (sets, str(got))  # and no option replaced it
        results.append(got)

    example()
    check_floor(results, 0.10, 30)


TOKENS = ["name", "sim", "days", "demand", "daily_volume", "teams", "agents", "shifts",
          "schemes", "x", ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ",
          "!!map ", "!!seq ", "!!null ", "!x ", "? ", "#", "'", '"', "|", ">", "\n",
          "\n  ", "\n    ", "\t", " ", "1", "-5", "1e3", ".nan", "~", "2026-01-01", "08:00",
          "---\n", "...\n", "%YAML 1.2\n", "%TAG ! tag:x:\n", "\\", "é", "\ufeff", "\x85",
          "\r\n", "true", "null"]


@PARSE
@given(parts=st.lists(st.sampled_from(TOKENS), max_size=40))
def test_random_yaml_ish_text(parts, tmp_path_factory):
    """Token soup: no floor (almost nothing is a scenario), but a refusal names the file."""
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_text("".join(parts), encoding="utf-8")
    got = load_or_user_error(path)
    assert isinstance(got, Scenario) or got.message.startswith(str(path)), got


@PARSE
@given(raw=st.binary(max_size=64))
def test_random_bytes(raw, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_bytes(raw)
    got = load_or_user_error(path)
    assert isinstance(got, Scenario) or got.message.startswith(str(path)), got


# ---- valid perturbations run --------------------------------------------------------------
TARGETS = {  # a plausible target range per metric, and whether higher is better
    "served": (1, 500), "first_response_s": (5, 60), "reply_rate": (0.5, 1.0),
    "conversion": (0.1, 0.9), "sales": (100, 1e5), "rating": (3, 5), "quality": (0.3, 1.0),
    "transfers_given": (1, 20), "first_response_platform_s": (5, 120),
    "reply_within_30s": (0.3, 1.0), "reply_within_180s": (0.5, 1.0),
    "reply_within_30s_agent": (0.3, 1.0), "reply_within_180s_agent": (0.5, 1.0),
}
metric_names = st.sampled_from(sorted(METRICS))
money = st.floats(0, 5000)


SHIFT_LAYOUTS = [
    [("early", "08:00", "16:00"), ("late", "16:00", "24:00")],
    [("all", "00:00", "24:00")],
    [("long", "08:00", "24:00")],
    [("a", "06:00", "14:00"), ("b", "14:00", "22:00"), ("c", "16:00", "24:00")],
]
#: layouts that leave hours with demand uncovered: valid only with the message pool on
GAPPY_LAYOUTS = [
    [("day", "09:00", "17:00")],
    [("am", "08:00", "12:00"), ("pm", "14:00", "20:00")],
    [("night", "00:00", "02:00"), ("eve", "18:00", "23:30")],
]
MODES = ["sticky", "weighted", "least_loaded", "most_available", "round_robin"]
FALLBACKS = ["weighted", "least_loaded", "most_available", "round_robin"]
#: routing weights: zero, ordinary and the bounds (schema: 0 to 1e6, not all 0)
route_weights = st.one_of(st.just(0.0), st.floats(0, 5), st.sampled_from([1e-6, 1.0, 1e6]))


@st.composite
def kpis(draw):
    metrics = {}
    for name in draw(st.lists(metric_names, min_size=1, max_size=3, unique=True)):
        low, high = TARGETS[name]
        target = draw(st.floats(low, high))
        line = {"weight": draw(st.floats(0.5, 50)), "target": target}
        if draw(st.booleans()):
            line["floor"] = (target * draw(st.floats(0, 0.9)) if METRICS[name]
                             else target * draw(st.floats(1.1, 4)))
        if name in MEASURES and draw(st.booleans()):
            line["measure"] = draw(st.sampled_from(["platform", "agent"]))
        metrics[name] = line
    scores = sorted(draw(st.lists(st.integers(0, 100), min_size=1, max_size=3, unique=True)),
                    reverse=True)
    return {"metrics": metrics,
            "tiers": [{"min_score": s, "bonus_base": draw(money)} for s in scores]}


@st.composite
def schemes(draw):
    spec = {}
    if draw(st.booleans()):
        spec["base_salary"] = draw(money)
    if draw(st.booleans()):
        spec["commission"] = {"rate": draw(st.floats(0, 0.1)), "target": draw(st.floats(0, 3000)),
                              "share": draw(st.floats(0, 1)),
                              "basis": draw(st.sampled_from(["own", "team"]))}
    if draw(st.booleans()):
        spec["kpi"] = draw(kpis())
    if draw(st.booleans()):
        spec["contest"] = {"metric": draw(metric_names), "prize_per_member": draw(money),
                           "winners": draw(st.integers(1, 3))}
    if draw(st.booleans()):
        spec["ranking"] = {"metric": draw(metric_names), "prize": draw(money),
                           "top": draw(st.integers(1, 4))}
    if draw(st.booleans()):
        spec["variable_pay_scale"] = draw(st.one_of(st.floats(0, 3), st.just(0.0)))
    return spec


@st.composite
def agent_traits(draw):
    """Caps, comfort and the default threshold in their valid ranges (expert >= novice)."""
    cap_novice = draw(st.integers(1, 4))
    comfort_novice = draw(st.integers(1, 4))
    return {"learning": draw(st.booleans()), "ability_sigma": draw(st.floats(0, 0.6)),
            "default_transfer": draw(st.floats(0, 1)),
            "initial_tenure_max_months": draw(st.floats(0, 36)),
            "cap_novice": cap_novice, "cap_expert": draw(st.integers(cap_novice, 6)),
            "comfort_novice": comfort_novice,
            "comfort_expert": draw(st.integers(comfort_novice, 6)),
            "default_threshold": draw(st.one_of(st.none(), st.integers(1, 7)))}


@st.composite
def routings(draw, team_names):
    teams = {}
    for name in team_names:
        if draw(st.booleans()):
            teams[name] = draw(route_weights)
    if teams and all(teams.get(t, 1.0) == 0 for t in team_names):
        teams[team_names[0]] = 1.0  # schema: at least one team weight above 0
    tenure = []
    if draw(st.booleans()):
        starts = sorted(draw(st.lists(st.floats(1, 1000), max_size=2, unique=True)))
        tenure = [{"from_days": s, "weight": draw(route_weights)} for s in [0.0, *starts]]
        if all(b["weight"] == 0 for b in tenure):
            tenure[-1]["weight"] = 1.0  # schema: at least one band weight above 0
    return {"mode": draw(st.sampled_from(MODES)), "fallback": draw(st.sampled_from(FALLBACKS)),
            "busyness": draw(st.booleans()), "returning_share": draw(st.floats(0, 1)),
            "weights": {"teams": teams, "tenure": tenure}}


@st.composite
def ladders(draw, cap):
    """A ladder of 1-3 levels (tenure and score not falling going up), reviewed monthly."""
    n = draw(st.integers(1, 3))
    tenures = sorted(draw(st.lists(st.floats(0, 24), min_size=n, max_size=n)))
    scores = sorted(draw(st.lists(st.floats(0, 100), min_size=n, max_size=n)))
    levels = [{"name": f"L{i}", "min_tenure_months": tenures[i], "min_score": scores[i],
               "pay_coefficient": draw(st.floats(0, 3)), "cap": draw(st.integers(1, cap)),
               "routing_weight": draw(route_weights)} for i in range(n)]
    if all(lv["routing_weight"] == 0 for lv in levels):
        levels[0]["routing_weight"] = 1.0  # schema: at least one level above 0
    return {"review_months": 1, "score_metric": draw(metric_names), "levels": levels}


@st.composite
def small_scenarios(draw):
    # a ladder is reviewed at the end of the period crossing 30 days (review_months 1): such
    # runs last a little over a month, at a low volume so that they stay short
    with_ladder = draw(st.integers(0, 5)) == 5  # one in six; shrinks to no ladder
    days = draw(st.integers(31, 34)) if with_ladder else draw(st.integers(1, 3))
    max_volume = 40 if with_ladder else 300
    teams = [{"name": f"T{i}", "agents": draw(st.integers(1, 4))}
             for i in range(draw(st.integers(1, 3)))]
    demand = {
        "daily_volume": draw(st.one_of(st.integers(0, max_volume), st.floats(0, max_volume))),
        "pre_sales_share": draw(st.floats(0, 1)),
        "patience": {"dist": draw(st.sampled_from(["exponential", "lognormal", "infinite"])),
                     "mean_s": draw(st.floats(5, 600)), "cv": draw(st.floats(0.1, 3))},
    }
    pool = {"enabled": draw(st.booleans()), "bot_share": draw(st.floats(0, 1))}
    layout = draw(st.sampled_from(SHIFT_LAYOUTS + (GAPPY_LAYOUTS if pool["enabled"] else [])))
    if draw(st.booleans()):
        hours = draw(st.lists(st.integers(0, 23), min_size=1, max_size=6, unique=True))
        demand["hour_profile"] = [float(h in hours) * draw(st.floats(0.1, 5)) for h in range(24)]
        if not pool["enabled"]:
            layout = SHIFT_LAYOUTS[1]  # one shift all day covers any profile
    event = None
    if draw(st.booleans()):
        event = {"name": "promo", "date": dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, days - 1))),
                 "days": draw(st.integers(1, 2)), "multiplier": draw(st.floats(1, 4)),
                 "intent_boost": draw(st.floats(-1, 1)), "all_hands": draw(st.booleans())}
        demand["events"] = [event]
    agents = draw(agent_traits())
    cap = max(agents["cap_novice"], agents["cap_expert"])
    service = {
        "handle_dist": draw(st.sampled_from(["lognormal", "exponential"])),
        "concurrency_alpha": draw(st.floats(0, 1)),
        "transfer_delay_s": draw(st.one_of(st.just(0.0), st.floats(0, 300))),
        "transfer_hold_s": draw(st.one_of(st.just(0.0), st.floats(0, 300))),
        "routing": draw(routings([t["name"] for t in teams])),
        "message_pool": pool,
    }
    if draw(st.booleans()):
        service["concurrency"] = {"per_chat_rate": draw(st.lists(
            st.floats(0.01, 2), min_size=cap, max_size=cap))}
    data = {
        "name": "fuzz",
        "sim": {"days": days, "period_days": draw(st.integers(1, 3)), "reps": 1},
        "demand": demand,
        "teams": teams,
        "shifts": [{"name": n, "start": a, "end": b} for n, a, b in layout],
        "agents": agents,
        "service": service,
        "behaviour": {"adaptive": draw(st.booleans()),
                      "taste_persistence": draw(st.floats(0, 1))},
        "attrition": {"enabled": draw(st.booleans()),
                      "b0": draw(st.one_of(st.sampled_from([-3.7, 0.0, 3.0, 20.0]),
                                           st.floats(-6, 20))),
                      "dismiss_bottom_share": draw(st.sampled_from([0.0, 0.2, 0.5])),
                      "dismiss_after_periods": draw(st.integers(1, 2))},
        "hiring": {"enabled": draw(st.booleans()), "delay_days": draw(st.integers(0, 2))},
        "schemes": {f"p{i}": draw(schemes()) for i in range(draw(st.sampled_from([1, 2, 3, 0])))},
    }
    if draw(st.booleans()):
        data["hiring"]["sorting_strength"] = draw(st.one_of(st.just(0.0), st.floats(0, 10)))
    if draw(st.booleans()):
        rota = {"days_on": draw(st.integers(1, 3)), "days_off": draw(st.integers(0, 2)),
                "rotate_shifts_every_days": draw(st.integers(0, 3)),
                "overtime_multiplier": draw(st.floats(1, 3))}
        if not pool["enabled"]:  # every base-shift group needs days_off + 1 people
            need = (rota["days_off"] + 1) * len(layout)
            teams[0]["agents"] = max(teams[0]["agents"], need)
        data["rota"] = rota
    if event is not None and draw(st.booleans()):
        temp = {"event": "promo", "per_shift": draw(st.integers(0, 3)),
                "skill": draw(st.floats(0.05, 3)), "daily_cost": draw(st.floats(0, 500))}
        if draw(st.booleans()):
            temp["cap"] = draw(st.integers(1, cap))
        if draw(st.booleans()):
            temp["sales_effort"] = draw(st.floats(0, 1))
            temp["service_effort"] = draw(st.floats(0, 1))
        data["temp_staff"] = [temp]
    if with_ladder:
        data["ladder"] = draw(ladders(cap))
    names = list(data["schemes"])
    if len(names) >= 2 and days > 1 and draw(st.booleans()):
        data["schemes"]["switch"] = {"schedule": [
            {"day": 0, "scheme": names[0]},
            {"day": draw(st.integers(1, days - 1)), "scheme": names[1]}]}
        names.append("switch")
    scheme = draw(st.sampled_from([*names, None])) if names else None  # None: fixed actions
    return data, scheme, draw(st.integers(0, 2**32))


@RUNS
@given(drawn=small_scenarios())
def test_valid_perturbations_run_without_nan(drawn):
    data, scheme, seed = drawn
    scn = validate_data(Scenario, data, "<fuzz>")  # the generator only makes valid scenarios
    out = run_job(Job(scn, 0, seed, scn.sim.days, scheme))
    for key, value in out.summary.items():
        if key in MAY_BE_NAN and math.isnan(value):
            continue
        assert math.isfinite(value), (key, value, scheme)
    check_accounting(out)


def check_accounting(out) -> None:
    """Identities between a run's summary, its daily, hourly and agent tables: each summary
    rate is its ratio of daily totals; the hourly and agent tables add up to the daily one;
    no inquiry is both answered and abandoned (those still waiting at the horizon are the
    rest); an abandonment in the queue is an abandonment."""
    s, d = out.summary, out.daily.sum(numeric_only=True)
    h = out.hourly.sum(numeric_only=True)

    def ratio(num, den):
        return num / den if den else 0.0

    assert s["inquiries"] == d["inquiries"] == h["inquiries"]
    assert d["answered"] == h["answered"]
    # temporary staff answer chats but have no period records (docs/model.md section 2,
    # "Temporary staff": not on the team, no period records): the agents table holds the
    # team's share of the answered chats, all of them on days no temporary agent works
    if d.get("temp_staff_on_duty", 0):
        assert out.agents["served"].sum() <= d["answered"]
    else:
        assert d["answered"] == out.agents["served"].sum()
    assert d["abandoned"] == h["abandoned"]
    assert d["answered"] + d["abandoned"] <= d["inquiries"]
    assert d["abandoned_queue"] <= d["abandoned"]
    assert s["abandon_rate"] == pytest.approx(ratio(d["abandoned"], d["inquiries"]), abs=1e-12)
    assert s["p_wait"] == pytest.approx(ratio(d["waited"], d["inquiries"]), abs=1e-12)
    assert s["revenue"] == pytest.approx(d["revenue"], abs=1e-6)
    if d["answered"]:
        assert s["first_response_mean_s"] == pytest.approx(d["frt_sum_s"] / d["answered"])
    if d["rating_weight"]:
        assert s["rating_mean"] == pytest.approx(d["rating_sum"] / d["rating_weight"])
    if "labour_cost" in s:  # the team's pay plus temporary staff's day rates
        # (docs/model.md section 7.1: labour_cost = pay of all period records + temp_staff_cost)
        assert s["labour_cost"] == pytest.approx(
            out.agents["pay"].sum() + s.get("temp_staff_cost", 0.0), abs=1e-6)


def test_known_paths_cover_the_schema():
    """The fuzzed keys reach every section (a schema change adds keys automatically)."""
    tops = {p[0] for p in KNOWN}
    assert tops == set(Scenario.model_fields)
    assert len(KNOWN) > 120


@pytest.mark.parametrize("path", [("sim", "days"), ("teams", 0, "agents"),
                                  ("schemes", "s", "kpi", "tiers", 0, "min_score")])
def test_flow_text_round_trips_through_set(path, tmp_path):
    """The --set fuzzing really reaches the schema: a good value set this way is applied."""
    file = tmp_path / "scenario.yaml"
    file.write_text(_dump(json.loads(json.dumps(BASE, default=str)), False))
    scn = load_model(Scenario, file, [".".join(map(str, path)) + "=" + flow(1)])
    node = scn
    for part in path:
        node = node[part] if isinstance(part, int) or isinstance(node, dict) else getattr(node, part)
    assert node == 1
