"""Agents: the people in the chat team, and the router that hands them new chats.

An agent is plain state. The engine reads its skill, efforts, hang-up threshold and
willingness to transfer, and counts what happens to it; it never decides them. Those
choices belong to the behaviour layer (``policysim.model.behaviour``), which sets them once
per pay period.

The router is the platform: a new chat goes to the eligible agent (on shift, below its own
hang-up threshold and the platform's cap) with the fewest open chats, ties broken at random.
Eligible agents sit in buckets by their number of open chats, so a routing decision costs
the same for a team of 10 or 1,000.
"""

from __future__ import annotations

from policysim.model.streams import Uniforms

#: Period counters the engine increments; the workforce layer reads and resets them.
COUNTERS = (
    "routed", "handled", "pre_routed", "served", "abandoned", "frt_sum", "pre_served", "orders", "sales", "rating_sum",
    "rating_w", "given", "received", "over_time", "after_served", "luck_value", "event_chats",
    "shift_time",
)


class Agent:
    """One customer-service agent (mutable state, no behaviour)."""

    __slots__ = (
        "id", "team", "shift", "hired_day", "tenure0_days", "s0", "s_inf", "experience", "skill",
        "cap", "comfort", "threshold", "limit", "sales_effort", "service_effort", "coop",
        "on_shift", "active", "open", "bucket", "pos", "pool_pos", "over_since", "tables",
        "last_action", "last_pay", "quit_day", *COUNTERS,
    )

    def __init__(self, id: int, team: int, shift: int, hired_day: int, tenure0_days: float,
                 s0: float, s_inf: float, experience: float) -> None:
        self.id, self.team, self.shift = id, team, shift
        self.hired_day, self.tenure0_days = hired_day, tenure0_days
        self.s0, self.s_inf, self.experience = s0, s_inf, experience
        self.skill = s0
        self.cap = self.comfort = self.threshold = self.limit = 1
        self.sales_effort = self.service_effort = 0.5
        self.coop = 0.0
        self.on_shift = False
        self.active = True
        self.open = 0
        self.bucket = -1
        self.pos = -1
        self.pool_pos = -1
        self.over_since = 0.0
        self.tables: tuple = ()
        self.last_action = None
        self.last_pay = 0.0
        self.quit_day = -1
        self.reset_counters()

    def reset_counters(self) -> None:
        """Zero the period counters."""
        for name in COUNTERS:
            setattr(self, name, 0.0)

    def tenure_days(self, day: float) -> float:
        """Tenure in days at ``day``."""
        return self.tenure0_days + day - self.hired_day


class Router:
    """Least-loaded routing over eligible agents, and a pool of colleagues who can take transfers."""

    def __init__(self, max_cap: int, n_teams: int, ties: Uniforms) -> None:
        self.buckets: list[list[Agent]] = [[] for _ in range(max_cap + 1)]
        self.team_pools: list[list[Agent]] = [[] for _ in range(n_teams)]
        self._u = ties

    def place(self, a: Agent) -> None:
        """Put ``a`` where its state says: in bucket[open] if eligible; in its team pool if spare."""
        eligible = a.on_shift and a.open < a.limit
        if a.bucket >= 0 and (not eligible or a.bucket != a.open):
            b = self.buckets[a.bucket]
            last = b.pop()
            if last is not a:
                b[a.pos] = last
                last.pos = a.pos
            a.bucket = -1
        if eligible and a.bucket < 0:
            b = self.buckets[a.open]
            a.bucket, a.pos = a.open, len(b)
            b.append(a)
        spare = a.on_shift and a.coop > 0.0 and a.open < a.comfort
        if spare != (a.pool_pos >= 0):
            pool = self.team_pools[a.team]
            if spare:
                a.pool_pos = len(pool)
                pool.append(a)
            else:
                last = pool.pop()
                if last is not a:
                    pool[a.pool_pos] = last
                    last.pool_pos = a.pool_pos
                a.pool_pos = -1

    def pick(self) -> Agent | None:
        """The eligible agent with the fewest open chats (random among ties), or None."""
        for b in self.buckets:
            if b:
                n = len(b)
                return b[0] if n == 1 else b[int(self._u.next() * n)]
        return None

    def helper(self, a: Agent) -> Agent | None:
        """A colleague with spare capacity who accepts transfers: own team first, then any."""
        pool = self.team_pools[a.team]
        if pool:
            return pool[int(self._u.next() * len(pool))]
        others = [p for i, p in enumerate(self.team_pools) if p and i != a.team]
        if not others:
            return None
        pool = others[int(self._u.next() * len(others))]
        return pool[int(self._u.next() * len(pool))]
