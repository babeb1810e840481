"""One what-if run in worker processes: start it, watch it, cancel it, collect it.

The page must stay responsive while replications run, and two browser tabs must be able to
run at once; so each run gets its own small pool of worker processes (started with
``spawn``: the page's server has threads, and forking a threaded process is unsafe). The
pool hands each finished replication back on a thread of its own; the page looks at
:meth:`Run.progress` a few times a second. Cancel terminates the pool's processes at once.
A worker process that dies (killed, out of memory) fails the run with that reason: a
``ProcessPoolExecutor`` says so, where a ``multiprocessing.Pool`` lost the replication and
the run waited for it forever.

With ``auto`` the replications come in batches (:func:`policysim.experiment.auto.
replicate_until`, as ``--reps auto`` on the command line): a driver thread submits a batch,
waits for it, looks at the headline intervals and submits the next batch or stops; the
total grows as batches are added.

Nothing here knows the page: a :class:`Run` takes the validated scenario and the two
scheme names, and :meth:`Run.results` is the :class:`policysim.report.data.Results` that the
report notebooks use, built by the same functions, so the page and ``policysim report``
cannot disagree. Replication r of every scheme has the same streams whichever process runs
it (:mod:`policysim.experiment.runner`), so the numbers do not depend on the pool.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_all
from concurrent.futures.process import BrokenProcessPool

from policysim.config.schema import Scenario
from policysim.experiment.auto import AutoReps, AutoSpec, paired_widths, replicate_until
from policysim.experiment.compare import comparison, comparison_jobs, with_reps
from policysim.experiment.runner import default_workers, run_job


class _Stopped(Exception):
    """The run was cancelled or failed while a batch was out."""


class Run:
    """Replications of ``names`` on ``scenario``, running in a pool of processes.

    Args:
        scenario: The validated what-if scenario.
        names: Schemes to run, the baseline first.
        workers: Processes (default: all cores, at most one per replication).
        auto: Replicate in batches until the headline paired differences are precise
            enough (``--reps auto``); None runs ``scenario.sim.reps`` replications.
    """

    def __init__(self, scenario: Scenario, names: list[str], workers: int | None = None,
                 auto: AutoSpec | None = None):
        self.scenario, self.names, self.auto = scenario, list(names), auto
        self.jobs: list = []
        self._outcomes: list = []
        self._lock = threading.Lock()
        self._batch_done = threading.Condition(self._lock)
        self._done = 0
        self._futures: list[Future] = []
        self.error: str | None = None
        self.cancelled = False
        self.auto_result: AutoReps | None = None
        most = auto.cap if auto is not None else scenario.sim.reps
        n = max(1, min(workers or default_workers(), most * len(self.names)))
        self._pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"))
        if auto is None:
            self._submit(0, scenario.sim.reps)
        else:
            self._driver = threading.Thread(target=self._drive, daemon=True)
            self._driver.start()

    def _submit(self, first: int, stop: int) -> None:
        """Send replications first..stop-1 of every scheme to the pool."""
        jobs = comparison_jobs(self.scenario, self.names, first, stop)
        with self._lock:
            start = len(self.jobs)
            self.jobs.extend(jobs)
            self._outcomes.extend([None] * len(jobs))
        for i, job in enumerate(jobs, start):
            future = self._pool.submit(run_job, job)
            self._futures.append(future)
            future.add_done_callback(self._finished(i))

    def _drive(self) -> None:
        """Batches until precise enough (the ``--reps auto`` rule), in a thread of its own."""
        def run(first: int, stop: int) -> None:
            self._submit(first, stop)
            with self._batch_done:
                self._batch_done.wait_for(
                    lambda: self._done == len(self.jobs) or self.error or self.cancelled)
                if self.error or self.cancelled:
                    raise _Stopped()

        def widths():
            with self._lock:
                got = sorted((o for o in self._outcomes if o is not None),
                             key=lambda o: o.job.rep)
            by = {n: [o.summary for o in got if o.job.scheme == n] for n in self.names}
            return paired_widths(by, self.names[0], self.auto)

        try:
            self.auto_result = replicate_until(run, widths, self.auto.start, self.auto.step,
                                               self.auto.cap)
        except _Stopped:
            pass
        except Exception as err:  # noqa: BLE001 - reported on the page
            self._failed(err)

    def _finished(self, i: int):
        def store(future: Future) -> None:
            if future.cancelled():
                return
            if future.exception() is not None:
                self._failed(future.exception())
                return
            outcome = future.result()
            with self._lock:
                self._outcomes[i] = outcome
                self._done += 1
                self._batch_done.notify_all()
        return store

    def _failed(self, err: BaseException) -> None:
        text = f"{type(err).__name__}: {err}"
        if isinstance(err, BrokenProcessPool):
            text = ("a worker process stopped before its replication was done (killed, or out "
                    "of memory?); run again, with fewer days or replications if memory is short")
        with self._lock:
            if self.error is None:
                self.error = text
            self._batch_done.notify_all()

    @property
    def total(self) -> int:
        """Replications in all so far (schemes x replications; with ``auto`` it grows as
        batches are added)."""
        return len(self.jobs)

    @property
    def done(self) -> int:
        """Replications finished so far."""
        return self._done

    @property
    def finished(self) -> bool:
        """Every replication is in (with ``auto``: and no further batch will come)."""
        if self.auto is not None and self.auto_result is None:
            return False
        return self._done == self.total

    @property
    def over(self) -> bool:
        """Finished, failed or cancelled: nothing more will come."""
        return self.finished or self.error is not None or self.cancelled

    def progress(self) -> dict[str, tuple[int, int]]:
        """Scheme -> (replications done, replications in all)."""
        with self._lock:
            got = [o for o in self._outcomes if o is not None]
            reps = len(self.jobs) // len(self.names)
        return {n: (sum(o.job.scheme == n for o in got), reps) for n in self.names}

    @property
    def reps(self) -> int:
        """Replications per scheme run (or asked for, while running)."""
        return self.auto_result.reps if self.auto_result else len(self.jobs) // len(self.names)

    def wait(self) -> None:
        """Block until every worker has finished (for scripts and tests; the page polls)."""
        if self.auto is not None:
            self._driver.join()
        wait_all(list(self._futures))

    def cancel(self) -> None:
        """Stop every worker process now; what finished is dropped with the run."""
        with self._lock:
            self.cancelled = True
            self._batch_done.notify_all()
        self._terminate()

    def close(self) -> None:
        """Release the worker processes (after the run is over)."""
        self._terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _terminate(self) -> None:
        """Stop the worker processes now (the executor has no public way before 3.14)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in list((getattr(self._pool, "_processes", None) or {}).values()):
            process.terminate()

    def results(self):
        """The comparison of the finished run, baseline first (the report notebooks' type)."""
        from policysim.report.data import results_of

        if not self.finished:
            raise RuntimeError("the run has not finished")
        scn = with_reps(self.scenario, self.reps)
        cmp = comparison(scn, self.names, self.names[0], list(self._outcomes), self.auto_result)
        return results_of(cmp)
