"""policysim benchmark suite: ``make bench`` (never run by pytest).

    .venv/bin/python benchmarks/run.py            # full suite (~10 minutes), writes results.md
    .venv/bin/python benchmarks/run.py --quick    # small sizes, a smoke test (~1 minute)
    .venv/bin/python benchmarks/run.py --only model,scaling --rounds 5
    .venv/bin/python benchmarks/run.py --only whole       # issue 11: whole `policysim run` vs SimPy
    .venv/bin/python benchmarks/run.py --only chat        # live concurrency, validate chat
    .venv/bin/python benchmarks/run.py --profile  # also profile one baseline year -> profile.txt
    .venv/bin/python benchmarks/run.py --quiet-wait 120  # on a shared machine: wait for quiet

``POLICYSIM_BENCH_QUICK=1`` in the environment is the same as ``--quick``.

Every measurement runs in a fresh interpreter (``benchmarks/tasks.py``); the compared runs
are alternated (A B C D, D C B A, A B C D, ...) and ratios are taken within a round, then the
median over rounds is reported, so slow drift of the machine's load cancels. See README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.md"
QUICK_RESULTS = HERE / ".cache" / "results-quick.md"
PARTIAL_RESULTS = HERE / ".cache" / "results-partial.md"
PROFILE = HERE / "profile.txt"

SIZES = {
    "full": {"days": 365, "rounds": 3, "scale_days": 30, "agents": (10, 100, 1000),
             "cmp_reps": 4, "cmp_days": 120, "route_days": 90},
    "quick": {"days": 20, "rounds": 2, "scale_days": 2, "agents": (10, 100, 1000),
              "cmp_reps": 2, "cmp_days": 10, "route_days": 5},
}
SEED = 1
SCHEME = "commission"
SCHEMES = ["commission", "kpi", "group_contest"]
SECTIONS = ("whole", "model", "scaling", "compare", "chat", "routing")
ROUTING_MODES = ("sticky", "weighted", "least_loaded", "most_available", "round_robin")

# The M/M/c+M yardstick: 15 agents on shift (as in the baseline), the baseline's mean arrival
# rate over its open hours, load 0.9, mean patience 3 minutes (the baseline's 180 s).
QUEUE_C = 15
QUEUE_RHO = 0.9
QUEUE_THETA = 1.0 / 3.0

# Live concurrency: the same arrivals and per-agent capacity as the M/M/c+M yardstick, served
# by QUEUE_C / CHAT_K agents each holding up to CHAT_K chats (per-chat rates CHAT_RATES x mu),
# against the cap-1 store; and the exact chain of `validate chat` at CHAT_EXACT (N, K).
CHAT_K = 3
CHAT_RATES = (1.0, 0.8, 0.65)
CHAT_EXACT = (20, 4)

# Issue 11 item 7, the ratio that counts: whole processes, `policysim run baseline --days 180
# --reps 1` against a textbook SimPy M/M/20+M (per minute: arrivals 18, service 1, patience
# rate 0.5) serving the same number of customers, started the same way (a fresh interpreter).
WHOLE_CMD = ("run", "scenarios/baseline.yaml", "--days", "180", "--reps", "1")
WHOLE_QUEUE = {"c": 20, "lam": 18.0, "mu": 1.0, "theta": 0.5, "seed": SEED}

QUIET_CORES = 0.3  # a run is "quiet" if other processes kept fewer cores busy meanwhile

TARGETS = {"whole": 2.0, "whole_aim": 3.0, "vs_textbook": 1.0, "vs_textbook_aim": 2.0, "vs_ciw": 2.0, "growth": 1.5,
           "memory_mb": 300.0, "speedup": 1.8}


# ------------------------------------------------------------------ measuring
def _cpu_busy_s() -> float:
    """Busy CPU seconds of the whole machine since boot (all cores), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return math.nan
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # waited-for descendants, recursively
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


LOG: list[str] = []  # every measurement, as printed; appended to the results file
QUIET = {"wait_s": 0.0, "cores": 0.3}  # --quiet-wait: wait up to wait_s for others < cores


def others_busy(seconds: float = 1.0) -> float:
    """Cores kept busy by other processes over the next ``seconds``."""
    busy0, own0 = _cpu_busy_s(), _own_cpu_s()
    time.sleep(seconds)
    return max(0.0, (_cpu_busy_s() - busy0) - (_own_cpu_s() - own0)) / seconds


def wait_until_quiet() -> None:
    """With ``--quiet-wait S``: before a measurement, wait up to S seconds for other processes
    to leave the machine (fewer than 0.3 busy cores over 2 s)."""
    if QUIET["wait_s"] <= 0:
        return
    deadline = time.monotonic() + QUIET["wait_s"]
    while True:
        load = others_busy(2.0)
        if load < QUIET["cores"]:
            return
        if time.monotonic() > deadline:
            _say(f"  (machine still busy: others use {load:.2f} cores; measuring anyway)")
            return
        time.sleep(3.0)


