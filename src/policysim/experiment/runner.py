"""Run replications of a scenario, in this process or in a pool of worker processes.

A replication is fully described by (scenario, scheme, seed, design point, replication
number, days): its random streams derive from those alone, so results are identical
whatever the number of workers or the order in which replications finish.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pandas as pd

from policysim.config.schema import Scenario
from policysim.model.engine import Engine, RunResult
from policysim.results.metrics import daily_frame, summarize
from policysim.results.tables import RepTables, tidy_tables


@dataclass(frozen=True)
class Job:
    """One replication to run."""

    scenario: Scenario
    rep: int
    seed: int
    days: int
    scheme: str | None = None
    point: int = 0
    records: str | None = None  # folder for per-chat records (run --records), one per rep


@dataclass
class Outcome:
    """A finished replication: its summary metrics and tidy tables."""

    job: Job
    summary: dict[str, float]
    daily: pd.DataFrame
    agents: pd.DataFrame
    hourly: pd.DataFrame

    def plain(self) -> RepTables:
        """This outcome as plain data for the results layer."""
        job = self.job
        return RepTables(job.scheme or "", job.rep, job.seed, job.days, self.summary,
                         self.daily, self.agents, self.hourly)


def make_workforce(scenario: Scenario, scheme: str | None):
    """The workforce for a run: pay-aware if a scheme is in force, else the static team."""
    from policysim.model.workforce import StaticTeam

    if scheme is None:
        return StaticTeam(scenario)
    from policysim.model.team import PaidTeam

    return PaidTeam(scenario, scheme)


def scheme_in_force(scenario: Scenario, scheme: str | None) -> str | None:
    """The scheme a plain run uses: the one asked for, else the scenario's ``scheme``, else
    its only scheme, else none (fixed default actions)."""
    from policysim.errors import UserError

    if scheme is not None:
        if scheme not in scenario.schemes:
            raise UserError(f"--scheme: one of {sorted(scenario.schemes)}, found {scheme!r}")
        return scheme
    if scenario.scheme is not None:
        return scenario.scheme
    if len(scenario.schemes) == 1:
        return next(iter(scenario.schemes))
    return None


def run_job(job: Job) -> Outcome:
    """Run one replication."""
    workforce = make_workforce(job.scenario, job.scheme)
    recorder = None
    if job.records is not None:
        from policysim.model.records import ChatRecorder

        recorder = ChatRecorder()
    engine = Engine(job.scenario, workforce, seed=job.seed, rep=job.rep, point=job.point,
                    days=job.days, recorder=recorder)
    result: RunResult = engine.run()
    if recorder is not None:
        _write_records(job, engine, recorder, result.quit_log)
    tag = {"rep": job.rep, "scheme": job.scheme or "", "point": job.point}
    daily = daily_frame(result).assign(**tag)
    agents = pd.DataFrame(result.agents).assign(**tag)
    hourly = pd.DataFrame(result.hourly).assign(**tag)
    return Outcome(job, summarize(result), daily, agents, hourly)


def _write_records(job: Job, engine: Engine, recorder, leavers: list[dict] | None) -> None:
    """Write the replication's chats, roster and payroll tables to ``records/repNNN/``."""
    from pathlib import Path

    from policysim.results.records import write_records

    scn = job.scenario
    tables = recorder.tables([*engine.agents, *engine.temps], engine.agent_records,
                             [t.name for t in scn.teams], [s.name for s in scn.shifts], job.days,
                             leavers)
    write_records(Path(job.records) / f"rep{job.rep:03d}", tables, scn)


def default_workers() -> int:
    """All cores."""
    return os.cpu_count() or 1


def run_jobs(jobs: list[Job], workers: int = 1,
             on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run ``jobs`` (in order of the list in the output, whatever order they finish in)."""
    if workers <= 1 or len(jobs) <= 1:
        out = []
        for job in jobs:
            outcome = run_job(job)
            if on_done:
                on_done(outcome)
            out.append(outcome)
        return out
    from concurrent.futures import as_completed
    from multiprocessing import active_children

    results: dict[int, Outcome] = {}
    before = {proc.pid for proc in active_children()}  # children that are not the pool's
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)))
    try:
        futures = {pool.submit(run_job, job): i for i, job in enumerate(jobs)}
        for fut in as_completed(futures):
            outcome = fut.result()
            results[futures[fut]] = outcome
            if on_done:
                on_done(outcome)
    except BaseException:
        # Ctrl-C, SIGTERM or a failed job: stop now. Leaving the pool by its context manager
        # waited for every queued job, so a stopped `run`/`compare` went on for the whole run.
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in active_children():
            if proc.pid not in before:  # the pool's workers
                proc.kill()  # SIGKILL: a forked worker keeps the driver's SIGTERM handler
        raise
    pool.shutdown(wait=True)
    return [results[i] for i in range(len(jobs))]


def replicate(scenario: Scenario, reps: int, seed: int, days: int, scheme: str | None = None,
              workers: int = 1, on_done=None, records: str | None = None) -> list[Outcome]:
    """R replications of one scheme (with ``records``, each writes its per-chat tables)."""
    jobs = [Job(scenario, r, seed, days, scheme, records=records) for r in range(reps)]
    return run_jobs(jobs, workers, on_done)


def tables(outcomes: Iterable[Outcome]) -> dict[str, pd.DataFrame]:
    """Tidy tables of many outcomes: runs (one row per replication), daily, agents, hourly
    (see :func:`policysim.results.tables.tidy_tables`)."""
    return tidy_tables(o.plain() for o in outcomes)
