"""From an experiment file to a validated list of runs.

A design (:mod:`policysim.experiment.design`) is a spreadsheet of design points. Each row,
written into the base scenario's data as if by ``--set key=value``, is one scenario; each
(point, scheme, replication) is one **run**, whose random streams derive from (seed, point,
replication) alone, so schemes at one point face the same buyers.

:func:`load_plan` reads an experiment file, checks it, builds the design and validates
*every* point's scenario before anything runs, so a bad value is reported up front, located
in the experiment file::

    experiments/x.yaml:9: levers.teams.0.agents: expected a number of at least 1, found 0
    (int) at design point 0 (teams.0.agents=0) and at 4 other points
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from policysim.config.experiment import LISTED, Experiment
from policysim.config.schema import Scenario
from policysim.config.validate import validate_data
from policysim.config.yamlio import KeyPath, PathError, dotted, read_yaml, set_path
from policysim.errors import ConfigError, Problem
from policysim.experiment.design import Design, build_design, grid_values, python_value
from policysim.experiment.runner import Job

#: Bumped when the layout of a results store or the meaning of a run changes.
STORE_FORMAT = 1
_KEY = re.compile(r"^[A-Za-z_]\w*(\.\w+)*$")
_INDEX = re.compile(r"[0-9]+")
_RESERVED = {"sim.seed": "seed", "sim.reps": "reps"}
_MAX_PROBLEMS = 20
#: The most design points an experiment may have.
MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class Run:
    """One run of a sweep: a design point, a scheme and a replication. Its :class:`Job`
    (with the point's scenario) is built when it is sent to a worker: ``plan.job(run)``."""

    id: str
    point: int
    scheme: str | None
    rep: int
    seed: int
    days: int


def run_id(point: int, scheme: str | None, rep: int) -> str:
    """``p00012-commission-r0003`` (``p00012-r0003`` without a scheme)."""
    return f"p{point:05d}-{scheme}-r{rep:04d}" if scheme else f"p{point:05d}-r{rep:04d}"


@dataclass
class Plan:
    """A checked experiment: its design, how to build each point's scenario, the runs to do.

    Attributes:
        path: The experiment file.
        experiment: The validated experiment.
        scenario_path: The base scenario file.
        base: The base scenario.
        design: The design points.
        schemes: The schemes run at every point (``[None]``: fixed actions, no pay).
        reps: Replications per (point, scheme).
        seed: Base seed of every run's streams.
        days: Horizon of every run (``--days``, else the experiment's ``days``), or None
            when each point uses its own ``sim.days``.
        runs: Every run, by point, scheme (in the experiment's order) and replication.
        hash: Identity of the experiment's results (everything but ``reps``).
        hash_parts: The pieces ``hash`` is made of, to say what differs.
    """

    path: Path
    experiment: Experiment
    scenario_path: Path
    base: Scenario
    design: Design
    schemes: list[str | None]
    reps: int
    seed: int
    days: int | None
    runs: list[Run] = field(repr=False)
    hash: str = ""
    hash_parts: dict[str, str] = field(default_factory=dict)
    _points: _Points | None = field(default=None, repr=False)
    _values: list[dict] | None = field(default=None, repr=False)
    _cache: dict[int, Scenario] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.experiment.name

    def scenario(self, point: int) -> Scenario:
        """The scenario of a design point (built again from the base scenario's data, so a
        10,000-point plan does not hold 10,000 scenarios; the last few are cached)."""
        scn = self._cache.get(point)
        if scn is None:
            scn = self._points.scenario(self.design, point)
            if len(self._cache) >= 8:
                self._cache.pop(next(iter(self._cache)))
            self._cache[point] = scn
        return scn

    def job(self, run: Run) -> Job:
        """What a worker needs to run ``run``."""
        return Job(self.scenario(run.point), run.rep, run.seed, run.days, run.scheme, run.point)

    def runs_row(self, run: Run, summary: dict[str, float]) -> pd.DataFrame:
        """The one-row ``runs`` table of a finished run: ids, design values, metrics."""
        if self._values is None:
            self._values = [self.design.values(p) for p in range(len(self.design))]
        row = {"point": run.point, "scheme": run.scheme or "", "rep": run.rep,
               "seed": run.seed, "days": run.days, **self._values[run.point], **summary}
        return pd.DataFrame([row])


def load_plan(path: str | Path, days: int | None = None, reps: int | None = None) -> Plan:
    """Read and check an experiment file and build every run (nothing is run).

    Args:
        path: The experiment YAML file.
        days: ``--days``: horizon of every run, overriding the file.
        reps: ``--reps``: replications, overriding the file.

    Raises:
        ConfigError: For any problem in the experiment file, the base scenario or any design
            point's scenario, located in the file that holds the bad value.
    """
    path = Path(path)
    data, lines = read_yaml(path)
    if isinstance(data, dict) and "name" not in data:
        data = {"name": re.sub(r"[^A-Za-z0-9_.-]", "_", path.stem) or "experiment", **data}
    exp = validate_data(Experiment, data, str(path), lines)
    where = _Where(str(path), lines)
    _check_factors(exp, where)
    scn_path = (path.parent / exp.scenario) if not Path(exp.scenario).is_absolute() \
        else Path(exp.scenario)
    if not scn_path.is_file():
        what = "a directory" if scn_path.is_dir() else "no such file"
        raise ConfigError([where.at(("scenario",), "an existing scenario file (relative to the "
                                    "experiment file)", f"{exp.scenario!r} ({scn_path}: {what})")])
    scn_data, scn_lines = read_yaml(scn_path)
    base = validate_data(Scenario, scn_data, str(scn_path), scn_lines)
    schemes = _schemes(exp, base, where)
    seed = exp.seed if exp.seed is not None else base.sim.seed
    design = build_design(exp, seed)
    points = _Points(exp, scn_data, scn_lines, str(scn_path))
    point_days = points.validate(design, schemes, where)
    n_reps = reps if reps is not None else (exp.reps if exp.reps is not None else base.sim.reps)
    horizon = days if days is not None else exp.days
    runs = [Run(run_id(p, s, r), p, s, r, seed, horizon if horizon is not None else d)
            for p, d in enumerate(point_days) for s in schemes for r in range(n_reps)]
    plan = Plan(path, exp, scn_path, base, design, schemes, n_reps, seed, horizon, runs,
                _points=points)
    plan.hash_parts = _hash_parts(plan)
    plan.hash = _digest(plan.hash_parts)
    return plan


class _Where:
    """Locate problems in the experiment file."""

    def __init__(self, file: str, lines: dict[KeyPath, int]) -> None:
        self.file, self.lines = file, lines

    def at(self, path: KeyPath, expected: str, found: str) -> Problem:
        line = next((self.lines[path[:n]] for n in range(len(path), 0, -1)
                     if path[:n] in self.lines), None)
        return Problem(self.file, line, dotted(path), expected, found)


def _check_factors(exp: Experiment, where: _Where) -> None:
    """What spans several fields: key syntax and overlap, grid counts, sampled designs."""
    problems = []
    seen: dict[str, str] = {}
    for section, name, f in exp.factors():
        here = (section, name)
        if not _KEY.fullmatch(name):
            what = "a name of letters, digits, _ and ." if f.keys else \
                "a dotted scenario key like demand.daily_volume or teams.0.agents"
            problems.append(where.at(here, what, repr(name)))
            continue
        for i, key in enumerate(f.targets(name)):
            at = (*here, "keys", i) if f.keys else here
            if not _KEY.fullmatch(key):
                problems.append(where.at(at, "a dotted scenario key like teams.0.agents",
                                         repr(key)))
                continue
            if key in _RESERVED:
                problems.append(where.at(at, f"a scenario field (set the experiment's "
                                         f"{_RESERVED[key]!r} instead)", repr(key)))
            for other, owner in seen.items():
                if key == other or key.startswith(other + ".") or other.startswith(key + "."):
                    problems.append(where.at(at, "each key varied once (no key inside "
                                             "another)", f"{key!r} and {owner}"))
            seen[key] = f"{section}.{name}"
        listed = exp.design.name in LISTED
        if listed and f.values is None and f.num is None:
            problems.append(where.at(here, f"num (how many grid values) for a range or "
                                     f"distribution in a {exp.design.name} design", "no num"))
        if not listed and f.num is not None:
            problems.append(where.at((*here, "num"), "num only in a grid or oat design (sampled "
                                     "designs draw values)", f"num with a {exp.design.name} "
                                     "design"))
        if not listed and f.values is not None and None in f.values:
            problems.append(where.at((*here, "values"), "null (the scenario's value) only in a "
                                     "grid or oat design", f"null with a {exp.design.name} "
                                     "design"))
    if exp.design.name not in LISTED and not seen:
        problems.append(where.at(("design",), "levers or uncertainties to vary in a "
                                 f"{exp.design.name} design", "none"))
    if exp.design.name == "sobol" and len(seen) == 1 and exp.design.second_order:
        problems.append(where.at(("design", "second_order"), "two factors or more for "
                                 "second-order indices", "one factor"))
    if problems:
        raise ConfigError(problems)
    n, how = _count_points(exp)
    if n > MAX_POINTS:  # each point's scenario is validated before anything runs
        section, name, _ = exp.factors()[0]
        at = ("design",) if ("design",) in where.lines else (section, name)
        raise ConfigError([where.at(at, f"at most {MAX_POINTS:,} design points (split "
                                    "the study into several experiments)", f"{n:,} ({how})")])


def _count_points(exp: Experiment) -> tuple[int, str]:
    """How many design points an experiment has, and how that number comes about (before
    building any: a grid of six 100-value factors is 10^12 points)."""
    spec, factors = exp.design, [f for _, _, f in exp.factors()]
    d = len(factors)
    if spec.name in LISTED:
        sizes = [len(grid_values(f)) for f in factors]
        if spec.name == "oat":
            return 1 + sum(k - 1 for k in sizes), "one at a time: 1 + the sum of (values - 1)"
        return math.prod(sizes), "grid: " + " x ".join(f"{k:,}" for k in sizes) if sizes \
            else "grid without factors"
    if spec.name == "sobol":
        per = 2 * d + 2 if spec.second_order else d + 2
        return spec.samples * per, f"sobol: {spec.samples:,} samples x {per}"
    if spec.name == "morris":
        return spec.samples * (d + 1), f"morris: {spec.samples:,} trajectories x {d + 1}"
    return spec.samples, f"{spec.name}: {spec.samples:,} samples"


def _schemes(exp: Experiment, base: Scenario, where: _Where) -> list[str | None]:
    if exp.schemes is None:
        if base.scheme is not None:
            return [base.scheme]
        return list(base.schemes) or [None]
    problems = []
    for i, name in enumerate(exp.schemes):
        if name not in base.schemes:
            known = sorted(base.schemes) or "none defined"
            problems.append(where.at(("schemes", i), f"a scheme of the scenario ({known})",
                                     repr(name)))
        if name in exp.schemes[:i]:
            problems.append(where.at(("schemes", i), "each scheme once", f"{name!r} again"))
    if problems:
        raise ConfigError(problems)
    return list(exp.schemes)


class _Points:
    """Design points as scenarios: the base scenario's data with each point's values set."""

    def __init__(self, exp: Experiment, data: dict, lines: dict, source: str) -> None:
        self.data, self.lines, self.source = data, lines, source
        self.section = {name: sec for sec, name, _ in exp.factors()}
        self.targets = {name: f.targets(name) for _, name, f in exp.factors()}

    def scenario(self, design: Design, point: int) -> Scenario:
        """The validated scenario of one point (raises ConfigError like ``validate``)."""
        data, sources, problems = self._data(design, point, None)
        if problems:
            raise ConfigError(problems)
        return validate_data(Scenario, data, self.source, self.lines, sources)

    def _data(self, design: Design, point: int, where: _Where | None):
        data = copy.deepcopy(self.data)
        sources: dict[KeyPath, str] = {}
        problems = []
        for name, value in design.values(point).items():
            if value is None:  # null: the scenario's own value
                continue
            for key in self.targets[name]:
                try:
                    sources[_put(data, key, value)] = name
                except PathError as err:
                    sec = self.section[name]
                    at = where.at((sec, name), err.expected, err.found) if where else None
                    label = f" ({key})" if key != name else ""
                    problems.append(Problem(at.file if at else None, at.line if at else None,
                                            f"{sec}.{name}{label}", err.expected, err.found))
        return data, sources, problems

    def validate(self, design: Design, schemes: list[str | None], where: _Where) -> list[int]:
        """Validate every point's scenario; return each point's ``sim.days``.

        Raises:
            ConfigError: With each problem once, located in the experiment file when a
                factor's value caused it, saying at which point and at how many others.
        """
        found: dict[tuple, list] = {}
        days: list[int] = []
        for p in range(len(design)):
            data, sources, problems = self._data(design, p, where)
            if not problems:
                try:
                    scn = validate_data(Scenario, data, self.source, self.lines, sources)
                except ConfigError as err:
                    problems = [_relocate(pr, self.section, where) for pr in err.problems]
                else:
                    problems = [where.at(("schemes",), "schemes defined at every design point",
                                         f"no scheme {s!r}") for s in schemes
                                if s is not None and s not in scn.schemes]
                    days.append(scn.sim.days)
            for pr in problems:
                found.setdefault((pr.file, pr.line, pr.key, pr.expected), []).append((pr.found, p))
        if not found:
            return days
        out = []
        for (file, line, key, expected), hits in found.items():
            text, p = hits[0]
            text = f"{text} at design point {p} ({_show_point(design, p)})"
            if len(hits) > 1:
                text += f" and at {len(hits) - 1} other point{'s' if len(hits) > 2 else ''}"
            out.append(Problem(file, line, key, expected, text))
        if len(out) > _MAX_PROBLEMS:
            out = out[:_MAX_PROBLEMS] + [Problem(None, None, "", "", f"{len(out) - _MAX_PROBLEMS}"
                                                 " more problems not shown")]
        raise ConfigError(out)


def _show_point(design: Design, p: int) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in design.values(p).items()) or "no factors"


