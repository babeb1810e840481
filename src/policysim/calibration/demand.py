"""Demand from the chats table: volume, weekly and daily rhythm, promotions, growth, mix.

The model's arrival rate (docs/model.md section 1) multiplies a daily volume by an hour
share, a weekday factor, a promotion multiplier and growth. Summed over a day the hour
shares drop out, so the daily counts follow a Poisson regression

    log E[count_d] = log V + log weekday_factor[wd(d)] + ln(1 + growth) d / 365
                     + sum_E 1[d in E] ln multiplier_E

fitted by maximum likelihood; intervals use the observed information times the Pearson
dispersion (at least 1) so day-to-day noise beyond Poisson widens them. Promotions come
from an events file, or are detected as days whose count lies more than 4 standard errors
above a fit without events (dispersion from the median absolute residual, so the outliers
do not hide themselves; weekday factors only with three weeks of records); consecutive
days form one event, and the detected events are reported. The hour
profile is the share of each hour's chats on ordinary days (multinomial intervals); the
pre-sales share is the share of "pre" chats (binomial intervals).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from policysim.calibration.fit import Z95, Estimate, Kept, wald
from policysim.calibration.tables import Records

OUTLIER_Z = 4.0
MIN_DAYS_GROWTH = 28


def _poisson(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Poisson regression by Newton steps (IRLS); (coefficients, covariance, dispersion)."""
    beta = np.zeros(X.shape[1])
    beta[0] = np.log(max(y.mean(), 1e-9))
    for _ in range(100):
        mu = np.exp(X @ beta)
        info = X.T @ (X * mu[:, None])
        step = np.linalg.lstsq(info, X.T @ (y - mu), rcond=None)[0]
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    mu = np.exp(X @ beta)
    dof = max(1, len(y) - X.shape[1])
    phi = max(1.0, float(np.sum((y - mu) ** 2 / mu)) / dof)
    cov = np.linalg.pinv(X.T @ (X * mu[:, None])) * phi
    return beta, cov, phi


def _design(days: np.ndarray, weekday0: int, growth: bool, events: list[tuple[int, int]],
            weekdays: bool = True):
    wd = (weekday0 + days) % 7
    cols = [np.ones(len(days))] + ([(wd == w).astype(float) for w in range(1, 7)] if weekdays
                                   else [])
    if growth:
        cols.append(days / 365.0)
    cols += [((days >= s) & (days < s + n)).astype(float) for s, n in events]
    return np.column_stack(cols)


def _runs(days: list[int]) -> list[tuple[int, int]]:
    """Consecutive days as (first, length)."""
    out: list[tuple[int, int]] = []
    for d in sorted(days):
        if out and out[-1][0] + out[-1][1] == d:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((d, 1))
    return out