def measure(task: str, **args) -> dict:
    """Run one task in a fresh interpreter and return its JSON result, plus ``others_cores``:
    the mean number of cores other processes kept busy meanwhile (the machine's load)."""
    if task not in ("bare", "profile"):
        wait_until_quiet()
    cmd = [sys.executable, str(HERE / "tasks.py"), task, json.dumps(args)]
    busy0, own0, t0 = _cpu_busy_s(), _own_cpu_s(), time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - t0
    busy1, own1 = _cpu_busy_s(), _own_cpu_s()
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark task {task} {args} failed:\n{proc.stderr}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH-RESULT ")]
    if not lines:
        raise RuntimeError(f"benchmark task {task} printed no result:\n{proc.stdout}\n{proc.stderr}")
    out = json.loads(lines[-1][len("BENCH-RESULT "):])
    out["others_cores"] = max(0.0, ((busy1 - busy0) - (own1 - own0)) / elapsed) if elapsed else 0.0
    if "customers" in out and out.get("wall_s"):
        out["rate"] = out["customers"] / out["wall_s"]
    return out


def measure_process(cmd: list[str]) -> dict:
    """Run ``cmd`` as a whole process (start-up, imports, output included); return its wall
    time, CPU time (user + system of the process and its children), stdout and the load."""
    wait_until_quiet()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0, own0, t0 = _cpu_busy_s(), _own_cpu_s(), time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - t0
    busy1, own1 = _cpu_busy_s(), _own_cpu_s()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark command {cmd} failed:\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    others = max(0.0, ((busy1 - busy0) - (own1 - own0)) / elapsed) if elapsed else 0.0
    return {"wall_s": elapsed, "cpu_s": cpu, "stdout": proc.stdout, "others_cores": others,
            "rss_peak_kib": after.ru_maxrss}


def _say(msg: str, log: bool = False) -> None:
    print(msg, flush=True)
    if log:
        LOG.append(msg.strip())


def _order(items: list, r: int) -> list:
    """Round ``r`` runs the items forward if even, backward if odd (A B C, C B A, ...)."""
    return list(items) if r % 2 == 0 else list(reversed(items))


def _is_quiet(*runs: dict) -> bool:
    """Whether other processes kept fewer than QUIET_CORES cores busy during every run given."""
    return all(r["others_cores"] < QUIET_CORES for r in runs)


def _quiet_text(xs: list[float], rounds: int) -> str:
    return f"{_med(xs):.2f}x ({len(xs)} of {rounds})" if xs else f"- (0 of {rounds})"


def _med(xs) -> float:
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return statistics.median(xs) if xs else math.nan


def _mb(kib: float) -> float:
    return kib * 1024 / 1e6


# ------------------------------------------------------------------ benchmarks
def bench_whole(size: dict, rounds: int) -> dict:
    """Issue 11's ratio: the whole ``policysim run`` process against a whole textbook SimPy
    M/M/20+M process serving the same number of customers (alternated, within-round ratios)."""
    run_cmd = [sys.executable, "-c", "import sys; from policysim.cli import main; "
               "sys.argv[0] = 'policysim'; sys.exit(main())", *WHOLE_CMD]
    if size is SIZES["quick"]:
        run_cmd[run_cmd.index("180")] = str(size["days"])
    runs: dict[str, list[dict]] = {"policysim": [], "textbook": []}
    n = None
    for r in range(rounds):
        for name in _order(list(runs), r if n else 0):
            if name == "policysim":
                res = measure_process(run_cmd)
                m = re.search(r"^inquiries\s+([\d,]+)", res.pop("stdout"), re.M)
                if not m:
                    raise RuntimeError("policysim run printed no inquiries line")
                res["customers"] = int(m.group(1).replace(",", ""))
                n = n or res["customers"]
            else:
                q = WHOLE_QUEUE
                res = measure_process([sys.executable, str(HERE / "models.py"), "textbook", str(q["c"]),
                                       str(q["lam"]), str(q["mu"]), str(q["theta"]), str(n), str(q["seed"])])
                served, reneged = map(int, res.pop("stdout").split())
                res["customers"] = served + reneged
                res["abandon_rate"] = reneged / res["customers"]
            res["us_per_inquiry"] = 1e6 * res["wall_s"] / res["customers"]
            res["cpu_us_per_inquiry"] = 1e6 * res["cpu_s"] / res["customers"]
            runs[name].append(res)
            _say(f"  round {r + 1}/{rounds} {name:<9} {res['customers']:>10,.0f} customers "
                 f"wall {res['wall_s']:7.2f} s ({res['us_per_inquiry']:5.2f} us each) "
                 f"CPU {res['cpu_s']:7.2f} s ({res['cpu_us_per_inquiry']:5.2f} us each)"
                 f"  (others busy: {res['others_cores']:.2f} cores)", log=True)
    # textbook time per customer / policysim time per customer: > 1 means policysim is faster
    ratio = [t["us_per_inquiry"] / p["us_per_inquiry"] for p, t in zip(runs["policysim"], runs["textbook"])]
    cpu_ratio = [t["cpu_us_per_inquiry"] / p["cpu_us_per_inquiry"]
                 for p, t in zip(runs["policysim"], runs["textbook"])]
    quiet = [x for x, a, b in zip(ratio, runs["policysim"], runs["textbook"]) if _is_quiet(a, b)]
    return {"rounds": rounds, "cmd": "policysim " + " ".join(run_cmd[3:]), "queue": WHOLE_QUEUE,
            "runs": runs, "ratio": ratio, "cpu_ratio": cpu_ratio, "quiet": quiet}


