"""Imports only point down the layers, and no module imports another's private names.

policysim is built in layers, each using only those below it (docs/model.md, code map):

    errors, policysim/__init__  <  config  <  model  <  results
        <  experiment (with validation, calibration)  <  report  <  cli*.py, app

Every module under src/policysim is parsed with ``ast``; every import at any depth (module
top, inside functions, ``importlib.import_module("...")`` with a literal name) is checked,
relative imports resolved. A module may import its own layer and any layer below. A package
that is not in :data:`LAYERS` fails the test, so a new package must be placed first.

A private name may also be reached without importing it, as an attribute of a module or of
another object (``engine.demand._calendar``): so an attribute ``_name`` may be read only
through ``self`` or ``cls`` (a class's own state). The static check cannot tell whose object
``other._x`` is, so it refuses all of them; the namedtuple API (``_replace`` ...) is public.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "policysim"

#: Top-level part of a module name (after ``policysim.``) -> its layer (higher = later).
LAYERS = {
    "": 0,  # policysim/__init__.py
    "errors": 0,
    "config": 1,
    "model": 2,
    "results": 3,
    "experiment": 4,
    "validation": 4,
    "calibration": 4,
    "report": 5,
    "cli": 6,  # cli.py and every cli_*.py
    "app": 6,
}
NAMES = {0: "errors", 1: "config", 2: "model", 3: "results", 4: "experiment", 5: "report",
         6: "cli"}

#: Underscore names that are public API (namedtuple methods).
PUBLIC_UNDERSCORE = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}


def private(name: str) -> bool:
    """A ``_name`` that is not a dunder and not public API."""
    return name.startswith("_") and not name.startswith("__") and name not in PUBLIC_UNDERSCORE


def part(module: str) -> str:
    """The top-level part of a policysim module name ("" for the package itself)."""
    rest = module.split(".")[1:]
    if not rest:
        return ""
    return "cli" if rest[0] == "cli" or rest[0].startswith("cli_") else rest[0]


def layer(module: str) -> int:
    """The layer of a policysim module; KeyError if its package has no layer yet."""
    return LAYERS[part(module)]


def module_name(path: Path) -> tuple[str, bool]:
    """(dotted module name, is a package ``__init__``) of a file under src/policysim."""
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def imports(source: str, module: str, is_package: bool = False) -> list[tuple[int, str, str]]:
    """Every policysim import in ``source``: (line, imported module, imported name or "")."""
    package = module if is_package else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, "") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                if target == "policysim":  # from policysim import config: a module
                    out.append((node.lineno, f"policysim.{a.name}", ""))
                else:
                    out.append((node.lineno, target, a.name))
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name == "import_module" and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                out.append((node.lineno, node.args[0].value, ""))
    return [i for i in out if i[1] == "policysim" or i[1].startswith("policysim.")]


def private_attributes(source: str) -> list[tuple[int, str]]:
    """(line, ``x._name``) of every private attribute read through anything but self/cls."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                out.append((node.lineno, ast.unparse(node)))
    return out


def problems(source: str, module: str, is_package: bool = False) -> list[str]:
    """Upward imports and private-name imports of one module."""
    found = []
    own = layer(module)
    for line, target, name in imports(source, module, is_package):
        where = f"{module}:{line}"
        if layer(target) > own:
            found.append(f"{where} ({NAMES[own]}) imports {target} ({NAMES[layer(target)]}), "
                         "a higher layer")
        if private(name) and target != module:
            found.append(f"{where} imports the private name {name} of {target}")
    for line, attribute in private_attributes(source):
        found.append(f"{module}:{line} reads the private attribute {attribute} of another "
                     "object")
    return found


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_every_module_has_a_layer():
    unknown = sorted({part(module_name(p)[0]) for p in modules()} - set(LAYERS))
    assert not unknown, f"packages without a layer (add them to LAYERS): {unknown}"
    assert len(modules()) > 40  # the walk found the source tree


def test_imports_point_down_and_no_private_names_cross_modules():
    found = []
    for path in modules():
        name, is_package = module_name(path)
        found += problems(path.read_text(), name, is_package)
    assert not found, "\n".join(found)


BAD = [
    # (module, source, what the message must say)
    ("policysim.results.store", "def f():\n    from policysim.experiment.runner import tables\n",
     "imports policysim.experiment.runner (experiment), a higher layer"),
    ("policysim.model.engine", "from ..report import plots\n",
     "imports policysim.report (report), a higher layer"),
    ("policysim.experiment.sweep", "import policysim.report.plots.sensitivity as p\n",
     "a higher layer"),
    ("policysim.validation.check", "from policysim.report.validation import x\n",
     "a higher layer"),
    ("policysim.calibration.fit", "from policysim.cli import main\n", "a higher layer"),
    ("policysim.errors", "from policysim import config\n", "imports policysim.config (config)"),
    ("policysim.report.data", "import importlib\nm = importlib.import_module('policysim.cli')\n",
     "imports policysim.cli (cli)"),
    ("policysim.results.metrics", "from policysim.model.engine import RunResult, _clock\n",
     "imports the private name _clock of policysim.model.engine"),
    ("policysim.report.plots.compare", "from .common import _band\n",
     "imports the private name _band of policysim.report.plots.common"),
    ("policysim.model.engine", "def f(self):\n    return self.demand._calendar.day(0)\n",
     "reads the private attribute self.demand._calendar of another object"),
    ("policysim.results.metrics", "from policysim.model import engine\nx = engine._clock\n",
     "reads the private attribute engine._clock"),
]


@pytest.mark.parametrize("module,source,says", BAD, ids=[b[0] for b in BAD])
def test_the_check_catches_a_bad_import(module, source, says):
    found = problems(source, module)
    assert len(found) == 1 and says in found[0], found


GOOD = [
    ("policysim.results.store", "from policysim.results.tables import tidy_tables\n"
     "from policysim.config.schema import Scenario\nfrom policysim.errors import UserError\n"),
    ("policysim.validation.check", "from policysim.experiment.runner import Job\n"),
    ("policysim.calibration.fit", "from policysim.validation.erlang import erlang_a\n"),
    ("policysim.app.main", "from policysim.cli import main\nfrom policysim.report import data\n"),
    ("policysim.cli_report", "from policysim.report.render import render\n"),
    ("policysim.report.plots.compare", "from .common import band\nfrom . import common\n"),
    ("policysim.model.engine", "import numpy as np\nfrom policysim.model.engine import __doc__\n"),
    ("policysim.model.demand", "class D:\n    def f(self):\n        return self._calendar\n"
     "    @classmethod\n    def g(cls):\n        return cls._cache, p._replace(a=1), x.__dict__\n"),
]


@pytest.mark.parametrize("module,source", GOOD, ids=[g[0] for g in GOOD])
def test_the_check_passes_imports_that_point_down(module, source):
    assert problems(source, module) == []


def test_relative_imports_resolve_from_a_package_init():
    got = imports("from .plots import common\nfrom .. import errors\n", "policysim.report",
                  is_package=True)
    assert [(t, n) for _, t, n in got] == [("policysim.report.plots", "common"),
                                          ("policysim.errors", "")]
