"""Beliefs: what each agent remembers from last period and predicts the next one from.

An agent deciding how hard to sell or when to hang up does not know next month; it knows last
month. At each pay period's end every agent who worked remembers how many chats the platform
routed to it per unit of hang-up limit, the pre-sales share and prices of its buyers, the
transfers its team passed around, the store's queue wait, and everybody's realised
pay-function metrics (the inputs a rank-based prize is judged on). Before the first period,
and for anything an agent has no memory of (a new hire, a colleague with no record), the
beliefs fall back on priors: the expected load spread over the team's slots, team means, the
scenario's pre-sales share and the catalogue's mean price.

:class:`Beliefs` keeps that memory and turns it into the
:class:`~policysim.model.behaviour.History` the behaviour layer predicts from (docs/model.md
section 4.2).
"""

from __future__ import annotations

import numpy as np

from policysim.config.pay import METRICS
from policysim.config.schema import Scenario
from policysim.model import behaviour as beh
from policysim.model.agents import Agent
from policysim.model.engine import Engine


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

    def remember(self, engine: Engine, records: list[dict], members: list[Agent],
                 metrics: dict[str, np.ndarray]) -> None:
        """Keep what agents predict next period from (``records`` and ``members`` in step,
        ``metrics`` the pay-function inputs of those records)."""
        scn = self.scn
        routed = np.array([r["routed"] for r in records], float)
        limit = np.array([max(1, min(a.cap, a.threshold)) for a in members], float)
        team = np.array([a.team for a in members])
        shift_s = np.array([a.shift_time for a in members], float)
        full = max(float(np.max(shift_s)), 1.0) if len(shift_s) else 1.0
        scale = np.where(shift_s > 0, full / np.maximum(shift_s, 1.0), 1.0)
        per_slot = routed * scale / limit
        coop = np.array([a.coop for a in members])
        received = np.array([r["transfers_received"] for r in records], float)
        recv_team = np.bincount(team, weights=received, minlength=self.n_teams)
        coop_team = np.bincount(team, weights=(coop > 0).astype(float), minlength=self.n_teams)
        days = engine.daily[-scn.sim.period_days:]
        inq = sum(d["inquiries"] for d in days)
        wait = sum(d["wait_sum_s"] for d in days) / inq if inq else 0.0
        self.memory = {
            "ids": [a.id for a in members],
            "per_slot": dict(zip((a.id for a in members), per_slot)),
            "pre_share": dict(zip((a.id for a in members),
                                  [1.0 - r["after_sales_share"] if r["served"] else scn.demand.pre_sales_share
                                   for r in records])),
            "mean_price": dict(zip((a.id for a in members),
                                   [r["mean_price"] or self.catalogue_mean() for r in records])),
            "team_per_slot": {t: float(np.mean(per_slot[team == t])) for t in np.unique(team)},
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

    def prior(self, engine: Engine) -> dict:
        """Memory before the first period: the expected load spread over the team's slots."""
        scn = self.scn
        active = [a for a in engine.agents if a.active]
        shift_s = np.mean([(s.end - s.start) * 3600.0 for s in scn.shifts]) * scn.sim.period_days
        limits = sum(max(1, min(a.cap, a.threshold)) for a in active) or 1
        per_slot = scn.demand.daily_volume * scn.sim.period_days / limits
        return {"ids": [], "per_slot": {}, "pre_share": {}, "mean_price": {},
                "team_per_slot": {}, "recv_per_coop": np.zeros(self.n_teams),
                "shift_seconds": float(shift_s), "queue_wait": 0.0,
                "last": None,  # filled from predictions under the default action
                "default_per_slot": per_slot}

    def history(self, engine: Engine, agents: list[Agent],
                default_action: tuple[float, float, int, float]) -> beh.History:
        """What ``agents`` predict the coming period from. Without a last period, the metrics
        everybody is judged against (``last``) are the predictions under ``default_action``."""
        h = self.memory or self.prior(engine)
        scn = self.scn
        default_slot = h.get("default_per_slot") or (
            float(np.mean(list(h["per_slot"].values()))) if h["per_slot"] else 1.0)

        def pick(table, a, fallback):
            return table.get(a.id, fallback)

        per_slot = np.array([pick(h["per_slot"], a, h["team_per_slot"].get(a.team, default_slot))
                             for a in agents])
        history = beh.History(
            skill=np.array([a.skill for a in agents]),
            cap=np.array([a.cap for a in agents]),
            comfort=np.array([a.comfort for a in agents]),
            team=np.array([a.team for a in agents]),
            routed_per_slot=per_slot,
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