def bench_model(size: dict, rounds: int) -> dict:
    """Full model vs the degenerate engine vs textbook SimPy vs ciw on the same customer count."""
    from policysim.config.schema import Scenario
    from policysim.config.validate import load_model
    from policysim.validation.erlang import erlang_a

    base = load_model(Scenario, ROOT / "scenarios" / "baseline.yaml")
    open_min = 60.0 * sum(1 for w in base.demand.hour_profile if w > 0)
    lam = base.demand.daily_volume / open_min  # per minute, over the store's open hours
    mu = lam / (QUEUE_RHO * QUEUE_C)
    queue = {"c": QUEUE_C, "lam": lam, "mu": mu, "theta": QUEUE_THETA, "seed": SEED}
    days = size["days"]
    bare = measure("bare")
    runs: dict[str, list[dict]] = {"full": [], "textbook": [], "engine": [], "ciw": []}
    n = None
    for r in range(rounds):
        for name in _order(list(runs), r):
            if name == "full":
                res = measure("full", days=days, seed=SEED, scheme=SCHEME)
                n = n or int(res["customers"])
            elif name == "textbook":
                res = measure("textbook", n=n, **queue)
            elif name == "engine":
                mmc_days = max(1, round(n / (lam * 1440.0)))
                res = measure("engine_mmc", days=mmc_days, **queue)
            else:
                res = measure("ciw", n=n, **queue)
            runs[name].append(res)
            _say(f"  round {r + 1}/{rounds} {name:<9} {res['customers']:>10,.0f} customers "
                 f"{res['wall_s']:7.2f} s {res['rate']:>9,.0f}/s  peak {_mb(res['rss_peak_kib']):6.0f} MB"
                 f"  (others busy: {res['others_cores']:.2f} cores)", log=True)
    ratios = {
        other: [f["rate"] / o["rate"] for f, o in zip(runs["full"], runs[other])]
        for other in ("textbook", "ciw")
    }
    ratios["engine_vs_textbook"] = [e["rate"] / t["rate"] for e, t in zip(runs["engine"], runs["textbook"])]
    ratios["engine_vs_ciw"] = [e["rate"] / c["rate"] for e, c in zip(runs["engine"], runs["ciw"])]
    pairs = {"textbook": ("full", "textbook"), "ciw": ("full", "ciw"),
             "engine_vs_textbook": ("engine", "textbook"), "engine_vs_ciw": ("engine", "ciw")}
    quiet = {k: [x for x, a, b in zip(ratios[k], runs[p], runs[q]) if _is_quiet(a, b)]
             for k, (p, q) in pairs.items()}
    exact = erlang_a(QUEUE_C, lam, mu, QUEUE_THETA)
    return {"days": days, "rounds": rounds, "queue": queue, "runs": runs, "ratios": ratios,
            "quiet": quiet, "bare": bare, "exact_abandon": exact.p_abandon, "exact_p_wait": exact.p_wait}


def bench_scaling(size: dict, rounds: int) -> dict:
    """Cost per inquiry at 10, 100, 1,000 agents, with behaviour (commission) and engine only."""
    days = size["scale_days"]
    cases = [(n, s) for n in size["agents"] for s in (SCHEME, None)]
    runs: dict[tuple, list[dict]] = {c: [] for c in cases}
    for r in range(rounds):
        for n, scheme in _order(cases, r):
            res = measure("scale", agents=n, days=days, seed=SEED, scheme=scheme)
            res["us_per_inquiry"] = 1e6 * res["wall_s"] / res["customers"]
            runs[(n, scheme)].append(res)
            _say(f"  round {r + 1}/{rounds} {n:>5} agents {scheme or 'engine only':<11} "
                 f"{res['customers']:>10,.0f} inquiries {res['wall_s']:7.2f} s "
                 f"{res['us_per_inquiry']:6.2f} us/inquiry  (others busy: {res['others_cores']:.2f} cores)", log=True)
    lo, hi = size["agents"][0], size["agents"][-1]
    growth = {s: [b["us_per_inquiry"] / a["us_per_inquiry"] for a, b in zip(runs[(lo, s)], runs[(hi, s)])]
              for s in (SCHEME, None)}
    return {"days": days, "rounds": rounds, "agents": size["agents"], "runs": runs, "growth": growth}


def bench_compare(size: dict, rounds: int) -> dict:
    """Wall time of ``compare_schemes`` with 1 and 2 workers."""
    args = {"reps": size["cmp_reps"], "days": size["cmp_days"], "seed": SEED, "schemes": SCHEMES}
    runs: dict[int, list[dict]] = {1: [], 2: []}
    for r in range(rounds):
        for w in _order([1, 2], r):
            res = measure("compare", workers=w, **args)
            runs[w].append(res)
            _say(f"  round {r + 1}/{rounds} {w} worker(s) {res['jobs']} jobs "
                 f"{res['customers']:>10,.0f} inquiries {res['wall_s']:7.2f} s "
                 f"(others busy: {res['others_cores']:.2f} cores)", log=True)
    speedup = [a["wall_s"] / b["wall_s"] for a, b in zip(runs[1], runs[2])]
    quiet = [x for x, a, b in zip(speedup, runs[1], runs[2]) if _is_quiet(a, b)]
    return {**args, "rounds": rounds, "runs": runs, "speedup": speedup, "quiet": quiet}


