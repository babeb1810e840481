"""Experiment files -> design points -> validated runs; bad files give located errors."""

from __future__ import annotations

import numpy as np
import pytest

from policysim.config.experiment import Experiment, Factor
from policysim.errors import ConfigError
from policysim.experiment.design import build_design, from_unit, grid_values
from policysim.experiment.plan import load_plan, run_id


def exp(**kw) -> Experiment:
    return Experiment.model_validate({"scenario": "x.yaml", **kw})


# ------------------------------------------------------------------------ designs
def test_grid_is_every_combination_in_file_order():
    d = build_design(exp(levers={"a.b": [1, 2]}, uncertainties={"c.d": {"low": 0, "high": 1,
                                                                        "num": 3}}))
    assert d.keys == ["a.b", "c.d"]
    assert d.points.to_dict("list") == {"point": [0, 1, 2, 3, 4, 5],
                                        "a.b": [1, 1, 1, 2, 2, 2],
                                        "c.d": [0.0, 0.5, 1.0, 0.0, 0.5, 1.0]}
    assert str(d.points["a.b"].dtype) == "int64" and d.unit is None
    assert d.values(4) == {"a.b": 2, "c.d": 0.5}
    # a whole-number factor stays whole beside a float one (the runs view showed 2.0)
    assert [type(v) for v in d.values(4).values()] == [int, float]


def test_grid_values_of_ranges_and_distributions():
    assert grid_values(Factor(low=6, high=14, num=5, integer=True)) == [6, 8, 10, 12, 14]
    assert grid_values(Factor(dist="loguniform", low=1, high=100, num=3)) == pytest.approx(
        [1, 10, 100])
    mid = grid_values(Factor(dist="normal", mean=10, sd=2, num=3))  # quantile midpoints
    assert mid[1] == pytest.approx(10) and mid[0] == pytest.approx(10 - 2 * 0.9674, abs=1e-3)
    assert grid_values(Factor(low=1, high=2, num=5, integer=True)) == [1, 2]  # no repeats


def test_unit_samples_map_onto_each_factor():
    u = np.array([0.0, 0.2, 0.5, 0.999, 1.0])
    assert from_unit(Factor(values=["a", "b"]), u) == ["a", "a", "b", "b", "b"]
    assert from_unit(Factor(low=5, high=7, integer=True), u) == [5, 5, 6, 7, 7]
    assert from_unit(Factor(low=0, high=10), u) == pytest.approx([0, 2, 5, 9.99, 10])
    tri = from_unit(Factor(dist="triangular", low=0, mode=0, high=1), np.array([0.75]))
    assert tri == pytest.approx([0.5])  # F(x) = 1 - (1 - x)^2
    norm = from_unit(Factor(dist="normal", mean=0, sd=1), np.array([0.0, 0.5, 1.0]))
    assert np.isfinite(norm).all() and norm[1] == pytest.approx(0)  # open tails clipped


@pytest.mark.parametrize("name, n_points", [("lhs", 16), ("sobol", 16 * (2 + 2)),
                                            ("morris", 5 * (2 + 1))])
def test_sampled_designs_have_salib_sizes_and_are_seeded(name, n_points):
    spec = {"name": name, "samples": 16 if name != "morris" else 5}
    e = exp(uncertainties={"a.x": {"low": 0, "high": 1}, "a.y": {"low": 10, "high": 20}},
            design=spec, seed=3)
    d1, d2 = build_design(e), build_design(e)
    assert len(d1) == n_points and d1.unit.shape == (n_points, 2)
    assert d1.points.equals(d2.points)  # the same seed gives the same design
    assert d1.points["a.x"].between(0, 1).all() and d1.points["a.y"].between(10, 20).all()
    assert not build_design(e.model_copy(update={"seed": 4})).points.equals(d1.points)


def test_run_ids_sort_by_point_scheme_rep():
    assert run_id(3, "kpi", 12) == "p00003-kpi-r0012" and run_id(0, None, 1) == "p00000-r0001"


