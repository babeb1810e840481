"""Behaviour: each pay period, each agent weighs the pay formula in force and picks an action.

An action is (sales effort, service effort, hang-up threshold, cooperation). For every
candidate action the agent predicts its period metrics with the model's own production
functions (``policysim.model.production``), its current skill, and what it saw last period
(the chats the router delivers at each hang-up limit, the prices and mix of its buyers, the
store's queue wait, transfers its team passed around; see ``policysim.model.beliefs``). It then evaluates the *scheme's own pay
function* on those predictions and scores

    U(a) = E[pay | a] - effort_cost (e_sales + e_service)^2 - load_cost (k(a) - comfort)+
           + coop(a) cohesion tanh(dep / social_scale)

where dep is how much the agent's pay rises when its teammates do 5% better (positive under
team pay: cohesion; negative under individual rank pay: reluctance to help rivals), computed
from the pay function too. The choice is logit with temperature T; with probability
``inertia`` the agent keeps last period's action. Nothing here knows a scheme's name.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from policysim.config.pay import METRICS
from policysim.config.schema import Scenario
from policysim.model import production as prod
from policysim.model.schemes import PayContext, PayFunction


@dataclass(frozen=True)
class Grid:
    """All candidate actions as parallel arrays of length A."""

    sales: np.ndarray
    service: np.ndarray
    threshold: np.ndarray
    coop: np.ndarray

    @classmethod
    def from_scenario(cls, scn: Scenario) -> Grid:
        b = scn.behaviour
        combos = list(itertools.product(b.sales_efforts, b.service_efforts, b.thresholds, b.coop_levels))
        arr = np.array(combos, dtype=float)
        return cls(arr[:, 0], arr[:, 1], arr[:, 2].astype(int), arr[:, 3])

    def __len__(self) -> int:
        return len(self.sales)

    def action(self, i: int) -> tuple[float, float, int, float]:
        """Action ``i`` as the tuple the workforce applies."""
        return (float(self.sales[i]), float(self.service[i]), int(self.threshold[i]),
                float(self.coop[i]))

    def index(self, action: tuple | None) -> int:
        """Position of ``action`` in the grid; -1 for none or an action off the grid."""
        if action is None:
            return -1
        es, ev, th, coop = action
        hit = np.flatnonzero((self.sales == es) & (self.service == ev) & (self.threshold == th)
                             & (self.coop == coop))
        return int(hit[0]) if len(hit) else -1


@dataclass
class History:
    """What each agent (n of them) takes from last period to predict the next one."""

    skill: np.ndarray
    cap: np.ndarray
    comfort: np.ndarray
    team: np.ndarray
    routed_at: np.ndarray  # (n, K + 1): chats believed routed per period at hang-up limit 0..K
    pre_share: np.ndarray
    mean_price: np.ndarray
    received_per_coop: np.ndarray  # transfers received per cooperative team member
    shift_seconds: float  # time on shift per period
    queue_wait_s: float  # store queue wait of an average buyer last period
    last: dict[str, np.ndarray]  # last period's realised metrics (pay-function inputs)
    # (n, K + 1) tables like ``routed_at`` by cooperation level (None: ``routed_at`` for all)
    routed_by_coop: dict[float, np.ndarray] | None = None
    # share of routed chats handed over at once, by ("class", coop, limit side); None: the rule
    pass_share: dict | None = None


def quality_mean(scn: Scenario, skill, service_effort):
    """Expected audited quality 0-1 (logistic in skill and service effort)."""
    b = scn.behaviour
    x = b.quality_skill * (np.asarray(skill) - 0.8) + b.quality_effort * (np.asarray(service_effort) - 0.5) + 1.0
    return 1.0 / (1.0 + np.exp(-x))


def predict(scn: Scenario, h: History, g: Grid) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Predicted metrics (each (n, A)) and mean open chats k for every agent and action."""
    s = h.skill[:, None]
    limit = np.minimum(g.threshold[None, :], h.cap[:, None]).astype(float)
    es, ev, coop = g.sales[None, :], g.service[None, :], g.coop[None, :]
    routed = np.take_along_axis(h.routed_at, limit.astype(int), axis=1)
    for c, table in (h.routed_by_coop or {}).items():
        cols = g.coop == c
        if c is not None and cols.any():
            routed[:, cols] = np.take_along_axis(table, limit[:, cols].astype(int), axis=1)
    pre = h.pre_share[:, None]
    T = max(h.shift_seconds, 1.0)

    def duration(k):
        kk = np.clip(k, 1.0, None)
        handle = pre * prod.handle_scale(scn, s, kk, es, ev, True) + (1 - pre) * prod.handle_scale(
            scn, s, kk, es, ev, False)
        return prod.reply_scale(scn, s, kk) + handle

    comfort = h.comfort[:, None]
    received = coop * h.received_per_coop[:, None]
    k = np.ones_like(routed)
    given = np.zeros_like(routed)
    hold = scn.service.transfer_hold_s  # a slot stays taken this long per chat handed over
    observed = np.full(routed.shape, np.nan)
    if h.pass_share is not None:
        side = np.sign(limit - comfort)
        for c in np.unique(g.coop):
            for v in (-1.0, 0.0, 1.0):
                cell = (g.coop[None, :] == c) & (side == v)
                observed[cell] = 0.0 if c <= 0 else h.pass_share.get(
                    ("class", float(c), int(v)), np.nan)
    for _ in range(8):
        # Little's law: mean open chats = (chats kept x duration + chats handed over x hold)
        # / time on shift, capped by the limit. Chats handed over at once: the share of its
        # routed chats the agent's (cooperation, limit side) class handed over last period
        # (``pass_share``); without one (first period, a class nobody was in), the share of
        # time above comfort (if cooperative)
        kept = np.maximum(routed - given + received, 0.0)
        k = np.minimum(limit, (kept * duration(k) + given * hold) / T)
        over = np.clip((k - comfort) / np.maximum(1.0, limit - comfort), 0.0, 1.0)
        given = np.where(np.isfinite(observed), observed * routed, coop * over * routed)
    capacity = np.maximum(limit * T - given * hold, 0.0) / duration(limit)
    kept = np.minimum(np.maximum(routed - given + received, 0.0), capacity)
    kc = np.clip(k, 1.0, None)
    reply = prod.reply_scale(scn, s, kc)
    frt = h.queue_wait_s + reply
    pat = scn.demand.patience
    if pat.dist == "infinite":
        reply_rate = np.ones_like(frt)
    else:
        reply_rate = np.exp(-h.queue_wait_s / pat.mean_s) / (1.0 + reply / pat.mean_s)
    served = kept * reply_rate
    conv = prod.conversion_prob(scn, prod.conversion_base(scn, s, kc, es, False),
                                scn.demand.intent_mean, frt)
    metrics = {
        "served": served,
        "first_response_s": reply,  # own reply delay (store queue wait is not the agent's)
        "first_response_platform_s": frt,
        "reply_within_30s": reply_within(scn, 30.0, h.queue_wait_s, reply),
        "reply_within_180s": reply_within(scn, 180.0, h.queue_wait_s, reply),
        "reply_within_30s_agent": reply_within(scn, 30.0, 0.0, reply),
        "reply_within_180s_agent": reply_within(scn, 180.0, 0.0, reply),
        "reply_rate": reply_rate,
        "conversion": conv,
        "sales": served * pre * conv * h.mean_price[:, None],
        "rating": prod.rating_value(scn, prod.rating_base(scn, s, kc, ev), frt, 0.0),
        "quality": np.broadcast_to(quality_mean(scn, s, ev), served.shape),
        "transfers_given": given,
    }
    return metrics, k


