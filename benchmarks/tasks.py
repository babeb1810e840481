"""The measured tasks of the benchmark suite, each run in a fresh interpreter.

``run.py`` starts ``python benchmarks/tasks.py NAME '{"json": "args"}'`` for every single
measurement, so that each one starts from the same state (no warm caches, no garbage left by
an earlier run, a clean ``ru_maxrss``). A task prints one JSON line on stdout:

    {"customers": ..., "wall_s": ..., "rss_ready_kib": ..., "rss_peak_kib": ..., ...}

``wall_s`` times only the simulation itself (for the policysim tasks: ``run_job`` or
``compare_schemes``, so building the result tables is included); imports and loading the
scenario happen before the clock starts. ``rss_ready_kib`` is the peak resident set size
after imports and set-up, ``rss_peak_kib`` the peak at the end (Linux: KiB).

The textbook SimPy and ciw models live in :mod:`models`.
"""

from __future__ import annotations

import hashlib
import json
import math
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _import_model() -> None:
    """Import what ``run_job`` imports lazily, so no import lands inside the clock (and nothing
    more: extra modules would inflate the memory a replication is charged with)."""
    import policysim.experiment.runner  # noqa: F401
    import policysim.model.behaviour  # noqa: F401
    import policysim.model.team  # noqa: F401
    import policysim.model.workforce  # noqa: F401


def fingerprint(outcomes) -> str:
    """A short hash of the numbers of one or more replications (summary, daily and agent tables).

    Equal fingerprints mean the same seed gave the same numbers (bit for bit); an engine change
    that is meant to keep results unchanged must keep it.
    """
    import pandas as pd

    h = hashlib.sha256()
    for o in outcomes:
        summary = {k: repr(float(v)) for k, v in sorted(o.summary.items())}
        h.update(json.dumps(summary, sort_keys=True).encode())
        for frame in (o.daily, o.agents, o.hourly):
            frame = frame.reindex(sorted(frame.columns), axis=1)
            h.update(pd.util.hash_pandas_object(frame, index=True).values.tobytes())
    return h.hexdigest()[:16]


def _baseline(days: int, overrides: list[str] | None = None):
    from policysim.config.schema import Scenario
    from policysim.config.validate import load_model

    return load_model(Scenario, BASELINE, [f"sim.days={days}", *(overrides or [])])


# ------------------------------------------------------------------------------ tasks
def task_bare(args: dict) -> dict:
    """The interpreter alone (this module imports only the standard library)."""
    return {"rss_peak_kib": _rss_kib()}


def task_full(args: dict) -> dict:
    """One replication of baseline.yaml with behaviour, learning, pay and attrition on."""
    from policysim.experiment.runner import Job, run_job

    _import_model()
    days = args["days"]
    scn = _baseline(days)
    job = Job(scn, rep=args.get("rep", 0), seed=args["seed"], days=days, scheme=args["scheme"])
    ready = _rss_kib()
    t0 = time.perf_counter()
    o = run_job(job)
    wall = time.perf_counter() - t0
    peak = _rss_kib()
    return {"customers": o.summary["inquiries"], "wall_s": wall, "rss_ready_kib": ready,
            "rss_peak_kib": peak, "abandon_rate": o.summary["abandon_rate"],
            "fingerprint": fingerprint([o])}


def task_engine_mmc(args: dict) -> dict:
    """The degenerate M/M/c+M store (validation.erlang.erlang_scenario) through our engine."""
    from policysim.experiment.runner import Job, run_job
    from policysim.validation.erlang import erlang_scenario

    _import_model()
    scn = erlang_scenario(args["c"], args["lam"], args["mu"], args["theta"], args["days"])
    ready = _rss_kib()
    t0 = time.perf_counter()
    o = run_job(Job(scn, 0, args["seed"], args["days"]))
    wall = time.perf_counter() - t0
    return {"customers": o.summary["inquiries"], "wall_s": wall, "rss_ready_kib": ready,
            "rss_peak_kib": _rss_kib(), "abandon_rate": o.summary["abandon_rate"],
            "p_wait": o.summary["p_wait"]}


