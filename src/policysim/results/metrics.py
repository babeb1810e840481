"""Run-level metrics from the engine's records (MODEL.md section 7).

``summarize`` turns one replication's records into one flat dict of numbers; every metric
named in the CLI's JSON contract is a key here. Rates are shares of inquiries; times are
seconds; money is yuan over the whole horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from policysim.model.engine import RunResult
from policysim.model.histogram import percentiles

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
    "quits": "{:.1f}",
    "annual_turnover_rate": "{:.1%}",
    "new_hire_90d_quit_rate": "{:.1%}",
    "regretted_quits": "{:.1f}",
    "hires": "{:.1f}",
    "pay_gini": "{:.3f}",
    "labour_cost": "{:,.0f}",
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


def summarize(result: RunResult) -> dict[str, float]:
    """Engine metrics of one run (workforce and money metrics are added by the workforce)."""
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
    out.update(result.extras)
    return out


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
