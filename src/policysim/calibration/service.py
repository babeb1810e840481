"""Chat mechanics from the chats table: patience, reply delay, handle time, learning,
conversion and rating (docs/model.md sections 1-3), each by maximum likelihood.

*Open chats.* The model's laws depend on ``k``, the agent's open chats counting the new one.
The records do not say it, but it follows from them: an agent holds a chat from
``assigned_at`` to ``ended_at`` (the release of its slot), so ``k`` is the running count of
+1 at each assignment and -1 at each end, per handling agent, read at each assignment
(ends first at equal times).

*Patience* is censored: a buyer who left from the queue shows their patience exactly
(``ended_at - arrived_at``); one who left after an agent took the chat left between the
assignment and the agent's reply (interval-censored); an answered buyer was patient at least
until the first reply (right-censored). Exponential and lognormal laws are both fitted;
the one with the lower AIC is written.

*Handle time* follows the engine's live concurrency: a chat's work after its first reply
is done at the per-chat speed of its agent's load *at each moment*, so its duration is
fitted by maximum likelihood against the agent's whole load path while it ran
(:mod:`policysim.calibration.concurrency`): ``concurrency_alpha``, an after-sales shift and
the learning curve ``s(t) = 1 - (1 - s0_ratio) exp(-t / T)`` in tenure days ``t``
(``learning_tau_chats = T x chats per agent-day``), each agent with its own intercept.
The spread of agents' intercepts beyond their sampling noise gives ``ability_sigma``, their
mean ``handle_base_s``.

*Reply delay* (assignment to first reply, or to the end for a buyer who left before it, so
that slow replies are not selected out) is exponential with log mean linear in ``k - 1``
(the load at assignment: the engine draws the reply then) and the same skill offset. *Conversion* of pre-sales chats on ordinary
days is a logit in ``ln(1 + frt / w0)``, ``k - 1`` and skill, with the buyer's unobserved
intent integrated out (Gauss-Hermite). *Rating* is a linear model of
``logit((rating - 1) / 4)``. Chats of one agent share its ability, so intervals are
cluster-robust by agent (Student t with agents - 1 degrees of freedom).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.polynomial.hermite_e import hermegauss
from scipy import special, stats

from policysim.calibration import concurrency as cc
from policysim.calibration.fit import Estimate, Kept, cluster_cov, mle, se_of, t95, thin, wald
from policysim.config.schema import Scenario

DEFAULTS = Scenario()
#: Largest standard error (logit s0_ratio, log T) at which the learning curve counts as
#: identified; beyond it the curve is dropped and its defaults kept.
MAX_SE_LEARNING = 1.0


def open_chats(chats: pd.DataFrame) -> np.ndarray:
    """Open chats of the handling agent at each assignment, counting this chat (NaN if none)."""
    handler = chats["handler"].to_numpy(dtype=object)
    start = chats["assigned"].to_numpy()
    end = chats["ended"].to_numpy()
    ok = pd.notna(handler) & np.isfinite(start)
    idx = np.flatnonzero(ok)
    codes = pd.factorize(handler[idx])[0]
    end_t = np.where(np.isfinite(end[idx]), end[idx], np.inf)
    t = np.r_[start[idx], end_t]
    kind = np.r_[np.ones(len(idx)), np.zeros(len(idx))]  # ends (0) before starts (1)
    who = np.r_[codes, codes]
    row = np.r_[np.arange(len(idx)), np.arange(len(idx))]
    order = np.lexsort((row, kind, t, who))
    step = np.where(kind[order] == 1, 1, -1)
    run = pd.Series(step).groupby(who[order]).cumsum().to_numpy()
    k = np.full(len(chats), np.nan)
    starts = kind[order] == 1
    k[idx[row[order][starts]]] = run[starts]
    return k


def fit_patience(chats: pd.DataFrame) -> tuple[list[Estimate], list[Kept], dict]:
    """Censored maximum likelihood of patience; exponential against lognormal by AIC."""
    arr = chats["arrived"].to_numpy()
    ab = chats["abandoned"].to_numpy(bool)
    took = pd.notna(chats["agent"]).to_numpy()
    keep = thin(np.ones(len(chats), bool))
    ab = ab & keep
    exact = (ab & ~took) & np.isfinite(chats["ended"].to_numpy())
    x_exact = np.maximum(chats["ended"].to_numpy()[exact] - arr[exact], 1e-3)
    inter = ab & took & np.isfinite(chats["assigned"].to_numpy()) & np.isfinite(
        chats["ended"].to_numpy())
    a = np.maximum(chats["assigned"].to_numpy()[inter] - arr[inter], 0.0)
    b = np.maximum(chats["ended"].to_numpy()[inter] - arr[inter], a + 1e-3)
    cens = ~ab & keep & np.isfinite(chats["reply"].to_numpy())
    c = np.maximum(chats["reply"].to_numpy()[cens] - arr[cens], 0.0)
    n_left = int(exact.sum() + inter.sum())
    info = {"left": n_left, "answered": int(cens.sum())}
    if n_left < 20:
        return [], [Kept("demand.patience", f"only {n_left} buyers left before a reply")], info

    def logsf(x, law, p):
        if law == "exp":
            return -x / np.exp(p[0])
        s2 = np.log1p(np.exp(2 * p[1]))
        mu = p[0] - s2 / 2
        return stats.norm.logsf((np.log(np.maximum(x, 1e-12)) - mu) / np.sqrt(s2))

    def nll(p, law):
        if law == "exp":
            lam = np.exp(-p[0])
            ll_exact = np.log(lam) - lam * x_exact
        else:
            s2 = np.log1p(np.exp(2 * p[1]))
            mu = p[0] - s2 / 2
            ll_exact = stats.norm.logpdf(np.log(x_exact), mu, np.sqrt(s2)) - np.log(x_exact)
        la, lb = logsf(a, law, p), logsf(b, law, p)
        ll_int = la + np.log(-np.expm1(np.minimum(lb - la, -1e-12)))
        return -(ll_exact.sum() + ll_int.sum() + logsf(c, law, p).sum())

    start = np.log(max(1.0, (x_exact.sum() + b.sum() + c.sum()) / n_left))
    p_exp, cov_exp, f_exp = mle(lambda p: nll(p, "exp"), [start])
    p_ln, cov_ln, f_ln = mle(lambda p: nll(p, "ln"), [p_exp[0], 0.0])
    aic_exp, aic_ln = 2 * f_exp + 2, 2 * f_ln + 4
    info.update(aic_exponential=aic_exp, aic_lognormal=aic_ln)
    if aic_exp <= aic_ln:
        est = [Estimate("demand.patience.dist", "exponential", None, None,
                        f"AIC {aic_exp:.1f} vs lognormal {aic_ln:.1f}"),
               wald("demand.patience.mean_s", p_exp[0], se_of(cov_exp, 0),
                    "censored MLE", np.exp)]
        info["law"] = ("exponential", float(np.exp(p_exp[0])), 1.0)
    else:
        est = [Estimate("demand.patience.dist", "lognormal", None, None,
                        f"AIC {aic_ln:.1f} vs exponential {aic_exp:.1f}"),
               wald("demand.patience.mean_s", p_ln[0], se_of(cov_ln, 0), "censored MLE", np.exp),
               wald("demand.patience.cv", p_ln[1], se_of(cov_ln, 1), "censored MLE", np.exp)]
        info["law"] = ("lognormal", float(np.exp(p_ln[0])), float(np.exp(p_ln[1])))
    return est, [], info


def fit_service(chats: pd.DataFrame, k: np.ndarray, tenure: np.ndarray, chats_per_day: float
                ) -> tuple[list[Estimate], list[Kept], dict]:
    """Handle time under live concurrency with the learning curve, ability spread, and the
    reply-delay law."""
    svc, ag = DEFAULTS.service, DEFAULTS.agents
    est: list[Estimate] = []
    kept: list[Kept] = []
    reply, ended, assigned = (chats[c].to_numpy() for c in ("reply", "ended", "assigned"))
    transferred = (chats["transfer"].to_numpy(dtype=object) != "")
    ans = (~chats["abandoned"].to_numpy(bool)) & np.isfinite(reply) & np.isfinite(ended) & (
        ended > reply) & np.isfinite(k)
    pre = chats["pre"].to_numpy()
    ten_all = tenure
    has_t = np.isfinite(ten_all)
    cand = ans & np.isfinite(pre)
    learn = bool(has_t[cand].mean() > 0.5 and np.ptp(ten_all[cand & has_t]) > 60) \
        if (cand & has_t).any() else False
    rows = thin(cand & has_t if learn else cand)
    info: dict = {"handled": int(rows.sum())}
    if rows.sum() < 200:
        kept.append(Kept("service", f"only {int(rows.sum())} answered chats with times"))
        return est, kept, {**info, "skill": lambda t: np.ones_like(t, dtype=float)}
    T, k_end = cc.exposure(chats, rows)
    law = cc.LiveLaw(T, k_end, 1.0 - pre[rows], ten_all[rows],
                     chats["handler"].to_numpy(dtype=object)[rows])
    fit = law.fit(learn)
    curve = "fitted" if learn else "none"
    if learn and not cc.learning_identified(fit, MAX_SE_LEARNING):
        # the curve's shape is not identified: choose between no learning and the default
        # curve (same number of parameters) by the likelihood
        learn = False
        flat = law.fit(False)
        T0 = ag.learning_tau_chats / chats_per_day
        law.fixed = np.log(cc.learning_curve(law.tenure, ag.s0_ratio, T0))
        dflt = law.fit(False)
        if flat.nll <= dflt.nll:
            law.fixed[:] = 0.0
            curve, fit = "none", flat
        else:
            curve, fit = "default", dflt
        info["learning_choice"] = {"none": flat.nll, "default": dflt.nll}
    tq = t95(fit.dof)
    # ability: variance of agents' intercepts beyond their sampling noise
    m, c_a, s2 = len(fit.intercepts), fit.intercepts, fit.sigma2
    noise = float(np.mean(s2 / fit.counts))
    var_m = float(np.var(c_a, ddof=1)) if m > 1 else 0.0
    sig_a2 = max(0.0, var_m - noise)
    # chi-square interval of the variance of agents' intercepts, less their sampling noise
    a_lo = max(0.0, (m - 1) * var_m / stats.chi2.ppf(0.975, max(1, m - 1)) - noise)
    a_hi = max(0.0, (m - 1) * var_m / stats.chi2.ppf(0.025, max(1, m - 1)) - noise)
    eff_pre = 1 + svc.effort_stretch * (ag.default_sales_effort + ag.default_service_effort) / 2
    eff_after = 1 + svc.effort_stretch * ag.default_service_effort
    shift = s2 / 2 - sig_a2 / 2  # E[ln M] = -sigma^2 / 2 and E[-ln s_inf] = sigma_a^2 / 2
    how = f"live-concurrency MLE of handle times, cluster-robust by agent ({m} agents)"

    theta = np.r_[fit.p, np.log(s2)]

    def tci(key, i, transform, note=how):
        se = se_of(fit.cov, i)
        v, lo, hi = (transform(theta[i]), transform(theta[i] - tq * se),
                     transform(theta[i] + tq * se))
        return Estimate(key, float(v), float(min(lo, hi)), float(max(lo, hi)), note)

    base = _level(c_a, "service.handle_base_s", -shift, how)
    to_base = lambda v: float(np.exp(v) / eff_pre)  # noqa: E731
    est.append(Estimate(base.key, to_base(base.value), to_base(base.low), to_base(base.high),
                        base.how))
    est.append(tci("service.concurrency_alpha", 0, lambda v: v))
    est.append(tci("service.after_sales_handle_factor", 1,
                   lambda v: np.exp(v) * eff_pre / eff_after))
    n_s2 = len(fit.p)
    est.append(tci("service.handle_sigma", n_s2, lambda v: float(np.sqrt(np.exp(v))),
                   how + "; residual sd within agents"))
    est.append(Estimate("agents.ability_sigma", float(np.sqrt(sig_a2)), float(np.sqrt(a_lo)),
                        float(np.sqrt(a_hi)), f"spread of agents' own handle times ({m} agents)"))
    if learn:
        est.append(tci("agents.s0_ratio", 2, special.expit, how + "; learning curve"))
        est.append(tci("agents.learning_tau_chats", 3, lambda v: np.exp(v) * chats_per_day,
                       how + f"; {chats_per_day:.0f} chats per agent-day"))
        rho, T = special.expit(fit.p[2]), np.exp(fit.p[3])
        skill = lambda t: np.where(np.isfinite(t), cc.learning_curve(np.nan_to_num(t, nan=1e9), rho, T), 1.0)  # noqa: E731
    elif curve == "default":
        kept += [Kept("agents.s0_ratio", "learning curve not identified; the default curve "
                                         "fits handle times better than none"),
                 Kept("agents.learning_tau_chats", "learning curve not identified")]
        T0 = ag.learning_tau_chats / chats_per_day
        skill = lambda t: np.where(np.isfinite(t), cc.learning_curve(np.nan_to_num(t, nan=1e9), ag.s0_ratio, T0), 1.0)  # noqa: E731
    else:
        if "learning_choice" in info:
            est.append(Estimate("agents.learning", False, None, None,
                                "no learning: handle times fit better without the default "
                                "curve (its shape is not identified)"))
        else:
            kept.append(Kept("agents.learning", "no roster tenures to see learning in"))
        skill = lambda t: np.ones_like(t, dtype=float)  # noqa: E731
    info.update(skill=skill, sigma_a2=sig_a2, curve=curve, live=fit)

    # reply delay: exponential, log mean c + ln(1 + f)(k - 1) - ln s(t)
    has_agent = pd.notna(chats["handler"]).to_numpy() & np.isfinite(assigned) & np.isfinite(k)
    rt = np.where(np.isfinite(reply), reply, np.where(chats["abandoned"], ended, np.nan)) - assigned
    use = thin(has_agent & ~transferred & np.isfinite(rt) & (rt >= 0))
    yr, kr = np.maximum(rt[use], 1e-3), k[use] - 1.0
    off = -np.log(skill(tenure[use]))

    def llr(q):
        eta = q[0] + q[1] * kr + off
        return -eta - yr * np.exp(-eta)

    q, _, _ = mle(lambda q: -float(np.sum(llr(q))), [np.log(np.mean(yr)), 0.1],
                  information=False)
    covr, dofr = cluster_cov(llr, q, chats["handler"].to_numpy(dtype=object)[use])
    tr = t95(dofr)
    for key, i, tf in (("service.reply_base_s", 0, lambda c: np.exp(c - sig_a2)),
                       ("service.reply_load_factor", 1, lambda b: np.exp(b) - 1.0)):
        se = se_of(covr, i)
        est.append(Estimate(key, float(tf(q[i])), float(tf(q[i] - tr * se)),
                            float(tf(q[i] + tr * se)),
                            f"exponential MLE of reply delays, cluster-robust ({dofr + 1} agents)"))
    kept.append(Kept("service.transfer_delay_s", "kept: transfers are too few to separate it"))
    kept.append(Kept("service.effort_stretch", "efforts are not in the records"))
    return est, kept, info


def _agent_codes(chats: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, int]:
    codes = pd.factorize(chats["handler"].to_numpy(dtype=object)[rows])[0]
    return codes, int(codes.max()) + 1


def _level(fe: np.ndarray, key: str, shift: float, how: str) -> Estimate:
    """An intercept from agents' own intercepts: their mean, t interval across agents."""
    m = len(fe)
    se = float(np.std(fe, ddof=1) / np.sqrt(m)) if m > 1 else float("nan")
    v = float(np.mean(fe)) - shift
    return Estimate(key, v, v - t95(m - 1) * se, v + t95(m - 1) * se,
                    how + f"; mean of {m} agents' intercepts")


