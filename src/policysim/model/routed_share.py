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
actually routed. This is a mean-field view: it ignores that loads fluctuate within an hour,
which the calibration absorbs.
"""

from __future__ import annotations

import numpy as np

BISECTIONS = 40  #: halvings of the level interval (precision 2^-40 of its width)


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


def routed_table(mode: str, busyness: bool, limit, weight, cover, load, slot_s: float,
                 size: int, hours=None) -> np.ndarray:
    """Chats the router's rule gives each agent at every limit ``0..size-1`` over the hours
    given, the others keeping their limits (arguments as in :func:`levels`; ``slot_s`` is the
    mean time a chat holds a slot, in seconds; ``hours`` (H,) how many times each hour
    counts, default once). Returns an (n, size) table."""
    limit, weight = np.asarray(limit, float), np.asarray(weight, float)
    top = float(size - 1)
    u = levels(mode, busyness, limit, weight, cover, load, top)  # (H,)
    cand = np.arange(size, dtype=float)
    held = open_chats(mode, busyness, cand[None, None, :], weight[None, :, None],
                      u[:, None, None], top)  # (H, n, size)
    cover = np.asarray(cover, float)
    if hours is not None:
        cover = cover * np.asarray(hours, float)[:, None]
    return np.einsum("hn,hnk->nk", cover, held) * 3600.0 / max(slot_s, 1e-9)