# --------------------------------------------------------------------------- plans
def test_plan_builds_every_point_scenario(grid, tiny):
    plan = load_plan(grid)
    assert plan.name == "grid" and plan.schemes == [None] and plan.reps == 2 and plan.seed == 11
    assert len(plan.runs) == 12 and plan.runs[0].id == "p00000-r0000"
    scn = plan.scenario(5)
    assert scn.teams[0].agents == 4 and scn.demand.daily_volume == 400.0
    job = plan.job(plan.runs[-1])
    assert (job.point, job.rep, job.seed, job.days, job.scheme) == (5, 1, 11, 2, None)


def test_days_and_reps_shrink_a_plan_and_reps_keep_the_hash(grid):
    full, quick = load_plan(grid), load_plan(grid, days=1, reps=1)
    assert len(quick.runs) == 6 and {r.days for r in quick.runs} == {1}
    assert load_plan(grid, reps=5).hash == full.hash  # more reps: same experiment, resumable
    assert quick.hash != full.hash  # other days: another experiment


def test_scheme_lists_and_defaults(put, tiny):
    put("s.yaml", "name: s\nsim: {days: 2, period_days: 2}\ndemand: {daily_volume: 200}\n"
        "teams: [{name: A, agents: 3}]\nschemes:\n  commission: {base_salary: 3000, "
        "commission: {rate: 0.01}}\n  flat: {base_salary: 4000}\n")
    e = put("e.yaml", "scenario: s.yaml\nschemes: [flat, commission]\n"
            "levers: {schemes.commission.commission.rate: [0.01, 0.02]}\nreps: 1\n")
    plan = load_plan(e)
    assert plan.schemes == ["flat", "commission"]
    assert [r.id for r in plan.runs] == ["p00000-flat-r0000", "p00000-commission-r0000",
                                         "p00001-flat-r0000", "p00001-commission-r0000"]
    assert plan.scenario(1).schemes["commission"].commission.rate == 0.02
    put("e2.yaml", "scenario: s.yaml\nreps: 1\n")
    assert load_plan(put("e2.yaml", "scenario: s.yaml\nreps: 1\n")).schemes == ["commission",
                                                                                  "flat"]