def fit_conversion(chats: pd.DataFrame, k: np.ndarray, s: np.ndarray, ordinary: np.ndarray,
                   learn: bool) -> tuple[list[Estimate], list[Kept]]:
    """Conversion logit with intent integrated out (a_intent, intent_sd at their defaults).

    Each agent has its own intercept (its ability shifts conversion and is correlated with
    how fast it replies): the slopes are within-agent, ``a0`` is the agents' mean intercept
    less the default effort term and ``a_skill`` (kept) times the agents' mean skill.
    """
    c, d = DEFAULTS.conversion, DEFAULTS.demand
    ov = chats["order_value"].to_numpy()
    frt = chats["reply"].to_numpy() - chats["arrived"].to_numpy()
    rows = (chats["pre"].to_numpy() == 1) & np.isfinite(ov) & np.isfinite(frt) & np.isfinite(k) \
        & ordinary & ~chats["abandoned"].to_numpy(bool) & pd.notna(chats["handler"]).to_numpy()
    rows = thin(rows)
    if rows.sum() < 300:
        return [], [Kept("conversion", f"only {int(rows.sum())} answered pre-sales chats with "
                                       "an order value")]
    y = (ov[rows] > 0).astype(float)
    X = np.column_stack([-np.log1p(frt[rows] / c.w0_s), -(k[rows] - 1.0)])
    codes, m = _agent_codes(chats, rows)
    z, wz = hermegauss(12)
    wz = wz / wz.sum()
    spread = c.a_intent * d.intent_sd

    def probs(p, slope: bool = True):
        e = special.expit((p[codes] + X @ p[m:])[:, None] + spread * z[None, :])
        prob = np.clip(e @ wz, 1e-12, 1 - 1e-12)
        return prob, ((e * (1 - e)) @ wz if slope else None)

    def nll(p):
        prob, _ = probs(p, slope=False)
        return -float(np.sum(y * np.log(prob) + (1 - y) * np.log1p(-prob)))

    def obs_scores(p):
        prob, dprob = probs(p)
        return (y / prob - (1 - y) / (1 - prob)) * dprob

    def grad(p):
        g = obs_scores(p)
        return -np.r_[np.bincount(codes, g, minlength=m), X.T @ g]

    p, _, _ = mle(nll, np.r_[np.zeros(m), 0.3, 0.1], grad, information=False)
    # within-agent slopes: cluster-robust sandwich from analytic scores
    H = np.column_stack([(grad(p + e) - grad(p - e)) / 2e-5
                         for e in np.eye(len(p)) * 1e-5])
    g = obs_scores(p)
    sums = np.zeros((m, len(p)))
    sums[np.arange(m), np.arange(m)] = np.bincount(codes, g, minlength=m)
    np.add.at(sums[:, m:], codes, X * g[:, None])
    Hinv = np.linalg.pinv((H + H.T) / 2)
    cov = Hinv @ (sums.T @ sums) @ Hinv * (m / max(1, m - 1))
    tq = t95(max(1, m - 1))
    how = f"logit MLE, intent integrated out, agents' own intercepts ({m} agents)"
    shift = c.a_effort * DEFAULTS.agents.default_sales_effort + c.a_intent * d.intent_mean \
        + c.a_skill * float(np.mean(pd.Series(s[rows]).groupby(codes).mean()))
    out = [_level(p[:m], "conversion.a0", shift, how)]
    for key, i in (("conversion.a_wait", m), ("conversion.a_load", m + 1)):
        se = se_of(cov, i)
        out.append(Estimate(key, float(p[i]), float(p[i] - tq * se), float(p[i] + tq * se),
                            how + ", cluster-robust"))
    kept = [Kept("conversion.a_intent", "buyer intent is not in the records"),
            Kept("conversion.event_skill_scale", "kept: fitted on ordinary days only"),
            Kept("conversion.a_skill", "skill is not separated from agents' own intercepts")]
    return out, kept


