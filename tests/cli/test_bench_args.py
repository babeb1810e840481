"""``benchmarks/run.py`` refuses bad flags up front (exit 2) instead of starting the
ten-minute suite or failing at its end (the suite itself is never run by pytest)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


@pytest.fixture
def bench(monkeypatch):
    spec = importlib.util.spec_from_file_location("policysim_bench_run", RUN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def started():
        raise AssertionError("the suite started despite a bad flag")

    monkeypatch.setattr(module, "machine", started)
    return module


@pytest.mark.parametrize("argv, message", [
    (["--rounds", "0"], "--rounds: expected a whole number of at least 1, found 0"),
    (["--rounds", "-1"], "--rounds: expected a whole number of at least 1, found -1"),
    (["--quiet-wait", "-5"], "--quiet-wait: expected seconds, 0 or more, found -5"),
    (["--quiet-wait", "nan"], "--quiet-wait: expected seconds, 0 or more, found nan"),
    (["--only", ""], "--only: expected one or more of"),
    (["--only", ","], "--only: expected one or more of"),
    (["--only", "nosuch"], "--only: unknown ['nosuch']"),
])
def test_bad_flags_exit_2_before_anything_runs(bench, capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        bench.main([*argv, "--out", "/dev/null"])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