def _relocate(pr: Problem, section: dict[str, str], where: _Where) -> Problem:
    """A problem with a value a factor set is reported at the factor in the experiment."""
    if pr.override is None:
        return pr
    name = pr.override
    if pr.key == name or pr.key.startswith(name + "."):
        label = pr.key
    else:  # a factor with several keys: say which
        label = f"{name} ({pr.key})"
    located = where.at((section[name], name), pr.expected, pr.found)
    return Problem(located.file, located.line, f"{section[name]}.{label}", pr.expected,
                   pr.found)


def _put(data: dict, key: str, value: object) -> KeyPath:
    """Set ``key`` in ``data`` like ``--set key=value`` would (same path rules); return the
    path actually used."""
    parts = [int(p) if _INDEX.fullmatch(p) else p for p in key.split(".")]
    try:
        return set_path(data, parts, copy.deepcopy(value))
    except PathError as err:
        raise PathError(f"{err.expected} in the scenario", err.found) from None


# ------------------------------------------------------------------------------- hash
def _hash_parts(plan: Plan) -> dict[str, str]:
    pts = plan.design.points
    targets = {name: f.targets(name) for _, name, f in plan.experiment.factors()}
    design = {"spec": plan.design.spec.model_dump(mode="json"), "keys": plan.design.keys,
              "targets": targets,
              "points": [[python_value(v) for v in row] for row in pts.itertuples(index=False)]}
    return {
        "format": str(STORE_FORMAT),
        "scenario": _digest(plan.base.model_dump(mode="json")),
        "design": _digest(design),
        "schemes": _digest(plan.schemes),
        "seed": str(plan.seed),
        "days": str(plan.days),
    }


def _digest(obj: object) -> str:
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def scenario_hash(scn: Scenario) -> str:
    """A short digest of a scenario's resolved content."""
    return _digest(scn.model_dump(mode="json"))
