"""Tests for policysim.model.engine (with StaticTeam) and policysim.model.routing.LeastLoaded.

Exact checks: an event-by-event reference of a 2-agent, one-chat-each store (FIFO with
reneging, computed from the very buyers the engine drew) must reproduce the engine's day
record; the queue-area/wait identity and the conservation of buyers hold exactly per run.
Statistical checks (Little's law with the nominal arrival rate) use fixed seeds and a
tolerance of 4 standard errors of the across-replication mean.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from policysim.config.schema import Scenario
from store_fixtures import all_day_store
from policysim.model.agents import Agent
from policysim.model.demand import DAY_S, DemandGenerator
from policysim.model.engine import Engine
from policysim.model.routing import LeastLoaded, make_routing, routing_class
from policysim.model.streams import Uniforms, stream
from policysim.model.workforce import StaticTeam
from policysim.results.metrics import daily_frame, summarize


def make(**over) -> Scenario:
    """A small all-day store; top-level sections merged with ``over``."""
    return all_day_store("engine-test", 2, **over)


def run(scn: Scenario, seed: int = 1, rep: int = 0):
    engine = Engine(scn, StaticTeam(scn), seed=seed, rep=rep)
    return engine, engine.run()


def total(res, key):
    return sum(d[key] for d in res.daily)


# An overloaded store with abandonment: 12 agents (caps 3-5) against 12,000 buyers a day;
# about 45% leave and the store queue holds ~6 buyers on average.
BUSY = dict(
    demand={"daily_volume": 12000.0},
    teams=[{"name": "A", "agents": 6}, {"name": "B", "agents": 6}],
)


# --------------------------------------------------------- common random numbers
def test_same_buyers_under_different_teams_different_outcomes():
    a = make(teams=[{"name": "A", "agents": 2}, {"name": "B", "agents": 2}])
    b = make(teams=[{"name": "A", "agents": 6}],
             shifts=[{"name": "e", "start": 0, "end": 12}, {"name": "l", "start": 12, "end": 24}],
             agents={"cap_novice": 2, "cap_expert": 3})
    for rep in (0, 1):
        ga, gb = DemandGenerator(a, 9, rep), DemandGenerator(b, 9, rep)
        for day in range(2):
            da, db = ga.day(day), gb.day(day)
            assert da.times == db.times and da.patience == db.patience
            assert da.handle_mult == db.handle_mult and da.u_convert == db.u_convert
        _, ra = run(a, seed=9, rep=rep)
        _, rb = run(b, seed=9, rep=rep)
        assert [d["inquiries"] for d in ra.daily] == [d["inquiries"] for d in rb.daily]
        assert [h["inquiries"] for h in ra.hourly] == [h["inquiries"] for h in rb.hourly]
        fresh = DemandGenerator(a, 9, rep)
        assert [d["inquiries"] for d in ra.daily] == [len(fresh.day(0)), len(fresh.day(1))]
        assert total(ra, "answered") != total(rb, "answered")
        assert total(ra, "abandoned") != total(rb, "abandoned")


def test_same_seed_same_run_other_rep_other_run():
    scn = make()
    _, r1 = run(scn, seed=4, rep=0)
    _, r2 = run(scn, seed=4, rep=0)
    _, r3 = run(scn, seed=4, rep=1)
    assert r1.daily == r2.daily and r1.agents == r2.agents and r1.hourly == r2.hourly
    assert np.array_equal(r1.frt_hist, r2.frt_hist)
    assert r1.daily != r3.daily


# ------------------------------------------------------------------ Little's law
def test_littles_law_on_the_store_queue():
    """L = lambda W for the store queue. L_r: time-average queue length (sum of
    queue_area_s / horizon); lambda: the scenario's arrival rate (expected buyers / horizon);
    W_r: mean time in the queue per buyer (sum of wait_sum_s / inquiries; buyers served at
    once wait 0, leavers count their patience). d_r = L_r - lambda W_r has mean ~0 (finite-
    horizon and ratio terms are orders below its sd); we require |mean d| <= 4 se(d) over
    10 replications, and that the queue is busy (L well above the tolerance)."""
    scn = make(**BUSY)
    horizon = scn.sim.days * DAY_S
    lam = scn.demand.daily_volume * scn.sim.days / horizon
    diffs, ls = [], []
    for rep in range(10):
        _, res = run(scn, seed=21, rep=rep)
        area, wait = total(res, "queue_area_s"), total(res, "wait_sum_s")
        inq = total(res, "inquiries")
        big_l = area / horizon
        w = wait / inq
        diffs.append(big_l - lam * w)
        ls.append(big_l)
    d = np.asarray(diffs)
    se = d.std(ddof=1) / math.sqrt(len(d))
    assert se > 0
    assert abs(d.mean()) <= 4 * se, (d.mean(), se)
    assert np.mean(ls) > 2.0 and 4 * se < 0.05 * np.mean(ls)


def test_queue_area_equals_waits_plus_time_of_buyers_still_waiting():
    # the sample-path identity behind Little's law: every second a buyer spends in the queue
    # is counted once in queue_area_s and once in wait_sum_s (when they leave the queue),
    # except for buyers still waiting at the end of the horizon
    scn = make(**BUSY)
    for rep in range(3):
        engine, res = run(scn, seed=5, rep=rep)
        end = scn.sim.days * DAY_S
        waiting = [q for q in engine.queue if q.state == 0]
        assert engine.queue_len == len(waiting)
        residual = sum(end - q.t for q in waiting)
        area, wait = total(res, "queue_area_s"), total(res, "wait_sum_s")
        assert area > 1e5
        assert area == pytest.approx(wait + residual, rel=1e-9)


# -------------------------------------------------------------------- conservation
# transfers need a colleague below their comfortable load while the routed agent is at
# or above its own: with least-loaded routing that takes mixed comfort levels (agents at
# different learning progress: tenures below a month) and a load that is not saturating
MIXED = dict(
    demand={"daily_volume": 3000.0},
    teams=[{"name": "A", "agents": 6}, {"name": "B", "agents": 6}],
    agents={"default_transfer": 0.6, "initial_tenure_max_months": 1.0, "comfort_novice": 1},
)


@pytest.mark.parametrize("case", ["busy", "transfers"])
def test_conservation_of_buyers_and_chats(case):
    scn = make(**BUSY) if case == "busy" else make(**MIXED)
    transfer = case == "transfers"
    engine, res = run(scn, seed=3)
    inq, ans, ab = total(res, "inquiries"), total(res, "answered"), total(res, "abandoned")
    still = sum(1 for q in engine.queue if q.state == 0)
    assert inq == ans + ab + still
    assert still <= 0.005 * inq
    assert ab > (0.3 * inq if case == "busy" else 0)  # busy really is overloaded
    ab_queue = total(res, "abandoned_queue")
    agents = res.agents
    routed = sum(a["routed"] for a in agents)
    served = sum(a["served"] for a in agents)
    assert served == ans
    assert routed == ans + (ab - ab_queue)  # routed chats are answered or left before reply
    assert sum(a["pre_sales_served"] for a in agents) == total(res, "pre_sales_served")
    given = sum(a["transfers_given"] for a in agents)
    received = sum(a["transfers_received"] for a in agents)
    assert given == received == total(res, "transfers")
    if transfer:
        assert given > 100
    else:
        assert given == 0
    # hourly records add up to the daily ones
    for key in ("inquiries", "abandoned", "answered"):
        assert sum(h[key] for h in res.hourly) == total(res, key)
    assert sum(h["frt_sum_s"] for h in res.hourly) == pytest.approx(total(res, "frt_sum_s"))
    # every answered chat is in the first-response histogram
    assert int(res.frt_hist.sum()) == ans
    assert int(res.wait_hist.sum()) == ans + ab


# ---------------------------------------------------------------------- concurrency
def test_more_concurrency_slower_replies_shorter_queue():
    """Under a fixed heavy load (same buyers, CRN), raising the concurrency cap makes each
    agent reply more slowly (own reply delay grows like (1 + f)^(k-1)), while the store's
    mean first response (queue wait + reply) falls because fewer buyers queue."""
    per_cap = {}
    for cap in (1, 3, 5):
        scn = make(**BUSY, sim={"days": 1, "period_days": 1},
                   agents={"cap_novice": cap, "cap_expert": cap})
        reply, store = [], []
        for rep in range(2):
            _, res = run(scn, seed=8, rep=rep)
            served = sum(a["served"] for a in res.agents)
            reply.append(sum(a["first_response_s"] * a["served"] for a in res.agents) / served)
            store.append(summarize(res)["first_response_mean_s"])
        per_cap[cap] = (reply, store)
    for rep in range(2):
        r = [per_cap[c][0][rep] for c in (1, 3, 5)]
        s = [per_cap[c][1][rep] for c in (1, 3, 5)]
        assert r[0] < r[1] < r[2], r
        assert s[0] > s[1] > s[2], s


def test_router_always_picks_a_least_loaded_eligible_agent():
    scn = make(teams=[{"name": "A", "agents": 2}], demand={"daily_volume": 500.0},
               sim={"days": 1, "period_days": 1}, agents={"cap_novice": 2, "cap_expert": 2},
               service={"routing": {"mode": "least_loaded"}})
    engine = Engine(scn, StaticTeam(scn), seed=2, rep=0)
    router = engine.router
    original = router.pick
    seen = {"picks": 0, "ties": 0, "full": 0}

    def checked_pick(last=None, since=math.inf):
        eligible = [a for a in engine.agents if a.on_shift and a.open < a.limit]
        chosen = original(last, since)
        if not eligible:
            assert chosen is None
            seen["full"] += 1
        else:
            assert chosen.open == min(a.open for a in eligible)
            seen["picks"] += 1
            seen["ties"] += sum(a.open == chosen.open for a in eligible) > 1
        return chosen

    router.pick = checked_pick
    res = engine.run()
    assert seen["picks"] > 300 and seen["ties"] > 30 and seen["full"] > 10, seen
    # both agents got work
    assert all(rec["routed"] > 50 for rec in res.agents) and len(res.agents) == 2


# --------------------------------------------------------------- exact event trace
def test_two_agents_one_chat_each_reproduce_fifo_with_reneging():
    """2 identical agents (skill 1, no learning), one chat each, one day, no demand after
    22:00. The reference walks the buyers in arrival order: a buyer starts at
    max(arrival, earliest free agent); leaves unserved if that wait exceeds patience;
    if wait + reply exceeds patience the agent is busy for the reply only; otherwise for
    reply + handle. Conversion and rating follow MODEL.md with the scenario's constants."""
    profile = [1.0] * 22 + [0.0, 0.0]
    scn = make(
        sim={"days": 1, "period_days": 1},
        demand={"daily_volume": 600.0, "hour_profile": profile, "intent_mean": 0.2,
                "patience": {"dist": "exponential", "mean_s": 60.0}},
        teams=[{"name": "A", "agents": 2}],
        agents={"ability_sigma": 0.0, "s0_ratio": 1.0, "learning": False, "cap_novice": 1,
                "cap_expert": 1, "comfort_novice": 1, "comfort_expert": 1,
                "default_transfer": 0.0},
        service={"reply_base_s": 8.0, "handle_dist": "exponential", "handle_base_s": 240.0,
                 "effort_stretch": 0.3, "after_sales_handle_factor": 1.3},
    )
    seed = 17
    dd = DemandGenerator(scn, seed, 0).day(0)
    # constants of the scenario (defaults), agent skill 1, efforts 0.5, load k = 1
    pre_handle = 240.0 * (1 + 0.3 * 0.5 * (0.5 + 0.5))
    after_handle = 240.0 * 1.3 * (1 + 0.3 * 0.5)
    conv_agent = -1.8 + 1.6 * 1.0 + 1.0 * 0.5
    rate_agent = 0.6 + 1.4 * 1.0 + 1.2 * 0.5
    ref = dict(answered=0, abandoned=0, abandoned_queue=0, waited=0, wait_sum_s=0.0,
               frt_sum_s=0.0, orders=0, revenue=0.0, pre_sales_served=0, rating_sum=0.0,
               rating_weight=0.0)
    free = [0.0, 0.0]
    for i, t in enumerate(dd.times):
        p = dd.patience[i]
        j = int(np.argmin(free))
        start = max(t, free[j])
        wait = start - t
        if wait > 0:
            ref["waited"] += 1
        if wait > p:
            ref["abandoned"] += 1
            ref["abandoned_queue"] += 1
            ref["wait_sum_s"] += p
            continue
        ref["wait_sum_s"] += wait
        reply = dd.reply_mult[i] * 8.0
        frt = wait + reply
        if frt > p:
            ref["abandoned"] += 1
            free[j] = start + reply
            continue
        pre = dd.pre_sales[i]
        free[j] = start + reply + dd.handle_mult[i] * (pre_handle if pre else after_handle)
        ref["answered"] += 1
        ref["frt_sum_s"] += frt
        x = rate_agent - 0.5 * math.log1p(frt / 30.0) + 0.8 * dd.rating_noise[i]
        w = 1.0 if pre else 3.0
        ref["rating_sum"] += w * (1 + 4 / (1 + math.exp(-x)))
        ref["rating_weight"] += w
        if pre:
            ref["pre_sales_served"] += 1
            x = conv_agent + dd.intent[i] - 0.35 * math.log1p(frt / 30.0)
            if dd.u_convert[i] < 1 / (1 + math.exp(-x)):
                ref["orders"] += 1
                ref["revenue"] += dd.price[i]
    engine, res = run(scn, seed=seed)
    day = res.daily[0]
    assert day["inquiries"] == len(dd) > 400
    assert ref["abandoned_queue"] > 20 and ref["abandoned"] > ref["abandoned_queue"] + 5
    assert ref["orders"] > 10
    for key, value in ref.items():
        assert day[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
    assert max(free) < DAY_S and engine.queue_len == 0


# ------------------------------------------------------------------ empty demand
def test_zero_volume_days_run_without_nan():
    scn = make(demand={"daily_volume": 0.0}, sim={"days": 3, "period_days": 2})
    _, res = run(scn)
    assert len(res.daily) == 3
    assert all(d["inquiries"] == 0 and d["answered"] == 0 for d in res.daily)
    summary = summarize(res)
    assert summary["inquiries"] == 0.0
    assert all(math.isfinite(v) for v in summary.values()), summary
    frame = daily_frame(res)
    assert not frame.select_dtypes("number").isna().any().any()
    assert len(res.agents) == 2 * scn.n_agents  # two pay periods: days 0-1 and day 2
    for rec in res.agents:
        for key, value in rec.items():
            if isinstance(value, float):
                assert math.isfinite(value), key


# ------------------------------------------------------- LeastLoaded routing (unit)
def agent(i: int, team: int = 0, open_: int = 0, limit: int = 3, on_shift: bool = True,
          coop: float = 0.0, comfort: int = 2) -> Agent:
    a = Agent(i, team, 0, 0, 0.0, 1.0, 1.0, 0.0)
    a.open, a.limit, a.on_shift, a.coop, a.comfort = open_, limit, on_shift, coop, comfort
    return a


def consistent(router: LeastLoaded, agents: list[Agent]) -> None:
    for k, bucket in enumerate(router.buckets):
        for pos, a in enumerate(bucket):
            assert a.bucket == k and a.pos == pos
    for t, pool in enumerate(router.team_pools):
        for pos, a in enumerate(pool):
            assert a.team == t and a.pool_pos == pos
    assert router.teams_with_helpers == tuple(t for t, pool in enumerate(router.team_pools) if pool)
    for a in agents:
        eligible = a.on_shift and a.open < a.limit
        assert (a.bucket == a.open) if eligible else (a.bucket == -1)
        spare = a.on_shift and a.coop > 0 and a.open < a.comfort
        assert (a.pool_pos >= 0) == spare
        in_buckets = sum(a in b for b in router.buckets)
        assert in_buckets == (1 if eligible else 0)


def ids(bucket) -> list[int]:
    return [a.id for a in bucket]


def test_router_buckets_after_a_sequence_of_moves():
    router = LeastLoaded(3, 1, Uniforms(stream(1, 0, "router.ties")))
    ags = [agent(i) for i in range(4)]
    for a in ags:
        router.place(a)
    assert [ids(b) for b in router.buckets] == [[0, 1, 2, 3], [], [], []]
    ags[1].open = 1
    router.place(ags[1])  # removal swaps the last agent (3) into position 1
    assert [ids(b) for b in router.buckets] == [[0, 3, 2], [1], [], []]
    ags[0].open = 3  # at its limit: not eligible
    router.place(ags[0])
    assert [ids(b) for b in router.buckets] == [[2, 3], [1], [], []]
    ags[2].on_shift = False
    router.place(ags[2])
    assert [ids(b) for b in router.buckets] == [[3], [1], [], []]
    assert router.pick() is ags[3]
    ags[3].open = 2
    router.place(ags[3])
    assert router.pick() is ags[1]
    ags[1].open = 2
    router.place(ags[1])
    assert [ids(b) for b in router.buckets] == [[], [], [3, 1], []]
    ags[0].open = 2
    router.place(ags[0])
    assert [ids(b) for b in router.buckets] == [[], [], [3, 1, 0], []]
    for a in ags:
        a.open = a.limit
        router.place(a)
    assert router.pick() is None
    consistent(router, ags)


def test_router_breaks_ties_with_its_stream():
    ref = stream(42, 0, "router.ties").random(4096)
    router = LeastLoaded(2, 1, Uniforms(stream(42, 0, "router.ties")))
    ags = [agent(i) for i in range(5)]
    for a in ags:
        router.place(a)
    picks = [router.pick().id for _ in range(50)]
    assert picks == [int(u * 5) for u in ref[:50]]
    assert len(set(picks)) == 5
    # a single least-loaded agent is picked without drawing a number
    for a in ags[1:]:
        a.open = 1
        router.place(a)
    assert router.pick() is ags[0]
    a = ags[0]
    a.open = 1
    router.place(a)
    bucket = router.buckets[1]
    assert router.pick() is bucket[int(ref[50] * 5)]


def test_router_helper_own_team_first_then_any_team():
    ref = stream(3, 0, "router.ties").random(16)
    router = LeastLoaded(3, 3, Uniforms(stream(3, 0, "router.ties")))
    asker = agent(0, team=0, open_=2, coop=1.0)
    own = agent(1, team=0, coop=1.0, open_=0)
    other = [agent(2, team=1, coop=1.0), agent(3, team=2, coop=1.0), agent(4, team=2, coop=1.0)]
    shy = agent(5, team=0, coop=0.0)
    for a in (asker, own, *other, shy):
        router.place(a)
    assert ids(router.team_pools[0]) == [1] and ids(router.team_pools[2]) == [3, 4]
    assert router.helper(asker) is own  # own team pool has one member: ref[0] used
    own.open = 2  # at comfort: no longer spare
    router.place(own)
    assert router.team_pools[0] == []
    got = router.helper(asker)  # other pools: pick a pool, then a member
    pools = [router.team_pools[1], router.team_pools[2]]
    pool = pools[int(ref[1] * 2)]
    assert got is pool[int(ref[2] * len(pool))]
    for a in other:
        a.on_shift = False
        router.place(a)
    assert router.helper(asker) is None
    consistent(router, [asker, own, *other, shy])


def test_routing_mode_builds_its_router_from_the_scenario():
    scn = make(teams=[{"name": "A", "agents": 2}, {"name": "B", "agents": 1}],
               agents={"cap_novice": 2, "cap_expert": 4},
               service={"routing": {"mode": "least_loaded"}})
    assert make().service.routing.mode == "sticky"  # the default (docs/model.md section 2)
    assert routing_class("least_loaded") is LeastLoaded
    router = make_routing(scn, lambda name: stream(5, 0, name), lambda: 0.0)
    assert isinstance(router, LeastLoaded)
    assert len(router.buckets) == 5 and len(router.team_pools) == 2
    # ties come from the stream "router.ties"
    ref = stream(5, 0, "router.ties").random(1)
    ags = [agent(i) for i in range(3)]
    for a in ags:
        router.changed(a)
    assert router.pick() is ags[int(ref[0] * 3)]


def test_router_random_operations_keep_buckets_consistent():
    rng = np.random.default_rng(0)
    router = LeastLoaded(4, 2, Uniforms(stream(0, 0, "router.ties")))
    ags = [agent(i, team=i % 2, limit=int(rng.integers(1, 5)), coop=float(i % 3 == 0),
                 comfort=2) for i in range(12)]
    for a in ags:
        router.place(a)
    for _ in range(2000):
        a = ags[int(rng.integers(len(ags)))]
        move = rng.integers(4)
        if move == 0:
            a.open = max(0, a.open - 1)
        elif move == 1:
            a.open = min(a.limit, a.open + 1)
        elif move == 2:
            a.on_shift = not a.on_shift
        else:
            a.limit = int(rng.integers(1, 5))
            a.open = min(a.open, a.limit)
        router.place(a)
        consistent(router, ags)
        chosen = router.pick()
        eligible = [x for x in ags if x.on_shift and x.open < x.limit]
        if eligible:
            assert chosen.open == min(x.open for x in eligible)
        else:
            assert chosen is None


# ------------------------------------------------------------- garbage collector
def test_engine_collects_less_often_while_running_and_restores_the_collector():
    """The run raises the collector's young threshold (``fewer_collections``), restores the
    caller's thresholds afterwards, even after an error, and gives the same numbers as a run
    under the default collector."""
    import gc

    from policysim.model import engine as eng

    scn = make()
    seen = []

    class Watching(StaticTeam):
        def on_day_end(self, engine, day):
            seen.append(gc.get_threshold()[0])
            return super().on_day_end(engine, day)

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        r1 = Engine(scn, Watching(scn), seed=3).run()
        assert seen and all(t == eng.GC_YOUNG_THRESHOLD for t in seen)
        assert gc.get_threshold() == (700, 10, 10)
        with eng.fewer_collections(), eng.fewer_collections():  # nested, as threads may
            assert gc.get_threshold()[0] == eng.GC_YOUNG_THRESHOLD
        assert gc.get_threshold() == (700, 10, 10)
        with pytest.raises(RuntimeError), eng.fewer_collections():
            raise RuntimeError("a failing run")
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(1, 1, 1)  # the same run with the collector at every allocation
        old = eng.GC_YOUNG_THRESHOLD
        eng.GC_YOUNG_THRESHOLD = 1
        try:
            r2 = Engine(scn, StaticTeam(scn), seed=3).run()
        finally:
            eng.GC_YOUNG_THRESHOLD = old
        assert r1.daily == r2.daily and r1.agents == r2.agents
    finally:
        gc.set_threshold(*before)


@pytest.mark.parametrize("hold", [0.0, 45.0])
def test_open_chat_area_is_chats_slot_time_plus_the_passers_hand_over_time(hold):
    """An accounting identity of a whole run (exact up to rounding): the seconds of open
    slots the engine counts equal every assigned chat's time in a slot (assignment to
    release, cut at the run's end) plus, with ``service.transfer_hold_s`` = h, h for every
    chat passed on (the passer's slot, cut at the run's end). With h = 45 the identity fails
    unless the passer's slot is really taken for 45 s; with h = 0 the hand-over is free."""
    from policysim.config.validate import load_model
    from policysim.experiment.runner import make_workforce
    from policysim.model.records import ChatRecorder

    days = 20
    scn = load_model(Scenario, "scenarios/baseline.yaml",
                     ["service.routing.mode=most_available", f"service.transfer_hold_s={hold}"])
    rec = ChatRecorder()
    result = Engine(scn, make_workforce(scn, "kpi"), seed=scn.sim.seed, rep=0, days=days,
                    recorder=rec).run()
    end = days * 86400.0
    agent, start = np.array(rec.agent), np.array(rec.assigned_at)
    stop, passed = np.array(rec.ended_at), np.array(rec.transfer) >= 0
    held = agent >= 0
    chats = (np.minimum(np.nan_to_num(stop[held], nan=end), end) - start[held]).sum()
    holds = np.minimum(hold, end - start[passed]).sum()
    assert passed.sum() > 1000  # the kpi sheet under most_available passes chats on
    area = sum(d["open_chat_area_s"] for d in result.daily)
    assert area == pytest.approx(chats + holds, rel=1e-9)


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_transfer_hold_must_be_a_non_negative_number(value):
    from policysim.config.validate import load_model
    from policysim.errors import UserError

    with pytest.raises(UserError) as e:
        load_model(Scenario, "scenarios/baseline.yaml", [f"service.transfer_hold_s={value}"])
    assert e.value.message.startswith(f"--set service.transfer_hold_s={value}: "
                                      "service.transfer_hold_s: expected ")