def task_engine_chat(args: dict) -> dict:
    """The degenerate chat store (validation.chat.chat_scenario): live concurrency at cap K."""
    from policysim.experiment.runner import Job, run_job
    from policysim.validation.chat import chat_scenario

    _import_model()
    scn = chat_scenario(args["n"], args["k"], args["lam"], args["rates"], args["theta"],
                        args["days"])
    ready = _rss_kib()
    t0 = time.perf_counter()
    o = run_job(Job(scn, 0, args["seed"], args["days"]))
    wall = time.perf_counter() - t0
    return {"customers": o.summary["inquiries"], "wall_s": wall, "rss_ready_kib": ready,
            "rss_peak_kib": _rss_kib(), "abandon_rate": o.summary["abandon_rate"],
            "p_wait": o.summary["p_wait"]}


def task_chat_exact(args: dict) -> dict:
    """Solving the exact chat chain of ``validate chat`` (validation.chat.chat_exact)."""
    from policysim.validation.chat import chat_exact

    ready = _rss_kib()
    t0 = time.perf_counter()
    res = chat_exact(args["n"], args["k"], args["lam"], args["rates"], args["theta"])
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "states": res.states, "rss_ready_kib": ready,
            "rss_peak_kib": _rss_kib(), "p_wait": res.p_wait}


def task_routing(args: dict) -> dict:
    """One replication of baseline.yaml (behaviour, pay, attrition on) under routing mode
    ``args["mode"]`` (``service.routing.mode``)."""
    from policysim.experiment.runner import Job, run_job

    _import_model()
    days = args["days"]
    scn = _baseline(days, [f"service.routing.mode={args['mode']}"])
    job = Job(scn, rep=0, seed=args["seed"], days=days, scheme=args["scheme"])
    ready = _rss_kib()
    t0 = time.perf_counter()
    o = run_job(job)
    wall = time.perf_counter() - t0
    return {"customers": o.summary["inquiries"], "wall_s": wall, "rss_ready_kib": ready,
            "rss_peak_kib": _rss_kib(), "abandon_rate": o.summary["abandon_rate"],
            "fingerprint": fingerprint([o])}


def task_textbook(args: dict) -> dict:
    """The textbook SimPy M/M/c+M: a process per customer, simpy.Resource, req | timeout."""
    import models

    ready = _rss_kib()
    t0 = time.perf_counter()
    served, reneged = models.textbook_simpy(args["c"], args["lam"], args["mu"], args["theta"],
                                            args["n"], args["seed"])
    wall = time.perf_counter() - t0
    n = served + reneged
    return {"customers": n, "wall_s": wall, "rss_ready_kib": ready, "rss_peak_kib": _rss_kib(),
            "abandon_rate": reneged / n}


def task_ciw(args: dict) -> dict:
    """The same queue in ciw (reneging), run for the time in which ``n`` customers arrive."""
    import models

    import ciw  # noqa: F401

    ready = _rss_kib()
    t0 = time.perf_counter()
    sim = models.ciw_mmc_reneging(args["c"], args["lam"], args["mu"], args["theta"], args["n"],
                                  args["seed"])
    wall = time.perf_counter() - t0
    arrived = sim.nodes[0].number_of_individuals
    reneged = sum(1 for r in sim.get_all_records() if r.record_type == "renege")
    return {"customers": arrived, "wall_s": wall, "rss_ready_kib": ready,
            "rss_peak_kib": _rss_kib(), "abandon_rate": reneged / arrived}


def scaled_scenario(agents: int, days: int):
    """baseline.yaml with ``agents`` agents in teams of 10 (shifts as in the baseline) and the
    daily volume scaled with the team (4,000 a day per 30 agents)."""
    from policysim.config.schema import Scenario

    data = _baseline(days).model_dump()
    data["teams"] = [{"name": f"T{i:03d}", "agents": 10} for i in range(math.ceil(agents / 10))]
    data["teams"][-1]["agents"] = agents - 10 * (len(data["teams"]) - 1)
    data["demand"]["daily_volume"] = 4000.0 * agents / 30.0
    return Scenario.model_validate(data)


