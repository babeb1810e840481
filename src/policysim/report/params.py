"""The parameters each report notebook accepts, and the check that refuses anything else.

A notebook's first cell (tagged ``parameters``) holds plain values; papermill injects the
caller's values in a cell after it. The cell after that calls :func:`check` with the
notebook's globals, so a misspelt name (``-p rep 3``) or a value of the wrong type
(``-p reps ten``) stops the notebook at once with one clear message instead of running an
hour on a default. ``policysim report`` runs the same check before it starts a kernel, so
on the command line the same mistakes end with exit code 2 and nothing executed.

Every notebook takes ``scenario`` (path of a scenario YAML), ``reps``, ``days``, ``seed``
and ``out_dir``; ``None`` for ``reps``/``days``/``seed`` means "as the scenario file says".
"""

from __future__ import annotations

import math
import dataclasses
from dataclasses import dataclass
from typing import Any

from policysim.errors import UserError

_KINDS = {"int": "a whole number", "float": "a number", "str": "a string", "bool": "true or false"}


@dataclass(frozen=True)
class Param:
    """One notebook parameter.

    Attributes:
        name: The variable name in the notebook.
        kind: "int", "float", "str" or "bool".
        default: The value in the notebook's parameters cell.
        help: One line for ``--help`` texts and the README.
        optional: ``None`` is accepted (meaning "from the scenario" or "none").
        minimum: Smallest accepted number, if any.
        choices: Accepted strings, if restricted.
        number_ok: A ``str`` that also takes a number (a one-item list such as
            ``-p loads 0.9``, which papermill passes as a float).
        words: Strings a number parameter also takes (``reps``: "auto").
    """

    name: str
    kind: str
    default: Any
    help: str
    optional: bool = False
    minimum: float | None = None
    choices: tuple[str, ...] | None = None
    number_ok: bool = False
    words: tuple[str, ...] = ()

    def expected(self) -> str:
        text = _KINDS[self.kind]
        if self.minimum is not None:
            text += f" of at least {self.minimum:g}"
        if self.choices:
            text = "one of " + ", ".join(self.choices)
        text += "".join(f", {w}" if self.optional else f" or {w}" for w in self.words)
        return text + (" or None" if self.optional else "")


def _common(scenario: str = "scenarios/baseline.yaml", auto: bool = True) -> list[Param]:
    reps = (Param("reps", "int", "auto", "replications: a number, auto (until every headline "
                  "95% interval is within its precision, at most 40; docs/howto.md) or None "
                  "(sim.reps of the scenario)", True, 1, words=("auto",)) if auto else
            Param("reps", "int", None, "replications (None: sim.reps of the scenario)", True, 1))
    return [
        Param("scenario", "str", scenario, "scenario YAML file"),
        reps,
        Param("days", "int", None, "days simulated (None: sim.days of the scenario)", True, 1),
        Param("seed", "int", None, "base random seed (None: sim.seed of the scenario)", True, 0),
        Param(
            "out_dir",
            "str",
            "",
            "directory for parquet results (empty: reports/<scenario name>/<notebook>)",
        ),
        Param(
            "overrides",
            "str",
            "",
            "extra scenario overrides, written as for --set "
            "(dotted key, equals sign, value) and separated by semicolons",
        ),
        Param("workers", "int", 0, "worker processes (0: all cores)", minimum=0),
    ]


_SCHEMES = [
    Param(
        "schemes",
        "str",
        "",
        "comma-separated schemes to compare (empty: all schemes of the scenario)",
    ),
    Param("baseline", "str", "", "scheme the others are compared with (empty: the first)"),
]