def reply_within(scn: Scenario, x: float, wait: float, reply) -> np.ndarray:
    """Predicted share of chats first answered within ``x`` seconds, buyers who leave first
    counting as not answered. The chat reaches the agent ``wait`` seconds after the measure
    starts; the reply takes Exp(mean r = ``reply``); patience is exponential with mean P
    (memoryless, so what is left of it at pick-up is again Exp(P)):

        share = P / (P + r) x (1 - exp(-(x - wait) (1/r + 1/P)))      (0 if wait >= x)

    and 1 - exp(-(x - wait) / r) when buyers never leave."""
    r = np.maximum(np.asarray(reply, dtype=float), 1e-9)
    left = max(x - wait, 0.0)
    pat = scn.demand.patience
    if pat.dist == "infinite":
        return 1.0 - np.exp(-left / r)
    p = pat.mean_s
    return p / (p + r) * (1.0 - np.exp(-left * (1.0 / r + 1.0 / p)))


def team_dependence(scheme: PayFunction, h: History, n_teams: int) -> np.ndarray:
    """How much each agent's expected pay rises when its teammates do 5% better."""
    base = {k: v[:, None] for k, v in h.last.items()}
    ctx = PayContext(h.team, n_teams, predict=True, others=h.last)
    pay0 = scheme.pay(base, ctx)[:, 0]
    out = np.zeros(len(h.team))
    for t in np.unique(h.team):
        mates = h.team == t
        better = {name: np.where(mates, v * (1.05 if METRICS.get(name, True) else 0.95), v)
                  for name, v in h.last.items()}
        # the agent's own metrics stay at last period's values; since the pay function places
        # the agent's own result relative to ``others``, only colleagues effectively improve
        ctx1 = PayContext(h.team, n_teams, predict=True, others=better, spread_from=h.last)
        pay1 = scheme.pay(base, ctx1)[:, 0]
        out = np.where(mates, pay1 - pay0, out)
    return out


