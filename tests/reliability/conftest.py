"""Shared fixtures of the reliability tests (issue 7): the CLI run in-process, and the checks
of what a user sees when something is wrong.

``policysim.cli.main`` always ends with ``SystemExit``; the ``cli`` fixture returns its code
with stdout and stderr. ``check_user_error`` is the contract of issue 7: exit code 2, nothing
on stdout, no traceback, and stderr is either one ``error:`` message (a located problem) or
click's usage error (``Usage: ...`` then one ``Error: ...`` line; click leaves out the
usage when an option lacks its argument).
"""

from __future__ import annotations

from pathlib import Path

import pytest


from store_fixtures import OK  # a valid tiny scenario


@pytest.fixture
def ok_file(tmp_path: Path) -> Path:
    path = tmp_path / "ok.yaml"
    path.write_text(OK)
    return path


def check_user_error(code: int, out: str, err: str, expected: list[str], where: str) -> str:
    """Assert the issue-7 contract and return the message (without the 'error: ' prefix).

    Args:
        expected: Fragments the message must contain.
        where: What a located ``error:`` message must start with (the file name, or
            ``--set``); click usage errors are not located by file.
    """
    assert code == 2, (code, err)
    assert out == "", out
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "nothing on stderr"
    if lines[0].startswith(("Usage: ", "Error: ")):  # click's usage error: one 'Error:' line
        errors = [line for line in lines if line.lower().startswith("error")]
        assert len(errors) == 1 and errors[0].startswith("Error: "), err
        message = errors[0].removeprefix("Error: ")
    else:
        assert len(lines) == 1, f"expected one message line, found {len(lines)}:\n{err}"
        assert lines[0].startswith("error: "), err
        message = lines[0].removeprefix("error: ")
        assert message.startswith(where), (where, message)
    for fragment in expected:
        assert fragment in message, (fragment, message)
    return message


@pytest.fixture
def user_error():
    return check_user_error
