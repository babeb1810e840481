"""Per-chat records of a run: the tables a store would export, written from the simulation.

The engine only counts (daily and hourly totals); a store's own records list every chat.
A :class:`ChatRecorder` is an optional listener the engine tells about each step of a chat's
life, in the order they happen:

    arrived -> (abandoned from the queue) | assigned [-> transferred] -> first reply
            -> (abandoned before the reply) -> ended

The engine calls it only when one is present (``if rec is not None``), so a run without
records draws the same numbers and runs as fast as before. A chat is known to the recorder
by its buyer: ``(day, i)``, the i-th buyer of ``day``; rows are numbered in arrival order.
The chat's end is recorded when the engine releases the agent's slot, whatever decided that
moment. After the run, :meth:`ChatRecorder.tables` turns the rows, the team and the pay
records into the three tables of docs/data.md (times still in seconds from the start).
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

NAN = math.nan


class Recorder(Protocol):
    """What the engine tells a recorder (times in seconds since the start of the run)."""

    def arrived(self, dd, i: int, t: float) -> None:
        """Buyer ``i`` of day ``dd`` opened a chat at ``t``."""

    def assigned(self, dd, i: int, agent: int, t: float) -> None:
        """The chat went to ``agent`` at ``t``."""

    def transferred(self, dd, i: int, agent: int) -> None:
        """The agent it went to handed it straight on to ``agent``."""

    def first_reply(self, dd, i: int, t: float, order_value: float, rating: float) -> None:
        """The buyer got the first reply at ``t``; the chat's order value and rating."""

    def abandoned(self, dd, i: int, t: float) -> None:
        """The buyer left before any reply, at ``t``."""

    def ended(self, dd, i: int, t: float) -> None:
        """The agent's slot was released at ``t``."""


class ChatRecorder:
    """Collects the rows of the chats table in plain column lists (see :class:`Recorder`)."""

    def __init__(self) -> None:
        self._base: dict[int, int] = {}
        self.arrived_at: list[float] = []
        self.pre: list[bool] = []
        self.agent: list[int] = []
        self.assigned_at: list[float] = []
        self.reply_at: list[float] = []
        self.ended_at: list[float] = []
        self.abandoned_: list[bool] = []
        self.transfer: list[int] = []
        self.order: list[float] = []
        self.rating: list[float] = []

    def _row(self, dd, i: int) -> int:
        return self._base[dd.day] + i

    def arrived(self, dd, i: int, t: float) -> None:
        if dd.day not in self._base:
            self._base[dd.day] = len(self.arrived_at) - i
        self.arrived_at.append(t)
        self.pre.append(dd.pre_sales[i])
        for col in (self.assigned_at, self.reply_at, self.ended_at, self.order, self.rating):
            col.append(NAN)
        self.agent.append(-1)
        self.transfer.append(-1)
        self.abandoned_.append(False)

    def assigned(self, dd, i: int, agent: int, t: float) -> None:
        r = self._row(dd, i)
        self.agent[r], self.assigned_at[r] = agent, t

    def transferred(self, dd, i: int, agent: int) -> None:
        self.transfer[self._row(dd, i)] = agent

    def first_reply(self, dd, i: int, t: float, order_value: float, rating: float) -> None:
        r = self._row(dd, i)
        self.reply_at[r], self.order[r], self.rating[r] = t, order_value, rating

    def abandoned(self, dd, i: int, t: float) -> None:
        r = self._row(dd, i)
        self.abandoned_[r] = True
        if self.agent[r] < 0:  # left from the queue: the chat ends when the buyer leaves
            self.ended_at[r] = t

    def ended(self, dd, i: int, t: float) -> None:
        self.ended_at[self._row(dd, i)] = t

    def tables(self, agents, agent_records: list[dict], team_names: list[str],
               shift_names: list[str], days: int, leavers: list[dict] | None = None
               ) -> dict[str, dict[str, np.ndarray]]:
        """The chats, roster and payroll tables as columns (times in seconds, days as numbers).

        Args:
            agents: The engine's agents at the end of the run.
            agent_records: The engine's per-period agent records (with ``pay`` if paid).
            team_names, shift_names: Names of the scenario's teams and shifts.
            days: Horizon of the run (days).
            leavers: The attrition log (one dict per leaver, ``dismissed`` true where the
                model dismissed the agent); a leaver not marked dismissed quit.
        """
        n = len(self.arrived_at)
        agent = np.asarray(self.agent, dtype=np.int64)
        chats = {
            "chat_id": np.arange(1, n + 1),
            "buyer_id": np.arange(1, n + 1),  # buyers have no identity yet: one per inquiry
            "arrived_at": np.asarray(self.arrived_at),
            "kind": np.where(np.asarray(self.pre, dtype=bool), "pre", "after"),
            "agent_id": agent,
            "assigned_at": np.asarray(self.assigned_at),
            "first_reply_at": np.asarray(self.reply_at),
            "ended_at": np.asarray(self.ended_at),
            "abandoned": np.asarray(self.abandoned_, dtype=bool),
            "transferred_to": np.asarray(self.transfer, dtype=np.int64),
            "order_value": np.asarray(self.order),
            "rating": np.asarray(self.rating),
        }
        roster = {
            "agent_id": np.array([a.id for a in agents], dtype=np.int64),
            "team": np.array([team_names[a.team] for a in agents], dtype=object),
            # hired_on as a (possibly negative) day number: the starting team was hired before
            "hired_on": np.array([a.hired_day - math.floor(a.tenure0_days) for a in agents]),
            "left_on": np.array([a.quit_day + 1 if a.quit_day >= 0 else -1 for a in agents]),
            "shift": np.array([shift_names[a.shift] for a in agents], dtype=object),
        }
        fired = {q["agent"] for q in leavers or () if q.get("dismissed")}
        roster["leave_reason"] = np.array(
            ["" if left < 0 else "dismissed" if a.id in fired else "quit"
             for a, left in zip(agents, roster["left_on"])], dtype=object)
        paid = [r for r in agent_records if "pay" in r]
        payroll = {
            "agent_id": np.array([r["agent"] for r in paid], dtype=np.int64),
            "period": np.array([r["period"] for r in paid], dtype=np.int64),
            "pay": np.array([r["pay"] for r in paid], dtype=float),
        }
        return {"chats": chats, "roster": roster, "payroll": payroll}
