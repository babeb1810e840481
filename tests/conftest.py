"""Fixtures shared by every test directory."""

from __future__ import annotations

import pytest

from policysim.cli import main


@pytest.fixture
def cli(capsys):
    """``cli([...]) -> (exit code, stdout, stderr)`` of ``policysim.cli.main``, in-process."""

    def run(argv: list) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exc:
            main([str(a) for a in argv])
        out = capsys.readouterr()
        code = exc.value.code
        return (0 if code is None else code), out.out, out.err

    return run
