"""The chat-team engine: buyers arrive, the platform routes them, agents answer and serve.

Picture a store's chat window on a busy evening. Buyers knock one after another; the platform
hands each to an agent who has not hung up (by the scenario's routing mode, see
``policysim.model.routing``); if everyone is full the buyer waits in the store queue, and
leaves if no one answers within their patience. An agent holding k chats answers more slowly,
and every chat it holds progresses more slowly while it holds them (live concurrency: when
the agent picks up or closes a chat, all its other open chats slow down or speed up).

The engine is pure SimPy and does no I/O. It is built for a million inquiries a year:

- one SimPy process walks through each day's pre-drawn buyers (one event per arrival);
- no process per chat: a chat's first reply is one timeout with a callback, and each agent
  has a single pending completion timer (``model.concurrency.LiveWork``: limited processor
  sharing in virtual time, one reschedule per agent per load change, not one per open
  chat); a queued buyer adds one patience timer;
- everything fixed for a day (an agent's reply scale per load and mean work, the agent
  part of conversion and rating) is tabulated at the start of the day, so the per-chat path
  only adds the buyer's own terms;
- outcomes are aggregated as they happen into per-day, per-hour and per-agent counters and
  emitted as plain records (dicts); tables are built outside.

What agents choose (efforts, hang-up threshold, cooperation) and who works here (quits,
hires, learning) belong to a :class:`Workforce` object passed in: the engine calls it at day
and pay-period ends and never decides those itself.

The engine remembers, for 72 hours, which agent last answered each buyer (buyers have ids,
see ``policysim.model.demand``), tells the router when a buyer returns, and counts how often
a returning buyer meets the same agent. With the message pool on, buyers who write while
nobody is on shift leave a message (or a bot resolves it) answered when the next shift starts.
"""

from __future__ import annotations

import gc
import math
import threading
from collections import deque
from contextlib import contextmanager
from functools import partial
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import simpy

from policysim.config.schema import Scenario
from policysim.model import production as prod
from policysim.model.agents import Agent
from policysim.model.concurrency import LiveWork
from policysim.model.demand import DAY_S, HOUR_S, RETURN_WINDOW_S, DayDemand, DemandGenerator
from policysim.model.histogram import HIST_MAX_S, percentiles
from policysim.model.rota import make_roster
from policysim.model.routing import make_routing
from policysim.model.streams import Uniforms, stream


class Workforce(Protocol):
    """Who works and how they behave: the seam between the engine and behaviour/pay/attrition.

    A workforce whose team changes may also offer ``turnover() -> (quit_log, hire_days)``;
    the engine hands both on in :class:`RunResult` for the run metrics.
    """

    def setup(self, engine: Engine) -> None:
        """Create the starting team with ``engine.add_agent`` and set their first actions."""

    def on_day_end(self, engine: Engine, day: int) -> dict:
        """Called after each day's record is closed; returns extra fields for that day's record."""

    def on_period_end(self, engine: Engine, period: int, day: int) -> list[dict]:
        """Called at the end of each pay period; returns per-agent records for the period."""


_LOOK_UP = object()  #: ``_assign``'s default: read the buyer's contact itself


class _Inquiry:
    """A buyer waiting in the store queue."""

    __slots__ = ("day", "i", "t", "state", "message")

    def __init__(self, day: DayDemand, i: int, t: float, message: bool = False) -> None:
        self.day, self.i, self.t, self.state = day, i, t, 0  # 0 waiting, 1 served, 2 left
        self.message = message  # left as a message off hours: waits for the next shift


@dataclass
class RunResult:
    """Records of one run: plain data, ready for ``pandas.DataFrame``."""

    daily: list[dict]
    agents: list[dict]
    hourly: list[dict]
    frt_hist: np.ndarray
    wait_hist: np.ndarray
    scenario: Scenario | None = None
    days: int = 0
    quit_log: list[dict] | None = None  # one dict per leaver; None without a paid workforce
    hire_days: list[int] | None = None  # the first working day of each hire
    staffing: dict | None = None  # rota and temporary-staff totals (``DutyRoster.summary``)


