"""Run-level metrics from the engine's records (MODEL.md section 7).

``summarize`` turns one replication's records into one flat dict of numbers; every metric
named in the CLI's JSON contract is a key here. Store metrics come from the daily records;
workforce and money metrics (turnover, pay Gini, profit, ...) from the agents' period
records, the quit log and the hire days, and exist only when a scheme was in force. Rates are
shares of inquiries; times are seconds; money is yuan over the whole horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from policysim.model.engine import RunResult
from policysim.model.histogram import percentiles
from policysim.model.workforce import MONTH_DAYS, NOVICE_DAYS

#: Metrics shown by ``policysim run`` (in this order) and their display format.
FORMATS = {
    "inquiries": "{:,.0f}",
    "abandon_rate": "{:.2%}",
    "p_wait": "{:.2%}",
    "first_response_mean_s": "{:.1f}",
    "first_response_p50_s": "{:.0f}",
    "first_response_p90_s": "{:.0f}",
    "reply_within_30s": "{:.2%}",
    "reply_within_180s": "{:.2%}",
    "conversion_rate": "{:.2%}",
    "revenue": "{:,.0f}",
    "rating_mean": "{:.3f}",
    "transfers": "{:,.0f}",
    "returning_same_agent_share": "{:.1%}",
    "novice_chat_share": "{:.1%}",
    "mean_headcount": "{:.1f}",
    "agent_days_worked_share": "{:.1%}",
    "quits": "{:.1f}",
    "annual_turnover_rate": "{:.1%}",
    "new_hire_90d_quit_rate": "{:.1%}",
    "regretted_quits": "{:.1f}",
    "hires": "{:.1f}",
    "new_hire_mean_skill": "{:.3f}",
    "promotions": "{:.1f}",
    "pay_gini": "{:.3f}",
    "labour_cost": "{:,.0f}",
    "temp_staff_cost": "{:,.0f}",
    "event_peak_abandon_rate": "{:.2%}",
    "hiring_cost": "{:,.0f}",
    "profit": "{:,.0f}",
    "pay_skill_corr": "{:.3f}",
    "pay_luck_corr": "{:.3f}",
}


#: What the service metrics count, printed under the metrics table and in reports.
SERVICE_NOTE = ("first_response_* cover answered buyers only; reply_within_30s/180s are shares "
                "of all inquiries (a buyer who left unanswered counts as not replied)")


def routing_text(scn) -> str:
    """The scenario's routing mode in words, e.g. "sticky (fallback weighted)"."""
    r = scn.service.routing
    return f"{r.mode} (fallback {r.fallback})" if r.mode == "sticky" else r.mode


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else 0.0


def gini(x) -> float:
    """Gini coefficient of non-negative values (0 = equal)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def corr(a, b) -> float:
    """Pearson correlation, 0 when either side is constant."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def summarize(result: RunResult) -> dict[str, float]:
    """All run metrics of one replication: the store's, then (with a scheme in force) the
    workforce's and the money's."""
    d = pd.DataFrame(result.daily)
    inq = d["inquiries"].sum()
    answered = d["answered"].sum()
    p50, p90 = percentiles(result.frt_hist, (0.5, 0.9))
    out = {
        "inquiries": float(inq),
        "abandon_rate": _ratio(d["abandoned"].sum(), inq),
        "p_wait": _ratio(d["waited"].sum(), inq),
        "first_response_mean_s": _ratio(d["frt_sum_s"].sum(), answered),
        "first_response_p50_s": p50,
        "first_response_p90_s": p90,
        "reply_within_30s": _ratio(d["replied_30s"].sum(), inq),
        "reply_within_180s": _ratio(d["replied_180s"].sum(), inq),
        "conversion_rate": _ratio(d["orders"].sum(), d["pre_sales_served"].sum()),
        "revenue": float(d["revenue"].sum()),
        "rating_mean": _ratio(d["rating_sum"].sum(), d["rating_weight"].sum()),
        "transfers": float(d["transfers"].sum()),
        "returning_same_agent_share": _ratio(d["returning_same_agent"].sum(), d["returning"].sum()),
        "message_share": _ratio(d["messages"].sum() + d["bot_resolved"].sum(), inq),
        "mean_headcount": float(d["headcount"].mean()),
    }
    if result.staffing is not None:
        out.update(staffing_metrics(result.staffing))
        if "peak_hour_abandon_rate" in d:
            peaks = d["peak_hour_abandon_rate"].dropna()
            out["event_peak_abandon_rate"] = float(peaks.mean()) if len(peaks) else float("nan")
    if result.quit_log is not None:
        out.update(workforce_metrics(result))
    return out


