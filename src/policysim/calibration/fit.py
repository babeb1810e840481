"""What every estimator returns, and the maximum-likelihood helper they share.

An :class:`Estimate` is one scenario value with its 95% interval and a few words on how it
was obtained; a value that the records cannot identify is a :class:`Kept` default with the
reason. Most estimators are maximum likelihood: :func:`mle` minimises a negative
log-likelihood with scipy and takes the covariance from the inverse of its Hessian at the
optimum (the observed information), so an interval is ``value +- 1.96 SE`` on the scale
the parameter was fitted on (often the log scale, then transformed back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

Z95 = 1.959963984540054


@dataclass
class Estimate:
    """A fitted scenario value.

    Attributes:
        key: Dotted scenario key (``demand.daily_volume``).
        value: The value written to the scenario.
        low, high: 95% interval (None if the value has none, e.g. a choice of law).
        how: A few words on the estimator (written beside the value).
    """

    key: str
    value: object
    low: float | None = None
    high: float | None = None
    how: str = ""

    def covers(self, truth: float) -> bool:
        """Whether ``truth`` lies inside the interval."""
        return self.low is not None and self.low <= truth <= self.high


@dataclass
class Kept:
    """A scenario value left at its default because the records cannot identify it."""

    key: str
    reason: str


def wald(key: str, est: float, se: float, how: str, transform=None) -> Estimate:
    """An estimate with interval ``est +- 1.96 se``, optionally mapped by ``transform``."""
    lo, hi = est - Z95 * se, est + Z95 * se
    if transform is not None:
        est, lo, hi = transform(est), transform(lo), transform(hi)
        lo, hi = min(lo, hi), max(lo, hi)
    return Estimate(key, float(est), float(lo), float(hi), how)


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x`` (steps scaled to each coordinate)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    H = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.zeros(n), np.zeros(n)
            ei[i], ej[j] = h[i], h[j]
            v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h[i] * h[j])
            H[i, j] = H[j, i] = v
    return H


def mle(nll: Callable[[np.ndarray], float], x0, grad=None, information: bool = True
        ) -> tuple[np.ndarray, np.ndarray | None, float]:
    """Minimise ``nll``; return (estimate, covariance from the observed information, nll).

    With ``information=False`` the covariance is not computed (None): for a caller that
    builds its own (cluster-robust) covariance, since the central-difference Hessian costs
    about ``2 n^2`` likelihood evaluations for ``n`` parameters.
    """
    res = optimize.minimize(nll, np.asarray(x0, dtype=float), jac=grad, method="BFGS")
    if not np.all(np.isfinite(res.x)):
        raise ArithmeticError("the likelihood has no finite optimum")
    if not information:
        return res.x, None, float(res.fun)
    H = hessian(nll, res.x)
    try:
        cov = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        cov = np.full_like(H, np.nan)
    return res.x, cov, float(res.fun)


def se_of(cov: np.ndarray, i: int) -> float:
    """Standard error of coordinate ``i`` (NaN if the information is not positive)."""
    v = cov[i, i]
    return float(np.sqrt(v)) if np.isfinite(v) and v > 0 else float("nan")


def ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Least squares: (coefficients, their covariance, residual standard deviation)."""
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    dof = max(1, len(y) - X.shape[1])
    s2 = float(resid @ resid) / dof
    cov = s2 * np.linalg.pinv(X.T @ X)
    return beta, cov, float(np.sqrt(s2))


def cluster_cov(llvec: Callable[[np.ndarray], np.ndarray], theta: np.ndarray,
                groups: np.ndarray) -> tuple[np.ndarray, int]:
    """Cluster-robust (sandwich) covariance of an M-estimate and its degrees of freedom.

    Chats of one agent share the agent's unobserved ability, so they are not independent.
    The sandwich ``H^-1 (sum_g s_g s_g') H^-1 x G / (G - 1)`` uses the per-cluster sums of
    per-observation scores ``s`` (central differences of ``llvec``, the log-likelihood of
    each observation) and the Hessian ``H`` of their total; intervals then use Student t
    with ``G - 1`` degrees of freedom (G clusters).
    """
    theta = np.asarray(theta, dtype=float)
    n_par = len(theta)
    h = 1e-5 * np.maximum(1.0, np.abs(theta))
    cols = []
    for j in range(n_par):
        e = np.zeros(n_par)
        e[j] = h[j]
        cols.append((llvec(theta + e) - llvec(theta - e)) / (2 * h[j]))
    scores = np.column_stack(cols)
    H = hessian(lambda t: -float(np.sum(llvec(t))), theta)
    codes, _ = _codes(groups)
    G = int(codes.max()) + 1
    sums = np.zeros((G, n_par))
    np.add.at(sums, codes, scores)
    Hinv = np.linalg.pinv(H)
    cov = Hinv @ (sums.T @ sums) @ Hinv * (G / max(1, G - 1))
    return cov, max(1, G - 1)


def _codes(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, codes = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    return codes, uniq


def t95(df: int) -> float:
    """Two-sided 95% Student t quantile."""
    from scipy import stats

    return float(stats.t.ppf(0.975, df))


#: Most chats any one per-chat likelihood uses. Beyond it every n-th eligible row is taken
#: (deterministic, spread evenly over the records): intervals are then those of the rows
#: used, already far narrower than the differences that matter at this size.
MAX_ROWS = 200_000


def thin(mask: np.ndarray, cap: int = MAX_ROWS) -> np.ndarray:
    """``mask`` with at most ``cap`` True rows, every n-th of the original ones kept."""
    idx = np.flatnonzero(mask)
    if len(idx) <= cap:
        return mask
    step = int(np.ceil(len(idx) / cap))
    out = np.zeros_like(mask, dtype=bool)
    out[idx[::step]] = True
    return out