def bench_chat(size: dict, rounds: int) -> dict:
    """Cost per inquiry of live concurrency (cap 3) vs the cap-1 engine, and the exact chain."""
    from policysim.config.schema import Scenario
    from policysim.config.validate import load_model

    base = load_model(Scenario, ROOT / "scenarios" / "baseline.yaml")
    open_min = 60.0 * sum(1 for w in base.demand.hour_profile if w > 0)
    lam = base.demand.daily_volume / open_min
    mu = lam / (QUEUE_RHO * QUEUE_C)
    days = max(1, round(size["days"] / 4))
    n_chat = QUEUE_C // CHAT_K
    scale = mu * QUEUE_C / (n_chat * CHAT_K * CHAT_RATES[-1])  # full-load capacity = QUEUE_C mu
    rates = [r * scale for r in CHAT_RATES]
    mmc = {"c": QUEUE_C, "lam": lam, "mu": mu, "theta": QUEUE_THETA, "seed": SEED, "days": days}
    chat = {"n": n_chat, "k": CHAT_K, "lam": lam, "rates": rates, "theta": QUEUE_THETA,
            "seed": SEED, "days": days}
    runs: dict[str, list[dict]] = {"cap1": [], "live": []}
    for r in range(rounds):
        for name in _order(list(runs), r):
            res = measure("engine_mmc", **mmc) if name == "cap1" else measure("engine_chat", **chat)
            res["us_per_inquiry"] = 1e6 * res["wall_s"] / res["customers"]
            runs[name].append(res)
            _say(f"  round {r + 1}/{rounds} {name:<5} {res['customers']:>10,.0f} customers "
                 f"{res['wall_s']:7.2f} s {res['us_per_inquiry']:7.1f} us/inquiry"
                 f"  (others busy: {res['others_cores']:.2f} cores)", log=True)
    cost = [b["us_per_inquiry"] / a["us_per_inquiry"] for a, b in zip(runs["cap1"], runs["live"])]
    n, k = CHAT_EXACT
    exact = measure("chat_exact", n=n, k=k, lam=0.8 * n * k * 0.6, rates=[1.0, 0.8, 0.7, 0.6][:k],
                    theta=1.0)
    _say(f"  exact chain N={n}, K={k}: {exact['states']:,} states in {exact['wall_s']:.2f} s", log=True)
    return {"days": days, "rounds": rounds, "mmc": mmc, "chat": chat, "runs": runs,
            "cost_ratio": cost, "exact": exact}


def bench_routing(size: dict, rounds: int) -> dict:
    """Cost per inquiry of the full model (baseline, commission) under each routing mode."""
    days = size["route_days"]
    runs: dict[str, list[dict]] = {m: [] for m in ROUTING_MODES}
    for r in range(rounds):
        for mode in _order(list(ROUTING_MODES), r):
            res = measure("routing", mode=mode, days=days, seed=SEED, scheme=SCHEME)
            res["us_per_inquiry"] = 1e6 * res["wall_s"] / res["customers"]
            runs[mode].append(res)
            _say(f"  round {r + 1}/{rounds} {mode:<15} {res['customers']:>10,.0f} inquiries "
                 f"{res['wall_s']:7.2f} s {res['us_per_inquiry']:6.2f} us/inquiry  "
                 f"(others busy: {res['others_cores']:.2f} cores)", log=True)
    return {"days": days, "rounds": rounds, "runs": runs}


def profile(size: dict) -> dict:
    res = measure("profile", days=size["days"], seed=SEED, scheme=SCHEME, out=str(PROFILE))
    _say(f"  profiled {res['customers']:,.0f} inquiries ({res['wall_s']:.1f} s unprofiled) "
         f"-> {PROFILE.relative_to(ROOT)}")
    return res