class _Day:
    """Counters of the current day (and hour of day)."""

    __slots__ = (
        "inquiries", "abandoned", "abandoned_queue", "waited", "answered", "frt_sum", "wait_sum",
        "pre", "orders", "revenue", "rating_sum", "rating_w", "transfers", "q_area", "open_area",
        "returning", "returning_same", "messages", "bot_resolved", "replied_30s", "replied_180s",
        "h_inq", "h_aband", "h_ans", "h_frt", "hist",
    )

    def __init__(self) -> None:
        for name in self.__slots__[:21]:
            setattr(self, name, 0.0)
        self.h_inq = [0] * 24
        self.h_aband = [0] * 24
        self.h_ans = [0] * 24
        self.h_frt = [0.0] * 24
        self.hist = [0] * (HIST_MAX_S + 1)


#: Python's cyclic garbage collector looks at the youngest objects after this many more
#: container objects were created than freed (its default is 700) while an engine runs.
GC_YOUNG_THRESHOLD = 50_000
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections():
    """Let Python's cyclic garbage collector run less often while engines run.

    A large store keeps hundreds of thousands of live containers (the 72-hour contact memory,
    the day's buyers, pending timers); the collector's default young-generation threshold
    (700) makes it walk them again and again, which cost a 1,000-agent store about a quarter
    of its time (benchmarks/README.md, section 3). The engine makes almost no
    reference cycles, so collecting less often frees the same memory and changes no result.
    The thresholds are restored when the last engine running in the process (threads
    included) finishes.
    """
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(GC_YOUNG_THRESHOLD, _gc_saved[0]), *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)