def staffing_metrics(staffing: dict) -> dict[str, float]:
    """Rota and temporary-staff metrics (docs/model.md section 7): with a rota, the share of
    days people on the team worked (and the days off they worked on all-hands days); with
    temporary staff, what they cost."""
    out = {}
    if staffing["rota"]:
        out["agent_days_worked_share"] = _ratio(staffing["days_worked"], staffing["person_days"])
        out["overtime_days"] = float(staffing["overtime_days"])
    if staffing["temp_days"]:
        out["temp_staff_days"] = float(sum(staffing["temp_days"]))
        out["temp_staff_cost"] = staffing["temp_cost"]
    return out


def workforce_metrics(result: RunResult) -> dict[str, float]:
    """Workforce and money metrics of a run with a scheme in force (docs/model.md section 7)."""
    scn = result.scenario
    days = result.days
    recs = result.agents
    quit_log, hire_days = result.quit_log, result.hire_days
    pays = np.array([r["pay"] for r in recs]) if recs else np.zeros(0)
    headcount = np.mean([d["headcount"] for d in result.daily]) if result.daily else 0.0
    quits = len(quit_log)
    revenue = sum(d["revenue"] for d in result.daily)
    pay_total = float(pays.sum())
    # pay per agent per full period: a horizon shorter than a period is scaled up to one
    # (flooring agent-periods at 1 made a 2-day run's mean pay that of 2 days)
    agent_periods = headcount * days / scn.sim.period_days
    mean_pay = pay_total / agent_periods if agent_periods > 0 else 0.0
    # temporary agents' day rates are labour cost too (not pay of the team's agents)
    labour = pay_total + (result.staffing["temp_cost"] if result.staffing else 0.0)
    hires = len(hire_days)
    monthly_pay = mean_pay * MONTH_DAYS / scn.sim.period_days
    hiring_cost = hires * scn.hiring.cost_months_of_pay * monthly_pay
    observed = [d for d in hire_days if d + 90 <= days]
    early = sum(1 for q in quit_log if q["hired_day"] in observed and q["hired_day"] > 0
                and q["tenure_days"] <= 90)
    ginis, skill_c, luck_c = [], [], []
    for period in sorted({r["period"] for r in recs}):
        rows = [r for r in recs if r["period"] == period and r["present"] >= 1.0 and r["handled"] > 0]
        if len(rows) < 3:
            continue
        p = np.array([r["pay"] for r in rows])
        ginis.append(gini(p))
        skill_c.append(corr(p, [r["skill"] for r in rows]))
        luck_c.append(corr(p, [r["mean_price"] for r in rows]))
    served = sum(r["served"] for r in recs)
    novice = sum(r["served"] for r in recs if r["tenure_days"] < NOVICE_DAYS)
    return {
        "quits": float(quits),
        "hires": float(hires),
        "annual_turnover_rate": quits / headcount * 365.0 / days if headcount else 0.0,
        "new_hire_90d_quit_rate": early / len(observed) if observed else float("nan"),
        "regretted_quits": float(sum(1 for q in quit_log if q["top_quartile"])),
        "pay_gini": float(np.mean(ginis)) if ginis else 0.0,
        "mean_pay": mean_pay,
        "labour_cost": labour,
        "hiring_cost": hiring_cost,
        "profit": scn.conversion.gross_margin * revenue - labour - hiring_cost,
        "pay_skill_corr": float(np.mean(skill_c)) if skill_c else 0.0,
        "pay_luck_corr": float(np.mean(luck_c)) if luck_c else 0.0,
        "novice_chat_share": novice / served if served else 0.0,
        "mean_sales_effort": float(np.mean([r["sales_effort"] for r in recs])) if recs else 0.0,
        "mean_service_effort": float(np.mean([r["service_effort"] for r in recs])) if recs else 0.0,
        "mean_threshold": float(np.mean([r["threshold"] for r in recs])) if recs else 0.0,
        "coop_share": float(np.mean([r["coop"] > 0 for r in recs])) if recs else 0.0,
        "belief_error_routed": belief_error_routed(recs),
        **belief_gaps(recs),
        **hire_metrics(scn, recs),
        **ladder_metrics(scn, recs),
    }


def ladder_metrics(scn, records: list[dict]) -> dict[str, float]:
    """With a career ladder: ``promotions`` (moves up at reviews over the run) and
    ``level_mix_NAME`` (the share of the agents on the team at the end at each level)."""
    if scn.ladder is None:
        return {}
    out = {"promotions": float(sum(bool(r.get("promoted")) for r in records))}
    last = max((r["period"] for r in records), default=-1)
    end = [r["level"] for r in records
           if r["period"] == last and r["active"] and not r.get("quit", False)]
    for level in scn.ladder.levels:
        out[f"level_mix_{level.name}"] = end.count(level.name) / len(end) if end else 0.0
    return out