def fit_demand(rec: Records) -> tuple[list[Estimate], list[Kept], dict]:
    """Estimates of the ``demand`` section (see the module docstring) and a summary."""
    chats = rec.chats
    counts = chats.groupby("day").size()
    days = counts.index.to_numpy(dtype=int)
    y = counts.to_numpy(dtype=float)
    weekday0 = rec.origin.weekday()
    span = int(days.max()) + 1
    growth = span >= MIN_DAYS_GROWTH
    kept: list[Kept] = []
    if rec.events is not None:
        events = [(int(r.day), int(r.days)) for r in rec.events.itertuples()]
        names = list(rec.events["name"])
        detected: list[tuple[int, int]] = []
    else:
        events, names = [], []
        for _ in range(3):
            # detection: weekdays only with three weeks of records (else one outlier pulls
            # its weekday's factor), dispersion from the median absolute residual
            X = _design(days, weekday0, growth, events, weekdays=span >= 21)
            beta, _, _ = _poisson(X, y)
            mu = np.exp(X @ beta)
            r = (y - mu) / np.sqrt(mu)
            phi = max(1.0, (np.median(np.abs(r - np.median(r))) / 0.6745) ** 2)
            z = r / np.sqrt(phi)
            inside = np.zeros(len(days), bool)
            for s, n in events:
                inside |= (days >= s) & (days < s + n)
            new = [int(d) for d in days[(z > OUTLIER_Z) & ~inside]]
            if not new:
                break
            flagged = sorted({d for s, n in events for d in range(s, s + n)} | set(new))
            events = _runs(flagged)
        detected = list(events)
        names = [f"detected_{i + 1}" for i in range(len(events))]
    ordinary_days = np.ones(len(days), bool)
    for s, n in events:
        ordinary_days &= ~((days >= s) & (days < s + n))
    # weekday factors need every weekday on at least one ordinary day (else a weekday's
    # factor and an event's multiplier cannot be told apart)
    wd_ok = len(np.unique((weekday0 + days[ordinary_days]) % 7)) == 7
    X = _design(days, weekday0, growth, events, weekdays=wd_ok)
    beta, cov, phi = _poisson(X, y)
    fitted = np.exp(X @ beta)
    if not wd_ok:  # same layout as with weekdays: factors fixed at 1
        beta = np.insert(beta, 1, np.zeros(6))
        cov = np.insert(np.insert(cov, [1] * 6, 0.0, axis=0), [1] * 6, 0.0, axis=1)
        kept.append(Kept("demand.weekday_factor", "not every weekday has an ordinary day "
                                                  "in the records"))
    est: list[Estimate] = []
    # daily volume: exp(a) x mean weekday factor (factors relative to Monday)
    f = np.exp(np.r_[0.0, beta[1:7]])
    grad = np.zeros(len(beta))
    grad[0] = 1.0
    grad[1:7] = f[1:] / f.sum()
    log_v = beta[0] + np.log(f.mean())
    est.append(wald("demand.daily_volume", log_v, float(np.sqrt(grad @ cov @ grad)),
                    "Poisson regression of daily counts", np.exp))
    wf = f / f.mean()
    lows, highs = [], []
    for j in range(7):
        g = np.zeros(len(beta))
        g[1:7] = -f[1:] / f.sum()
        if j > 0:
            g[j] += 1.0
        se = float(np.sqrt(g @ cov @ g))
        lows.append(wf[j] * np.exp(-Z95 * se))
        highs.append(wf[j] * np.exp(Z95 * se))
    if wd_ok:
        est.append(Estimate("demand.weekday_factor", [round(float(v), 4) for v in wf],
                            lows, highs, "same regression; Monday first, mean 1"))
    if growth:
        est.append(wald("demand.growth_per_year", beta[7], float(np.sqrt(cov[7, 7])),
                        "same regression", lambda b: float(np.exp(b) - 1.0)))
    else:
        kept.append(Kept("demand.growth_per_year", f"only {span} days of records "
                                                   f"(needs {MIN_DAYS_GROWTH})"))
    first = 7 + int(growth)
    event_rows = []
    for k, ((s, n), name) in enumerate(zip(events, names)):
        b, se = beta[first + k], float(np.sqrt(cov[first + k, first + k]))
        date = rec.origin + dt.timedelta(days=s)
        e = wald(f"demand.events.{name}.multiplier", b, se, "same regression", np.exp)
        event_rows.append({"name": name, "date": date, "days": n, "multiplier": e})
    if event_rows:
        kept.append(Kept("demand.events.*.intent_boost", "promotion intent is not in the "
                                                         "records (default kept)"))
    # hour profile and pre-sales share on ordinary days
    ordinary = np.ones(len(chats), bool)
    for s, n in events:
        ordinary &= ~((chats["day"] >= s) & (chats["day"] < s + n)).to_numpy()
    base = chats[ordinary]
    hours = np.floor((base["arrived"].to_numpy() % 86400.0) / 3600.0).astype(int)
    n_h = np.bincount(hours, minlength=24).astype(float)
    N = n_h.sum()
    p = n_h / N
    se = np.sqrt(p * (1 - p) / N)
    est.append(Estimate("demand.hour_profile", [round(100 * float(v), 4) for v in p],
                        list(100 * np.clip(p - Z95 * se, 0, None)), list(100 * (p + Z95 * se)),
                        "share of ordinary-day chats by hour, in percent"))
    kind = base["pre"].dropna()
    if len(kind) >= 30:
        ps = float(kind.mean())
        est.append(wald("demand.pre_sales_share", ps, float(np.sqrt(ps * (1 - ps) / len(kind))),
                        "share of pre-sales chats on ordinary days",
                        lambda v: float(np.clip(v, 0.0, 1.0))))
    else:
        kept.append(Kept("demand.pre_sales_share", "no kind column (or fewer than 30 chats)"))
    info = {"days": days, "counts": y, "fitted": fitted, "dispersion": phi,
            "events": event_rows, "detected": bool(detected), "hour_counts": n_h,
            "span": span}
    return est, kept, info
