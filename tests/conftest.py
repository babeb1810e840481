"""Fixtures shared by every test directory."""

from __future__ import annotations

import time

import pytest

from policysim.cli import main


#: Test files whose slow tests are the longest of all (a 365-day, 10-replication run; the
#: field studies' module fixtures): they start first.
LONGEST = ("tests/fingerprint/", "tests/validation/test_field.py")


def pytest_collection_modifyitems(config, items):
    """Slow tests first, the longest of them before the rest (order otherwise unchanged).

    ``make test`` runs on two workers (pytest-xdist), which take tests in collection order;
    a long test started last would leave one worker idle for minutes at the end. The order
    is the same in every worker, as xdist requires.
    """
    def rank(item) -> int:
        if item.get_closest_marker("slow") is None:
            return 2
        return 0 if item.nodeid.startswith(LONGEST) else 1

    items[:] = sorted(items, key=rank)  # stable: collection order within each rank


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


#: How long a test waits for an event from another process (a file appears, a line is
#: printed): generous, so that a loaded 2-core machine slows a test down but does not fail it.
WAIT_S = 120.0


@pytest.fixture
def wait_until():
    """``wait_until(condition, what, proc=None)``: poll ``condition()`` until it is true.

    Fails with ``what`` if ``proc`` (a ``subprocess.Popen``) exits first, or after
    ``WAIT_S`` seconds. The short pause between polls only spaces the checks out; the test
    goes on as soon as the event has happened, never after a fixed sleep.
    """

    def wait(condition, what: str, proc=None, poll_s: float = 0.02) -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition():
            if proc is not None and proc.poll() is not None:
                pytest.fail(f"the process exited ({proc.returncode}) before {what}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} after {WAIT_S:.0f} s")
            time.sleep(poll_s)

    return wait