def hire_metrics(scn, records: list[dict]) -> dict[str, float]:
    """``new_hire_mean_skill``: mean ability (the skill experience tends to) of the agents
    hired during the run, NaN without hires (or without pay: the agent records of a scheme's
    run carry ``ability`` and ``hired_day``). Always reported, whether or not the scenario
    writes ``hiring.sorting_strength``: a metric must not depend on how the file was written
    (a scenario read back from its own dump gives the same results)."""
    hires = {r["agent"]: r["ability"] for r in records
             if r.get("hired_day", 0) > 0 and "ability" in r}
    return {"new_hire_mean_skill": float(np.mean(list(hires.values()))) if hires else float("nan")}


def belief_error_routed(records: list[dict], skip_periods: int = 2,
                        predicted: str = "predicted_routed") -> float:
    """Mean absolute relative error of the chats agents predicted to be routed under the
    action they chose (record key ``predicted``) against the chats routed to them (both per
    full period on shift), over agent-periods after the first ``skip_periods``; NaN without
    any."""
    errors = [abs(r[predicted] - r["realised_routed"]) / r["realised_routed"]
              for r in records
              if r["period"] >= skip_periods and r.get("realised_routed", 0) > 0
              and np.isfinite(r.get(predicted, np.nan))]
    return float(np.mean(errors)) if errors else float("nan")


def belief_gaps(records: list[dict], skip_periods: int = 2) -> dict[str, float]:
    """How far what agents expected of the actions they chose was from what the floor gave
    them, over agent-periods after the first ``skip_periods`` that the agent worked whole
    (``present >= 1``: its prediction is for a full period) and for which it made a
    prediction (``predicted_pay`` finite: an agent who chose):

    - ``belief_error_pay``: sum |predicted_pay - pay| / sum |pay|;
    - ``belief_bias_pay``: sum (predicted_pay - pay) / sum |pay| (above 0: agents expected
      more than they were paid);
    - ``belief_error_help``: sum |predicted_transfers_given - transfers_given| / sum
      transfers_given: the chats agents counted on colleagues to take off them against those
      colleagues took.

    Sums rather than means of per-record ratios, so a record paid (or passing) almost nothing
    does not dominate. NaN without such records, or where the denominator is 0."""
    rows = [r for r in records
            if r["period"] >= skip_periods and r.get("present", 0.0) >= 1.0
            and np.isfinite(r.get("predicted_pay", np.nan))]
    nan = float("nan")
    if not rows:
        return {"belief_error_pay": nan, "belief_bias_pay": nan, "belief_error_help": nan}
    pred = np.array([r["predicted_pay"] for r in rows], float)
    pay = np.array([r["pay"] for r in rows], float)
    scale = float(np.abs(pay).sum())
    given = np.array([r["transfers_given"] for r in rows], float)
    given_pred = np.array([r["predicted_transfers_given"] for r in rows], float)
    return {
        "belief_error_pay": float(np.abs(pred - pay).sum()) / scale if scale > 0 else nan,
        "belief_bias_pay": float((pred - pay).sum()) / scale if scale > 0 else nan,
        "belief_error_help": (float(np.abs(given_pred - given).sum()) / float(given.sum())
                              if given.sum() > 0 else nan),
    }


def daily_frame(result: RunResult) -> pd.DataFrame:
    """Daily series with derived rates (one row per day)."""
    d = pd.DataFrame(result.daily)
    with np.errstate(divide="ignore", invalid="ignore"):
        d["abandon_rate"] = np.where(d.inquiries > 0, d.abandoned / d.inquiries, 0.0)
        d["p_wait"] = np.where(d.inquiries > 0, d.waited / d.inquiries, 0.0)
        d["first_response_mean_s"] = np.where(d.answered > 0, d.frt_sum_s / d.answered, 0.0)
        d["reply_within_30s"] = np.where(d.inquiries > 0, d.replied_30s / d.inquiries, 0.0)
        d["reply_within_180s"] = np.where(d.inquiries > 0, d.replied_180s / d.inquiries, 0.0)
        d["conversion_rate"] = np.where(d.pre_sales_served > 0, d.orders / d.pre_sales_served, 0.0)
        d["rating_mean"] = np.where(d.rating_weight > 0, d.rating_sum / d.rating_weight, 0.0)
    return d
