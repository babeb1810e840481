"""Errors meant for the person running policysim, not for a developer.

A ``UserError`` is something the user can fix (a bad file, a bad option): the CLI prints
its message alone and exits with code 2, without a traceback. A ``ConfigError`` is a
``UserError`` made of located ``Problem`` items, one per line, each naming where the bad
value came from (file and line, or the ``--set`` option), the dotted key, what was
expected and what was found::

    scenarios/x.yaml:12: demand.daily_volume: expected a number greater than 0, found -5 (int)
    --set sim.days=abc: sim.days: expected an integer, found 'abc' (str)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class UserError(Exception):
    """An error the user can fix; the CLI prints ``message`` and exits with code 2.

    Attributes:
        message: The complete text shown to the user.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Problem:
    """One located mistake in a configuration.

    Attributes:
        file: File (or other named source) the value came from; None when it came from
            a ``--set`` option.
        line: 1-based line in ``file``, or None when unknown.
        key: Dotted key path, list indices as numbers (``teams.1.agents``); "" for the
            document as a whole.
        expected: What would have been accepted, as a phrase ("a number greater than 0").
        found: What was there instead ("-5 (int)").
        override: The ``--set`` text (``key=value``) the value came from, if any.
    """

    file: str | None
    line: int | None
    key: str
    expected: str
    found: str
    override: str | None = None

    def __str__(self) -> str:
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        elif self.override is not None:  # a line break in the option would split the message
            where = "--set " + self.override.replace("\r", "\\r").replace("\n", "\\n")
        else:
            where = ""
        parts = [p for p in (where, self.key) if p]
        return ": ".join([*parts, f"expected {self.expected}, found {self.found}"])


class ConfigError(UserError):
    """A configuration that cannot be used; lists every problem found, one per line.

    Attributes:
        problems: The problems, in the order they were found.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
