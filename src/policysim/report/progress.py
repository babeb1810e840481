"""Progress of a report's replications, told to the person who asked for the report.

A report notebook runs in a Jupyter kernel: what it prints goes into the notebook, not to
the terminal of ``policysim report``, which would otherwise sit silent for minutes. So the
two talk through a small file, like a courier's tracking page: :func:`render` names the file
in the environment variable :data:`ENV` (the kernel inherits it), every finished replication
appends one line ("replications done: commission 3/6, kpi 2/6") and a :class:`Follower` in
``policysim report`` prints each new line as it appears. A notebook opened in JupyterLab has
no such variable and reports nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

#: Environment variable naming the progress file of a report run.
ENV = "POLICYSIM_PROGRESS"


def line(done: dict[str, int], reps: int) -> str:
    """One progress line: replications finished per scheme."""
    return "replications done: " + ", ".join(f"{n} {k}/{reps}" for n, k in done.items())


def reporter(names: list[str], reps: int, path: str | Path | None = None):
    """An ``on_done`` callback that appends a progress line per finished replication.

    Args:
        names: The schemes run (a replication without a scheme counts for the first).
        reps: Replications per scheme.
        path: The progress file (default: the one named by :data:`ENV`).

    Returns:
        The callback, or None when there is nowhere to report to.
    """
    path = path or os.environ.get(ENV)
    if not path:
        return None
    done = dict.fromkeys(names, 0)

    def on_done(outcome) -> None:
        key = outcome.job.scheme if outcome.job.scheme in done else names[0]
        done[key] += 1
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line(done, reps) + "\n")

    return on_done


class Follower:
    """Print the lines another process appends to a file, while it runs.

    ``with Follower(path, log): ...`` polls the file twice a second in a thread and hands
    every complete new line to ``log``; leaving the block hands over what is left.

    Args:
        path: The file to follow (it need not exist yet).
        log: Called with each line (without its newline).
        every_s: Seconds between looks at the file.
    """

    def __init__(self, path: str | Path, log: Callable[[str], None], every_s: float = 0.5):
        self.path, self.log, self.every_s = Path(path), log, every_s
        self._pos = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="report-progress", daemon=True)

    def __enter__(self) -> Follower:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            self._read()

    def _read(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self._pos)
                raw = fh.read()
        except FileNotFoundError:
            return
        complete = raw[: raw.rfind(b"\n") + 1]
        self._pos += len(complete)
        for row in complete.decode("utf-8", "replace").splitlines():
            self.log(row)
