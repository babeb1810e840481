"""The team from the roster (and payroll): teams, shifts, quit hazard, hiring delay.

*Quit hazard.* The model's monthly quit probability is a logit (docs/model.md section 6);
agents can leave at the end of each 30-day pay period. The roster becomes one row per agent
and pay period employed (periods counted from the first day of chats), with the tenure in
months at the period's end and whether the agent quit in it; the logit

    x = b0 + tenure_hump (m / peak) exp(1 - m / peak) [+ b_shortfall x shortfall]

(``peak`` kept at its default; the shortfall below the team's median pay where payroll is
given) is fitted by maximum likelihood with the model's exposure rule
``p = 1 - (1 - sigmoid(x))^(days / 30)``. Only quits are events: a dismissal censors the
agent at the start of the period it ends (the store decided at that period's end, so
whether the agent would have quit then is not seen); so does any other leave reason. Terms
the records cannot separate (pay against the outside wage, stress, recognition, denied
bonuses) are absorbed into ``b0`` and written as 0, so the calibrated store quits at the
fitted rate.

*Hiring delay*: each quit is paired with the next hire into the same team; the delay is the
median gap (interval from the binomial order statistics).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from policysim.calibration.fit import Estimate, Kept, mle, se_of, wald
from policysim.config.schema import Scenario

PERIOD = 30
DEFAULTS = Scenario()


def person_periods(roster: pd.DataFrame, span: int, payroll: pd.DataFrame | None) -> pd.DataFrame:
    """One row per agent and 30-day period employed inside the records' span."""
    rows = []
    n_periods = span // PERIOD
    for a in roster.itertuples():
        left = a.left if np.isfinite(a.left) else np.inf
        for p in range(n_periods):
            lo, hi = p * PERIOD, (p + 1) * PERIOD
            first, last = max(lo, a.hired), min(hi, left)
            if last <= first:
                continue
            leaves = bool(np.isfinite(left) and lo < left <= hi)
            if leaves and a.reason != "quit":
                break  # whether they would have quit this period is not seen: censored
            quit_ = leaves and a.reason == "quit"
            rows.append((a.agent, a.team, p, last - first, (hi - a.hired) / PERIOD, quit_))
    df = pd.DataFrame(rows, columns=["agent", "team", "period", "days", "months", "quit"])
    if payroll is not None and not df.empty:
        pay = payroll.assign(period=(payroll["start"] // PERIOD).astype(int))
        pay = pay.groupby(["agent", "period"])["pay"].sum().reset_index()
        df = df.merge(pay, on=["agent", "period"], how="left")
        rate = df["pay"] / (df["days"] / PERIOD).clip(lower=1e-3)
        med = rate.groupby([df["team"], df["period"]]).transform("median")
        df["shortfall"] = ((med - rate) / med).clip(lower=0).fillna(0.0)
    return df


def fit_quits(roster: pd.DataFrame, span: int, payroll: pd.DataFrame | None
              ) -> tuple[list[Estimate], list[Kept], pd.DataFrame]:
    """Quit hazard by tenure month (and pay shortfall); see the module docstring."""
    at = DEFAULTS.attrition
    pp = person_periods(roster, span, payroll)
    kept = [Kept("attrition.tenure_peak_months", "kept: the hump's timing is not separated "
                                                 "from its height in a short record")]
    if pp.empty or pp["quit"].sum() < 5:
        n = 0 if pp.empty else int(pp["quit"].sum())
        return [], kept + [Kept("attrition", f"only {n} quits in the records")], pp
    m = pp["months"].to_numpy()
    hump = (m / at.tenure_peak_months) * np.exp(1 - m / at.tenure_peak_months)
    y = pp["quit"].to_numpy(float)
    expo = pp["days"].to_numpy(float) / PERIOD
    with_pay = "shortfall" in pp and pp["pay"].notna().mean() > 0.5
    short = pp["shortfall"].to_numpy() if with_pay else np.zeros(len(pp))

    def nll(p):
        x = p[0] + p[1] * hump + (p[2] * short if with_pay else 0.0)
        log_stay = expo * special.log_expit(-x)
        p_quit = -np.expm1(log_stay)
        return -float(np.sum(y * np.log(np.clip(p_quit, 1e-300, 1)) + (1 - y) * log_stay))

    try:
        p, cov, _ = mle(nll, [special.logit(max(y.mean(), 1e-3)), 0.0]
                        + ([0.0] if with_pay else []))
    except ArithmeticError:  # e.g. every agent quit: the hazard has no finite estimate
        return [], kept + [Kept("attrition", f"the quit hazard has no finite estimate "
                                             f"({int(y.sum())} quits in {len(pp)} "
                                             "agent-periods)")], pp
    how = f"logit MLE on {len(pp)} agent-periods, {int(y.sum())} quits"
    est = [wald("attrition.b0", p[0], se_of(cov, 0), how),
           wald("attrition.tenure_hump", p[1], se_of(cov, 1), how)]
    if with_pay:
        est.append(wald("attrition.b_shortfall", p[2], se_of(cov, 2), how + " (payroll)"))
    else:
        est.append(Estimate("attrition.b_shortfall", 0.0, None, None,
                            "no payroll: absorbed into b0"))
    for key in ("b_wage", "b_stress", "b_recognition", "b_denied"):
        est.append(Estimate(f"attrition.{key}", 0.0, None, None, "not separable: absorbed into b0"))
    return est, kept, pp


def fit_hiring(roster: pd.DataFrame) -> tuple[list[Estimate], list[Kept]]:
    """Delay from each quit to the next hire into the same team."""
    gaps = []
    for _, team in roster.groupby("team"):
        hires = sorted(team["hired"][team["hired"] > 0])
        for left in sorted(team["left"][np.isfinite(team["left"])]):
            nxt = [h for h in hires if h >= left]
            if nxt:
                gaps.append(nxt[0] - left)
                hires.remove(nxt[0])
    if len(gaps) < 3:
        return [], [Kept("hiring.delay_days", f"only {len(gaps)} leaves followed by a hire")]
    g = np.sort(np.asarray(gaps, float))
    n = len(g)
    lo_i = int(stats.binom.ppf(0.025, n, 0.5))
    hi_i = min(n - 1, int(stats.binom.ppf(0.975, n, 0.5)))
    return [Estimate("hiring.delay_days", int(round(float(np.median(g)))), float(g[lo_i]),
                     float(g[hi_i]), f"median of {n} leave-to-hire gaps")], []


def team_shape(roster: pd.DataFrame, chats: pd.DataFrame) -> tuple[list[dict], list[dict], dict]:
    """Teams (head count at the start) and shifts (hours their agents take chats)."""
    start = roster[(roster["hired"] <= 0) & ~(roster["left"] <= 0)]
    if start.empty:
        start = roster
    teams = [{"name": str(t), "agents": int(n)} for t, n in start.groupby("team").size().items()]
    tenure = -start["hired"].to_numpy(float) / PERIOD  # months at the first day
    tenure = tenure[tenure > 0]
    shifts = []
    names = roster.set_index("agent")["shift"].to_dict()
    shift_of = chats["handler"].map(names).fillna("")
    hour = np.floor((chats["assigned"] % 86400.0) / 3600.0)
    for name in sorted(set(roster["shift"]) - {""}):
        h = hour[(shift_of == name).to_numpy() & np.isfinite(hour.to_numpy())]
        if len(h) < 20:
            continue
        counts = np.bincount(h.astype(int), minlength=24)
        busy = np.flatnonzero(counts >= 0.01 * counts.sum())
        shifts.append({"name": name, "start": int(busy.min()), "end": int(busy.max()) + 1})
    if not shifts:
        busy = np.flatnonzero(np.bincount(hour.dropna().astype(int), minlength=24))
        shifts = [{"name": "day", "start": int(busy.min()), "end": int(busy.max()) + 1}]
    est = []
    if len(tenure) >= 3:
        # starting tenures are U(0, max) in the model: the largest of n bounds it
        top, n = float(tenure.max()), len(tenure)
        est.append(Estimate("agents.initial_tenure_max_months", round(top * (n + 1) / n, 3),
                            top / 0.975 ** (1 / n), top / 0.025 ** (1 / n),
                            f"largest starting tenure of {n} agents"))
    return teams, shifts, {"starting_headcount": int(len(start)), "tenure_estimates": est}