# ------------------------------------------------------------------ located errors
BAD = [
    ("bogus: 1\n", "e.yaml:3: bogus: expected no unknown keys"),
    ("levers:\n  behaviour.temprature: [1, 2]\n",
     "e.yaml:4: levers.behaviour.temprature: expected no unknown keys"),
    ("levers:\n  teams.0.agents: []\n", "e.yaml:4: levers.teams.0.agents: expected at least 1"),
    ("levers:\n  demand.daily_volume: {low: 5, high: 3, num: 2}\n",
     "e.yaml:4: levers.demand.daily_volume.high: expected greater than low (5), found 3"),
    ("levers:\n  demand.daily_volume: {low: 1, high: 3}\n",
     "e.yaml:4: levers.demand.daily_volume: expected num (how many grid values)"),
    ("design: sobolx\n", "e.yaml:3: design: expected one of 'grid', 'oat', 'lhs', 'sobol'"),
    ("design: {name: sobol, samples: 10}\nlevers: {sim.days: {low: 1, high: 3}}\n",
     "e.yaml:3: design.samples: expected a power of 2"),
    ("reps: 0\n", "e.yaml:3: reps: expected a number of at least 1, found 0"),
    ("levers:\n  teams.0.agents: [0, 3]\n",
     "e.yaml:4: levers.teams.0.agents: expected a number of at least 1, found 0 (int) at "
     "design point 0 (teams.0.agents=0)"),
    ("levers:\n  teams.0.agents: [true]\n",
     "e.yaml:4: levers.teams.0.agents: expected a whole number, found True (bool) at design "
     "point 0 (teams.0.agents=True)"),
    ("levers:\n  teams.2.agents: [3]\n",
     "e.yaml:4: levers.teams.2.agents: expected an index below 1 for the list teams"),
    ("levers:\n  teams.0: [3]\n", "e.yaml:4: levers.teams.0: expected a mapping"),
    ("schemes: [kpi]\n", "e.yaml:3: schemes.0: expected a scheme of the scenario"),
    ("levers:\n  sim.seed: [1, 2]\n", "e.yaml:4: levers.sim.seed: expected a scenario field"),
    ("levers:\n  demand: [1]\n  demand.daily_volume: [1]\n",
     "e.yaml:5: levers.demand.daily_volume: expected each key varied once"),
    ("uncertainties:\n  demand.daily_volume: {dist: normal, mean: 300}\n",
     "e.yaml:4: uncertainties.demand.daily_volume.sd: expected mean, sd for a normal factor"),
    ("schemes: [commission, a/b]\n",
     "e.yaml:3: schemes.1: expected letters, digits, _, . and - only (it names files), found "
     "'a/b'"),
    # refused before any point is built (a 10^10-point grid would never finish loading)
    ("levers:\n  demand.daily_volume: {low: 1, high: 9, num: 100000}\n"
     "  behaviour.inertia: {low: 0, high: 0.5, num: 100000}\n",
     "e.yaml:4: levers.demand.daily_volume: expected at most 1,000,000 design points (split "
     "the study into several experiments), found 10,000,000,000 (grid: 100,000 x 100,000)"),
    # integer factors whose values overflow 64 bits or are infinite: located, not an
    # OverflowError from pandas or int(inf) (internal error, exit 1)
    ("levers:\n  teams.0.agents: {low: 1, high: 1e300, integer: true, num: 3}\n",
     "e.yaml:4: levers.teams.0.agents: expected a whole number below 2^63, found 5e+299 (float)"),
    ("levers:\n  teams.0.agents: [1, 100000000000000000000000000]\n",
     "e.yaml:4: levers.teams.0.agents: expected a whole number below 2^63, found 1e+26 (float)"),
    ("design: {name: lhs, samples: 2}\nuncertainties:\n  teams.0.agents: {dist: normal, "
     "mean: 1e308, sd: 1e308, integer: true}\n",
     "e.yaml:5: uncertainties.teams.0.agents: expected a finite number, found inf (float)"),
    ("design: {name: sobol, samples: 524288, second_order: true}\nuncertainties:\n"
     "  demand.daily_volume: {low: 1, high: 9}\n  behaviour.inertia: {low: 0, high: 0.5}\n",
     "e.yaml:3: design: expected at most 1,000,000 design points (split the study into "
     "several experiments), found 3,145,728 (sobol: 524,288 samples x 6)"),
]


@pytest.mark.parametrize("tail, message", BAD, ids=[m.split(": ")[1] + str(i)
                                                    for i, (_, m) in enumerate(BAD)])
def test_bad_experiment_files_give_located_errors(put, tiny, tail, message):
    path = put("e.yaml", "scenario: tiny.yaml\nname: e\n" + tail)
    with pytest.raises(ConfigError) as err:
        load_plan(path)
    text = str(err.value).replace(str(path.parent) + "/", "")
    assert message in text, text


def test_a_name_that_cannot_name_files_is_refused_in_plain_words(put, tiny):
    path = put("e.yaml", "scenario: tiny.yaml\nname: my sweep/2\n")
    with pytest.raises(ConfigError) as err:
        load_plan(path)
    assert str(err.value).endswith("e.yaml:2: name: expected letters, digits, _, . and - only "
                                   "(it names files), found 'my sweep/2'"), str(err.value)


def test_missing_scenario_file_is_located(put):
    path = put("e.yaml", "name: e\nscenario: nowhere.yaml\n")
    with pytest.raises(ConfigError, match=r"e\.yaml:2: scenario: expected an existing scenario "
                                          r"file .*'nowhere\.yaml'"):
        load_plan(path)


