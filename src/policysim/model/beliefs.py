"""Beliefs: what each agent remembers from last period and predicts the next one from.

An agent deciding how hard to sell or when to hang up does not know next month; it knows last
month. At each pay period's end every agent who worked remembers the chats the platform
routed to it, the pre-sales share and prices of its buyers, the transfers its team passed
around, the store's queue wait, and everybody's realised pay-function metrics (the inputs a
rank-based prize is judged on).

**Chats routed at each hang-up limit.** What an agent would be routed at a limit it did not
hold comes from the routing mode's own rule (:mod:`policysim.model.routed_share`: how the
router spreads each hour's open chats over the agents on shift, given their limits), fed with
the store's demand plan and the time a chat held a slot last period. The rule is then
calibrated on what the router actually delivered: for each (cooperation, limit below / at /
above comfort) class, the ratio of realised to ruled
chats last period (an agent who hands chats over at once is routed more than its limit
explains, one who takes transfers fewer), and each agent's own remaining ratio (a faster
agent frees slots sooner). An agent who keeps its action among colleagues who keep theirs
therefore expects what it was routed; one who changes its limit expects what the rule and
its colleagues in that class say. Before the first period (no slot time measured yet) a curve
is fitted to imagined pairs: every agent at its starting limit getting an equal share of the
expected volume of its shift hours (:func:`routed_curve`).

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
from policysim.model.routed_share import routed_table
from policysim.model.routing_qianniu import weight_rule


#: What an agent expected of the action it chose, besides its routed chats (kept in its
#: period record as ``predicted_<key>``; compared with what happened in the run metrics
#: ``belief_error_pay``, ``belief_bias_pay`` and ``belief_error_help``): its pay, every
#: pay-function metric, and the colleagues' transfers it expected to take.
EXPECTED = ("pay", *METRICS, "transfers_received")


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


def group_mult(mult: dict, coop: float, limit: int, comfort: int) -> float:
    """The ratio of realised to modelled chats believed for an agent of ``comfort`` at
    (``coop``, ``limit``): its class's (cooperation, limit below, at or above comfort), else
    everybody's (``mult`` as built by ``Beliefs.remember``)."""
    side = int(np.sign(limit - comfort))
    return mult.get(("class", float(coop), side), mult[None])


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
        #: agent id -> what it expected of the action it chose (pay, predicted metrics)
        self.outcomes: dict[int, dict[str, float]] = {}
        #: Off by default. When set (``policysim.experiment.belief_gap``), each period record
        #: also carries two predictions that decompose ``belief_error_routed``: see
        #: :meth:`expect_informed` and :meth:`remember`. Choices and results do not change.
        self.diagnose = False
        self.informed: dict[int, float] = {}  # agent id -> informed prediction (diagnosis)

    @staticmethod
    def expected(agent: Agent, history: beh.History, row: int,
                 action: tuple[float, float, int, float]) -> float:
        """Chats ``agent`` (row ``row`` of ``history``) is believed to be routed under
        ``action``."""
        limit = max(1, min(agent.cap, action[2]))
        table = (history.routed_by_coop or {}).get(float(action[3]), history.routed_at)
        return float(table[row, limit])

    def expect(self, agent: Agent, history: beh.History, row: int,
               action: tuple[float, float, int, float]) -> None:
        """Note the chats ``agent`` (row ``row`` of ``history``) expects under ``action``."""
        self.predicted[agent.id] = self.expected(agent, history, row, action)

    def expect_outcomes(self, agent: Agent, values: dict[str, float]) -> None:
        """Note what ``agent`` expects of the action it has just chosen (``EXPECTED`` keys:
        pay and the predicted pay-function metrics); kept as ``predicted_<key>`` of its
        record of the coming period, beside what happened."""
        self.outcomes[agent.id] = values

    def expect_informed(self, engine: Engine, everyone: list[Agent], agents: list[Agent],
                        default_action: tuple[float, float, int, float]) -> None:
        """(Diagnosis only.) The chats ``agents`` would expect for the actions they have just
        chosen if they also knew the hang-up limits everybody (``everyone``, themselves
        included) holds now: the same belief, with the router's rule worked out over the
        current limits instead of last period's. Kept as ``predicted_routed_informed`` of the
        record."""
        h = self.history(engine, everyone, default_action)
        index = {a.id: i for i, a in enumerate(everyone)}
        for a in agents:
            self.informed[a.id] = self.expected(a, h, index[a.id], a.last_action)

    def remember(self, engine: Engine, records: list[dict], members: list[Agent],
                 metrics: dict[str, np.ndarray]) -> None:
        """Keep what agents predict next period from (``records`` and ``members`` in step,
        ``metrics`` the pay-function inputs of those records)."""
        scn = self.scn
        limit = np.array([max(1, min(a.cap, a.threshold)) for a in members], float)
        team = np.array([a.team for a in members])
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
            expected = self.outcomes.pop(a.id, {})
            for key in EXPECTED:  # NaN only where no expectation was noted
                r[f"predicted_{key}"] = expected.get(key, float("nan"))
        days = engine.daily[-scn.sim.period_days:]
        handled = sum(r["handled"] for r in records)
        slot_s = sum(d["open_chat_area_s"] for d in days) / handled if handled else 0.0
        rule = self._rule(engine, members, [d["day"] for d in days], slot_s)
        model = rule[np.arange(len(members)), limit.astype(int)]  # the rule at the limit held
        comfort = np.array([a.comfort for a in members])
        mult = self._group_mults([a.coop for a in members], limit, comfort, realised, model,
                                 weight)
        base = model * np.array([group_mult(mult, a.coop, lim, a.comfort)
                                 for a, lim in zip(members, limit)])
        own = np.where(base > 0, realised / np.where(base > 0, base, 1.0), 1.0)
        if self.diagnose:
            self._diagnose(records, members, base)
        coop = np.array([a.coop for a in members])
        given = np.array([r["transfers_given"] for r in records], float)
        routed_raw = np.array([r["routed"] for r in records], float)
        side = np.sign(limit - comfort)
        coop_on = coop > 0
        pass_share = {}  # handed over at once / routed, by (cooperation, limit side) class
        for c, v in set(zip(coop[coop_on].tolist(), side[coop_on].tolist())):
            sel = coop_on & (coop == c) & (side == v)
            if routed_raw[sel].sum() > 0:
                share = given[sel].sum() / routed_raw[sel].sum()
                pass_share[("class", float(c), int(v))] = float(share)
        received = np.array([r["transfers_received"] for r in records], float)
        recv_team = np.bincount(team, weights=received, minlength=self.n_teams)
        coop_team = np.bincount(team, weights=(coop > 0).astype(float), minlength=self.n_teams)
        inq = sum(d["inquiries"] for d in days)
        wait = sum(d["wait_sum_s"] for d in days) / inq if inq else 0.0
        self.memory = {
            "ids": [a.id for a in members],
            "slot_s": slot_s,
            "group_mult": mult,
            "routed_factor": {a.id: float(f) for a, f, s_ in zip(members, own, shift_s) if s_ > 0},
            "pre_share": dict(zip((a.id for a in members),
                                  [1.0 - r["after_sales_share"] if r["served"] else scn.demand.pre_sales_share
                                   for r in records])),
            "mean_price": dict(zip((a.id for a in members),
                                   [r["mean_price"] or self.catalogue_mean() for r in records])),
            "recv_per_coop": recv_team / np.maximum(coop_team, 1.0),
            "pass_share": pass_share,
            "shift_seconds": full,
            "queue_wait": wait,
            "last": {k: dict(zip((a.id for a in members), v)) for k, v in metrics.items()},
        }

    def _diagnose(self, records: list[dict], members: list[Agent], base: np.ndarray) -> None:
        """(Diagnosis only.) Add to each record the prediction informed of everybody's new
        limits (:meth:`expect_informed`) and the *ex-post* one: the router's rule over the
        limits everybody held in the period just ended (with its slot time), times the ratios
        its (cooperation, limit side) classes realised in it, times the agent's own ratio from
        the period before; ``base`` is the first two for each of ``members``."""
        factor = (self.memory or {}).get("routed_factor")
        for r, a, b in zip(records, members, base):
            r["predicted_routed_informed"] = self.informed.pop(a.id, float("nan"))
            r["predicted_routed_expost"] = (float(b) * factor.get(a.id, 1.0)
                                            if factor is not None else float("nan"))

    def catalogue_mean(self) -> float:
        """Mean price of the catalogue (the prior of an agent's buyers' prices)."""
        c = self.scn.demand.catalogue
        w = np.asarray(c.weights, float)
        return float(np.asarray(c.prices) @ w / w.sum())

    def period_shift_seconds(self, agent: Agent) -> float:
        """Seconds on shift in a full pay period for ``agent``."""
        s = self.scn.shifts[agent.shift]
        return (s.end - s.start) * HOUR_S * self.scn.sim.period_days

    def _rule(self, engine: Engine, agents: list[Agent], days, slot_s: float) -> np.ndarray:
        """Chats per full period the router's own rule gives each of ``agents`` at every limit
        (:func:`~policysim.model.routed_share.routed_table`), the others keeping their limits,
        with the store's expected volume of each hour of each of ``days`` (a mean day scaled
        to the period) and a chat holding a slot ``slot_s`` seconds. Sticky routing spreads
        like its fallback."""
        scn = self.scn
        cfg = scn.service.routing
        mode = cfg.fallback if cfg.mode == "sticky" else cfg.mode
        if mode == "weighted":
            weight_of = weight_rule(scn, lambda: engine.env.now)
            weight = np.array([weight_of(a) for a in agents], float)
        else:
            weight = np.ones(len(agents))
        limit = np.array([max(1, min(a.cap, a.threshold)) for a in agents], float)
        cover = self.shift_cover()[[a.shift for a in agents]].T  # (24, n)
        plan = np.array([engine.demand.expected_per_hour(d) for d in days])  # (days, 24)
        kinds, count = np.unique(plan, axis=0, return_counts=True)  # distinct days, how often
        table = routed_table(mode, cfg.busyness, limit, weight, np.tile(cover, (len(kinds), 1)),
                             kinds.ravel() * slot_s / HOUR_S, slot_s, self.table_size,
                             hours=np.repeat(count, 24))
        return table * scn.sim.period_days / len(days)

    @staticmethod
    def _group_mults(coop, limit, comfort, realised, model, weight) -> dict:
        """Realised over modelled chats (ratio of weighted sums) of the agents of each
        (cooperation, limit below / at / above comfort) class, key ``("class", coop, -1 | 0 |
        1)``, and of all, key None (1 if the rule routed nobody anything). Only classes with
        chats are kept. (Finer (cooperation, limit) cells hold one or two agents: agents
        then choose the limits whose cell was lucky and are disappointed.)"""
        coop, limit, comfort, realised, model, weight = (
            np.asarray(x, float) for x in (coop, limit, comfort, realised, model, weight))
        ok = (model > 0) & (weight > 0)

        def ratio(sel) -> float:
            m = float((model * weight)[sel].sum())
            y = float((realised * weight)[sel].sum())
            return y / m if m > 0 and y > 0 else float("nan")

        overall = ratio(ok)
        mult = {None: overall if np.isfinite(overall) else 1.0}
        side = np.sign(limit - comfort)
        for c, v in set(zip(coop[ok].tolist(), side[ok].tolist())):
            r = ratio(ok & (coop == c) & (side == v))
            if np.isfinite(r):
                mult[("class", c, int(v))] = r
        return mult

    def shift_cover(self) -> np.ndarray:
        """(shifts, 24): the share of each hour of the day each shift covers."""
        hours = np.arange(24.0)
        return np.array([np.clip(np.minimum(hours + 1, s.end) - np.maximum(hours, s.start), 0, 1)
                         for s in self.scn.shifts])

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
        cover = self.shift_cover()
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

        def pick(table, a, fallback):
            return table.get(a.id, fallback)

        if "slot_s" in h:
            by_coop = self._routed_by_coop(engine, agents, h)
            routed_at = np.array([by_coop.get(a.coop, by_coop[None])[i]
                                  for i, a in enumerate(agents)])
        else:
            curves = h["curves"]
            by_coop = None
            routed_at = np.array([curves.get(a.shift, curves[None]) * pick(h["routed_factor"], a, 1.0)
                                  for a in agents])
        history = beh.History(
            skill=np.array([a.skill for a in agents]),
            cap=np.array([a.cap for a in agents]),
            comfort=np.array([a.comfort for a in agents]),
            team=np.array([a.team for a in agents]),
            routed_at=routed_at,
            routed_by_coop=by_coop,
            pre_share=np.array([pick(h["pre_share"], a, scn.demand.pre_sales_share) for a in agents]),
            mean_price=np.array([pick(h["mean_price"], a, self.catalogue_mean()) for a in agents]),
            received_per_coop=np.array([h["recv_per_coop"][a.team] for a in agents]),
            pass_share=h.get("pass_share"),
            shift_seconds=h["shift_seconds"],
            queue_wait_s=h["queue_wait"],
            last=self.last_metrics(h, agents) if h["last"] is not None else {},
        )
        if not history.last:
            one = beh.Grid(*(np.array([v]) for v in default_action))
            predicted, _ = beh.predict(scn, history, one)
            history.last = {k: np.asarray(v)[:, 0].copy() for k, v in predicted.items()}
        return history

    def _routed_by_coop(self, engine: Engine, agents: list[Agent], h: dict) -> dict:
        """Believed chats per period of ``agents`` at every limit, one (n, K + 1) table per
        cooperation level of the grid (key None: without the group ratio): the router's rule
        over the coming period's expected volume, times the ratio of the (cooperation, limit
        above comfort) group, times the agent's own ratio."""
        scn = self.scn
        P = scn.sim.period_days
        start = engine.day + 1
        rule = self._rule(engine, agents, range(start, (start // P + 1) * P), h["slot_s"])
        own = np.array([h["routed_factor"].get(a.id, 1.0) for a in agents])[:, None]
        mult = h["group_mult"]
        out = {None: rule * mult[None] * own}
        for c in scn.behaviour.coop_levels:
            m = np.array([[group_mult(mult, float(c), k, a.comfort) for k in range(self.table_size)]
                          for a in agents])
            out[float(c)] = rule * m * own
        return out

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