def fit_rating(chats: pd.DataFrame, k: np.ndarray, s: np.ndarray, learn: bool
               ) -> tuple[list[Estimate], list[Kept]]:
    """Linear model of the rating index logit((rating - 1) / 4) within agents.

    As for conversion, each agent has its own intercept; slopes and the noise come from
    the variation within agents (cluster-robust), ``r0`` from the agents' mean intercept.
    """
    r = DEFAULTS.rating
    rating = chats["rating"].to_numpy()
    frt = chats["reply"].to_numpy() - chats["arrived"].to_numpy()
    rows = thin(np.isfinite(rating) & np.isfinite(frt) & np.isfinite(k)
                & pd.notna(chats["handler"]).to_numpy())
    if rows.sum() < 300:
        return [], [Kept("rating", f"only {int(rows.sum())} rated chats")]
    vals = rating[rows]
    if np.all(np.abs(vals - np.round(vals)) < 1e-9):
        return [], [Kept("rating", "ratings are whole stars: the continuous rating index is "
                                   "not identified (defaults kept)")]
    yv = special.logit(np.clip((vals - 1.0) / 4.0, 1e-6, 1 - 1e-6))
    X = np.column_stack([-np.log1p(frt[rows] / r.w0_s), -(k[rows] - 1.0)])
    codes, m = _agent_codes(chats, rows)
    size = np.bincount(codes, minlength=m)
    ym = np.bincount(codes, yv, minlength=m) / size
    Xm = np.column_stack([np.bincount(codes, X[:, j], minlength=m) / size for j in range(2)])
    Xw, yw = X - Xm[codes], yv - ym[codes]
    beta = np.linalg.lstsq(Xw, yw, rcond=None)[0]
    e = yw - Xw @ beta
    sd = float(np.sqrt(e @ e / max(1, len(e) - m - 2)))
    sums = np.zeros((m, 2))
    np.add.at(sums, codes, Xw * e[:, None])
    A = np.linalg.pinv(Xw.T @ Xw)
    cov = A @ (sums.T @ sums) @ A * (m / max(1, m - 1))
    tq = t95(max(1, m - 1))
    how = f"least squares on logit((rating - 1) / 4) within agents ({m} agents)"
    fe = ym - Xm @ beta
    shift = r.r_effort * DEFAULTS.agents.default_service_effort \
        + r.r_skill * float(np.mean(pd.Series(s[rows]).groupby(codes).mean()))
    out = [_level(fe, "rating.r0", shift, how)]
    for key, i in (("rating.r_wait", 0), ("rating.r_load", 1)):
        se = se_of(cov, i)
        out.append(Estimate(key, float(beta[i]), float(beta[i] - tq * se),
                            float(beta[i] + tq * se), how + ", cluster-robust"))
    out.append(wald("rating.noise_sd", sd, sd / np.sqrt(2 * len(yv)), "residual sd within agents"))
    return out, [Kept("rating.r_skill", "skill is not separated from agents' own intercepts")]
