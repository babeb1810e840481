"""Agents: the people in the chat team.

An agent is plain state. The engine reads its skill, efforts, hang-up threshold and
willingness to transfer, and counts what happens to it; it never decides them. Those
choices belong to the behaviour layer (``policysim.model.behaviour``), which sets them once
per pay period.

Who gets a new chat is the platform's decision (``policysim.model.routing``); the slots
``bucket``, ``pos`` and ``pool_pos`` are where the router keeps track of the agent.
"""

from __future__ import annotations

import math

#: Period counters the engine increments; the workforce layer reads and resets them.
COUNTERS = (
    "routed", "handled", "pre_routed", "served", "abandoned", "frt_sum", "pre_served", "orders", "sales", "rating_sum",
    "rating_w", "given", "received", "over_time", "after_served", "luck_value", "event_chats",
    "shift_time", "frt_platform_sum", "within_30s", "within_180s", "own_within_30s",
    "own_within_180s",
)


class Agent:
    """One customer-service agent (mutable state, no behaviour).

    Args:
        id: Number of the agent in the run; the engine sets it when the agent joins
            (``Engine.add_agent``), in order of joining.
        team: Index of the agent's team in ``scenario.teams``.
        shift: Index of the agent's shift in ``scenario.shifts``.
        hired_day: Day the agent started (0 for the starting team; a hire's first day).
        tenure0_days: Tenure already served before day 0 (0 for hires).
        s0: Skill at zero experience (docs/model.md section 4.7).
        s_inf: Latent ability, the skill experience tends to.
        experience: Chats served before joining (learning by doing continues from it).
    """

    __slots__ = (
        "id", "team", "shift", "hired_day", "tenure0_days", "s0", "s_inf", "experience", "skill",
        "cap", "comfort", "threshold", "limit", "sales_effort", "service_effort", "coop",
        "on_shift", "active", "working", "open", "bucket", "pos", "pool_pos", "over_since", "tables",
        "vclock", "vtime", "work", "due",
        "last_action", "last_pay", "quit_day", "level", "route_weight", *COUNTERS,
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
        self.working = True  # in today (a rota's day off, a temporary agent's day without work)
        self.open = 0
        self.bucket = -1
        self.pos = -1
        self.pool_pos = -1
        self.over_since = 0.0
        self.tables: tuple = ()
        # live concurrency (the engine's bookkeeping): virtual clock, its last update (s),
        # heap of open chats' finishing virtual times, real time of the pending timer
        self.vclock = 0.0
        self.vtime = 0.0
        self.work: list[float] = []
        self.due = math.inf
        self.last_action = None
        self.last_pay = 0.0
        self.quit_day = -1
        self.level = 0  # index in ladder.levels (model/ladder.py); 0 without a ladder
        self.route_weight = 1.0  # the level's routing weight (weighted routing)
        self.reset_counters()

    def reset_counters(self) -> None:
        """Zero the period counters."""
        for name in COUNTERS:
            setattr(self, name, 0.0)

    def tenure_days(self, day: float) -> float:
        """Tenure in days at ``day``."""
        return self.tenure0_days + day - self.hired_day

