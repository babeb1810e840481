"""Routing: how the platform hands a new chat to an agent, and a transfer to a colleague.

A store's chat platform decides who answers each buyer. Platforms differ in how, so routing
is a strategy behind one small protocol, :class:`Routing`, chosen by the scenario's
``service.routing.mode``:

- ``pick`` chooses the agent for a new chat (or None: the buyer queues); it is told who
  served this buyer last and how long ago, which only the ``sticky`` mode uses;
- ``helper`` chooses the colleague who takes a transfer (or None: the agent keeps it);
- ``opened``, ``closed`` and ``changed`` tell the router that an agent's open count rose,
  fell, or that its eligibility (shift, limit, activity, willingness to help) may have
  changed, so it can keep its own index of who is eligible.

The engine never looks inside a router; it only calls these methods (and ``takes_queue``:
may this agent take buyers from the store queue). A new mode is a class implementing them
with a ``build(scenario, rng, clock)`` class method, named in :func:`routing_class`;
:func:`make_routing` builds the one a scenario asks for.

An agent is *eligible* for a new ("shunted") chat when it is on shift and below its own
hang-up limit; an agent at its limit has hung up. The modes (docs/model.md section 2):

- ``least_loaded``: the eligible agent with the fewest open chats (Intercom; Salesforce
  "least active"), random ties;
- ``most_available``: the eligible agent with the largest spare capacity, limit minus open
  (Salesforce "most available", Zendesk), random ties;
- ``round_robin``: the eligible agent longest since its last assignment (Zendesk); a chat
  the router gives an agent is that agent's turn even if it passes the chat on, and a
  colleague's transfer is not the helper's turn;
- ``weighted`` and ``sticky`` (Taobao Qianniu's shunt) live in
  :mod:`policysim.model.routing_qianniu`.

Every decision costs O(1) or O(log n) in team size: least loaded and most available keep
eligible agents in buckets by open chats or spare capacity (at most ``cap + 1`` buckets),
round robin keeps a heap keyed by the time of the last assignment, and the transfer rule
keeps the teams whose helper pool is not empty in team order (so finding another team's
helper does not scan every team).

Every mode shares the transfer rule (:class:`TransferPools`): a colleague of the giver's
team who accepts transfers and is below comfort, else one of another team. A hung-up agent
still takes colleagues' transfers.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Callable
from typing import Protocol

import numpy as np

from policysim.config.schema import Scenario
from policysim.model.agents import Agent
from policysim.model.streams import Uniforms

Rng = Callable[[str], np.random.Generator]
Clock = Callable[[], float]


class Routing(Protocol):
    """What the engine asks of a router (see the module docstring)."""

    def pick(self, last: Agent | None = None, since: float = math.inf) -> Agent | None:
        """The agent for a new chat, or None if nobody takes it (the buyer queues).

        Args:
            last: the agent who answered this buyer's latest chat (within 72 h), if any.
            since: seconds since that chat.
        """

    def helper(self, a: Agent) -> Agent | None:
        """A colleague who takes a chat ``a`` transfers, or None."""

    def opened(self, a: Agent) -> None:
        """``a`` has just taken a chat (its ``open`` count rose by one)."""

    def passed(self, a: Agent) -> None:
        """The chat just given to ``a`` goes on to a colleague (``a``'s count is unchanged)."""

    def received(self, a: Agent) -> None:
        """``a`` has just taken a colleague's transfer (its ``open`` count rose by one)."""

    def closed(self, a: Agent) -> None:
        """One of ``a``'s chats has just ended (its ``open`` count fell by one)."""

    def changed(self, a: Agent) -> None:
        """``a``'s shift, limit, activity or cooperation may have changed."""

    def takes_queue(self, a: Agent) -> bool:
        """Whether ``a`` may take buyers from the store queue when below its limit."""


class TransferPools:
    """Team pools of colleagues who take transfers: on shift, ``coop > 0``, below comfort.

    Each agent's position is kept in ``a.pool_pos`` (-1 when not in a pool).

    Args:
        n_teams: number of teams.
        ties: uniform numbers for the draws (stream ``router.ties``).
    """

    def __init__(self, n_teams: int, ties: Uniforms) -> None:
        self.team_pools: list[list[Agent]] = [[] for _ in range(n_teams)]
        self._nonempty: list[int] = []  # teams whose pool is not empty, in team order
        self._u = ties

    def takes_queue(self, a: Agent) -> bool:
        """Every agent below its limit takes buyers from the store queue."""
        return True

    @property
    def teams_with_helpers(self) -> tuple[int, ...]:
        """The teams whose helper pool is not empty, in team order."""
        return tuple(self._nonempty)

    def passed(self, a: Agent) -> None:
        """Rules that look only at open chats need nothing when a chat is passed on."""

    def received(self, a: Agent) -> None:
        """A transfer changes the helper's open chats like any chat it takes."""
        self.opened(a)

    def place_helper(self, a: Agent) -> None:
        """Put ``a`` in or out of its team's pool as its state says."""
        spare = a.on_shift and a.coop > 0.0 and a.open < a.comfort
        if spare != (a.pool_pos >= 0):
            pool = self.team_pools[a.team]
            if spare:
                if not pool:
                    bisect.insort(self._nonempty, a.team)
                a.pool_pos = len(pool)
                pool.append(a)
            else:
                last = pool.pop()
                if last is not a:
                    pool[a.pool_pos] = last
                    last.pool_pos = a.pool_pos
                a.pool_pos = -1
                if not pool:
                    del self._nonempty[bisect.bisect_left(self._nonempty, a.team)]

    def helper(self, a: Agent) -> Agent | None:
        """A colleague with spare capacity who accepts transfers: own team first, then any."""
        pool = self.team_pools[a.team]
        if pool:
            return pool[int(self._u.next() * len(pool))]
        others = self._nonempty  # own pool is empty, so these are the other teams' pools
        if not others:
            return None
        pool = self.team_pools[others[int(self._u.next() * len(others))]]
        return pool[int(self._u.next() * len(pool))]


class Buckets(TransferPools):
    """Eligible agents in buckets by their open chats (``fewest``) or by their spare capacity,
    limit - open; ``pick`` takes a random member of the first non-empty bucket in scan order
    (fewest open first, or most spare first). Positions live in ``a.bucket`` and ``a.pos``.
    """

    def __init__(self, max_cap: int, n_teams: int, ties: Uniforms, fewest: bool) -> None:
        super().__init__(n_teams, ties)
        self.buckets: list[list[Agent]] = [[] for _ in range(max_cap + 1)]
        order = range(max_cap + 1) if fewest else range(max_cap, 0, -1)
        self._order = [self.buckets[k] for k in order]
        self._fewest = fewest

    def place(self, a: Agent) -> None:
        """Put ``a`` in the bucket its state says, and in or out of its helper pool."""
        if a.on_shift and a.open < a.limit:
            key = a.open if self._fewest else a.limit - a.open
        else:
            key = -1
        if a.bucket >= 0 and a.bucket != key:
            b = self.buckets[a.bucket]
            last = b.pop()
            if last is not a:
                b[a.pos] = last
                last.pos = a.pos
            a.bucket = -1
        if key >= 0 and a.bucket < 0:
            b = self.buckets[key]
            a.bucket, a.pos = key, len(b)
            b.append(a)
        self.place_helper(a)

    # every change of an agent is handled the same way: re-place it
    opened = closed = changed = place

    def pick(self, last: Agent | None = None, since: float = math.inf) -> Agent | None:
        """A random member of the first non-empty bucket in scan order, or None."""
        for b in self._order:
            if b:
                n = len(b)
                return b[0] if n == 1 else b[int(self._u.next() * n)]
        return None


class LeastLoaded(Buckets):
    """The eligible agent with the fewest open chats, random ties (buckets by open chats)."""

    def __init__(self, max_cap: int, n_teams: int, ties: Uniforms) -> None:
        super().__init__(max_cap, n_teams, ties, fewest=True)

    @classmethod
    def build(cls, scn: Scenario, rng: Rng, clock: Clock) -> LeastLoaded:
        """The router of ``scn`` drawing from the named streams of ``rng``."""
        return cls(_max_cap(scn), len(scn.teams), Uniforms(rng("router.ties")))


class MostAvailable(Buckets):
    """The eligible agent with the largest spare capacity (limit - open), random ties."""

    def __init__(self, max_cap: int, n_teams: int, ties: Uniforms) -> None:
        super().__init__(max_cap, n_teams, ties, fewest=False)

    @classmethod
    def build(cls, scn: Scenario, rng: Rng, clock: Clock) -> MostAvailable:
        """The router of ``scn`` drawing from the named streams of ``rng``."""
        return cls(_max_cap(scn), len(scn.teams), Uniforms(rng("router.ties")))


class RoundRobin(TransferPools):
    """The eligible agent longest since its last assignment.

    A heap holds (turn of last assignment, tie-break uniform, agent id, version) for eligible
    agents; an entry is current while its version equals the agent's. Becoming ineligible or
    taking a chat bumps the version (the old entry is dropped when it reaches the top), so each
    change costs O(log n). Agents never assigned yet have turn -1 and are ordered by a uniform
    drawn when they join (stream ``router.ties``).
    """

    def __init__(self, n_teams: int, ties: Uniforms) -> None:
        super().__init__(n_teams, ties)
        self._heap: list[tuple[int, float, int, int]] = []
        self._agents: list[Agent | None] = []
        self._turn: list[int] = []  # turn of each agent's last assignment
        self._tie: list[float] = []
        self._version: list[int] = []
        self._listed: list[bool] = []  # has a current entry in the heap
        self._next_turn = 0
        self._n_listed = 0

    def _know(self, a: Agent) -> None:
        while len(self._agents) <= a.id:
            self._agents.append(None)
            self._turn.append(-1)
            self._tie.append(0.0)
            self._version.append(0)
            self._listed.append(False)
        if self._agents[a.id] is not a:
            self._agents[a.id] = a
            self._tie[a.id] = self._u.next()

    def _unlist(self, i: int) -> None:
        if self._listed[i]:
            self._version[i] += 1
            self._listed[i] = False
            self._n_listed -= 1

    def _list_if_eligible(self, a: Agent) -> None:
        i = a.id
        if a.on_shift and a.open < a.limit:
            if not self._listed[i]:
                self._listed[i] = True
                self._n_listed += 1
                heapq.heappush(self._heap, (self._turn[i], self._tie[i], i, self._version[i]))
        else:
            self._unlist(i)
        if len(self._heap) > 4 * self._n_listed + 64:  # drop stale entries now and then
            self._heap = [e for e in self._heap
                          if self._listed[e[2]] and e[3] == self._version[e[2]]]
            heapq.heapify(self._heap)

    def opened(self, a: Agent) -> None:
        self._take_turn(a)
        self._list_if_eligible(a)
        self.place_helper(a)

    def passed(self, a: Agent) -> None:
        """The router's turn was ``a``'s even though a colleague serves the chat: otherwise
        an agent who passes chats on would stay at the head of the line and be given every
        new chat while it sits at comfort."""
        self._take_turn(a)
        self._list_if_eligible(a)

    def received(self, a: Agent) -> None:
        """A colleague's transfer is not the router's assignment: ``a`` keeps its turn."""
        self.closed(a)

    def _take_turn(self, a: Agent) -> None:
        self._know(a)
        self._unlist(a.id)
        self._turn[a.id] = self._next_turn
        self._next_turn += 1

    def closed(self, a: Agent) -> None:
        self._know(a)
        self._list_if_eligible(a)
        self.place_helper(a)

    changed = closed

    def pick(self, last: Agent | None = None, since: float = math.inf) -> Agent | None:
        """The listed agent with the oldest last assignment, or None."""
        heap = self._heap
        while heap:
            _, _, i, version = heap[0]
            if self._listed[i] and version == self._version[i]:
                return self._agents[i]
            heapq.heappop(heap)
        return None

    @classmethod
    def build(cls, scn: Scenario, rng: Rng, clock: Clock) -> RoundRobin:
        """The router of ``scn`` drawing from the named streams of ``rng``."""
        return cls(len(scn.teams), Uniforms(rng("router.ties")))


def _max_cap(scn: Scenario) -> int:
    return max(scn.agents.cap_expert, scn.agents.cap_novice)


def routing_class(mode: str) -> type:
    """The routing class of ``service.routing.mode`` (or of the sticky mode's fallback)."""
    from policysim.model import routing_qianniu as qn  # it imports this module

    return {"least_loaded": LeastLoaded, "most_available": MostAvailable,
            "round_robin": RoundRobin, "weighted": qn.Weighted, "sticky": qn.Sticky}[mode]


def make_routing(scn: Scenario, rng: Rng, clock: Clock) -> Routing:
    """The router ``scn.service.routing.mode`` names.

    Args:
        scn: the scenario.
        rng: the named streams of the replication (``rng(name)``).
        clock: the simulation clock (seconds), for rules that depend on time (tenure bands).
    """
    return routing_class(scn.service.routing.mode).build(scn, rng, clock)
