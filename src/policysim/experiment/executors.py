"""Where runs execute: in this process, in a pool of local processes, or on a Dask cluster.

All three have one job: take a function and a list of items, run the function on each item
somewhere, and hand back ``(index, result)`` pairs as they finish, in whatever order they
finish. They are context managers (``with LocalPool(4) as ex: ...``) that release their
workers on exit. An item whose execution broke down outside the function (a worker process
killed, a lost Dask worker) comes back with the exception as its result, so the caller can
record it and go on; errors inside the function are the function's business (a sweep's
``execute`` catches everything and returns a failure record).

Because a run's random streams derive from (seed, design point, replication) alone, which
executor runs it, on how many workers and in what order, cannot change its result.

At most a window of items is in flight at once (a few per worker), so a 10,000-run sweep
does not pickle 10,000 scenarios up front, and killing the driver loses at most the window.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from policysim.errors import UserError


class Executor(ABC):
    """Run ``fn`` over items; yield ``(index, result or exception)`` as each finishes."""

    #: Shown in progress messages and recorded in run manifests.
    name = "executor"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release workers (idempotent)."""

    @abstractmethod
    def imap_unordered(self, fn: Callable[[Any], Any], items: Sequence[Any]
                       ) -> Iterator[tuple[int, Any]]:
        """Yield ``(i, fn(items[i]))`` for every item, in order of completion."""


class InProcess(Executor):
    """Run items one after another in this process (``--workers 1``)."""

    name = "in-process"

    def imap_unordered(self, fn, items):
        for i, item in enumerate(items):
            try:
                result = fn(item)
            except Exception as err:  # noqa: BLE001 - handed to the caller as the result
                result = err
            yield i, result


class LocalPool(Executor):
    """A pool of worker processes on this machine (the default: one per core).

    Args:
        workers: Number of processes.
        window: Items in flight per worker.
    """

    name = "local-pool"

    def __init__(self, workers: int | None = None, window: int = 2) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.window = max(1, window) * self.workers
        self._pool: ProcessPoolExecutor | None = None

    def _fresh(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_exit_with_parent,
                                         initargs=(os.getpid(),))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def imap_unordered(self, fn, items):
        pool = self._pool or self._fresh()
        todo = iter(range(len(items)))
        running: dict[Future, int] = {}

        def fill() -> None:
            while len(running) < self.window:
                i = next(todo, None)
                if i is None:
                    return
                running[pool.submit(fn, items[i])] = i

        fill()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                i = running.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool as err:
                    broken, result = True, err
                except Exception as err:  # noqa: BLE001 - e.g. an unpicklable result
                    result = err
                yield i, result
            if broken:  # a worker died: every item in flight is lost; start a new pool
                for fut, i in list(running.items()):
                    running.pop(fut)
                    yield i, BrokenProcessPool("a worker process died while this run was "
                                               "in flight")
                pool = self._fresh()
            fill()


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    """In a pool worker: exit once the process that started the pool is gone.

    A driver killed with ``kill -9 PID`` cannot shut its pool down, and its idle workers would
    otherwise wait for work forever.
    """
    import signal
    import threading
    import time

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the driver's handler (forked)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGKILL)  # nothing of this worker's is left to save

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster (``--scheduler tcp://host:port``).

    Workers must have policysim installed (same version); results come back to this process,
    which alone writes the results store, so workers need no shared file system.

    Args:
        address: The scheduler's address (``tcp://host:8786``), or a ``LocalCluster``.
        client: An existing ``distributed.Client`` to use instead (not closed on exit).
        timeout: Seconds to wait for the scheduler.
        window: Tasks in flight per worker thread (at least 64 in all).
    """

    name = "dask"

    def __init__(self, address: object = None, client: Any = None, timeout: float = 20.0,
                 window: int = 4) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise UserError("--scheduler: Dask is not installed; install the dask extra "
                            "(pip install 'policysim[dask]')") from None
        self._own = client is None
        if client is None:
            try:
                client = Client(address, timeout=f"{timeout}s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as err:
                raise UserError(f"--scheduler {address}: cannot connect to a Dask scheduler "
                                f"there ({type(err).__name__}: {err})") from None
        self.client = client
        self.window_per_thread = max(1, window)

    def close(self) -> None:
        if self._own and self.client is not None:
            self.client.close()
            self.client = None

    def _window(self) -> int:
        threads = sum(self.client.nthreads().values()) if self.client is not None else 1
        return max(64, self.window_per_thread * threads)

    def imap_unordered(self, fn, items):
        from distributed import as_completed

        todo = iter(range(len(items)))
        index: dict[str, int] = {}
        window = self._window()

        def submit(i: int):
            fut = self.client.submit(fn, items[i], pure=False)
            index[fut.key] = i
            return fut

        first = [submit(i) for i in (next(todo, None) for _ in range(window)) if i is not None]
        queue = as_completed(first, loop=self.client.loop)
        seen = 0
        for fut in queue:
            i = index.pop(fut.key)
            try:
                result = fut.result()
            except Exception as err:  # noqa: BLE001 - a lost worker, a failed transfer
                result = err
            fut.release()
            yield i, result
            seen += 1
            if seen % 64 == 0:
                window = self._window()
            while len(index) < window:
                nxt = next(todo, None)
                if nxt is None:
                    break
                queue.add(submit(nxt))


#: Address schemes of Dask's communication layer.
_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def check_flags(workers: int | None = None, scheduler: str | None = None) -> None:
    """Refuse ``--workers`` with ``--scheduler`` and a scheduler that is not an address.

    Raises:
        UserError: Naming the option.
    """
    if scheduler is not None:
        if workers is not None:
            raise UserError("--workers and --scheduler: give one (with --scheduler the "
                            "cluster's workers run the sweep)")
        if "://" not in scheduler or scheduler.split("://", 1)[1] in ("", ":"):
            raise UserError(f"--scheduler: expected an address like tcp://host:8786, found "
                            f"{scheduler!r}")
        scheme, rest = scheduler.split("://", 1)
        if scheme not in _SCHEMES:
            raise UserError(f"--scheduler: expected an address like tcp://host:8786 (schemes "
                            f"{', '.join(_SCHEMES)}), found {scheduler!r}")
        port = rest.rsplit(":", 1)[1] if ":" in rest.rsplit("]", 1)[-1] else None
        if scheme != "inproc" and port is not None and not (
                port.isdigit() and 1 <= int(port) <= 65535):
            raise UserError(f"--scheduler: expected a port from 1 to 65535 after the host, "
                            f"found {port!r} in {scheduler!r}")


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor the command line asks for: Dask if ``scheduler``, else in-process for one
    worker, else a local pool (default: all cores)."""
    check_flags(workers, scheduler)
    if scheduler is not None:
        return DaskExecutor(scheduler)
    if workers == 1:
        return InProcess()
    return LocalPool(workers)
