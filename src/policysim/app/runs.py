"""One what-if run in worker processes: start it, watch it, cancel it, collect it.

The page must stay responsive while replications run, and two browser tabs must be able to
run at once; so each run gets its own small pool of worker processes (started with
``spawn``: the page's server has threads, and forking a threaded process is unsafe). The
pool hands each finished replication back on a thread of its own; the page looks at
:meth:`Run.progress` a few times a second. Cancel terminates the pool's processes at once.

Nothing here knows the page: a :class:`Run` takes the validated scenario and the two
scheme names, and :meth:`Run.results` is the :class:`policysim.report.data.Results` that the
report notebooks use, built by the same functions, so the page and ``policysim report``
cannot disagree. Replication r of every scheme has the same streams whichever process runs
it (:mod:`policysim.experiment.runner`), so the numbers do not depend on the pool.
"""

from __future__ import annotations

import multiprocessing
import threading

from policysim.config.schema import Scenario
from policysim.experiment.compare import comparison, comparison_jobs
from policysim.experiment.runner import default_workers, run_job


class Run:
    """Replications of ``names`` on ``scenario``, running in a pool of processes.

    Args:
        scenario: The validated what-if scenario.
        names: Schemes to run, the baseline first.
        workers: Processes (default: all cores, at most one per replication).
    """

    def __init__(self, scenario: Scenario, names: list[str], workers: int | None = None):
        self.scenario, self.names = scenario, list(names)
        self.jobs = comparison_jobs(scenario, self.names)
        self._outcomes: list = [None] * len(self.jobs)
        self._lock = threading.Lock()
        self._done = 0
        self.error: str | None = None
        self.cancelled = False
        n = max(1, min(workers or default_workers(), len(self.jobs)))
        self._pool = multiprocessing.get_context("spawn").Pool(n)
        for i, job in enumerate(self.jobs):
            self._pool.apply_async(run_job, (job,), callback=self._finished(i),
                                   error_callback=self._failed)
        self._pool.close()

    def _finished(self, i: int):
        def store(outcome) -> None:
            with self._lock:
                self._outcomes[i] = outcome
                self._done += 1
        return store

    def _failed(self, err: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = f"{type(err).__name__}: {err}"

    @property
    def total(self) -> int:
        """Replications in all (schemes x replications)."""
        return len(self.jobs)

    @property
    def done(self) -> int:
        """Replications finished so far."""
        return self._done

    @property
    def finished(self) -> bool:
        """Every replication is in."""
        return self._done == self.total

    @property
    def over(self) -> bool:
        """Finished, failed or cancelled: nothing more will come."""
        return self.finished or self.error is not None or self.cancelled

    def progress(self) -> dict[str, tuple[int, int]]:
        """Scheme -> (replications done, replications in all)."""
        with self._lock:
            got = [o for o in self._outcomes if o is not None]
        reps = self.scenario.sim.reps
        return {n: (sum(o.job.scheme == n for o in got), reps) for n in self.names}

    def wait(self) -> None:
        """Block until every worker has finished (for scripts and tests; the page polls)."""
        self._pool.join()

    def cancel(self) -> None:
        """Stop every worker process now; what finished is dropped with the run."""
        self.cancelled = True
        self._pool.terminate()

    def close(self) -> None:
        """Release the worker processes (after the run is over)."""
        self._pool.terminate()
        self._pool.join()

    def results(self):
        """The comparison of the finished run, baseline first (the report notebooks' type)."""
        from policysim.report.data import results_of

        if not self.finished:
            raise RuntimeError("the run has not finished")
        cmp = comparison(self.scenario, self.names, self.names[0], list(self._outcomes))
        return results_of(cmp)