class Engine:
    """One replication of a scenario.

    Args:
        scenario: validated scenario.
        workforce: the behaviour/pay/attrition layer (see :class:`Workforce`).
        seed: base seed of the named streams.
        rep: replication number.
        point: design-point number (sweeps); 0 for plain runs.
        days: horizon; defaults to ``scenario.sim.days``.
    """

    def __init__(self, scenario: Scenario, workforce: Workforce, seed: int, rep: int = 0,
                 point: int = 0, days: int | None = None, recorder=None) -> None:
        self.scn = scenario
        self.rec = recorder  # optional per-chat listener (model/records.py); None: none
        self.days = scenario.sim.days if days is None else days
        self.seed, self.rep, self.point = seed, rep, point
        self.env = simpy.Environment()
        self.workforce = workforce
        self.demand = DemandGenerator(scenario, seed, rep, point)
        self.rng = lambda name: stream(seed, rep, name, point)
        self.agents: list[Agent] = []
        self.temps: list[Agent] = []  # temporary agents: routed chats, not on the team
        self.staffing = make_roster(scenario)  # rota and temporary staff; None without
        self.router = make_routing(scenario, self.rng, lambda: self.env.now)
        self._contacts: dict[int, tuple[Agent, float]] = {}  # buyer -> (agent, time answered)
        pool = scenario.service.message_pool
        self._pool_on, self._bot_share = pool.enabled, pool.bot_share
        self._messages: list[_Inquiry] = []
        self._on_shift = 0  # agents on shift now
        self._coop = Uniforms(self.rng("agents.transfers"))
        self.queue: deque[_Inquiry] = deque()
        self.queue_len = 0
        self._q_t = 0.0
        self.day = 0
        self.is_event = False
        self._d = _Day()
        self.daily: list[dict] = []
        self.agent_records: list[dict] = []
        self.frt_hist = np.zeros(HIST_MAX_S + 1, dtype=np.int64)
        self._wait_hist = [0] * (HIST_MAX_S + 1)  # a list while running (cheaper to count in)
        self._hourly = np.zeros((2, 4, 24))  # [event?][inq, aband, answered, frt_sum][hour]
        self._shift_hours = [(s.start * HOUR_S, s.end * HOUR_S) for s in scenario.shifts]
        self._outcome = prod.ChatOutcome(scenario)
        # per-chat speed by current load, with room beyond the largest cap (held at its end)
        max_cap = max(scenario.agents.cap_expert, scenario.agents.cap_novice)
        speed = [0.0, *prod.per_chat_rate(scenario, np.arange(1, 2 * max_cap + 2)).tolist()]
        self.live = LiveWork(self.env, speed, self._release)
        self._open_total = 0
        self._open_t = 0.0
        self._after_w = scenario.rating.after_sales_weight
        self._t_delay = scenario.service.transfer_delay_s
        self._t_hold = scenario.service.transfer_hold_s

    # ----------------------------------------------------------------- team
    def add_agent(self, agent: Agent, temp: bool = False) -> Agent:
        """Add ``agent`` to the team, or as a temporary agent (on shift if its shift is
        running now)."""
        agent.id = len(self.agents) + len(self.temps)
        (self.temps if temp else self.agents).append(agent)
        self.refresh(agent)
        return agent

    def remove_agent(self, agent: Agent) -> None:
        """Take ``agent`` off the team: no new chats; open chats finish and are still counted."""
        self._settle_over(agent)
        agent.active = False
        self._on_shift -= agent.on_shift
        agent.on_shift = False
        self.router.changed(agent)

    def refresh(self, agent: Agent) -> None:
        """Recompute an agent's limit, shift state and chat tables after its state changed."""
        self._settle_over(agent)
        agent.limit = max(1, min(agent.cap, agent.threshold))
        tod = self.env.now - self.day * DAY_S
        start, end = self._shift_hours[agent.shift]
        was = agent.on_shift
        agent.on_shift = agent.active and agent.working and start <= tod < end
        agent.tables = self._tables(agent)
        if agent.open > agent.comfort:
            agent.over_since = self.env.now
        self.router.changed(agent)
        if agent.on_shift != was:
            self._on_shift += 1 if agent.on_shift else -1
            if self._messages and agent.on_shift:
                self._deliver_messages()
        self._pull_queue(agent)

    def _tables(self, a: Agent) -> tuple:
        scn, ks = self.scn, np.arange(1, a.cap + 1)
        s, es, ev = a.skill, a.sales_effort, a.service_effort
        return (
            [0.0, *prod.reply_scale(scn, s, ks).tolist()],
            float(prod.handle_work(scn, s, es, ev, True)),
            float(prod.handle_work(scn, s, es, ev, False)),
            [0.0, *prod.conversion_base(scn, s, ks, es, self.is_event).tolist()],
            [0.0, *prod.rating_base(scn, s, ks, ev).tolist()],
        )

    # ------------------------------------------------------------ chat flow
    def _arrive(self, dd: DayDemand, i: int) -> None:
        d = self._d
        d.inquiries += 1
        hour = int((dd.times[i] - self.day * DAY_S) // HOUR_S)
        d.h_inq[hour] += 1
        now = self.env.now
        if self.rec is not None:
            self.rec.arrived(dd, i, now)
        if self._on_shift == 0 and self._pool_on:
            self._leave_message(dd, i)
            return
        contact = self._contacts.get(dd.buyer[i])
        if contact is not None and now - contact[1] <= RETURN_WINDOW_S:
            d.returning += 1
            agent = self.router.pick(contact[0], now - contact[1])
        else:
            agent = self.router.pick()
        if agent is not None:
            self._assign(agent, dd, i, 0.0, hour, False, contact)
            return
        inq = _Inquiry(dd, i, now)
        self._queue_change(+1)
        self.queue.append(inq)
        patience = dd.patience[i]
        if patience != math.inf:
            timer = self.env.timeout(patience)
            timer.callbacks.append(partial(self._give_up, inq))

    def _leave_message(self, dd: DayDemand, i: int) -> None:
        """Nobody is on shift: a bot resolves the buyer's question (``bot_share``) or the
        buyer leaves a message that waits, without giving up, for the next shift."""
        if dd.u_bot[i] < self._bot_share:
            self._d.bot_resolved += 1
            return
        self._d.messages += 1
        self._messages.append(_Inquiry(dd, i, self.env.now, message=True))

    def _deliver_messages(self) -> None:
        """An agent came on shift: the messages join the store queue, oldest first."""
        self._queue_change(len(self._messages))
        self.queue.extend(self._messages)
        self._messages = []

    def _give_up(self, inq: _Inquiry, _ev=None) -> None:
        if inq.state != 0:
            return
        inq.state = 2
        self._queue_change(-1)
        d = self._d  # counted on the day the buyer leaves (differs only across midnight)
        wait = inq.day.patience[inq.i]
        d.waited += 1
        d.wait_sum += wait
        self._wait_hist[int(wait) if wait < HIST_MAX_S else HIST_MAX_S] += 1
        self._count_abandon(inq.day, inq.i, queue=True)
        if self.rec is not None:
            self.rec.abandoned(inq.day, inq.i, self.env.now)

    def _count_abandon(self, dd: DayDemand, i: int, queue: bool) -> None:
        d = self._d
        d.abandoned += 1
        d.abandoned_queue += queue
        d.h_aband[int((dd.times[i] - dd.day * DAY_S) // HOUR_S)] += 1

    def _queue_change(self, delta: int) -> None:
        now = self.env.now
        self._d.q_area += self.queue_len * (now - self._q_t)
        self._q_t = now
        self.queue_len += delta

    def _pull_queue(self, agent: Agent) -> None:
        queue = self.queue
        if not (queue and self.router.takes_queue(agent)):
            return
        while queue and agent.on_shift and agent.open < agent.limit:
            inq = queue.popleft()
            if inq.state != 0:
                continue
            inq.state = 1
            self._queue_change(-1)
            dd, i = inq.day, inq.i
            wait = self.env.now - inq.t
            self._d.waited += 1
            hour = int((dd.times[i] - dd.day * DAY_S) // HOUR_S)
            self._assign(agent, dd, i, wait, hour, inq.message)

    def _assign(self, a: Agent, dd: DayDemand, i: int, wait: float, hour: int,
                message: bool = False, contact: tuple | None = _LOOK_UP) -> None:
        """Give buyer ``i`` of ``dd`` to ``a`` (or, if it passes the chat on, to a colleague).
        ``contact`` is the buyer's entry in the contact memory if the caller has just read
        it."""
        d = self._d
        now = self.env.now
        d.wait_sum += wait
        self._wait_hist[int(wait) if wait < HIST_MAX_S else HIST_MAX_S] += 1
        delay = 0.0
        a.routed += 1
        rec = self.rec
        if rec is not None:
            rec.assigned(dd, i, a.id, now)
            orders0 = d.orders
        passed = False
        if a.open >= a.comfort and a.coop > 0.0 and self._coop.next() < a.coop:
            b = self.router.helper(a)
            if b is not None:
                passed = True
                self.router.passed(a)
                a.given += 1
                b.received += 1
                d.transfers += 1
                if self._t_hold > 0.0:
                    self._hold(a, now)
                a, delay = b, self._t_delay
                if rec is not None:
                    rec.transferred(dd, i, b.id)
        k = a.open + 1
        if k > a.comfort and a.open == a.comfort:
            a.over_since = now
        self.live.advance(a)
        a.open = k
        self._open_change(+1)
        if passed:
            self.router.received(a)
        else:
            self.router.opened(a)
        reply_t, w_pre, w_after, conv_t, rate_t = a.tables
        kk = k if k <= a.cap else a.cap
        reply = dd.reply_mult[i] * reply_t[kk] + delay
        frt = wait + reply
        pre = dd.pre_sales[i]
        if pre:
            a.pre_routed += 1
            a.luck_value += dd.price[i]
        a.handled += 1
        if self.is_event:
            a.event_chats += 1
        buyer = dd.buyer[i]
        if contact is _LOOK_UP:
            contact = self._contacts.get(buyer)
        if contact is not None and contact[0] is a and now - contact[1] <= RETURN_WINDOW_S:
            d.returning_same += 1
        if frt > dd.patience[i] and not message:
            # the buyer left before the first reply; the slot stays busy until the agent
            # replies and finds them gone
            a.abandoned += 1
            self._count_abandon(dd, i, queue=False)
            if rec is not None:
                rec.abandoned(dd, i, dd.times[i] + dd.patience[i])
            ev = self.env.timeout(reply)
            ev.callbacks.append(partial(self._release, a, (dd, i)))
            self.live.changed(a)  # the load rose: the pending completion may come later
            return
        work = dd.handle_mult[i] * (w_pre if pre else w_after)
        if reply > 0.0:
            ev = self.env.timeout(reply)
            ev.callbacks.append(partial(self.live.start, a, work, (dd, i)))
            self.live.changed(a)
        else:
            self.live.start(a, work, (dd, i))
        d.answered += 1
        d.frt_sum += frt
        d.h_ans[hour] += 1
        d.h_frt[hour] += frt
        d.hist[int(frt) if frt < HIST_MAX_S else HIST_MAX_S] += 1
        self._contacts[buyer] = (a, now)
        a.served += 1
        a.frt_sum += reply  # the agent's own delay after pick-up (plus any transfer delay)
        a.frt_platform_sum += frt  # from the buyer's first message, queue included
        if frt <= 180.0:
            d.replied_180s += 1
            a.within_180s += 1
            if frt <= 30.0:
                d.replied_30s += 1
                a.within_30s += 1
        if reply <= 180.0:
            a.own_within_180s += 1
            if reply <= 30.0:
                a.own_within_30s += 1
        rating = self._outcome.rating(rate_t[kk], frt, dd.rating_noise[i])
        w = 1.0 if pre else self._after_w
        a.rating_sum += w * rating
        a.rating_w += w
        d.rating_sum += w * rating
        d.rating_w += w
        if pre:
            d.pre += 1
            a.pre_served += 1
            if self._outcome.converts(conv_t[kk], dd.intent[i], frt, dd.u_convert[i]):
                price = dd.price[i]
                d.orders += 1
                d.revenue += price
                a.orders += 1
                a.sales += price
        else:
            a.after_served += 1
        if rec is not None:
            won = dd.price[i] if d.orders > orders0 else 0.0
            rec.first_reply(dd, i, now + reply, won, rating)

    def _hold(self, a: Agent, now: float) -> None:
        """``a`` is handing a chat over: one of its slots stays taken for ``transfer_hold_s``
        (its other chats slow down as for any chat), then is released like a chat's."""
        if a.open == a.comfort:
            a.over_since = now
        self.live.advance(a)
        a.open += 1
        self._open_change(+1)
        self.router.received(a)  # its open count rose, but not by a new assignment
        self.live.changed(a)
        self.env.timeout(self._t_hold).callbacks.append(partial(self._release, a, None))

    def _release(self, a: Agent, chat: tuple | None = None, _ev=None) -> None:
        """One of ``a``'s chats (``chat`` = (day's buyers, index)) has ended: free its slot
        and let the others speed up."""
        if self.rec is not None and chat is not None:
            self.rec.ended(chat[0], chat[1], self.env.now)
        self.live.advance(a)
        if a.open == a.comfort + 1:
            a.over_time += self.env.now - a.over_since
        a.open -= 1
        self._open_change(-1)
        self.router.closed(a)
        if self.queue_len:
            self._pull_queue(a)
        self.live.changed(a)

    def _open_change(self, delta: int) -> None:
        now = self.env.now
        self._d.open_area += self._open_total * (now - self._open_t)
        self._open_t = now
        self._open_total += delta

    def _settle_over(self, a: Agent) -> None:
        if a.open > a.comfort:
            a.over_time += self.env.now - a.over_since
            a.over_since = self.env.now

    # ------------------------------------------------------------- clocks
    def _arrivals(self):
        """Start the day-by-day walk through the pre-drawn buyers (a process only to start
        at time 0 in its place among the clocks; the walk itself runs on timer callbacks,
        which cost less than resuming a process for every buyer)."""
        self._a_day = -1
        self._next_day()
        return
        yield  # a generator, for ``env.process``

    def _next_day(self, _ev=None) -> None:
        self._a_day += 1
        if self._a_day < self.days:
            self._a_dd, self._a_i = self.demand.day(self._a_day), 0
            self._walk()

    def _walk(self) -> None:
        """Let in every buyer due now, then set one timer for the next (or the day's end)."""
        env, dd, i = self.env, self._a_dd, self._a_i
        times, n = dd.times, len(dd.times)
        while i < n:
            dt = times[i] - env.now
            if dt > 0:
                self._a_i = i
                env.timeout(dt).callbacks.append(self._timed_arrival)
                return
            self._arrive(dd, i)
            i += 1
        self._a_i = n
        end = (self._a_day + 1) * DAY_S
        if end > env.now:
            env.timeout(end - env.now).callbacks.append(self._next_day)
        else:
            self._next_day()

    def _timed_arrival(self, _ev) -> None:
        i = self._a_i
        self._a_i = i + 1
        self._arrive(self._a_dd, i)
        self._walk()

    def _shifts(self):
        env = self.env
        bounds = sorted({t for s in self._shift_hours for t in s if 0.0 < t < DAY_S})
        for day in range(self.days):
            for t in bounds:
                yield env.timeout(day * DAY_S + t - env.now)
                for a in (*self.agents, *self.temps) if self.temps else self.agents:
                    if a.active and a.working:
                        start, end = self._shift_hours[a.shift]
                        if (start <= t < end) != a.on_shift:
                            self.refresh(a)
            yield env.timeout((day + 1) * DAY_S - env.now)

    def _clock(self):
        env = self.env
        period_days = self.scn.sim.period_days
        for day in range(self.days):
            self._start_day(day)
            yield env.timeout((day + 1) * DAY_S - env.now)
            self._close_day(day)
            last = day == self.days - 1
            if (day + 1) % period_days == 0 or last:
                for a in self.agents:
                    self._settle_over(a)
                records = self.workforce.on_period_end(self, day // period_days, day)
                if self.staffing is not None:
                    self.staffing.end_period(records)
                self.agent_records.extend(records)

    def _start_day(self, day: int) -> None:
        self.day = day
        if day:  # forget contacts older than the 72-hour window
            old = self.env.now - RETURN_WINDOW_S
            self._contacts = {b: c for b, c in self._contacts.items() if c[1] >= old}
        self._d = _Day()
        self.is_event = self.demand.is_event(day)
        if self.staffing is not None:
            self.staffing.start_day(self, day)
        for a in (*self.agents, *self.temps) if self.temps else self.agents:
            if a.active:
                start, end = self._shift_hours[a.shift]
                a.shift_time += (end - start) * a.working
                self.refresh(a)

    def _close_day(self, day: int) -> None:
        d = self._d
        self._queue_change(0)
        self._open_change(0)
        hist = np.asarray(d.hist)
        self.frt_hist += hist
        p50, p90 = percentiles(hist, (0.5, 0.9))
        headcount = sum(1 for a in self.agents if a.active)
        record = {
            "day": day,
            "is_event": self.is_event,
            "inquiries": int(d.inquiries),
            "abandoned": int(d.abandoned),
            "abandoned_queue": int(d.abandoned_queue),
            "waited": int(d.waited),
            "answered": int(d.answered),
            "frt_sum_s": d.frt_sum,
            "frt_p50_s": p50,
            "frt_p90_s": p90,
            "wait_sum_s": d.wait_sum,
            "queue_area_s": d.q_area,
            "open_chat_area_s": d.open_area,
            "pre_sales_served": int(d.pre),
            "orders": int(d.orders),
            "revenue": d.revenue,
            "rating_sum": d.rating_sum,
            "rating_weight": d.rating_w,
            "transfers": int(d.transfers),
            "replied_30s": int(d.replied_30s),
            "replied_180s": int(d.replied_180s),
            "returning": int(d.returning),
            "returning_same_agent": int(d.returning_same),
            "messages": int(d.messages),
            "bot_resolved": int(d.bot_resolved),
            "headcount": headcount,
        }
        ev = int(self.is_event)
        self._hourly[ev] += np.array([d.h_inq, d.h_aband, d.h_ans, d.h_frt])
        if self.staffing is not None:
            record.update(self.staffing.day_record(d.h_inq, d.h_aband))
        record.update(self.workforce.on_day_end(self, day) or {})
        self.daily.append(record)

    def run(self) -> RunResult:
        """Run the horizon and return the records."""
        self.workforce.setup(self)
        if self.staffing is not None:
            self.staffing.setup(self)
        self.env.process(self._clock())
        self.env.process(self._shifts())
        self.env.process(self._arrivals())
        with fewer_collections():
            self.env.run(until=self.days * DAY_S + 1e-6)
        hourly = [
            {"event_day": bool(e), "hour": h, "inquiries": int(self._hourly[e, 0, h]),
             "abandoned": int(self._hourly[e, 1, h]), "answered": int(self._hourly[e, 2, h]),
             "frt_sum_s": float(self._hourly[e, 3, h])}
            for e in (0, 1) for h in range(24)
        ]
        turnover = getattr(self.workforce, "turnover", None)
        quit_log, hire_days = turnover() if turnover else (None, None)
        return RunResult(self.daily, self.agent_records, hourly, self.frt_hist,
                         np.asarray(self._wait_hist, dtype=np.int64),
                         self.scn, self.days, quit_log, hire_days,
                         None if self.staffing is None else self.staffing.summary())