# ------------------------------------------------------------------ reporting
def machine() -> dict:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for pkg in ("policysim", "simpy", "ciw", "numpy", "pandas", "pydantic", "scipy", "pyinstrument"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "-"
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {"platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(),
            "usable_cores": affinity, "python": sys.version.split()[0],
            "implementation": platform.python_implementation(), "versions": versions}


def _yes(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


def _rng(xs, fmt="{:.2f}") -> str:
    return f"{fmt.format(min(xs))}-{fmt.format(max(xs))}" if xs else "-"


def _previous_fingerprint(label: str) -> str | None:
    if not RESULTS.exists():
        return None
    m = re.search(r"Baseline fingerprint \(" + re.escape(label) + r"\): `([0-9a-f]+)`", RESULTS.read_text())
    return m.group(1) if m else None


def report(info: dict, res: dict, quick: bool, started: dt.datetime, elapsed: float,
           previous_fp: dict) -> tuple[str, list[tuple]]:
    m = info
    out = [
        "# policysim benchmarks" + (" (QUICK smoke run: small sizes, not for the targets)" if quick else ""),
        "",
        "Sections run: " + ", ".join(k for k in res) + ".",
        "",
        f"Written by `make bench` (`benchmarks/run.py{' --quick' if quick else ''}`); overwritten by "
        "each run. What each number means: `benchmarks/README.md`.",
        "",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M')} (local), suite took {elapsed / 60:.1f} min",
        f"- Machine: {m['platform']}; CPU {m['cpu']}; {m['cores']} cores ({m['usable_cores']} usable)",
        f"- Python {m['python']} ({m['implementation']}); "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
    ]
    others = [r["others_cores"] for sec in res.values() for r in _all_runs(sec)]
    if others:
        busy = _med(others)
        n_busy = sum(1 for x in others if x >= QUIET_CORES)
        if n_busy == 0:
            verdict = " -- machine quiet"
        elif busy < QUIET_CORES:
            verdict = (f" -- mostly quiet: {n_busy} of {len(others)} runs had other processes at "
                       f"{QUIET_CORES}+ busy cores (see the list at the end)")
        else:
            verdict = (f" -- **the machine was busy** ({n_busy} of {len(others)} runs); absolute rates "
                       "are pessimistic, ratios within a round much less affected")
        out.append(f"- Load from other processes while measuring: median {busy:.2f} cores busy, "
                   f"max {max(others):.2f} (of {m['cores']}){verdict}")
    out.append("")
    targets: list[tuple] = []

    if "whole" in res:
        wh = res["whole"]
        q = wh["queue"]
        out += [
            f"## 0. Whole processes: `{wh['cmd']}` vs textbook SimPy ({wh['rounds']} alternating rounds, medians)",
            "",
            "Issue 11 item 7's ratio. Each side is a fresh process timed from start to exit (interpreter "
            "start-up, imports, loading the scenario, the run, building and printing the results). "
            f"Textbook: `benchmarks/models.py textbook`, M/M/{q['c']}+M, arrivals {q['lam']:g}/min, "
            f"service {q['mu']:g}/min, patience rate {q['theta']:g}/min, a `simpy.Resource`, one process "
            "per customer, `yield req | env.timeout(patience)`, as many customers as the policysim run had "
            "inquiries.",
            "",
            "| process | customers | wall (s) | us/customer (wall) | CPU (s) | us/customer (CPU) | per-round wall (s) |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for key in ("policysim", "textbook"):
            rs = wh["runs"][key]
            per_round = ", ".join(f"{r['wall_s']:.2f}" for r in rs)
            out.append(f"| {key} | {_med([r['customers'] for r in rs]):,.0f} | {_med([r['wall_s'] for r in rs]):.2f} "
                       f"| {_med([r['us_per_inquiry'] for r in rs]):.2f} | {_med([r['cpu_s'] for r in rs]):.2f} "
                       f"| {_med([r['cpu_us_per_inquiry'] for r in rs]):.2f} "
                       f"| {per_round} |")
        busy = _med([r["others_cores"] for k in wh["runs"] for r in wh["runs"][k]])
        out += ["", f"Ratio textbook / policysim time per customer (within a round; above 1: policysim "
                f"is faster): wall {_med(wh['ratio']):.2f}x (range {_rng(wh['ratio'])}; quiet rounds "
                f"only: {_quiet_text(wh['quiet'], wh['rounds'])}), CPU {_med(wh['cpu_ratio']):.2f}x "
                f"(range {_rng(wh['cpu_ratio'])}); other processes kept {busy:.2f} cores busy (median)."]
        targets.append(("Whole `policysim run` >= 2x textbook SimPy M/M/20+M per customer (aim 3x)",
                        f"{_med(wh['ratio']):.2f}x", _med(wh["ratio"]) >= TARGETS["whole"],
                        ("aim met" if _med(wh["ratio"]) >= TARGETS["whole_aim"] else "aim (3x) not met")
                        + f"; CPU-time ratio {_med(wh['cpu_ratio']):.2f}x"))

    if "model" in res:
        mo = res["model"]
        q = mo["queue"]
        runs = mo["runs"]
        full = runs["full"]
        out += [
            f"## 1. Throughput: full model vs textbook SimPy vs ciw ({mo['rounds']} alternating rounds, medians)",
            "",
            f"Full model: one replication of `scenarios/baseline.yaml`, {mo['days']} days, scheme "
            f"`{SCHEME}`, seed {SEED} (behaviour, learning, pay, attrition on). The yardstick queue "
            f"is M/M/c+M with c = {q['c']}, lambda = {q['lam']:.4f}/min (the baseline's volume over "
            f"its open hours), mu = {q['mu']:.4f}/min (rho = {QUEUE_RHO}), theta = {q['theta']:.4f}/min "
            "(mean patience 180 s); the same number of customers goes through each.",
            "",
            "| run | customers | wall (s) | customers/s | per-round customers/s | peak RSS (MB) | P(abandon) |",
            "|---|---:|---:|---:|---|---:|---:|",
        ]
        names = {"full": "full model (baseline.yaml)", "engine": "our engine, degenerate M/M/c+M scenario",
                 "textbook": "textbook SimPy (process per customer)", "ciw": "ciw (reneging)"}
        for key in ("full", "engine", "textbook", "ciw"):
            rs = runs[key]
            per_round = ", ".join(f"{r['rate']:,.0f}" for r in rs)
            out.append(
                f"| {names[key]} | {_med([r['customers'] for r in rs]):,.0f} | {_med([r['wall_s'] for r in rs]):.2f} "
                f"| {_med([r['rate'] for r in rs]):,.0f} | {per_round} "
                f"| {_mb(max(r['rss_peak_kib'] for r in rs)):.0f} | {_med([r['abandon_rate'] for r in rs]):.4f} |")
        out += ["", f"Exact Erlang-A P(abandon) = {mo['exact_abandon']:.4f} (the three M/M/c+M runs "
                "should agree with it: they are the same queue).", "",
                "| ratio (customers/s, within a round) | median | range | median of quiet rounds only |",
                "|---|---:|---|---:|"]
        rt = mo["ratios"]
        for key, label in (("textbook", "full model / textbook SimPy"), ("ciw", "full model / ciw"),
                           ("engine_vs_textbook", "degenerate engine / textbook SimPy"),
                           ("engine_vs_ciw", "degenerate engine / ciw")):
            out.append(f"| {label} | {_med(rt[key]):.2f}x | {_rng(rt[key])} "
                       f"| {_quiet_text(mo['quiet'][key], mo['rounds'])} |")
        out += ["", f"A round is quiet for a ratio when other processes kept fewer than {QUIET_CORES} "
                "cores busy during both runs; the targets use the median of all rounds."]
        ready = [r["rss_ready_kib"] for r in full]
        peak = [r["rss_peak_kib"] for r in full]
        fps = sorted({r["fingerprint"] for r in full})
        label = f"seed {SEED}, {mo['days']} days, {SCHEME}"
        prev = previous_fp.get(label)
        out += [
            "", "## 2. Memory of the full model run", "",
            "| | peak RSS (MB) |", "|---|---:|",
            f"| Python interpreter alone | {_mb(mo['bare']['rss_peak_kib']):.0f} |",
            f"| after imports (policysim, numpy, pandas, simpy, pydantic, scipy) and loading the scenario | {_mb(_med(ready)):.0f} |",
            f"| end of the {mo['days']}-day replication (max over rounds) | {_mb(max(peak)):.0f} |",
            f"| the run itself (peak minus after-imports) | {_mb(max(peak) - _med(ready)):.0f} |",
            "",
            "MB = 10^6 bytes, from `ru_maxrss` of a fresh process per run.",
            "",
            "## Reproducibility", "",
            f"- Baseline fingerprint ({label}): `{fps[0]}`" if len(fps) == 1 else
            f"- Baseline fingerprints DIFFER between rounds: {fps}",
            "  (hash of the summary, daily, agents and hourly tables of the replication; it must not "
            "change unless a documented model change says so)",
            f"- Same as the previous results.md: {'yes' if prev == fps[0] else ('no: was `' + prev + '`') if prev else 'no previous value'}",
        ]
        full_days = mo["days"] >= 365
        targets += [
            ("Full model >= 1.0x textbook SimPy customers/s (aim 2x)", f"{_med(rt['textbook']):.2f}x",
             _med(rt["textbook"]) >= TARGETS["vs_textbook"],
             "aim met" if _med(rt["textbook"]) >= TARGETS["vs_textbook_aim"] else "aim (2x) not met"),
            ("Full model >= 2x ciw customers/s", f"{_med(rt['ciw']):.2f}x", _med(rt["ciw"]) >= TARGETS["vs_ciw"], ""),
            ("Peak memory of a one-year baseline run < 300 MB", f"{_mb(max(peak)):.0f} MB",
             max(peak) * 1024 / 1e6 < TARGETS["memory_mb"], "" if full_days else f"only {mo['days']} days (quick)"),
            ("Same seed, same numbers (all rounds)", f"{len(fps)} fingerprint(s)", len(fps) == 1, ""),
        ]

    if "scaling" in res:
        sc = res["scaling"]
        out += ["", f"## 3. Cost per inquiry vs team size ({sc['days']} days, {sc['rounds']} alternating rounds, medians)",
                "", "baseline.yaml with teams of 10 (shifts as in the baseline) and daily volume scaled "
                "with the team (4,000 a day per 30 agents).", "",
                "| agents | inquiries | with behaviour (commission): wall (s) | us/inquiry | peak MB "
                "| engine only (no scheme): wall (s) | us/inquiry | peak MB |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for n in sc["agents"]:
            a, b = sc["runs"][(n, SCHEME)], sc["runs"][(n, None)]
            out.append(
                f"| {n:,} | {_med([r['customers'] for r in a]):,.0f} | {_med([r['wall_s'] for r in a]):.2f} "
                f"| {_med([r['us_per_inquiry'] for r in a]):.2f} | {_mb(max(r['rss_peak_kib'] for r in a)):.0f} "
                f"| {_med([r['wall_s'] for r in b]):.2f} | {_med([r['us_per_inquiry'] for r in b]):.2f} "
                f"| {_mb(max(r['rss_peak_kib'] for r in b)):.0f} |")
        g = sc["growth"]
        lo, hi = sc["agents"][0], sc["agents"][-1]
        out += ["", f"Growth of the cost per inquiry from {lo} to {hi:,} agents (within a round): "
                f"with behaviour {_med(g[SCHEME]):.2f}x (range {_rng(g[SCHEME])}), engine only "
                f"{_med(g[None]):.2f}x (range {_rng(g[None])})."]
        targets.append((f"Cost per inquiry grows < 1.5x from {lo} to {hi:,} agents (with behaviour)",
                        f"{_med(g[SCHEME]):.2f}x", _med(g[SCHEME]) < TARGETS["growth"],
                        f"engine only {_med(g[None]):.2f}x"))

    if "compare" in res:
        cp = res["compare"]
        fps = {r["fingerprint"] for w in cp["runs"] for r in cp["runs"][w]}
        out += ["", f"## 4. `compare` with 1 and 2 workers ({cp['rounds']} alternating rounds, medians)", "",
                f"`compare_schemes` of baseline.yaml, schemes {', '.join(cp['schemes'])}, {cp['reps']} "
                f"replications x {cp['days']} days = {cp['runs'][1][0]['jobs']} jobs, "
                f"{cp['runs'][1][0]['customers']:,.0f} inquiries in all.", "",
                "| workers | wall (s) | per-round wall (s) | inquiries/s |", "|---:|---:|---|---:|"]
        for w in (1, 2):
            rs = cp["runs"][w]
            per_round = ", ".join(f"{r['wall_s']:.2f}" for r in rs)
            out.append(f"| {w} | {_med([r['wall_s'] for r in rs]):.2f} | {per_round} "
                       f"| {_med([r['rate'] for r in rs]):,.0f} |")
        busy = _med([r["others_cores"] for r in cp["runs"][2]])
        out += ["", f"Speed-up (within a round): {_med(cp['speedup']):.2f}x (range {_rng(cp['speedup'])}; "
                f"quiet rounds only, fewer than {QUIET_CORES} other busy cores in both runs: "
                f"{_quiet_text(cp['quiet'], cp['rounds'])}); "
                f"other processes kept {busy:.2f} cores busy during the 2-worker runs (median). "
                f"Results identical with 1 and 2 workers: {'yes' if len(fps) == 1 else 'NO'}."]
        note = (f"others busy {busy:.2f} cores; quiet rounds only: {_quiet_text(cp['quiet'], cp['rounds'])}"
                if busy >= QUIET_CORES else "")
        targets += [("2 workers >= 1.8x one", f"{_med(cp['speedup']):.2f}x",
                     _med(cp["speedup"]) >= TARGETS["speedup"], note),
                    ("Same numbers with 1 and 2 workers", f"{len(fps)} fingerprint(s)", len(fps) == 1, "")]

    if "chat" in res:
        ch = res["chat"]
        ex = ch["exact"]
        out += ["", f"## 5. Live concurrency and `validate chat` ({ch['rounds']} alternating rounds, medians)", "",
                f"Degenerate stores, {ch['days']} days, the same arrivals: {ch['mmc']['c']} agents at cap 1 "
                f"(M/M/c+M) vs {ch['chat']['n']} agents at cap {ch['chat']['k']} with live concurrency "
                f"(per-chat rates {', '.join(f'{r:.3f}' for r in ch['chat']['rates'])}/min).", "",
                "| store | us/inquiry | customers |", "|---|---:|---:|"]
        for name, label in (("cap1", "cap 1 (one timeout per chat)"), ("live", f"cap {ch['chat']['k']}, live concurrency")):
            rs = ch["runs"][name]
            out.append(f"| {label} | {_med([r['us_per_inquiry'] for r in rs]):.1f} | {rs[0]['customers']:,.0f} |")
        out += ["", f"Cost per inquiry, live / cap 1 (within a round): {_med(ch['cost_ratio']):.2f}x "
                f"(range {_rng(ch['cost_ratio'])}). Exact chain of `validate chat` at N = {CHAT_EXACT[0]}, "
                f"K = {CHAT_EXACT[1]}: {ex['states']:,} states solved in {ex['wall_s']:.2f} s."]
    if "routing" in res:
        ro = res["routing"]
        out += ["", f"## 6. Cost per inquiry by routing mode ({ro['days']} days, {ro['rounds']} "
                "alternating rounds, medians)", "",
                f"One replication of baseline.yaml (scheme `{SCHEME}`, seed {SEED}) with "
                "`service.routing.mode` set to each mode.", "",
                "| mode | inquiries | wall (s) | us/inquiry | per-round us/inquiry | x least_loaded |",
                "|---|---:|---:|---:|---|---:|"]
        base = _med([r["us_per_inquiry"] for r in ro["runs"]["least_loaded"]])
        for mode in ROUTING_MODES:
            rs = ro["runs"][mode]
            us = _med([r["us_per_inquiry"] for r in rs])
            per_round = ", ".join(f"{r['us_per_inquiry']:.2f}" for r in rs)
            out.append(f"| {mode} | {_med([r['customers'] for r in rs]):,.0f} "
                       f"| {_med([r['wall_s'] for r in rs]):.2f} | {us:.2f} | {per_round} "
                       f"| {us / base:.2f} |")

    if "profile" in res:
        pr = res["profile"]
        out += ["", "## Profile", "", f"`--profile` wrote `{PROFILE.relative_to(ROOT)}` (pyinstrument call "
                f"tree and cProfile of one baseline replication, {pr['customers']:,.0f} inquiries; not "
                "committed, see benchmarks/.gitignore). Top functions by own time under cProfile:", "",
                "| own time share | calls per inquiry | function |", "|---:|---:|---|"]
        for share, per_inq, name in pr["top"][:12]:
            out.append(f"| {share:.1f}% | {per_inq:.2f} | `{name}` |")

    out += ["", "## Targets", "", "| target | measured | status | note |", "|---|---:|---|---|"]
    for name, value, ok, note in targets:
        out.append(f"| {name} | {value} | {_yes(ok)} | {note} |")
    if LOG:
        out += ["", "## Every measurement, in the order run", "", "```", *LOG, "```"]
    return "\n".join(out) + "\n", targets


def _all_runs(section) -> list[dict]:
    if not isinstance(section, dict) or "runs" not in section:
        return []
    return [r for rs in section["runs"].values() for r in rs]


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke test); also POLICYSIM_BENCH_QUICK=1")
    p.add_argument("--rounds", type=int, help="alternating rounds per benchmark (default 3; quick 2)")
    p.add_argument("--only", help=f"comma-separated subset of {','.join(SECTIONS)}")
    p.add_argument("--profile", action="store_true", help=f"also profile one baseline replication -> {PROFILE.name}")
    p.add_argument("--quiet-wait", type=float, default=0.0, metavar="S",
                   help="before each measurement wait up to S seconds for other processes to go quiet")
    p.add_argument("--out", type=Path, help="results file (default benchmarks/results.md; --quick: "
                   "benchmarks/.cache/results-quick.md; --only: benchmarks/.cache/results-partial.md)")
    a = p.parse_args(argv)
    quick = a.quick or os.environ.get("POLICYSIM_BENCH_QUICK", "") not in ("", "0")
    size = SIZES["quick" if quick else "full"]
    if a.rounds is not None and a.rounds < 1:
        p.error(f"--rounds: expected a whole number of at least 1, found {a.rounds}")
    if not (math.isfinite(a.quiet_wait) and a.quiet_wait >= 0):
        p.error(f"--quiet-wait: expected seconds, 0 or more, found {a.quiet_wait:g}")
    rounds = a.rounds or size["rounds"]
    sections = SECTIONS if a.only is None else tuple(s.strip() for s in a.only.split(",")
                                                      if s.strip())
    if not sections:
        p.error(f"--only: expected one or more of {','.join(SECTIONS)}, found nothing")
    bad = [s for s in sections if s not in SECTIONS]
    if bad:
        p.error(f"--only: unknown {bad}; choose from {SECTIONS}")
    partial = set(sections) != set(SECTIONS)
    out_path = a.out or (QUICK_RESULTS if quick else PARTIAL_RESULTS if partial else RESULTS)
    QUIET["wait_s"] = a.quiet_wait

    started = dt.datetime.now()
    t0 = time.monotonic()
    info = machine()
    _say(f"policysim benchmarks ({'quick' if quick else 'full'}, {rounds} rounds) on {info['cpu']}, "
         f"{info['cores']} cores, load average {os.getloadavg()[0]:.2f}")
    res: dict = {}
    if "whole" in sections:
        _say("[0/5] issue 11's ratio: whole `policysim run` process vs whole textbook SimPy M/M/20+M process")
        res["whole"] = bench_whole(size, rounds)
    if "model" in sections:
        _say(f"[1/5] throughput and memory: full model ({size['days']} days) vs degenerate engine vs textbook SimPy vs ciw")
        res["model"] = bench_model(size, rounds)
    if "scaling" in sections:
        _say(f"[2/5] cost per inquiry at {', '.join(map(str, size['agents']))} agents ({size['scale_days']} days)")
        res["scaling"] = bench_scaling(size, rounds)
    if "compare" in sections:
        _say(f"[3/5] compare with 1 and 2 workers ({size['cmp_reps']} reps x {size['cmp_days']} days x {len(SCHEMES)} schemes)")
        res["compare"] = bench_compare(size, rounds)
    if "chat" in sections:
        _say(f"[4/5] live concurrency: cap-{CHAT_K} chat store vs cap-1 engine; exact chat chain")
        res["chat"] = bench_chat(size, rounds)
    if "routing" in sections:
        _say(f"[5/5] cost per inquiry under each routing mode ({size['route_days']} days)")
        res["routing"] = bench_routing(size, rounds)
    if a.profile:
        _say("[profile] one baseline replication under pyinstrument")
        res["profile"] = profile(size)

    previous = {}
    if "model" in res:
        label = f"seed {SEED}, {res['model']['days']} days, {SCHEME}"
        fp = _previous_fingerprint(label)
        if fp:
            previous[label] = fp
    text, targets = report(info, res, quick, started, time.monotonic() - t0, previous)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text)
    _say("")
    _say(text)
    _say(f"written to {out_path.relative_to(ROOT) if out_path.is_relative_to(ROOT) else out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
