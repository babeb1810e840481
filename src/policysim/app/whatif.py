"""The question a manager asks on the page, written as an ordinary scenario file.

"What if we pay *proposed* instead of *current* from day D?" is the store's scenario with
three schemes: the current one, the proposed one, and a path that pays current until day D
and proposed after (a ``schedule``). Running the path against staying on current, on common
random numbers, is exactly what ``policysim report --notebook policy_switch`` does; the page
does it with the same functions.

The question is written to a YAML file first and read back with
:func:`policysim.config.validate.load_model`, like any file given to the command line. So a
bad value on the page gets the very message the command line would give for that file
(``run.yaml:41: schemes.kpi.commission.rate: expected a number of at most 1, found 1.5
(float)``), the file offered for download is the one that ran, and ``policysim run`` or
``policysim report`` on it gives the same numbers.
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from pathlib import Path

from policysim.config.schema import Scenario
from policysim.errors import UserError

#: Where the page keeps what it ran (relative to the folder ``policysim app`` started in).
RUNS_DIR = Path("reports") / "app"


@dataclass(frozen=True)
class Store:
    """A store to ask about: its scenario file, plain data and validated scenario."""

    path: Path
    data: dict
    scenario: Scenario

    @property
    def schemes(self) -> list[str]:
        """Schemes with components (a schedule cannot be edited as a scheme)."""
        return [n for n, s in self.scenario.schemes.items() if s.schedule is None]


@dataclass(frozen=True)
class Question:
    """What the page asks: a current and a proposed scheme, a switch day, a horizon.

    Attributes:
        current: Name of the scheme paid today.
        current_spec: Its components as plain data (scenario-file keys).
        proposed: Name of the scheme proposed (``<current>_proposed`` when the page starts
            both from the same scheme).
        proposed_spec: Its components.
        switch_day: Day of the simulation on which the proposed scheme starts.
        days: Days simulated.
        reps: Replications, or "auto" (until the headline intervals are precise enough).
    """

    current: str
    current_spec: dict
    proposed: str
    proposed_spec: dict
    switch_day: int
    days: int
    reps: int | str

    @property
    def path_name(self) -> str:
        """Name of the scheduled scheme: ``<proposed>_from_day_<D>``."""
        return f"{self.proposed}_from_day_{self.switch_day}"


def open_store(path: str | Path) -> Store:
    """Read and validate a scenario file (the same messages as the command line)."""
    from policysim.config.validate import validate_data
    from policysim.config.yamlio import read_yaml

    data, lines = read_yaml(path)
    scn = validate_data(Scenario, data, str(path), lines)
    return Store(Path(path), data, scn)


def builtin_stores(directory: Path) -> dict[str, Path]:
    """The scenario files shipped in ``scenarios/``, by file stem."""
    return {p.stem: p for p in sorted(Path(directory).glob("*.yaml"))}


def scheme_data(store: Store, name: str) -> dict:
    """A scheme of the store as plain data with every default filled in."""
    return store.scenario.schemes[name].model_dump(mode="json", exclude_none=True,
                                                  exclude={"schedule"})


def first_question(store: Store) -> Question:
    """The question the page opens with: the scheme in force, the next one proposed from
    the middle of the horizon (or the store's own switch, if it has one)."""
    from policysim.experiment.runner import scheme_in_force

    plain = store.schemes
    if not plain:
        raise UserError(f"{store.path}: schemes: at least one scheme with components, found none")
    scn = store.scenario
    current = scheme_in_force(scn, None)
    day = max(1, scn.sim.days // 2)
    proposed = None
    for spec in scn.schemes.values():
        if spec.schedule and len(spec.schedule) > 1:
            first, last = spec.schedule[0], spec.schedule[-1]
            current, proposed, day = first.scheme, last.scheme, last.day
            break
    if current not in plain:
        current = plain[0]
    if proposed is None:
        proposed = next((n for n in plain if n != current), current)
    return Question(current, scheme_data(store, current), proposed_name(current, proposed),
                    scheme_data(store, proposed), day, scn.sim.days, scn.sim.reps)


def proposed_name(current: str, proposed: str) -> str:
    """The proposed scheme's name in the question (distinct from the current one)."""
    return proposed if proposed != current else f"{current}_proposed"


def scenario_data(store: Store, q: Question) -> dict:
    """The store's data with the question's three schemes, horizon and replications."""
    data = copy.deepcopy(store.data)
    sim = {**(data.get("sim") or {}), "days": q.days}
    if q.reps != "auto":
        sim["reps"] = q.reps
    data["sim"] = sim
    data["schemes"] = {
        q.current: q.current_spec,
        q.proposed: q.proposed_spec,
        q.path_name: {"schedule": [{"day": 0, "scheme": q.current},
                                   {"day": q.switch_day, "scheme": q.proposed}]},
    }
    data["scheme"] = q.current
    return data


def to_yaml(data: dict, header: str = "") -> str:
    """Plain data as block-style YAML text (dates as YYYY-MM-DD)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 100
    buf = io.StringIO()
    if header:
        buf.write("".join(f"# {line}\n" for line in header.splitlines()))
    yaml.dump(data, buf)
    return buf.getvalue()


def write(store: Store, q: Question, directory: Path, auto: str | None = None) -> Path:
    """Write the question as ``<directory>/<store name>_whatif.yaml``; return the path.

    With ``reps: "auto"`` the file keeps the store's ``sim.reps`` until the run has decided;
    the page then writes it again with the replications run and ``auto``, the line saying how
    ``--reps auto`` ended (replication r has the same streams in any batch, so the file gives
    the same numbers).
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{store.scenario.name}_whatif.yaml"
    header = (
        f"What-if written by `policysim app` from {store.path.name}: pay {q.current} until day "
        f"{q.switch_day - 1}, then {q.proposed}\n(scheme {q.path_name}), against staying on "
        f"{q.current}. Run it again with:\n"
        f"  policysim report {path.name} --notebook policy_switch -p switch_scheme {q.path_name}"
        f" -p reps {q.reps}"
    )
    if auto:
        header += f"\nThe page ran {auto}."
    path.write_text(to_yaml(scenario_data(store, q), header), encoding="utf-8")
    return path


def check(path: Path) -> Scenario:
    """Read the written question back as the command line would.

    Raises:
        ConfigError: Each bad value located in the file.
    """
    from policysim.config.validate import load_model

    return load_model(Scenario, path)

