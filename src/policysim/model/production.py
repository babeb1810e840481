"""Production functions of a chat: how load, skill and effort shape its pace and outcome.

These are the model's laws of a chat (MODEL.md sections 2-3), written once and used twice:
the engine tabulates them per agent and per load at the start of each day (so the per-chat
hot path only adds the buyer's own terms), and agents use the very same functions to predict
their metrics when they weigh a pay formula (section 4). All functions accept numpy arrays.

    reply delay  r(s, k)   = reply_base / s x (1 + f)^(k-1)                     x Exp(1)
    work         w(s)      = handle_base / s x (1 + stretch x effort)          x M, E[M] = 1
    per-chat speed  v(k)   = k^-alpha, or the table per_chat_rate[k - 1]
    handle time  h(s, k)   = w(s) / v(k)       (mean duration at a steady load of k chats)
    conversion   logit p   = a0 + a_intent intent + m (a_skill s + a_effort e_sales)
                             - a_wait ln(1 + frt / w0) - a_load (k - 1)
    rating       1 + 4 sigmoid(r0 + r_skill s + r_effort e_service
                             - r_wait ln(1 + frt / w0) - r_load (k - 1) + sd z)

with s the agent's skill, k its open chats including this one, m = event_skill_scale on
event days (buyers have decided) and 1 otherwise.

Concurrency is live (limited processor sharing): after the first reply, a chat's work is
done at speed v(k) where k is what the agent holds *now*, so a chat slows down when its
agent picks up another and speeds up when one closes. The engine keeps that bookkeeping;
here ``handle_scale`` gives the mean duration at a steady load k, w / v(k), which is what
agents use to predict their load (Little's law in ``behaviour.predict``).

The buyer's own terms of conversion and rating are added once per chat, in the engine's hot
path, so they also exist as scalar laws (:class:`ChatOutcome`, plain ``math``, the same
formula in the same order as the array versions); ``numpy`` and ``math`` may differ in the
last bit of ``exp`` and ``log1p``, so the engine uses only the scalar ones.
"""

from __future__ import annotations

import math

import numpy as np

from policysim.config.schema import Scenario


def reply_scale(scn: Scenario, skill, k):
    """Mean reaction delay (s) of an agent with ``skill`` holding ``k`` chats."""
    svc = scn.service
    return svc.reply_base_s / skill * (1.0 + svc.reply_load_factor) ** (np.asarray(k) - 1)


def per_chat_rate(scn: Scenario, k):
    """Relative speed of each open chat while the agent holds ``k`` chats.

    ``k^-alpha`` (``service.concurrency_alpha``), or the table
    ``service.concurrency.per_chat_rate`` (entry k - 1), interpolated linearly between whole
    loads and held at its ends (agents' predictions use fractional mean loads).
    """
    svc = scn.service
    k = np.asarray(k, dtype=float)
    table = svc.concurrency.per_chat_rate
    if table is None:
        return k ** -svc.concurrency_alpha
    return np.interp(k, np.arange(1, len(table) + 1, dtype=float), np.asarray(table, dtype=float))


def handle_work(scn: Scenario, skill, sales_effort, service_effort, pre_sales: bool):
    """Mean work (s at per-chat speed 1) of a chat after its first reply.

    Pre-sales chats stretch with both efforts (persuading and caring take time), after-sales
    chats with service effort and take ``after_sales_handle_factor`` longer.
    """
    svc = scn.service
    base = svc.handle_base_s / np.asarray(skill, dtype=float)
    if pre_sales:
        return base * (1.0 + svc.effort_stretch * 0.5 * (sales_effort + service_effort))
    return base * svc.after_sales_handle_factor * (1.0 + svc.effort_stretch * service_effort)


def handle_scale(scn: Scenario, skill, k, sales_effort, service_effort, pre_sales: bool):
    """Mean handle time (s) of a chat while its agent holds ``k`` chats throughout.

    Under live concurrency the duration is work / speed; at a steady load k that is
    ``handle_work / per_chat_rate(k)``.
    """
    return handle_work(scn, skill, sales_effort, service_effort, pre_sales) / per_chat_rate(scn, k)


def conversion_base(scn: Scenario, skill, k, sales_effort, event_day: bool):
    """Part of the conversion logit fixed by the agent, its load and the day type."""
    c = scn.conversion
    m = c.event_skill_scale if event_day else 1.0
    return c.a0 + m * (c.a_skill * skill + c.a_effort * sales_effort) - c.a_load * (
        np.asarray(k) - 1
    )


def conversion_prob(scn: Scenario, base, intent, frt):
    """P(order) of a pre-sales chat with buyer ``intent`` first answered after ``frt`` s.

    Array form of :meth:`ChatOutcome.converts` (which draws the order with a uniform)."""
    c = scn.conversion
    x = base + c.a_intent * intent - c.a_wait * np.log1p(frt / c.w0_s)
    return 1.0 / (1.0 + np.exp(-np.clip(x, -700.0, 700.0)))


def rating_base(scn: Scenario, skill, k, service_effort):
    """Part of the rating index fixed by the agent and its load."""
    r = scn.rating
    return r.r0 + r.r_skill * skill + r.r_effort * service_effort - r.r_load * (np.asarray(k) - 1)


def rating_value(scn: Scenario, base, frt, noise):
    """Rating 1-5 given the agent part, the first-response time and a standard normal draw.

    Array form of :meth:`ChatOutcome.rating`."""
    r = scn.rating
    x = base - r.r_wait * np.log1p(frt / r.w0_s) + r.noise_sd * noise
    return 1.0 + 4.0 / (1.0 + np.exp(-np.clip(x, -700.0, 700.0)))


class ChatOutcome:
    """The buyer's terms of conversion and rating for one chat, as scalar (``math``) laws.

    Same formulas as :func:`conversion_prob` and :func:`rating_value`; the logit is clipped
    to +-700 before ``exp`` as there.

    Args:
        scn: the scenario whose ``conversion`` and ``rating`` coefficients apply.
    """

    __slots__ = ("_a_intent", "_a_wait", "_cw0", "_r_wait", "_rw0", "_r_sd")

    def __init__(self, scn: Scenario) -> None:
        c, r = scn.conversion, scn.rating
        self._a_intent, self._a_wait, self._cw0 = c.a_intent, c.a_wait, c.w0_s
        self._r_wait, self._rw0, self._r_sd = r.r_wait, r.w0_s, r.noise_sd

    def converts(self, base: float, intent: float, frt: float, u: float) -> bool:
        """Whether a pre-sales chat orders: ``u < conversion_prob(base, intent, frt)``.

        Written as ``u (1 + exp(-x)) < 1`` (no division); ``u`` is the buyer's uniform.
        """
        x = base + self._a_intent * intent - self._a_wait * math.log1p(frt / self._cw0)
        return u * (1.0 + math.exp(-x if x > -700.0 else 700.0)) < 1.0

    def rating(self, base: float, frt: float, noise: float) -> float:
        """Rating 1-5 of a chat with agent part ``base``, first response ``frt`` s, normal ``noise``."""
        x = base - self._r_wait * math.log1p(frt / self._rw0) + self._r_sd * noise
        return 1.0 + 4.0 / (1.0 + math.exp(-x if x > -700.0 else 700.0))


def skill_after(s0, s_inf, experience, tau):
    """Learning by doing: s = s_inf - (s_inf - s0) exp(-experience / tau)."""
    return s_inf - (s_inf - s0) * np.exp(-np.asarray(experience) / tau)
