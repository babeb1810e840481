"""The chat-team engine: buyers arrive, the platform routes them, agents answer and serve.

Picture a store's chat window on a busy evening. Buyers knock one after another; the platform
hands each to the least-busy agent who has not hung up; if everyone is full the buyer waits in
the store queue, and leaves if no one answers within their patience. An agent holding k chats
answers more slowly and serves each chat more slowly, but serves more chats in all.

The engine is pure SimPy and does no I/O. It is built for a million inquiries a year:

- one SimPy process walks through each day's pre-drawn buyers (one event per arrival);
- a chat is one timeout event with a callback (no process per chat); a queued buyer adds one
  patience timer;
- everything fixed for a day (an agent's reply and handle-time scales per load, the agent
  part of conversion and rating) is tabulated at the start of the day, so the per-chat path
  only adds the buyer's own terms;
- outcomes are aggregated as they happen into per-day, per-hour and per-agent counters and
  emitted as plain records (dicts); tables are built outside.

What agents choose (efforts, hang-up threshold, cooperation) and who works here (quits,
hires, learning) belong to a :class:`Workforce` object passed in: the engine calls it at day
and pay-period ends and never decides those itself.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import simpy

from policysim.config.schema import Scenario
from policysim.model import production as prod
from policysim.model.agents import Agent, Router
from policysim.model.demand import DAY_S, HOUR_S, DayDemand, DemandGenerator
from policysim.model.streams import Uniforms, stream

HIST_MAX_S = 7200  # first-response histogram: 1-second bins up to 2 hours, then one overflow bin


class Workforce(Protocol):
    """Who works and how they behave: the seam between the engine and behaviour/pay/attrition."""

    def setup(self, engine: Engine) -> None:
        """Create the starting team with ``engine.add_agent`` and set their first actions."""

    def on_day_end(self, engine: Engine, day: int) -> dict:
        """Called after each day's record is closed; returns extra fields for that day's record."""

    def on_period_end(self, engine: Engine, period: int, day: int) -> list[dict]:
        """Called at the end of each pay period; returns per-agent records for the period."""


class _Inquiry:
    """A buyer waiting in the store queue."""

    __slots__ = ("day", "i", "t", "state")

    def __init__(self, day: DayDemand, i: int, t: float) -> None:
        self.day, self.i, self.t, self.state = day, i, t, 0  # 0 waiting, 1 served, 2 left


@dataclass
class RunResult:
    """Records of one run: plain data, ready for ``pandas.DataFrame``."""

    daily: list[dict]
    agents: list[dict]
    hourly: list[dict]
    frt_hist: np.ndarray
    wait_hist: np.ndarray
    extras: dict = field(default_factory=dict)


class _Day:
    """Counters of the current day (and hour of day)."""

    __slots__ = (
        "inquiries", "abandoned", "abandoned_queue", "waited", "answered", "frt_sum", "wait_sum",
        "pre", "orders", "revenue", "rating_sum", "rating_w", "transfers", "q_area",
        "h_inq", "h_aband", "h_ans", "h_frt", "hist",
    )

    def __init__(self) -> None:
        for name in self.__slots__[:14]:
            setattr(self, name, 0.0)
        self.h_inq = [0] * 24
        self.h_aband = [0] * 24
        self.h_ans = [0] * 24
        self.h_frt = [0.0] * 24
        self.hist = [0] * (HIST_MAX_S + 1)


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
        max_cap = max(scenario.agents.cap_expert, scenario.agents.cap_novice)
        self.router = Router(max_cap, len(scenario.teams), Uniforms(self.rng("router.ties")))
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
        self.wait_hist = np.zeros(HIST_MAX_S + 1, dtype=np.int64)
        self._hourly = np.zeros((2, 4, 24))  # [event?][inq, aband, answered, frt_sum][hour]
        self._shift_hours = [(s.start * HOUR_S, s.end * HOUR_S) for s in scenario.shifts]
        c = scenario.conversion
        self._a_intent, self._a_wait, self._w0 = c.a_intent, c.a_wait, c.w0_s
        r = scenario.rating
        self._r_wait, self._rw0, self._r_sd = r.r_wait, r.w0_s, r.noise_sd
        self._after_w = r.after_sales_weight
        self._t_delay = scenario.service.transfer_delay_s

    # ----------------------------------------------------------------- team
    def add_agent(self, agent: Agent) -> Agent:
        """Add ``agent`` to the team (on shift if its shift is running now)."""
        agent.id = len(self.agents)
        self.agents.append(agent)
        self.refresh(agent)
        return agent

    def remove_agent(self, agent: Agent) -> None:
        """Take ``agent`` off the team: no new chats; open chats finish and are still counted."""
        self._settle_over(agent)
        agent.active = False
        agent.on_shift = False
        self.router.place(agent)

    def refresh(self, agent: Agent) -> None:
        """Recompute an agent's limit, shift state and chat tables after its state changed."""
        self._settle_over(agent)
        agent.limit = max(1, min(agent.cap, agent.threshold))
        tod = self.env.now - self.day * DAY_S
        start, end = self._shift_hours[agent.shift]
        agent.on_shift = agent.active and start <= tod < end
        agent.tables = self._tables(agent)
        if agent.open > agent.comfort:
            agent.over_since = self.env.now
        self.router.place(agent)
        self._pull_queue(agent)

    def _tables(self, a: Agent) -> tuple:
        scn, ks = self.scn, np.arange(1, a.cap + 1)
        s, es, ev = a.skill, a.sales_effort, a.service_effort
        return (
            [0.0, *prod.reply_scale(scn, s, ks).tolist()],
            [0.0, *prod.handle_scale(scn, s, ks, es, ev, True).tolist()],
            [0.0, *prod.handle_scale(scn, s, ks, es, ev, False).tolist()],
            [0.0, *prod.conversion_base(scn, s, ks, es, self.is_event).tolist()],
            [0.0, *prod.rating_base(scn, s, ks, ev).tolist()],
        )

    # ------------------------------------------------------------ chat flow
    def _arrive(self, dd: DayDemand, i: int) -> None:
        d = self._d
        d.inquiries += 1
        hour = int((dd.times[i] - self.day * DAY_S) // HOUR_S)
        d.h_inq[hour] += 1
        if self.rec is not None:
            self.rec.arrived(dd, i, self.env.now)
        agent = self.router.pick()
        if agent is not None:
            self._assign(agent, dd, i, 0.0, hour)
            return
        inq = _Inquiry(dd, i, self.env.now)
        self._queue_change(+1)
        self.queue.append(inq)
        patience = dd.patience[i]
        if patience != math.inf:
            timer = self.env.timeout(patience)
            timer.callbacks.append(lambda _ev, inq=inq: self._give_up(inq))

    def _give_up(self, inq: _Inquiry) -> None:
        if inq.state != 0:
            return
        inq.state = 2
        self._queue_change(-1)
        d = self._d  # counted on the day the buyer leaves (differs only across midnight)
        wait = inq.day.patience[inq.i]
        d.waited += 1
        d.wait_sum += wait
        self.wait_hist[min(int(wait), HIST_MAX_S)] += 1
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
            self._assign(agent, dd, i, wait, hour)

    def _assign(self, a: Agent, dd: DayDemand, i: int, wait: float, hour: int) -> None:
        d = self._d
        d.wait_sum += wait
        self.wait_hist[min(int(wait), HIST_MAX_S)] += 1
        delay = 0.0
        a.routed += 1
        rec = self.rec
        if rec is not None:
            rec.assigned(dd, i, a.id, self.env.now)
            orders0 = d.orders
        if a.open >= a.comfort and a.coop > 0.0 and self._coop.next() < a.coop:
            b = self.router.helper(a)
            if b is not None:
                a.given += 1
                b.received += 1
                d.transfers += 1
                a, delay = b, self._t_delay
                if rec is not None:
                    rec.transferred(dd, i, b.id)
        k = a.open + 1
        if k > a.comfort and a.open == a.comfort:
            a.over_since = self.env.now
        a.open = k
        self.router.place(a)
        reply_t, h_pre, h_after, conv_t, rate_t = a.tables
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
        if frt > dd.patience[i]:
            # the buyer left before the first reply; the slot stays busy until the agent
            # replies and finds them gone
            a.abandoned += 1
            self._count_abandon(dd, i, queue=False)
            if rec is not None:
                rec.abandoned(dd, i, dd.times[i] + dd.patience[i])
            self._finish_later(a, reply, dd, i)
            return
        handle = dd.handle_mult[i] * (h_pre[kk] if pre else h_after[kk])
        self._finish_later(a, reply + handle, dd, i)
        d.answered += 1
        d.frt_sum += frt
        d.h_ans[hour] += 1
        d.h_frt[hour] += frt
        d.hist[int(frt) if frt < HIST_MAX_S else HIST_MAX_S] += 1
        a.served += 1
        a.frt_sum += reply  # the agent's own response time, as the platform attributes it
        wait_term = math.log1p(frt / self._rw0)
        x = rate_t[kk] - self._r_wait * wait_term + self._r_sd * dd.rating_noise[i]
        rating = 1.0 + 4.0 / (1.0 + math.exp(-x if x > -700.0 else 700.0))
        w = 1.0 if pre else self._after_w
        a.rating_sum += w * rating
        a.rating_w += w
        d.rating_sum += w * rating
        d.rating_w += w
        if pre:
            d.pre += 1
            a.pre_served += 1
            x = conv_t[kk] + self._a_intent * dd.intent[i] - self._a_wait * math.log1p(frt / self._w0)
            if dd.u_convert[i] * (1.0 + math.exp(-x if x > -700.0 else 700.0)) < 1.0:
                price = dd.price[i]
                d.orders += 1
                d.revenue += price
                a.orders += 1
                a.sales += price
        else:
            a.after_served += 1
        if rec is not None:
            won = dd.price[i] if d.orders > orders0 else 0.0
            rec.first_reply(dd, i, self.env.now + reply, won, rating)

    def _finish_later(self, a: Agent, duration: float, dd: DayDemand | None = None,
                      i: int = 0) -> None:
        ev = self.env.timeout(duration)
        if self.rec is None:
            ev.callbacks.append(lambda _ev, a=a: self._release(a))
        else:
            ev.callbacks.append(lambda _ev, a=a, dd=dd, i=i: self._release_recorded(a, dd, i))

    def _release_recorded(self, a: Agent, dd: DayDemand, i: int) -> None:
        self.rec.ended(dd, i, self.env.now)
        self._release(a)

    def _release(self, a: Agent) -> None:
        if a.open == a.comfort + 1:
            a.over_time += self.env.now - a.over_since
        a.open -= 1
        self.router.place(a)
        if self.queue_len:
            self._pull_queue(a)

    def _settle_over(self, a: Agent) -> None:
        if a.open > a.comfort:
            a.over_time += self.env.now - a.over_since
            a.over_since = self.env.now

    # ------------------------------------------------------------- clocks
    def _arrivals(self):
        env = self.env
        for day in range(self.days):
            dd = self.demand.day(day)
            self._today = dd
            times = dd.times
            for i in range(len(times)):
                dt = times[i] - env.now
                if dt > 0:
                    yield env.timeout(dt)
                self._arrive(dd, i)
            end = (day + 1) * DAY_S
            if end > env.now:
                yield env.timeout(end - env.now)

    def _shifts(self):
        env = self.env
        bounds = sorted({t for s in self._shift_hours for t in s if 0.0 < t < DAY_S})
        for day in range(self.days):
            for t in bounds:
                yield env.timeout(day * DAY_S + t - env.now)
                for a in self.agents:
                    if a.active:
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
                self.agent_records.extend(records)

    def _start_day(self, day: int) -> None:
        self.day = day
        self._d = _Day()
        self.is_event = self.demand._calendar.day(day)[3]
        for a in self.agents:
            if a.active:
                start, end = self._shift_hours[a.shift]
                a.shift_time += (end - start)
                self.refresh(a)

    def _close_day(self, day: int) -> None:
        d = self._d
        self._queue_change(0)
        hist = np.asarray(d.hist)
        self.frt_hist += hist
        p50, p90 = _percentiles(hist, (0.5, 0.9))
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
            "pre_sales_served": int(d.pre),
            "orders": int(d.orders),
            "revenue": d.revenue,
            "rating_sum": d.rating_sum,
            "rating_weight": d.rating_w,
            "transfers": int(d.transfers),
            "headcount": headcount,
        }
        ev = int(self.is_event)
        self._hourly[ev] += np.array([d.h_inq, d.h_aband, d.h_ans, d.h_frt])
        record.update(self.workforce.on_day_end(self, day) or {})
        self.daily.append(record)

    def run(self) -> RunResult:
        """Run the horizon and return the records."""
        self.workforce.setup(self)
        self.env.process(self._clock())
        self.env.process(self._shifts())
        self.env.process(self._arrivals())
        self.env.run(until=self.days * DAY_S + 1e-6)
        hourly = [
            {"event_day": bool(e), "hour": h, "inquiries": int(self._hourly[e, 0, h]),
             "abandoned": int(self._hourly[e, 1, h]), "answered": int(self._hourly[e, 2, h]),
             "frt_sum_s": float(self._hourly[e, 3, h])}
            for e in (0, 1) for h in range(24)
        ]
        summary = getattr(self.workforce, "summary", None)
        extras = summary(self) if summary else {}
        return RunResult(self.daily, self.agent_records, hourly, self.frt_hist, self.wait_hist,
                         extras)


def _percentiles(hist: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """Percentiles (seconds, 1-s resolution, upper bin edge) from a 1-second histogram."""
    total = hist.sum()
    if total == 0:
        return [0.0 for _ in qs]
    cum = np.cumsum(hist)
    return [float(np.searchsorted(cum, q * total) + 1) for q in qs]