def test_scenario_that_is_a_directory_is_called_one(put, tmp_path):
    (tmp_path / "scn").mkdir()
    path = put("e.yaml", "name: e\nscenario: scn\n")
    with pytest.raises(ConfigError, match=r"e\.yaml:2: scenario: expected an existing scenario "
                                          r"file .*'scn' \(.*scn: a directory\)"):
        load_plan(path)


def test_a_bad_value_at_many_points_is_reported_once(put, tiny):
    path = put("e.yaml", "scenario: tiny.yaml\nlevers:\n  teams.0.agents: [0, -1, 3]\n"
               "  demand.daily_volume: [100, 200]\n")
    with pytest.raises(ConfigError) as err:
        load_plan(path)
    assert len(err.value.problems) == 1
    assert str(err.value).endswith("and at 3 other points")


def test_one_factor_can_set_several_keys(put):
    put("t3.yaml", "name: t3\nsim: {days: 2, period_days: 2}\ndemand: {daily_volume: 200}\n"
        "teams: [{name: A, agents: 3}, {name: B, agents: 3}]\n")
    path = put("e.yaml", "scenario: t3.yaml\nreps: 1\nlevers:\n"
               "  team_size: {keys: [teams.0.agents, teams.1.agents], values: [2, 4]}\n")
    plan = load_plan(path)
    assert plan.design.keys == ["team_size"]
    assert [[t.agents for t in s.teams] for s in map(plan.scenario, range(2))] == [[2, 2], [4, 4]]
    bad = put("e.yaml", "scenario: t3.yaml\nlevers:\n"
              "  team_size: {keys: [teams.0.agents, teams.1.agents], values: [0]}\n")
    with pytest.raises(ConfigError) as err:
        load_plan(bad)
    assert f"{bad}:3: levers.team_size (teams.0.agents): expected a number of at least 1" \
        in str(err.value)
    clash = put("e.yaml", "scenario: t3.yaml\nlevers:\n  teams.0.agents: [1]\n"
                "  size: {keys: [teams.1.agents, teams.0.agents], values: [1]}\n")
    with pytest.raises(ConfigError, match=r"e\.yaml:4: levers\.size\.keys\.1: expected each "
                                          r"key varied once"):
        load_plan(clash)


# ------------------------------------------------------------------- one at a time
def test_one_at_a_time_moves_one_factor_from_the_base_point():
    from policysim.experiment.design import base_slices

    d = build_design(exp(levers={"a.b": [1, 2, 3], "c.d": ["x", "y"], "e.f": [None, 5]},
                         design="oat"))
    assert len(d) == 1 + 2 + 1 + 1  # the base, then each factor's other values in file order
    base = d.values(0)
    assert base == {"a.b": 1, "c.d": "x", "e.f": None}
    for p in range(1, len(d)):
        moved = [k for k in d.keys if d.values(p)[k] != base[k]]
        assert len(moved) == 1, (p, moved)
    assert [d.values(p)["a.b"] for p in range(3)] == [1, 2, 3]
    assert base_slices(d) == {"a.b": [0, 1, 2], "c.d": [0, 3], "e.f": [0, 4]}
    assert base_slices(build_design(exp(levers={"a.b": [1, 2]}))) is None  # a grid


def test_null_leaves_the_scenario_value_and_only_listed_designs_take_it(put, tiny):
    path = put("o.yaml", "scenario: tiny.yaml\ndesign: oat\nlevers:\n"
                         "  teams.0.agents: [null, 5]\n  demand.daily_volume: [300, 200]\n")
    plan = load_plan(path)
    assert [plan.scenario(p).teams[0].agents for p in range(3)] == [3, 5, 3]
    assert [plan.scenario(p).demand.daily_volume for p in range(3)] == [300, 300, 200]
    bad = put("s.yaml", "scenario: tiny.yaml\ndesign: {name: lhs, samples: 4}\nlevers:\n"
                        "  teams.0.agents: [null, 5]\n")
    with pytest.raises(ConfigError) as err:
        load_plan(bad)
    assert "null (the scenario's value) only in a grid or oat design" in str(err.value)
