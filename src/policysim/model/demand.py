"""Demand: the buyers who open a chat with the store, generated one day at a time.

Think of the store's chat window as a door that buyers walk through at a rate that changes
with the hour, the weekday and the promotion calendar:

    rate(day, hour) = daily_volume x hour_share[hour] x weekday_factor[weekday]
                      x calendar_multiplier(day, hour) x (1 + growth)^(day / 365)

The rate is constant within each hour, so the number of arrivals in an hour is Poisson with
exactly that hour's expected volume and arrival times are uniform within the hour: a one-hour
spike gets its full expected volume (no thinning, no skipped peaks).

Each buyer carries everything random about them, drawn here from the demand streams only:
kind (pre- or after-sales), the price of the item asked about, purchase intent, patience,
and the standard variates that decide their chat's outcome (handle-time multiplier, reaction
multiplier, conversion uniform, rating noise). So every pay scheme and every team set-up
faces the *same* buyers with the same luck (common random numbers).

Buyers have identities. Some come back: an after-sales buyer asks about an order placed
after an earlier chat, and some pre-sales buyers follow up; together they make up
``service.routing.returning_share`` of the inquiries, and each is linked to an earlier
inquiry of the last 72 hours (``_buyer_ids``). Who returns is drawn here, from the demand
streams, so it too is the same under every scheme, team and routing mode.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from policysim.config.schema import Scenario
from policysim.model.streams import stream

DAY_S = 86400.0
HOUR_S = 3600.0
RETURN_WINDOW_S = 72 * HOUR_S  #: a returning buyer's earlier chat lies at most this far back


@dataclass(slots=True)
class DayDemand:
    """The buyers of one day, as parallel plain lists (fast to index in the engine)."""

    day: int
    is_event: bool
    expected_per_hour: np.ndarray  # expected arrivals in each hour (for checks and reports)
    times: list[float]  # arrival times, seconds since the start of the run, increasing
    pre_sales: list[bool]
    price: list[float]
    intent: list[float]
    patience: list[float]  # seconds; inf when buyers never leave
    handle_mult: list[float]  # mean-1 multiplier of the chat's handle time
    reply_mult: list[float]  # mean-1 exponential multiplier of the agent's reaction delay
    u_convert: list[float]  # uniform: the chat converts if u < p(convert)
    rating_noise: list[float]  # normal(0, 1)
    buyer: list[int]  # buyer id: a new one, or an earlier buyer's who returns (``_buyer_ids``)
    u_bot: list[float]  # uniform: a bot resolves a message left off hours if u < bot_share

    def __len__(self) -> int:
        return len(self.times)


class Calendar:
    """Promotion events: demand multiplier, intent boost and pre-sales share by day and hour."""

    def __init__(self, scenario: Scenario) -> None:
        self._start = scenario.sim.start_date
        self._events = scenario.demand.events
        self._pre_share = scenario.demand.pre_sales_share

    def _active(self, day: int):
        date = self._start + dt.timedelta(days=day)
        for ev in self._events:
            years = range(date.year - 1, date.year + 1) if ev.repeat_yearly else [ev.date.year]
            for year in years:
                try:
                    first = ev.date.replace(year=year)
                except ValueError:  # 29 February in a common year
                    first = dt.date(year, 3, 1)
                if first <= date < first + dt.timedelta(days=ev.days):
                    yield ev
                    break

    def events_on(self, day: int) -> list:
        """The events (``demand.events`` entries) covering any hour of ``day``."""
        return list(self._active(day))

    def day(self, day: int) -> tuple[np.ndarray, float, float, bool]:
        """Return (hourly multipliers, intent boost, pre-sales share, is_event) for ``day``."""
        mult = np.ones(24)
        boost, share, is_event = 0.0, self._pre_share, False
        hours = np.arange(24)
        for ev in self._active(day):
            # hour h is covered for the fraction of it that lies inside [start, end)
            cover = np.clip(np.minimum(hours + 1, ev.end_hour) - np.maximum(hours, ev.start_hour), 0, 1)
            mult *= 1.0 + (ev.multiplier - 1.0) * cover
            boost += ev.intent_boost
            is_event = True
            if ev.pre_sales_share is not None:
                share = ev.pre_sales_share
        return mult, boost, share, is_event


class DemandGenerator:
    """Generates each day's buyers from the scenario and the demand streams of one replication.

    Args:
        scenario: The validated scenario (its ``demand`` section and calendar).
        seed: The run's base seed.
        rep: Replication number.
        point: Design point of a sweep; buyer-side streams ignore it (``streams.stream``),
            so every point of a sweep faces the same buyers.
    """

    def __init__(self, scenario: Scenario, seed: int, rep: int, point: int = 0) -> None:
        d = scenario.demand
        self._scn = scenario
        self._calendar = Calendar(scenario)
        profile = np.asarray(d.hour_profile, dtype=float)
        self._hour_share = profile / profile.sum()
        wf = np.asarray(d.weekday_factor, dtype=float)
        self._weekday = wf / wf.mean()
        self._start_weekday = scenario.sim.start_date.weekday()
        prices = np.asarray(d.catalogue.prices, dtype=float)
        weights = np.asarray(d.catalogue.weights, dtype=float)
        self._prices, self._price_p = prices, weights / weights.sum()
        self._arrivals = stream(seed, rep, "demand.arrivals", point)
        self._buyers = stream(seed, rep, "demand.buyers", point)
        self._outcomes = stream(seed, rep, "demand.outcomes", point)
        self._returning = stream(seed, rep, "demand.returning", point)
        self._pool = stream(seed, rep, "demand.pool", point)
        # inquiries of the last 72 hours: (times, pre-sales?, buyer ids)
        self._past = (np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64))
        self._next_id = 0

    def is_event(self, day: int) -> bool:
        """Whether a promotion event covers any hour of ``day``."""
        return self._calendar.day(day)[3]

    def events_on(self, day: int) -> list:
        """The events (``demand.events`` entries) covering any hour of ``day``."""
        return self._calendar.events_on(day)

    def expected_per_hour(self, day: int) -> np.ndarray:
        """Expected number of inquiries in each hour of ``day``."""
        d = self._scn.demand
        mult, _, _, _ = self._calendar.day(day)
        weekday = self._weekday[(self._start_weekday + day) % 7]
        growth = (1.0 + d.growth_per_year) ** (day / 365.0)
        return d.daily_volume * self._hour_share * weekday * mult * growth

    def day(self, day: int) -> DayDemand:
        """Draw the buyers of ``day`` (days must be drawn in order 0, 1, 2, ...)."""
        d, svc = self._scn.demand, self._scn.service
        expected = self.expected_per_hour(day)
        _, boost, share, is_event = self._calendar.day(day)
        counts = self._arrivals.poisson(expected)
        n = int(counts.sum())
        offsets = np.repeat(np.arange(24) * HOUR_S, counts)
        within = self._arrivals.random(n) * HOUR_S
        # sort within each hour only: hours are already in order
        order = np.lexsort((within, offsets))
        times = day * DAY_S + offsets[order] + within[order]

        b = self._buyers
        pre = b.random(n) < share
        price = self._prices[b.choice(len(self._prices), size=n, p=self._price_p)]
        intent = d.intent_mean + boost + d.intent_sd * b.standard_normal(n)
        pat = d.patience
        if pat.dist == "infinite":
            patience = np.full(n, np.inf)
        elif pat.dist == "exponential":
            patience = b.exponential(pat.mean_s, n)
        else:
            s2 = np.log1p(pat.cv**2)
            patience = b.lognormal(np.log(pat.mean_s) - s2 / 2, np.sqrt(s2), n)

        o = self._outcomes
        if svc.handle_dist == "exponential":
            handle = o.exponential(1.0, n)
        else:
            handle = o.lognormal(-svc.handle_sigma**2 / 2, svc.handle_sigma, n)
        reply = o.exponential(1.0, n)
        u_conv = o.random(n)
        noise = o.standard_normal(n)
        buyer = self._buyer_ids(day, times, pre, share)
        u_bot = self._pool.random(n).tolist() if svc.message_pool.enabled else []
        return DayDemand(
            day=day,
            is_event=is_event,
            expected_per_hour=expected,
            times=times.tolist(),
            pre_sales=pre.tolist(),
            price=price.tolist(),
            intent=intent.tolist(),
            patience=patience.tolist(),
            handle_mult=handle.tolist(),
            reply_mult=reply.tolist(),
            u_convert=u_conv.tolist(),
            rating_noise=noise.tolist(),
            buyer=buyer,
            u_bot=u_bot,
        )

    # ------------------------------------------------------------- buyers
    def _buyer_ids(self, day: int, times: np.ndarray, pre: np.ndarray, share: float) -> list[int]:
        """Who each of today's buyers is: a new id, or the id of an earlier buyer who returns.

        An inquiry is from a returning buyer with probability ``returning_share`` overall,
        after-sales inquiries first (a buyer asking about an order placed after an earlier
        chat): an after-sales inquiry returns with probability min(1, R / (1 - p)) and a
        pre-sales one with max(0, R - (1 - p)) / p, p = the day's pre-sales share. Its earlier
        chat lies a lag U(0, 72 h] back: the latest inquiry at or before then (a pre-sales one
        for an after-sales buyer); none within 72 h makes it a new buyer. Draws: stream
        ``demand.returning`` (two uniforms per inquiry).
        """
        n = len(times)
        rs = self._scn.service.routing.returning_share
        after = 1.0 - share
        p_after = min(1.0, rs / after) if after > 0 else 0.0
        p_pre = max(0.0, rs - after) / share if share > 0 else 0.0
        u = self._returning.random((2, n))
        back = np.flatnonzero(u[0] < np.where(pre, p_pre, p_after))
        past_t, past_pre, past_id = self._past
        all_t = np.concatenate([past_t, times])
        all_pre = np.concatenate([past_pre, pre])
        target = times[back] - (1.0 - u[1, back]) * RETURN_WINDOW_S
        anyone = np.searchsorted(all_t, target, side="right") - 1
        pre_at = np.flatnonzero(all_pre)
        k = np.searchsorted(all_t[pre_at], target, side="right") - 1
        if len(pre_at):
            seller = np.where(k >= 0, pre_at[np.maximum(k, 0)], -1)
        else:  # no pre-sales chat yet (e.g. pre_sales_share 0): after-sales buyers are new
            seller = np.full(len(back), -1)
        link = np.where(pre[back], anyone, seller)
        ok = (link >= 0) & (times[back] - all_t[np.maximum(link, 0)] <= RETURN_WINDOW_S)
        ids = np.concatenate([past_id, np.arange(self._next_id, self._next_id + n)])
        self._next_id += n
        m = len(past_t)
        for j, src in zip(back[ok].tolist(), link[ok].tolist()):
            ids[m + j] = ids[src]  # ``src`` is earlier than ``j``: already resolved
        today = ids[m:]
        keep = all_t >= (day + 1) * DAY_S - RETURN_WINDOW_S
        self._past = (all_t[keep], all_pre[keep], ids[keep])
        return today.tolist()
