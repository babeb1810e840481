"""The live concurrency law from the chats table: how an agent's load paces each chat.

The engine runs *live* concurrency (docs/model.md section 2): after its first reply a chat's
work ``w`` is done at the per-chat speed ``v(k)`` of the load ``k`` its agent holds *now*,
so the chat ends when ``int v(k(t)) dt`` from first reply to end reaches ``w``. The records
give that load path: an agent holds a chat from ``assigned_at`` to ``ended_at``, so its open
chats ``k(t)`` are a step function, +1 at each assignment and -1 at each end.

*Exposure.* For each answered chat ``j`` let ``T[j, k]`` be the time of its work phase during
which its agent held ``k`` chats. With ``v(k) = k^-alpha`` the work done is linear in the
speeds, ``I_j(alpha) = sum_k T[j, k] k^-alpha``, so the whole load path enters through one
row of ``K`` numbers (``K`` the largest load seen). ``T`` comes from per-agent cumulative
times at each load, read at the first reply and at the end.

*Likelihood.* The work is lognormal, ``ln w_j = c_a + delta after_j - ln curve(t_j) + e_j``,
``e ~ N(0, sigma^2)``, with ``c_a`` the agent's own intercept (its ability, the base time and
the default efforts), ``delta`` the after-sales shift and ``curve`` the learning curve in
tenure days. The observed duration ``D_j`` solves ``I_j(D) = w_j``, so its density is the
work's density at ``I_j`` times ``dI/dD = v(k_end)``, the speed at the chat's end:

    ln L_j = -ln I_j - alpha ln k_end - ln sigma - (ln I_j - mu_j)^2 / (2 sigma^2)

(the Jacobian term is what identifies ``alpha``: at a constant load it reduces to the old
regression of ``ln D`` on ``ln k``). Agents' intercepts are concentrated out (their means
within agent), so an agent's ability cannot masquerade as load: slow agents hold their
chats longer and so carry more chats. The load path of other chats is taken as given (a
partial likelihood). Intervals are cluster-robust by agent (Student t, agents - 1 df).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from policysim.calibration.fit import cluster_cov, mle, se_of


def learning_curve(t, rho, T):
    """Skill relative to the fully learnt one after ``t`` tenure days: ``1 - (1 - rho) e^(-t/T)``."""
    return 1.0 - (1.0 - rho) * np.exp(-t / T)


def exposure(chats: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time at each load during the work phase of the chats in ``rows``, and the load at their end.

    Args:
        chats: Clean chats with ``handler``, ``assigned``, ``reply`` and ``ended`` (seconds).
        rows: Boolean mask of the chats wanted (each with a handler, finite first reply and
            end, ``ended > reply``).

    Returns:
        ``T`` (one row per chat in ``rows``, column ``k - 1`` the seconds of its work phase
        spent while its agent held ``k`` chats) and ``k_end`` (the agent's chats just before
        this one ended, counting it).
    """
    handler = chats["handler"].to_numpy(dtype=object)
    start, reply, end = (chats[c].to_numpy(dtype=float) for c in ("assigned", "reply", "ended"))
    held = pd.notna(handler) & np.isfinite(start)
    code = np.full(len(chats), -1, dtype=np.int64)
    code[held] = pd.factorize(handler[held])[0]
    s_idx = np.flatnonzero(held)
    e_idx = np.flatnonzero(held & np.isfinite(end))
    q_idx = np.flatnonzero(rows)
    n_s, n_e = len(s_idx), len(e_idx)
    t = np.concatenate([start[s_idx], end[e_idx], reply[q_idx]])
    who = np.concatenate([code[s_idx], code[e_idx], code[q_idx]])
    step = np.concatenate([np.ones(n_s), -np.ones(n_e), np.zeros(len(q_idx))])
    # at equal times: ends (0), then first replies (1), then assignments (2)
    kind = np.concatenate([np.full(n_s, 2, np.int8), np.zeros(n_e, np.int8),
                           np.ones(len(q_idx), np.int8)])
    order = np.lexsort((kind, t, who))
    t, who, step = t[order], who[order], step[order]
    first = np.r_[True, who[1:] != who[:-1]]
    cs = np.cumsum(step)
    starts = np.flatnonzero(first)
    level = cs - np.repeat((cs - step)[starts], np.diff(np.r_[starts, len(cs)]))
    dt = np.r_[np.diff(t), 0.0]
    dt[np.r_[first[1:], True]] = 0.0  # no segment runs past an agent's last event
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order))
    e_of = np.full(len(chats), -1, dtype=np.int64)
    e_of[e_idx] = np.arange(n_e)
    at_end = pos[n_s + e_of[q_idx]]
    at_reply = pos[n_s + n_e + np.arange(len(q_idx))]
    K = max(1, int(level.max()))
    T = np.empty((len(q_idx), K))
    lev = level.astype(np.int64)
    for k in range(1, K + 1):
        seg = np.where(lev == k, dt, 0.0)
        before = np.cumsum(seg) - seg  # time at load k before each event (same agent)
        T[:, k - 1] = before[at_end] - before[at_reply]
    k_end = lev[at_end] + 1
    return np.maximum(T, 0.0), k_end