#: name -> parameters, in the order of the notebook's parameters cell.
NOTEBOOKS: dict[str, list[Param]] = {
    "scenario_report": [
        *_common(), *_SCHEMES,
        Param("equal_cost", "bool", False, "scale each scheme's variable pay so that it costs "
              "what the baseline does (compare --equal-cost; runs sim.reps or reps "
              "replications, not auto)"),
    ],
    "compare_schemes": [*_common(), *_SCHEMES],
    "policy_switch": [
        *_common("scenarios/policy_switch.yaml"),
        Param(
            "switch_scheme",
            "str",
            "switch",
            "scheduled scheme of the scenario to read the "
            "switch from (if it exists); the preview is written under this name",
        ),
        Param("current", "str", None, "scheme in force now (None: from switch_scheme)", True),
        Param("proposed", "str", None, "scheme after the switch (None: from switch_scheme)", True),
        Param(
            "switch_day",
            "int",
            None,
            "day the proposed scheme starts (None: from switch_scheme)",
            True,
            1,
        ),
    ],
    "sensitivity": [
        *_common(auto=False),
        Param(
            "sweep_dir",
            "str",
            "",
            "results store of a sweep (policysim sweep OUT); empty: run a small grid of "
            "factors here as a sweep",
        ),
        Param(
            "factors",
            "str",
            "behaviour.temperature: 60,120,240; attrition.b_wage: -0.6,-0.3,0",
            "factors of the built-in grid: dotted.key: v1,v2,... separated by semicolons",
        ),
        *_SCHEMES,
    ],
    "validation": [
        *_common(auto=False),
        Param("agents", "int", 10, "agents c of the M/M/c+M store", minimum=1),
        Param(
            "loads",
            "str",
            "0.5,0.7,0.85,0.95,1.05,1.2",
            "offered loads lambda/(c mu), comma-separated",
            number_ok=True,
        ),
        Param("service_rate", "float", 1.0, "services per minute per agent (mu)", minimum=1e-9),
        Param(
            "patience_rate",
            "float",
            0.5,
            "abandonments per minute of waiting (theta)",
            minimum=1e-9,
        ),
        Param("customers", "int", 40000, "customers per replication and load", minimum=100),
    ],
    "calibration": [
        *_common("scenarios/records_example/store.yaml", auto=False),
        Param("chats", "str", "scenarios/records_example/chats.csv",
              "the store's chats table (CSV or parquet)"),
        Param("roster", "str", "scenarios/records_example/roster.csv",
              "the store's roster table"),
        Param("payroll", "str", "", "the store's payroll table (empty: none)"),
    ],
    "field_evidence": [  # at least 2 replications, as `policysim validate field --reps`:
        # a study's effect needs a paired interval
        *[dataclasses.replace(p, minimum=2) if p.name == "reps" else p
          for p in _common("scenarios/field/lazear2000.yaml", auto=False)],
        Param("studies", "str", "", "comma-separated study ids of policysim.validation.field "
              "(empty: all)"),
    ],
    "field_claims": [
        *_common(),
        Param("commission_scheme", "str", "commission", "the scenario's sales-commission scheme"),
        Param("kpi_scheme", "str", "kpi", "the scenario's multi-dimensional KPI scheme"),
        Param("group_scheme", "str", "group_contest", "the scenario's group-contest scheme"),
    ],
}

#: Names set by ``policysim report`` itself, not by ``-p``.
SET_BY_COMMAND = {"scenario": "the SCENARIO argument", "out_dir": "--out"}

# Names IPython itself puts in a notebook's globals.
_IPYTHON = {"In", "Out", "get_ipython", "exit", "quit", "open", "P"}


def spec(notebook: str) -> dict[str, Param]:
    """The parameters of ``notebook`` by name; a clear error for an unknown notebook."""
    if notebook not in NOTEBOOKS:
        raise UserError(f"--notebook: one of {', '.join(NOTEBOOKS)}, found {notebook!r}")
    return {p.name: p for p in NOTEBOOKS[notebook]}


def defaults(notebook: str) -> dict[str, Any]:
    """The parameters cell of ``notebook`` as a dict."""
    return {name: p.default for name, p in spec(notebook).items()}


