"""What the router delivers to each agent, worked out from the router's own rule.

Picture one hour of a busy store. The buyers who arrive in it keep, on average, ``load``
chats open at once (Little's law: arrivals per second x seconds a chat holds a slot). The
router spreads those open chats over the agents on shift, each up to its hang-up limit, and
*how* it spreads them is its rule:

- ``least_loaded`` fills everybody up to a common level: an agent holds
  ``min(limit, level)`` chats;
- ``round_robin`` offers everybody the same turns; an agent at its limit when its turn
  comes is skipped, so each agent is a small loss system: offered load a, it holds
  ``a (1 - B(limit, a))`` (B the Erlang loss formula) and a low limit loses more than the
  mean would say;
- ``most_available`` fills the largest spare capacity first, leaving every agent the same
  spare: an agent holds ``max(0, limit - spare)``;
- ``weighted`` with busyness draws an agent with probability proportional to
  weight x (limit - open); inflow equals outflow when ``open = limit x w x u / (1 - u + w x u)``
  for a common u in [0, 1); without busyness the inflow is proportional to the weight alone:
  ``min(limit, w x level)``;
- ``sticky`` sends returning buyers back to their agent, in proportion to what that agent
  served, and everybody else by its fallback rule: in a steady state its spread is the
  fallback's.

In each hour (of each distinct day: a promotion day saturates where the month's mean hour
would not) the common level is the one at which the agents' chats add up to the hour's
load (or everybody is at its limit when the load exceeds the limits' sum: the rest queue and
are pulled by whoever frees a slot). An agent's chats routed per day are its open chats
summed over its hours on shift, divided by the time a chat holds a slot. Holding the level of
each hour fixed (one agent's limit barely moves it), the same rule says how many chats the
agent would be routed at every other limit: this is the *shape* of its belief
(:func:`routed_table`); ``policysim.model.beliefs`` calibrates it on what each agent was
actually routed.

The fill rules (least loaded, most available, weighted without busyness) spread the chats
open *at a moment*, and that number fluctuates around the hour's load: the rule is averaged
over it (Poisson with the load as mean, the open chats of an unsaturated floor). Without
that, most available would give a limit below everybody's spare nothing at all in a quiet
hour, although such an agent is routed chats whenever the floor fills for a while; the
calibration's ratio of what it got to what the rule gave then exploded, and so did the
prediction at a higher limit (docs/model.md section 4.2). The rest is a mean-field view that
the calibration absorbs.
"""

from __future__ import annotations

import numpy as np

BISECTIONS = 40  #: halvings of the level interval (precision 2^-40 of its width)
QUANTILES = 16  #: slices of the open-chat distribution a fill rule is averaged over


def open_chats(mode: str, busyness: bool, limit, weight, u, top: float) -> np.ndarray:
    """Mean open chats of agents with ``limit`` and routing ``weight`` at common level ``u``.

    ``u`` runs over [0, 1]: 0 is an empty floor, 1 is everybody at its limit (agents of
    weight 0 in the weighted modes stay empty). ``top`` is the largest limit anybody could
    hold (it scales the level of the rules that compare open chats or spare capacity).
    """
    limit, weight, u = np.asarray(limit, float), np.asarray(weight, float), np.asarray(u, float)
    if mode == "most_available":
        return np.clip(limit - (1.0 - u) * top, 0.0, limit)
    if mode == "weighted":
        if busyness:
            share = weight * u / np.maximum(1.0 - u + weight * u, 1e-300)
            return limit * share
        level = top * u / np.maximum(1.0 - u, 1e-300)  # huge at u = 1: every limit full
        return np.where(weight > 0, np.minimum(limit, np.where(weight > 0, weight, 1.0) * level),
                        0.0)
    if mode == "round_robin":
        offered = top * u / np.maximum(1.0 - u, 1e-12)  # the same offer to everybody
        return carried(limit, offered)
    return np.minimum(limit, u * top)  # least_loaded


def carried(limit, offered) -> np.ndarray:
    """Mean chats held by an agent offered ``offered`` chats' worth of load (arrivals x slot
    time) who turns a chat away at its integer ``limit``: ``offered x (1 - B(limit,
    offered))``, B the Erlang loss formula (recursion B(0) = 1, B(k) = a B(k-1) / (k + a
    B(k-1)))."""
    limit = np.asarray(limit, float)
    a = np.asarray(offered, float)
    limit, a = np.broadcast_arrays(limit, a)
    b = np.ones(a.shape)
    out = np.zeros(a.shape)
    for k in range(1, int(limit.max(initial=0)) + 1):
        held = a * k / (k + a * b)  # a (1 - B(k)) without cancellation
        b = a * b / (k + a * b)
        out = np.where(limit == k, held, out)
    return out


