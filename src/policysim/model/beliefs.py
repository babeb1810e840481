"""Beliefs: what each agent remembers from last period and predicts the next one from.

An agent deciding how hard to sell or when to hang up does not know next month; it knows last
month. At each pay period's end every agent who worked remembers the chats the platform
routed to it, the pre-sales share and prices of its buyers, the transfers its team passed
around, the store's queue wait, and everybody's realised pay-function metrics (the inputs a
rank-based prize is judged on).

**Chats routed at each hang-up limit.** What an agent would be routed at a limit it did not
hold is read off what the router actually delivered, whatever its rule: per shift, last
period's (limit, chats routed per full period on shift) pairs of all its agents are averaged
by limit, made non-decreasing in the limit (pool adjacent violators), joined to (0, 0) by
straight lines and held flat beyond the largest limit anybody held (:func:`routed_curve`).
The curve therefore rises where a lower limit cost chats and saturates where the floor did
not fill the slots. Each agent scales its shift's curve by its own last ratio of realised to
fitted chats (a faster agent frees slots sooner and is routed more). Before the first period
the curve is fitted to imagined pairs: every agent at its starting limit getting an equal
share of the expected volume of its shift hours; a new hire or an agent with no record
uses its shift's curve as it is.

Anything else an agent has no memory of falls back on team means, the scenario's pre-sales
share and the catalogue's mean price. :class:`Beliefs` keeps that memory and turns it into
the :class:`~policysim.model.behaviour.History` the behaviour layer predicts from
(docs/model.md section 4.2). It also records, for each agent-period, the chats predicted for
the chosen action beside those realised, so the run can report how far beliefs are off.
"""

from __future__ import annotations

import numpy as np

from policysim.config.pay import METRICS
from policysim.config.schema import Scenario
from policysim.model import behaviour as beh
from policysim.model.agents import Agent
from policysim.model.demand import HOUR_S
from policysim.model.engine import Engine


