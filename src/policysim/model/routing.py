"""Routing: how the platform hands a new chat to an agent, and a transfer to a colleague.

A store's chat platform decides who answers each buyer. Platforms differ in how (least
loaded, most spare capacity, by weight, in turn, back to the agent a buyer spoke with), so
routing is a strategy behind one small protocol, :class:`Routing`, chosen by the scenario's
``service.routing.mode``:

- ``pick`` chooses the agent for a new chat (or None: the buyer queues);
- ``helper`` chooses the colleague who takes a transfer (or None: the agent keeps it);
- ``opened``, ``closed`` and ``changed`` tell the router that an agent's open count rose,
  fell, or that its eligibility (shift, limit, activity, willingness to help) may have
  changed, so it can keep its own index of who is eligible.

The engine never looks inside a router; it only calls these five methods. A new mode is a
class implementing them, registered in :data:`ROUTINGS` under its mode name;
:func:`make_routing` builds the one a scenario asks for.

Only ``least_loaded`` exists so far: a new chat goes to the eligible agent (on shift, below
its own hang-up limit) with the fewest open chats, ties broken at random. Eligible agents sit
in buckets by their number of open chats, so a decision costs the same for 10 or 1,000
agents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from policysim.config.schema import Scenario
from policysim.model.agents import Agent
from policysim.model.streams import Uniforms


class Routing(Protocol):
    """What the engine asks of a router (see the module docstring)."""

    def pick(self, buyer: int = -1) -> Agent | None:
        """The agent for a new chat from ``buyer`` (-1: anonymous), or None if nobody is free."""

    def helper(self, a: Agent) -> Agent | None:
        """A colleague who takes a chat ``a`` transfers, or None."""

    def opened(self, a: Agent) -> None:
        """``a`` has just taken a chat (its ``open`` count rose by one)."""

    def closed(self, a: Agent) -> None:
        """One of ``a``'s chats has just ended (its ``open`` count fell by one)."""

    def changed(self, a: Agent) -> None:
        """``a``'s shift, limit, activity or cooperation may have changed."""


class LeastLoaded:
    """Least-loaded routing over eligible agents, and team pools of colleagues for transfers.

    Each agent's place is kept in its ``bucket``/``pos`` (bucket = open chats, -1 when not
    eligible) and ``pool_pos`` (position in its team's pool of spare helpers, -1 if none).

    Args:
        max_cap: the largest platform cap of any agent.
        n_teams: number of teams.
        ties: uniform numbers for ties and helper draws (stream ``router.ties``).
    """

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

    # every change of an agent is handled the same way: re-place it
    opened = closed = changed = place

    def pick(self, buyer: int = -1) -> Agent | None:
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

    @classmethod
    def build(cls, scn: Scenario, rng: Callable[[str], np.random.Generator]) -> LeastLoaded:
        """The router of ``scn`` drawing from the named streams of ``rng``."""
        max_cap = max(scn.agents.cap_expert, scn.agents.cap_novice)
        return cls(max_cap, len(scn.teams), Uniforms(rng("router.ties")))


#: Routing classes by ``service.routing.mode``; each has ``build(scenario, rng)``.
ROUTINGS: dict[str, type] = {"least_loaded": LeastLoaded}


def make_routing(scn: Scenario, rng: Callable[[str], np.random.Generator]) -> Routing:
    """The router ``scn.service.routing.mode`` names, drawing from named streams ``rng(name)``."""
    return ROUTINGS[scn.service.routing.mode].build(scn, rng)