def task_scale(args: dict) -> dict:
    """Cost per inquiry of a team of ``agents`` (volume scaled with the team)."""
    from policysim.experiment.runner import Job, run_job

    _import_model()
    scn = scaled_scenario(args["agents"], args["days"])
    ready = _rss_kib()
    t0 = time.perf_counter()
    o = run_job(Job(scn, 0, args["seed"], args["days"], args["scheme"]))
    wall = time.perf_counter() - t0
    return {"customers": o.summary["inquiries"], "wall_s": wall, "rss_ready_kib": ready,
            "rss_peak_kib": _rss_kib()}


def task_compare(args: dict) -> dict:
    """``compare_schemes`` of baseline.yaml with ``workers`` worker processes."""
    from policysim.experiment.compare import compare_schemes

    _import_model()
    scn = _baseline(args["days"], [f"sim.reps={args['reps']}", f"sim.seed={args['seed']}"])
    ready = _rss_kib()
    t0 = time.perf_counter()
    cmp = compare_schemes(scn, args["schemes"], args["schemes"][0], workers=args["workers"])
    wall = time.perf_counter() - t0
    return {"customers": sum(o.summary["inquiries"] for o in cmp.outcomes), "wall_s": wall,
            "jobs": len(cmp.outcomes), "rss_ready_kib": ready, "rss_peak_kib": _rss_kib(),
            "fingerprint": fingerprint(cmp.outcomes)}


def task_profile(args: dict) -> dict:
    """One baseline replication under pyinstrument (call tree), then the same replication
    under cProfile (own time and exact call counts per inquiry); writes both to ``out``."""
    import cProfile
    import io
    import pstats

    from pyinstrument import Profiler

    from policysim.experiment.runner import Job, run_job

    _import_model()
    days = args["days"]
    job = Job(_baseline(days), 0, args["seed"], days, args["scheme"])
    t0 = time.perf_counter()
    o = run_job(job)
    wall = time.perf_counter() - t0
    n = o.summary["inquiries"]

    profiler = Profiler(interval=0.001)
    profiler.start()
    run_job(job)
    profiler.stop()
    tree = profiler.output_text(unicode=False, color=False, show_all=False)

    cprof = cProfile.Profile()
    cprof.enable()
    run_job(job)
    cprof.disable()
    stats = pstats.Stats(cprof)
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _) in stats.stats.items():
        rows.append((tt, ct, nc, f"{func}  {Path(file).name}:{line}" if line else func))
    total = sum(r[0] for r in rows)
    rows.sort(reverse=True)
    flat = ["  own s   own %   cum s    calls   calls/inquiry  function",
            *(f"{tt:7.2f} {100 * tt / total:6.1f}% {ct:7.2f} {nc:9d} {nc / n:10.2f}      {name}"
              for tt, ct, nc, name in rows[:40])]
    buf = io.StringIO()
    pstats.Stats(cprof, stream=buf).sort_stats("cumulative").print_stats(25)

    head = (f"Profile of one replication of scenarios/baseline.yaml (scheme {args['scheme']}, "
            f"seed {args['seed']}, {days} days, {n:,.0f} inquiries; {wall:.2f} s unprofiled).\n"
            "Written by `benchmarks/run.py --profile`; not committed (benchmarks/.gitignore).\n"
            "Profilers slow the run down several-fold, most of all for many small calls: read\n"
            "the shares and the call counts, not the absolute times.\n")
    text = (head + "\n== cProfile: functions by own time (top 40) ==\n" + "\n".join(flat)
            + "\n\n== pyinstrument: call tree ==\n" + tree
            + "\n== cProfile: by cumulative time ==\n" + buf.getvalue())
    Path(args["out"]).write_text(text)
    top = [[100 * tt / total, nc / n, name] for tt, ct, nc, name in rows[:20]]
    return {"customers": n, "wall_s": wall, "out": args["out"], "top": top}


TASKS = {name[5:]: fn for name, fn in globals().items() if name.startswith("task_")}

if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    result = TASKS[sys.argv[1]](json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")