def _show(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def coerce(param: Param, value: Any, where: str = "") -> Any:
    """Check one value against its parameter and return it in its proper type.

    Whole floats are accepted for ``int`` (papermill may pass ``10.0``), ints for
    ``float``; strings are never turned into numbers here (see :func:`parse_text`).
    """
    where = where or param.name

    def bad() -> UserError:
        return UserError(f"{where}: expected {param.expected()}, found {_show(value)}")

    if value is None:
        if param.optional:
            return None
        raise bad()
    if isinstance(value, str) and value in param.words:
        return value
    if param.kind == "bool":
        if not isinstance(value, bool):
            raise bad()
        return value
    if param.kind == "str":
        if param.number_ok and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = f"{value:g}"
        if not isinstance(value, str):
            raise bad()
        if param.choices and value not in param.choices:
            raise bad()
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad()
    if param.kind == "int":
        if isinstance(value, float):
            if not (math.isfinite(value) and value.is_integer()):
                raise bad()
            value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise bad()
    if param.minimum is not None and value < param.minimum:
        raise bad()
    return value


def parse_text(param: Param, text: str) -> Any:
    """Read a ``-p NAME VALUE`` text as the parameter's type ("None" for optional ones)."""
    where = f"-p {param.name}"
    if param.optional and text.strip() in ("None", "none", "null", ""):
        return None
    if text.strip() in param.words:
        return text.strip()
    if param.kind == "str":
        return coerce(param, text, where)
    if param.kind == "bool":
        low = text.strip().lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        raise UserError(f"{where}: expected {param.expected()}, found {text!r}")
    try:
        number: Any = int(text) if param.kind == "int" else float(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            raise UserError(f"{where}: expected {param.expected()}, found {text!r}") from None
    return coerce(param, number, where)


def from_cli(notebook: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Typed parameters from ``-p NAME VALUE`` pairs; unknown names and bad values refused."""
    known = spec(notebook)
    out: dict[str, Any] = {}
    given: dict[str, str] = {}
    for name, text in pairs:
        if name in SET_BY_COMMAND:
            raise UserError(f"-p {name}: set by {SET_BY_COMMAND[name]}, not by -p")
        if name not in known:
            raise UserError(
                f"-p {name}: unknown parameter of notebook {notebook}; "
                f"known: {', '.join(n for n in known if n not in SET_BY_COMMAND)}"
            )
        if name in out:  # the last would win silently: say which one is meant
            raise UserError(f"-p {name}: given twice ({given[name]!r} and {text!r}); give it once")
        out[name] = parse_text(known[name], text)
        given[name] = text
    return out


def check(notebook: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Check a notebook's parameters as they stand in its globals after papermill's injection.

    Every plain value (number, string, bool, None, list, dict) in ``namespace`` whose name
    does not start with ``_`` must be a declared parameter, with a value of its type.

    Args:
        notebook: The notebook's name (``scenario_report``, ...).
        namespace: ``globals()`` of the notebook.

    Returns:
        The parameters by name, typed.

    Raises:
        UserError: For an unknown name (listing the known ones) or an ill-typed value.
    """
    known = spec(notebook)
    plain = (bool, int, float, str, type(None), list, tuple, dict)
    unknown = sorted(
        k
        for k, v in namespace.items()
        if not k.startswith("_") and k not in _IPYTHON and k not in known and isinstance(v, plain)
    )
    if unknown:
        raise UserError(
            f"unknown parameter(s) {', '.join(unknown)} for notebook {notebook}; "
            f"known: {', '.join(known)}"
        )
    missing = [k for k in known if k not in namespace]
    if missing:
        raise UserError(f"notebook {notebook}: parameters cell lacks {', '.join(missing)}")
    return {k: coerce(p, namespace[k]) for k, p in known.items()}


def split_list(text: str, sep: str = ",") -> list[str]:
    """Non-empty stripped items of a separated list."""
    return [t.strip() for t in text.split(sep) if t.strip()]
