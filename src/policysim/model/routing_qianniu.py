"""Taobao Qianniu's shunt: routing by agent weight and busyness, and back to a recent contact.

Merchant guides describe how Qianniu, the chat platform of Taobao and Tmall stores, "shunts"
a buyer to an agent (LITERATURE.md, "Platforms: routing and service rules"):

1. a buyer who chatted with the store recently goes back to the agent who served them:
   within 24 h even if that agent has hung up, within 24-72 h only if the agent has not;
2. otherwise the buyer goes to an agent chosen by weight and busyness; weight 3 against 1
   gets about three times the buyers;
3. a hung-up agent gets no new shunted buyers, but still gets its returning buyers and its
   colleagues' transfers.

:class:`Weighted` is rule 2: among eligible agents (on shift, below their hang-up limit) it
draws one with probability proportional to

    weight(a) x (limit(a) - open(a))      with ``service.routing.busyness`` (the default)
    weight(a)                             without

where weight(a) is the weight of the agent's team times the weight of its tenure band
(``service.routing.weights``; 1 where none is given) times its career level's routing
weight (``ladder``; 1 without one). With busyness the draw leans away from
agents already holding many chats; two agents with equal load are still picked in the ratio
of their weights. Agents sit in buckets by their key (weight x spare), at most (distinct
weights) x (cap + 1) of them, so a decision costs the same for 10 or 1,000 agents.

:class:`Sticky` is rule 1 in front of any other mode (``service.routing.fallback``, default
``weighted``). The engine remembers who answered each buyer (docs/model.md section 2) and
passes it to :meth:`Sticky.pick`.
"""

from __future__ import annotations

import math

from policysim.config.schema import Scenario
from policysim.model.agents import Agent
from policysim.model.demand import DAY_S
from policysim.model.routing import Clock, Rng, Routing, TransferPools, routing_class
from policysim.model.streams import Uniforms

STICKY_ANY_S = 24 * 3600.0  #: back to the last agent even if it has hung up (below its cap)
STICKY_FREE_S = 72 * 3600.0  #: back to the last agent only if it has not hung up


def weight_rule(scn: Scenario, clock: Clock):
    """The routing weight of an agent now: its team's weight times its tenure band's weight
    (``service.routing.weights``; 1 where none is given) times its career level's weight
    (``ladder``; 1 without one). ``clock`` gives the time (s)."""
    cfg = scn.service.routing
    team_w = [cfg.weights.teams.get(t.name, 1.0) for t in scn.teams]
    bands = [(b.from_days, b.weight) for b in cfg.weights.tenure]

    def weight_of(a: Agent) -> float:
        w = team_w[a.team] * a.route_weight
        if bands:
            tenure = a.tenure_days(clock() / DAY_S)
            w *= next((bw for start, bw in reversed(bands) if tenure >= start), 1.0)
        return w

    return weight_of


class Weighted(TransferPools):
    """Eligible agents drawn with probability proportional to weight (x spare capacity).

    Args:
        weight_of: the routing weight of an agent now (team weight x tenure-band weight).
        busyness: multiply the weight by the agent's spare capacity, limit - open.
        n_teams: number of teams.
        ties: uniform numbers for the draws (stream ``router.ties``).
    """

    def __init__(self, weight_of, busyness: bool, n_teams: int, ties: Uniforms) -> None:
        super().__init__(n_teams, ties)
        self._weight_of = weight_of
        self._busyness = busyness
        self.buckets: dict[float, list[Agent]] = {}
        self._w: list[float] = []  # each agent's weight, updated by ``changed``
        self._key: list[float] = []  # each agent's bucket key (0: not listed)
        self._pos: list[int] = []

    def _place(self, a: Agent) -> None:
        i = a.id
        if a.on_shift and a.open < a.limit:
            key = self._w[i] * (a.limit - a.open) if self._busyness else self._w[i]
        else:
            key = 0.0
        old = self._key[i]
        if old != key:
            if old > 0.0:
                b = self.buckets[old]
                last = b.pop()
                if last is not a:
                    b[self._pos[i]] = last
                    self._pos[last.id] = self._pos[i]
            if key > 0.0:
                b = self.buckets.setdefault(key, [])
                self._pos[i] = len(b)
                b.append(a)
            self._key[i] = key
        self.place_helper(a)

    opened = closed = _place

    def takes_queue(self, a: Agent) -> bool:
        """Agents of weight 0 take no queued buyers either (they are out of the shunt)."""
        return self._w[a.id] > 0.0

    def changed(self, a: Agent) -> None:
        """Re-read the agent's weight (its tenure band may have changed), then re-place it."""
        while len(self._w) <= a.id:
            self._w.append(0.0)
            self._key.append(0.0)
            self._pos.append(-1)
        self._w[a.id] = self._weight_of(a)
        self._place(a)

    def pick(self, last: Agent | None = None, since: float = math.inf) -> Agent | None:
        """An eligible agent drawn with probability proportional to its key, or None."""
        total = 0.0
        for key, b in self.buckets.items():
            total += key * len(b)
        if total <= 0.0:
            return None
        x = self._u.next() * total
        chosen = None
        for key, b in self.buckets.items():
            if b:
                chosen = b
                mass = key * len(b)
                if x < mass:
                    return b[int(x / key)] if len(b) > 1 else b[0]
                x -= mass
        return chosen[-1]  # rounding left x just above the last bucket's mass

    @classmethod
    def build(cls, scn: Scenario, rng: Rng, clock: Clock) -> Weighted:
        """The router of ``scn`` drawing from the named streams of ``rng``."""
        cfg = scn.service.routing
        return cls(weight_rule(scn, clock), cfg.busyness, len(scn.teams),
                   Uniforms(rng("router.ties")))


class Sticky:
    """Back to the buyer's last agent if the recent-contact rule allows, else the fallback.

    Within ``STICKY_ANY_S`` (24 h) of its last answered chat a buyer goes back to that agent
    if it is on shift and below its platform cap, even if hung up; within ``STICKY_FREE_S``
    (72 h) only if it is on shift and below its own hang-up limit. Everything else (and every
    transfer) is the fallback router's.
    """

    def __init__(self, fallback: Routing) -> None:
        self.fallback = fallback
        self.helper = fallback.helper
        self.opened = fallback.opened
        self.passed = fallback.passed
        self.received = fallback.received
        self.closed = fallback.closed
        self.changed = fallback.changed
        self.takes_queue = fallback.takes_queue

    def pick(self, last: Agent | None = None, since: float = math.inf) -> Agent | None:
        """The buyer's last agent if the rule allows, else the fallback's pick."""
        if last is not None and last.on_shift:
            if since <= STICKY_ANY_S and last.open < last.cap:
                return last
            if since <= STICKY_FREE_S and last.open < last.limit:
                return last
        return self.fallback.pick()

    @classmethod
    def build(cls, scn: Scenario, rng: Rng, clock: Clock) -> Sticky:
        """Sticky routing in front of ``service.routing.fallback``."""
        fallback = routing_class(scn.service.routing.fallback)
        return cls(fallback.build(scn, rng, clock))