@dataclass
class LiveFit:
    """The fitted live law of handle times.

    Attributes:
        p: ``[alpha, delta, (logit rho, ln T)]`` at the optimum.
        cov: Cluster-robust covariance of ``p`` followed by ``ln sigma^2``.
        dof: Agents - 1.
        sigma2: Within-agent residual variance of log work.
        intercepts: Each agent's own intercept ``c_a`` (in the order of ``agents``).
        counts: Chats of each agent used.
        resid: Residuals of log work.
        nll: Negative log-likelihood at the optimum.
    """

    p: np.ndarray
    cov: np.ndarray
    dof: int
    sigma2: float
    intercepts: np.ndarray
    counts: np.ndarray
    resid: np.ndarray
    nll: float


class LiveLaw:
    """Maximum likelihood of the live concurrency law (see the module docstring).

    Args:
        T: Time at each load during each chat's work phase (:func:`exposure`).
        k_end: Load at each chat's end.
        after: 1 for after-sales chats, 0 for pre-sales.
        tenure: Tenure days at assignment (used when the learning curve is fitted).
        agent: The handling agent of each chat.
    """

    def __init__(self, T, k_end, after, tenure, agent) -> None:
        self.T = np.asarray(T, dtype=float)
        self.ln_kend = np.log(np.asarray(k_end, dtype=float))
        self.after = np.asarray(after, dtype=float)
        self.tenure = np.asarray(tenure, dtype=float)
        self.agent = np.asarray(agent, dtype=object)
        self.codes, self.names = pd.factorize(self.agent)
        self.m = len(self.names)
        self.size = np.bincount(self.codes, minlength=self.m).astype(float)
        self.loads = np.arange(1, self.T.shape[1] + 1, dtype=float)
        self.fixed = np.zeros(len(self.after))  # a fixed -ln curve offset, if one is chosen

    def _parts(self, q):
        alpha = q[0]
        y = np.log(self.T @ self.loads ** -alpha)
        z = y - q[1] * self.after + self.fixed
        if len(q) > 2:
            z = z + np.log(learning_curve(self.tenure, special.expit(q[2]), np.exp(q[3])))
        c = np.bincount(self.codes, z, minlength=self.m) / self.size
        return y, z - c[self.codes], c

    def profile_nll(self, q) -> float:
        """Negative log-likelihood with agents' intercepts and sigma concentrated out."""
        y, r, _ = self._parts(q)
        return float(np.sum(y) + q[0] * np.sum(self.ln_kend)
                     + 0.5 * len(y) * np.log(np.mean(r ** 2)))

    def loglik(self, qs) -> np.ndarray:
        """Per-chat log-likelihood at ``qs`` = (parameters, ln sigma^2), intercepts concentrated."""
        q, ls2 = qs[:-1], qs[-1]
        y, r, _ = self._parts(q)
        return -y - q[0] * self.ln_kend - 0.5 * ls2 - 0.5 * r ** 2 * np.exp(-ls2)

    def fit(self, learn: bool) -> LiveFit:
        """Fit ``alpha`` and ``delta`` (and the learning curve if ``learn``)."""
        q0 = [0.5, 0.2] + ([0.0, np.log(100.0)] if learn else [])
        q, _, f = mle(self.profile_nll, q0, information=False)
        _, r, c = self._parts(q)
        s2 = float(np.mean(r ** 2))
        full = np.r_[q, np.log(s2)]
        cov, dof = cluster_cov(self.loglik, full, self.agent)
        return LiveFit(q, cov, dof, s2, c, self.size, r, f)


def learning_identified(fit: LiveFit, max_se: float) -> bool:
    """Whether the fitted curve's SEs (logit rho, ln T) are both below ``max_se``."""
    return len(fit.p) > 2 and se_of(fit.cov, 2) < max_se and se_of(fit.cov, 3) < max_se
