"""Committed notebooks: no outputs, a parameters cell matching the declared spec, a check."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from policysim.report.params import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[2] / "notebooks"
FILES = sorted(ROOT.glob("*.ipynb"))


def test_every_declared_notebook_exists_and_no_other():
    assert {p.stem for p in FILES} == set(NOTEBOOKS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_committed_notebook_carries_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; clear them before committing"
    assert "papermill" not in nb.metadata, f"{path.name} is an executed copy"
    assert nb.metadata["kernelspec"]["name"] == "policysim"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_parameters_cell_matches_spec_and_is_checked_first(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0], "one parameters cell, the first code cell"
    names, values = [], {}
    for node in ast.parse(tagged[0].source).body:
        if isinstance(node, ast.AnnAssign):
            names.append(node.target.id)
            values[node.target.id] = ast.literal_eval(node.value)
    spec = NOTEBOOKS[path.stem]
    assert names == [p.name for p in spec]
    assert values == {p.name: p.default for p in spec}
    assert {"scenario", "reps", "days", "seed", "out_dir"} <= set(names)
    assert f"_params.check({path.stem!r}, globals())" in code[1].source


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_papermill_itself_sees_every_parameter(path):
    """papermill reads the parameters cell line by line with a pattern; an annotation it
    cannot read (``int | str``) hides the name from ``papermill --help-notebook`` and makes
    every ``-p`` of it warn "Passed unknown parameter"."""
    from papermill.inspection import inspect_notebook

    assert list(inspect_notebook(str(path))) == [p.name for p in NOTEBOOKS[path.stem]]
