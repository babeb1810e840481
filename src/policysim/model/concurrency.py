"""Live concurrency: every open chat of an agent progresses at the pace of its load *now*.

An agent holding k chats gives each of them a per-chat speed v(k) (``production.per_chat_rate``:
``k^-alpha`` or a table); when it picks up or closes a chat, all its other chats slow down or
speed up at once. This is limited processor sharing (Luo & Zhang 2013; Tezcan & Zhang 2014).

Tracking each chat's remaining work would cost one update per open chat at every load
change. Instead each agent keeps a *virtual clock* V that advances at rate v(k) while it
holds k chats: all its chats in their work phase gain V at the same speed, so a chat whose
work is w and that started at virtual time V0 finishes when V reaches V0 + w, whatever the
load does meanwhile. The agent keeps its chats' finishing virtual times in a heap and has one
pending SimPy timeout, for the heap's head:

    due = now + (head - V) / v(k)

A load change advances V to now and, if the head's real finishing time moved earlier, sets
a new timeout (the old one is superseded: it finds its time no longer current and does
nothing); if it moved later the pending timeout is kept and looks again when it fires. One
reschedule per agent per load change, never one per open chat.

The agent's own fields used here: ``open`` (its load k), ``vclock``, ``vtime`` (when V was
last brought up to date), ``work`` (the heap) and ``due`` (the pending timeout's time).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from heapq import heappop, heappush

import simpy

from policysim.model.agents import Agent

#: A chat counts as finished within this much work (s) of its finishing virtual time: the
#: timeout's time is rounded, so V may stop a hair short of the head. (At very high speeds
#: the rounding of ``now`` can leave more than this; a chat whose finishing time rounds to
#: now counts as finished too.)
FINISH_TOL = 1e-6


class LiveWork:
    """Virtual-time bookkeeping of every agent's chats in their work phase.

    Args:
        env: the engine's SimPy environment.
        speed: per-chat speed by load: ``speed[k]`` for k open chats (``speed[0]`` unused).
        finished: called once for each chat that finishes, with its agent and the chat's
            reference given to :meth:`start` (the engine frees the slot there and then calls
            :meth:`changed`).
    """

    def __init__(self, env: simpy.Environment, speed: list[float],
                 finished: Callable[[Agent, object], None]) -> None:
        self.env = env
        self.speed = speed
        self._finished = finished
        self._seq = 0  # ties of finishing virtual times are broken by start order

    def advance(self, a: Agent) -> None:
        """Bring ``a``'s virtual clock to now; call before its load changes."""
        if a.work:
            now = self.env.now
            a.vclock += self.speed[a.open] * (now - a.vtime)
            a.vtime = now

    def start(self, a: Agent, work: float, chat: object = None, _ev=None) -> None:
        """A chat of ``a`` (``chat``: the caller's reference to it, handed back when it
        finishes) enters its work phase with ``work`` seconds of work at speed 1."""
        if a.work:
            self.advance(a)
        else:  # nothing in progress: restart the virtual clock (keeps it small and exact)
            a.vclock, a.vtime = 0.0, self.env.now
        self._seq += 1
        heappush(a.work, (a.vclock + work, self._seq, chat))
        self.changed(a)

    def changed(self, a: Agent) -> None:
        """``a``'s load or heap changed (its clock is current): keep its one timeout in time."""
        if not a.work:
            return
        now = self.env.now
        due = now + (a.work[0][0] - a.vclock) / self.speed[a.open]
        if due >= a.due:
            return  # the pending timeout fires first and looks again
        a.due = due
        ev = self.env.timeout(due - now)
        ev.callbacks.append(partial(self._on_due, a, due))

    def _on_due(self, a: Agent, due: float, _ev=None) -> None:
        if due != a.due:
            return  # superseded by an earlier timeout
        a.due = math.inf
        self.advance(a)
        work, done, now, v = a.work, [], self.env.now, self.speed[a.open]
        # finished: within FINISH_TOL of work, or so close that no later time could be set
        # (at a high speed the rounding of now exceeds FINISH_TOL: it would fire for ever)
        while work and (work[0][0] <= a.vclock + FINISH_TOL
                        or now + (work[0][0] - a.vclock) / v <= now):
            done.append(heappop(work)[2])
        for chat in done:
            self._finished(a, chat)
        if not done:
            self.changed(a)  # fired early: the load rose after it was set
