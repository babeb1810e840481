"""Determinism (issue 7, point 3): a replication is a function of (scenario, scheme, seed,
replication, days) alone.

The same job gives bit-identical summaries and tables run twice in one process, in a pool of
two workers, or in another order among other jobs; another seed (or replication number)
gives other results. The scenario exercises every random stream: demand with an event,
lognormal patience, transfers, learning, adaptive behaviour under a scheme with all
components, quits and hires. tests/cli/test_cli.py checks the same through the CLI's JSON
(``--workers 1`` vs ``2``); this checks ``run_job``/``run_jobs`` down to the tables.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from policysim.config.schema import Scenario
from policysim.config.validate import validate_data
from policysim.experiment.runner import Job, Outcome, run_job, run_jobs

DAYS = 3

DATA = {
    "name": "determinism",
    "sim": {"days": DAYS, "period_days": 1, "seed": 11, "start_date": "2026-11-10"},
    "demand": {
        "daily_volume": 150,
        "patience": {"dist": "lognormal", "mean_s": 120, "cv": 1.5},
        "events": [{"name": "double11", "date": "2026-11-11", "multiplier": 2.0}],
    },
    "teams": [{"name": "A", "agents": 2}, {"name": "B", "agents": 2}],
    "agents": {"default_transfer": 0.5},
    "attrition": {"b0": 0.0, "dismiss_bottom_share": 0.25, "dismiss_after_periods": 1},
    "hiring": {"delay_days": 0},
    "schemes": {
        "all": {
            "base_salary": 3000,
            "commission": {"rate": 0.01, "target": 100, "share": 0.8},
            "kpi": {"metrics": {"rating": {"weight": 1, "target": 4.6, "floor": 3.6},
                                "first_response_s": {"weight": 1, "target": 15, "floor": 60}}},
            "contest": {"metric": "sales", "prize_per_member": 1000},
            "ranking": {"metric": "served", "prize": 500, "top": 2},
        },
        "switch": {"schedule": [{"day": 0, "scheme": "all"}, {"day": 2, "scheme": "base"}]},
        "base": {"base_salary": 4000},
    },
}


@pytest.fixture(scope="module")
def scn() -> Scenario:
    return validate_data(Scenario, DATA, "<determinism>")


def same_summary(a: dict[str, float], b: dict[str, float]) -> bool:
    """Equal keys and bit-equal values, NaN equal to NaN."""
    if a.keys() != b.keys():
        return False
    return all((math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a)


def assert_same(x: Outcome, y: Outcome) -> None:
    assert same_summary(x.summary, y.summary), (x.summary, y.summary)
    for name in ("daily", "agents", "hourly"):
        pd.testing.assert_frame_equal(getattr(x, name), getattr(y, name), check_exact=True)


@pytest.mark.parametrize("scheme", [None, "all", "switch"])
def test_same_job_twice_in_one_process(scn, scheme):
    first = run_job(Job(scn, 0, 5, DAYS, scheme))
    second = run_job(Job(scn, 0, 5, DAYS, scheme))
    assert_same(first, second)
    assert first.summary["inquiries"] > 0


def test_one_worker_and_two_workers_agree(scn):
    jobs = [Job(scn, rep, 7, DAYS, scheme) for scheme in ("all", "switch", None)
            for rep in range(2)]
    one = run_jobs(jobs, workers=1)
    two = run_jobs(jobs, workers=2)
    assert [o.job for o in one] == [o.job for o in two] == jobs
    for x, y in zip(one, two):
        assert_same(x, y)


def test_other_jobs_and_their_order_do_not_matter(scn):
    a, b = Job(scn, 0, 3, DAYS, "all"), Job(scn, 1, 3, DAYS, "all")
    alone = run_job(b)
    together = run_jobs([b, a], workers=1)
    assert_same(together[0], alone)
    assert_same(together[1], run_job(a))


def test_the_workforce_actually_moves(scn):
    """The scenario is not trivially deterministic: quits, hires and transfers happen."""
    out = run_jobs([Job(scn, rep, 7, DAYS, "all") for rep in range(3)], workers=1)
    assert sum(o.summary["quits"] for o in out) > 0
    assert sum(o.summary["hires"] for o in out) > 0
    assert sum(o.summary["transfers"] for o in out) > 0


@pytest.mark.parametrize("scheme", [None, "all"])
def test_different_seeds_and_replications_differ(scn, scheme):
    base = run_job(Job(scn, 0, 1, DAYS, scheme)).summary
    other_seed = run_job(Job(scn, 0, 2, DAYS, scheme)).summary
    other_rep = run_job(Job(scn, 1, 1, DAYS, scheme)).summary
    for other in (other_seed, other_rep):
        assert not same_summary(base, other)
        assert base["inquiries"] != other["inquiries"] or base["revenue"] != other["revenue"]