def utilities(scn: Scenario, scheme: PayFunction, h: History, g: Grid,
              n_teams: int) -> np.ndarray:
    """U(agent, action): expected pay minus effort and load costs plus the social term."""
    return evaluate(scn, scheme, h, g, n_teams)[0]


def evaluate(scn: Scenario, scheme: PayFunction, h: History, g: Grid,
             n_teams: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Utilities U, expected pay and predicted metrics (each (n, A)) of every agent and
    action: what :func:`utilities` scores, with the predictions it scores on."""
    b = scn.behaviour
    metrics, k = predict(scn, h, g)
    ctx = PayContext(h.team, n_teams, predict=True, others=h.last)
    pay = np.broadcast_to(scheme.pay(metrics, ctx), metrics["served"].shape)
    effort = (g.sales + g.service)[None, :]
    cost = b.effort_cost * effort**2 + b.load_cost * np.clip(k - h.comfort[:, None], 0.0, None)
    dep = team_dependence(scheme, h, n_teams)
    social = g.coop[None, :] * b.cohesion * np.tanh(dep / b.social_scale)[:, None]
    return pay - cost + social, pay, metrics


class TasteShocks:
    """Each agent's standard Gumbel taste shocks over the A actions of the grid, kept from one
    choice to the next with probability ``persistence`` (``behaviour.taste_persistence``).

    Args:
        persistence: probability an agent keeps its shocks from its last choice.
        rng: the generator of stream ``behaviour.taste``.
        actions: number of actions A.
    """

    def __init__(self, persistence: float, rng: np.random.Generator, actions: int) -> None:
        self.persistence = persistence
        self.rng = rng
        self.actions = actions
        self.kept: dict[int, np.ndarray] = {}  # agent id -> its shocks at its last choice

    def draw(self, ids: list[int]) -> np.ndarray | None:
        """(n, A) shocks of the agents ``ids`` for this choice, or None for fresh logit draws
        (persistence 0: nothing is drawn). Each agent keeps its last shocks with probability
        ``persistence``, else (and at its first choice) gets new ones; a fixed number of draws
        per call (one uniform and one Gumbel vector per agent), used or not."""
        if self.persistence <= 0.0:
            return None
        keep = self.rng.random(len(ids)) < self.persistence
        out = self.rng.gumbel(size=(len(ids), self.actions))
        for j, i in enumerate(ids):
            old = self.kept.get(i)
            if keep[j] and old is not None:
                out[j] = old
            self.kept[i] = out[j].copy()
        return out


def choose(scn: Scenario, utility: np.ndarray, previous: np.ndarray, u: np.ndarray,
           shocks: np.ndarray | None = None) -> np.ndarray:
    """Logit choice with inertia. ``previous`` holds last actions (-1 = none), ``u`` is (n, 2)
    uniforms: u[:, 0] decides inertia, u[:, 1] draws from the logit probabilities.

    With ``shocks`` (n, A) standard Gumbel taste shocks, the draw is instead the action that
    maximises U / temperature + shock (the same logit probabilities when the shocks are fresh;
    ``u[:, 1]`` is then unused)."""
    b = scn.behaviour
    z = (utility - utility.max(axis=1, keepdims=True)) / b.temperature
    if shocks is None:
        p = np.exp(z)
        cum = np.cumsum(p, axis=1)
        cum /= cum[:, -1:]
        drawn = (cum < u[:, 1:2]).sum(axis=1)
        drawn = np.minimum(drawn, utility.shape[1] - 1)
    else:
        drawn = np.argmax(z + shocks, axis=1)
    keep = (previous >= 0) & (u[:, 0] < b.inertia)
    return np.where(keep, previous, drawn)


def decide(scn: Scenario, scheme: PayFunction, h: History, g: Grid, n_teams: int,
           rows: np.ndarray, previous: np.ndarray, u: np.ndarray,
           shocks: np.ndarray | None = None,
           expected: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Grid indices of the actions chosen by the agents at ``rows`` of ``h``.

    Utilities are computed for everybody in ``h`` (a rank prize depends on all of them); only
    the agents at ``rows`` choose, each with its ``previous`` action index, two uniforms
    ``u`` and, if given, its taste shocks (see :func:`choose`).

    If ``expected`` is given it is filled with what each chooser expected of the action it
    chose (one value per row): ``pay`` and every predicted metric of :func:`predict`, plus
    ``transfers_received`` (colleagues' chats it expects to take). The choice is the same.
    """
    util, pay, metrics = evaluate(scn, scheme, h, g, n_teams)
    picked = choose(scn, util[rows], previous, u, shocks)
    if expected is not None:
        expected.update(_expected(h, g, rows, picked, pay, metrics))
    return picked


def _expected(h: History, g: Grid, rows, cols, pay, metrics) -> dict[str, np.ndarray]:
    """What the agents at ``rows`` expect of actions ``cols`` (see :func:`decide`)."""
    out = {"pay": pay[rows, cols]}
    for name, values in metrics.items():
        out[name] = np.broadcast_to(values, pay.shape)[rows, cols]
    out["transfers_received"] = g.coop[cols] * h.received_per_coop[rows]
    return out


def expect_kept(scn: Scenario, scheme: PayFunction, h: History, n_teams: int, rows: np.ndarray,
                actions: list[tuple[float, float, int, float]]) -> dict[str, np.ndarray]:
    """What the agents at ``rows`` of ``h`` expect of the actions they keep (``actions``, on
    the grid or not; agents without adaptive behaviour choose nothing): the same keys as
    :func:`decide`'s ``expected``."""
    rows = np.asarray(rows)
    out: dict[str, np.ndarray] = {}
    for action in dict.fromkeys(actions):
        one = Grid(*(np.array([v]) for v in action))
        _, pay, metrics = evaluate(scn, scheme, h, one, n_teams)
        sel = np.array([act == action for act in actions])
        part = _expected(h, one, rows[sel], np.zeros(int(sel.sum()), int), pay, metrics)
        for name, values in part.items():
            out.setdefault(name, np.full(len(rows), np.nan))[sel] = values
    return out