def levels(mode: str, busyness: bool, limit, weight, cover, load, top: float) -> np.ndarray:
    """The common level of each hour at which the agents' open chats add up to its load.

    Args:
        mode: the routing rule (``sticky``: pass its fallback).
        busyness: the weighted rule leans on spare capacity.
        limit: each agent's hang-up limit (n,).
        weight: each agent's routing weight (n,).
        cover: share of each hour each agent is on shift (H, n).
        load: mean open chats the hour's buyers keep (H,).
        top: the largest limit anybody could hold.

    Returns:
        u of each hour (H,): 1 where the load fills every limit, 0 where there is none.
    """
    cover = np.asarray(cover, float)
    lo = np.zeros(len(load))
    hi = np.ones(len(load))
    full = (cover * open_chats(mode, busyness, limit, weight, 1.0, top)[None, :]).sum(axis=1)
    target = np.minimum(np.asarray(load, float), full)
    for _ in range(BISECTIONS):
        mid = (lo + hi) / 2
        held = (cover * open_chats(mode, busyness, limit[None, :], weight[None, :],
                                   mid[:, None], top)).sum(axis=1)
        below = held < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.where(target >= full, 1.0, np.where(target > 0, hi, 0.0))


def fills(mode: str, busyness: bool) -> bool:
    """Whether the rule spreads the chats open *at any moment* by a fill (least loaded, most
    available, weighted without busyness), rather than by a balance of arrivals and
    departures (round robin's loss systems, weighted with busyness)."""
    return mode in ("least_loaded", "most_available") or (mode == "weighted" and not busyness)


def load_points(load, points: int = QUANTILES) -> np.ndarray:
    """(H, points): the open chats of each hour, Poisson with mean ``load``, cut into
    ``points`` slices of equal probability, each given by its mean (so the points average to
    the load exactly, up to a tail beyond probability 1e-12)."""
    from scipy.stats import poisson  # here: loading scipy.stats takes a second of start-up

    load = np.asarray(load, float)
    top = int(poisson.ppf(1.0 - 1e-12, float(load.max(initial=0.0)))) + 1
    n = np.arange(top + 1, dtype=float)
    cdf = poisson.cdf(n[None, :], load[:, None])  # (H, S)
    below = np.concatenate([np.zeros((len(load), 1)), cdf[:, :-1]], axis=1)
    edges = np.arange(points + 1) / points
    lo, hi = edges[:-1][None, :, None], edges[1:][None, :, None]  # (1, Q, 1)
    overlap = np.clip(np.minimum(cdf[:, None, :], hi) - np.maximum(below[:, None, :], lo),
                      0.0, None)  # (H, Q, S): probability of n inside each slice
    return points * (overlap @ n)


def routed_table(mode: str, busyness: bool, limit, weight, cover, load, slot_s: float,
                 size: int, hours=None) -> np.ndarray:
    """Chats the router's rule gives each agent at every limit ``0..size-1`` over the hours
    given, the others keeping their limits (arguments as in :func:`levels`; ``slot_s`` is the
    mean time a chat holds a slot, in seconds; ``hours`` (H,) how many times each hour
    counts, default once). Returns an (n, size) table.

    Under a fill rule (:func:`fills`) the chats open in the store fluctuate around the
    hour's load: Poisson with that mean (the open chats of an unsaturated floor, M/G/infinity),
    cut into :data:`QUANTILES` slices of equal probability (:func:`load_points`), and the
    rule spreads each of them."""
    limit, weight = np.asarray(limit, float), np.asarray(weight, float)
    top = float(size - 1)
    cover = np.asarray(cover, float)
    count = np.ones(len(cover)) if hours is None else np.asarray(hours, float)
    load = np.asarray(load, float)
    q = 1
    if fills(mode, busyness):
        q = QUANTILES
        load = load_points(load).ravel()
        cover, count = np.repeat(cover, q, axis=0), np.repeat(count, q) / q
    u = levels(mode, busyness, limit, weight, cover, load, top)  # (H q,)
    cand = np.arange(size, dtype=float)
    held = open_chats(mode, busyness, cand[None, None, :], weight[None, :, None],
                      u[:, None, None], top)  # (H q, n, size)
    return np.einsum("hn,hnk->nk", cover * count[:, None], held) * 3600.0 / max(slot_s, 1e-9)