def routed_curve(limits, routed, weights, size: int) -> np.ndarray:
    """Believed chats routed at hang-up limits ``0..size-1`` from realised pairs.

    Args:
        limits: hang-up limit each agent held (>= 1).
        routed: chats routed to each agent per full period on shift.
        weights: weight of each pair (the share of the period the agent was on shift).
        size: length of the returned table.

    Returns:
        The weighted mean of ``routed`` at each limit seen, made non-decreasing in the limit
        (pool adjacent violators), interpolated linearly from (0, 0) and flat beyond the
        largest limit seen; all zeros without pairs.
    """
    limits, routed = np.asarray(limits, float), np.asarray(routed, float)
    weights = np.asarray(weights, float)
    seen = np.unique(limits[weights > 0])
    if len(seen) == 0:
        return np.zeros(size)
    blocks = []  # [mean, weight, number of limits pooled]
    for lim in seen:
        sel = (limits == lim) & (weights > 0)
        w = float(weights[sel].sum())
        blocks.append([float(weights[sel] @ routed[sel]) / w, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    fitted = np.concatenate([np.full(n, m) for m, _, n in blocks])
    return np.interp(np.arange(size, dtype=float), np.r_[0.0, seen], np.r_[0.0, fitted])


class Beliefs:
    """The team's memory of last period.

    Args:
        scenario: validated scenario.
        n_teams: number of teams.
    """

    def __init__(self, scenario: Scenario, n_teams: int) -> None:
        self.scn = scenario
        self.n_teams = n_teams
        self.memory: dict | None = None  # None until the first period has closed
        self.table_size = max(scenario.agents.cap_expert, scenario.agents.cap_novice) + 1
        self.predicted: dict[int, float] = {}  # agent id -> chats predicted for its action

    def expect(self, agent: Agent, history: beh.History, row: int,
               action: tuple[float, float, int, float]) -> None:
        """Note the chats ``agent`` (row ``row`` of ``history``) expects under ``action``."""
        limit = max(1, min(agent.cap, action[2]))
        self.predicted[agent.id] = float(history.routed_at[row, limit])

    def remember(self, engine: Engine, records: list[dict], members: list[Agent],
                 metrics: dict[str, np.ndarray]) -> None:
        """Keep what agents predict next period from (``records`` and ``members`` in step,
        ``metrics`` the pay-function inputs of those records)."""
        scn = self.scn
        limit = np.array([max(1, min(a.cap, a.threshold)) for a in members], float)
        team = np.array([a.team for a in members])
        shift = np.array([a.shift for a in members])
        shift_s = np.array([a.shift_time for a in members], float)
        full = max(float(np.max(shift_s)), 1.0) if len(shift_s) else 1.0
        # chats per full period on the agent's own shift (hires and a short last period
        # scaled up), weighted by the share of that period the agent was on shift
        period_s = np.array([self.period_shift_seconds(a) for a in members])
        scale = np.where(shift_s > 0, period_s / np.maximum(shift_s, 1.0), 1.0)
        realised = np.array([r["routed"] for r in records], float) * scale
        weight = np.minimum(shift_s / period_s, 1.0)
        for r, a, y in zip(records, members, realised):
            r["predicted_routed"] = self.predicted.pop(a.id, float("nan"))
            r["realised_routed"] = float(y)  # 0 with no time on shift (nothing routed)
        curves = self._curves(shift, limit, realised, weight)
        fitted = np.array([curves[s_][int(lim)] for s_, lim in zip(shift, limit)])
        factor = np.where(fitted > 0, realised / np.where(fitted > 0, fitted, 1.0), 1.0)
        coop = np.array([a.coop for a in members])
        received = np.array([r["transfers_received"] for r in records], float)
        recv_team = np.bincount(team, weights=received, minlength=self.n_teams)
        coop_team = np.bincount(team, weights=(coop > 0).astype(float), minlength=self.n_teams)
        days = engine.daily[-scn.sim.period_days:]
        inq = sum(d["inquiries"] for d in days)
        wait = sum(d["wait_sum_s"] for d in days) / inq if inq else 0.0
        self.memory = {
            "ids": [a.id for a in members],
            "curves": curves,
            "routed_factor": {a.id: float(f) for a, f, s_ in zip(members, factor, shift_s) if s_ > 0},
            "pre_share": dict(zip((a.id for a in members),
                                  [1.0 - r["after_sales_share"] if r["served"] else scn.demand.pre_sales_share
                                   for r in records])),
            "mean_price": dict(zip((a.id for a in members),
                                   [r["mean_price"] or self.catalogue_mean() for r in records])),
            "recv_per_coop": recv_team / np.maximum(coop_team, 1.0),
            "shift_seconds": full,
            "queue_wait": wait,
            "last": {k: dict(zip((a.id for a in members), v)) for k, v in metrics.items()},
        }

    def catalogue_mean(self) -> float:
        """Mean price of the catalogue (the prior of an agent's buyers' prices)."""
        c = self.scn.demand.catalogue
        w = np.asarray(c.weights, float)
        return float(np.asarray(c.prices) @ w / w.sum())

    def period_shift_seconds(self, agent: Agent) -> float:
        """Seconds on shift in a full pay period for ``agent``."""
        s = self.scn.shifts[agent.shift]
        return (s.end - s.start) * HOUR_S * self.scn.sim.period_days

    def _curves(self, shift, limit, routed, weight) -> dict:
        """Routed-chat curves by shift (key ``None``: all shifts pooled)."""
        size = self.table_size
        curves = {None: routed_curve(limit, routed, weight, size)}
        for s_ in np.unique(shift):
            sel = shift == s_
            curves[int(s_)] = routed_curve(limit[sel], routed[sel], weight[sel], size)
        return curves

    def fair_share(self, engine: Engine, agents: list[Agent]) -> np.ndarray:
        """Each agent's equal share of the expected chats of its shift hours over a period
        (every hour's expected volume split among the agents on shift then)."""
        scn = self.scn
        profile = np.asarray(scn.demand.hour_profile, float)
        per_hour = scn.demand.daily_volume * profile / profile.sum()
        hours = np.arange(24.0)
        cover = np.array([np.clip(np.minimum(hours + 1, s.end) - np.maximum(hours, s.start), 0, 1)
                          for s in scn.shifts])  # (shifts, 24): share of each hour covered
        on = np.array([a.shift for a in agents])
        staffed = cover.T @ np.bincount(on, minlength=len(scn.shifts))  # agents on per hour
        per_agent = np.where(staffed > 0, per_hour / np.maximum(staffed, 1e-12), 0.0)
        return (cover @ per_agent)[on] * scn.sim.period_days

    def prior(self, engine: Engine) -> dict:
        """Memory before the first period: every agent at its starting limit is believed to get
        an equal share of its shift hours' expected volume."""
        scn = self.scn
        active = [a for a in engine.agents if a.active]
        shift_s = np.mean([(s.end - s.start) * HOUR_S for s in scn.shifts]) * scn.sim.period_days
        limit = np.array([max(1, min(a.cap, a.threshold)) for a in active], float)
        shift = np.array([a.shift for a in active])
        curves = self._curves(shift, limit, self.fair_share(engine, active), np.ones(len(active)))
        return {"ids": [], "curves": curves, "routed_factor": {}, "pre_share": {},
                "mean_price": {}, "recv_per_coop": np.zeros(self.n_teams),
                "shift_seconds": float(shift_s), "queue_wait": 0.0,
                "last": None}  # filled from predictions under the default action

    def history(self, engine: Engine, agents: list[Agent],
                default_action: tuple[float, float, int, float]) -> beh.History:
        """What ``agents`` predict the coming period from. Without a last period, the metrics
        everybody is judged against (``last``) are the predictions under ``default_action``."""
        h = self.memory or self.prior(engine)
        scn = self.scn
        curves = h["curves"]

        def pick(table, a, fallback):
            return table.get(a.id, fallback)

        routed_at = np.array([curves.get(a.shift, curves[None]) * pick(h["routed_factor"], a, 1.0)
                              for a in agents])
        history = beh.History(
            skill=np.array([a.skill for a in agents]),
            cap=np.array([a.cap for a in agents]),
            comfort=np.array([a.comfort for a in agents]),
            team=np.array([a.team for a in agents]),
            routed_at=routed_at,
            pre_share=np.array([pick(h["pre_share"], a, scn.demand.pre_sales_share) for a in agents]),
            mean_price=np.array([pick(h["mean_price"], a, self.catalogue_mean()) for a in agents]),
            received_per_coop=np.array([h["recv_per_coop"][a.team] for a in agents]),
            shift_seconds=h["shift_seconds"],
            queue_wait_s=h["queue_wait"],
            last=self.last_metrics(h, agents) if h["last"] is not None else {},
        )
        if not history.last:
            one = beh.Grid(*(np.array([v]) for v in default_action))
            predicted, _ = beh.predict(scn, history, one)
            history.last = {k: np.asarray(v)[:, 0].copy() for k, v in predicted.items()}
        return history

    @staticmethod
    def last_metrics(h: dict, agents: list[Agent]) -> dict[str, np.ndarray]:
        """Last period's metrics of ``agents``; those without one get their team's mean, or the
        mean of all (so a pay function always has a full table)."""
        out = {}
        teams = np.array([a.team for a in agents])
        for name in METRICS:
            table = h["last"][name]
            vals = np.array([table.get(a.id, np.nan) for a in agents], dtype=float)
            if np.isnan(vals).any():
                known = np.array([table[i] for i in table], float) if table else np.array([])
                overall = float(np.mean(known)) if len(known) else 0.0
                for t in np.unique(teams):
                    sel = (teams == t) & np.isnan(vals)
                    mates = (teams == t) & ~np.isnan(vals)
                    vals[sel] = vals[mates].mean() if mates.any() else overall
            out[name] = vals
        return out
