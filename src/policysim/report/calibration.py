"""The fit report of a calibration: the store's records against the calibrated model's.

The calibrated scenario is simulated with ``--records`` (one replication per observed
stretch of days), and both sets of records go through the same summaries: chats per hour
of day, the distribution of the wait for a first reply, the abandonment share by hour, the
mean reply delay against the agent's open chats, and quits by tenure month. Each figure
comes with a plain-language verdict from a simple, stated rule:

- volume, abandonment, reply delay: the share of bins where the simulated value lies within
  the tolerance of the observed one (``max(15% of it, 2 standard errors of it)``); at
  least 80% of bins is "fits", at least 50% "fits roughly", else "does not fit";
- wait: the largest gap between the two cumulative distributions (Kolmogorov-Smirnov
  distance): below 0.05 "fits", below 0.15 "fits roughly", else "does not fit";
- quits: observed and simulated quits per 100 agent-months by tenure band, compared the
  same way as volume, with Poisson standard errors.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from policysim.calibration.service import open_chats
from policysim.calibration.tables import Records, read_records
from policysim.calibration.workforce import person_periods


def _prepare(rec: Records) -> pd.DataFrame:
    ch = rec.chats.copy()
    ch["handler"] = np.where(ch["transfer"] != "", ch["transfer"], ch["agent"])
    ch.loc[ch["handler"].isna() | (ch["handler"] == ""), "handler"] = None
    ch["k"] = open_chats(ch)
    ch["hour"] = np.floor((ch["arrived"] % 86400.0) / 3600.0).astype(int)
    ch["wait"] = ch["reply"] - ch["arrived"]
    ch["reply_delay"] = ch["reply"] - ch["assigned"]
    return ch


def summaries(rec: Records) -> dict[str, pd.DataFrame]:
    """The five summaries of one set of records."""
    ch = _prepare(rec)
    n_days = max(1, ch["day"].nunique())
    hourly = ch.groupby("hour").agg(chats=("chat_id", "size"), abandoned=("abandoned", "sum"))
    hourly = hourly.reindex(range(24), fill_value=0).reset_index()
    hourly["per_day"] = hourly["chats"] / n_days
    hourly["per_day_se"] = np.sqrt(hourly["chats"]) / n_days
    n = hourly["chats"].where(hourly["chats"] > 0)
    hourly["abandon_share"] = hourly["abandoned"] / n
    p = hourly["abandon_share"].fillna(0)
    hourly["abandon_se"] = np.sqrt(p * (1 - p) / n)
    reply = ch[np.isfinite(ch["reply_delay"]) & np.isfinite(ch["k"])].groupby("k")[
        "reply_delay"].agg(["mean", "std", "size"]).reset_index()
    reply["se"] = reply["std"] / np.sqrt(reply["size"])
    waits = ch["wait"][np.isfinite(ch["wait"])].to_numpy()
    span = int(ch["day"].max()) + 1
    pp = person_periods(rec.roster, span, None)
    if pp.empty:
        quits = pd.DataFrame(columns=["band", "agent_months", "quits", "rate", "se"])
    else:
        pp["band"] = pd.cut(pp["months"], [0, 3, 6, 12, 24, np.inf],
                            labels=["0-3", "3-6", "6-12", "12-24", "24+"], right=False)
        quits = pp.groupby("band", observed=False).agg(
            agent_months=("days", lambda d: d.sum() / 30), quits=("quit", "sum")).reset_index()
        months = quits["agent_months"].where(quits["agent_months"] > 0)
        quits["rate"] = 100 * quits["quits"] / months
        quits["se"] = 100 * np.sqrt(quits["quits"].clip(lower=1)) / months
    return {"hourly": hourly, "reply": reply, "waits": pd.DataFrame({"wait_s": waits}),
            "quits": quits}


def simulate(scn) -> Records:
    """Records of one replication of the (calibrated) scenario ``scn``."""
    from policysim.experiment.runner import replicate, scheme_in_force

    with tempfile.TemporaryDirectory() as tmp:
        replicate(scn, 1, scn.sim.seed, scn.sim.days, scheme_in_force(scn, None), records=tmp)
        folder = Path(tmp) / "rep000"
        payroll = folder / "payroll.csv"
        return read_records(folder / "chats.csv", folder / "roster.csv",
                            payroll if payroll.exists() else None)


def _binned_verdict(obs: np.ndarray, sim: np.ndarray, se: np.ndarray, what: str) -> str:
    ok = np.isfinite(obs) & np.isfinite(sim) & (obs > 0)
    if not ok.any():
        return f"{what}: not enough records to judge."
    tol = np.maximum(0.15 * obs[ok], 2 * np.nan_to_num(se[ok]))
    share = float(np.mean(np.abs(sim[ok] - obs[ok]) <= tol))
    word = "fits" if share >= 0.8 else "fits roughly" if share >= 0.5 else "does not fit"
    return (f"{what}: the model {word} - {share:.0%} of {ok.sum()} bins within 15% (or 2 "
            f"standard errors) of the records.")


def verdicts(obs: dict, sim: dict) -> dict[str, str]:
    """A plain-language verdict for each summary (rules in the module docstring)."""
    out = {}
    h = obs["hourly"].merge(sim["hourly"], on="hour", suffixes=("_obs", "_sim"))
    out["volume"] = _binned_verdict(h["per_day_obs"].to_numpy(), h["per_day_sim"].to_numpy(),
                                    h["per_day_se_obs"].to_numpy(), "Chats per hour")
    out["abandonment"] = _binned_verdict(h["abandon_share_obs"].to_numpy(),
                                         h["abandon_share_sim"].to_numpy(),
                                         h["abandon_se_obs"].to_numpy(), "Abandonment by hour")
    r = obs["reply"].merge(sim["reply"], on="k", suffixes=("_obs", "_sim"))
    out["reply"] = _binned_verdict(r["mean_obs"].to_numpy(), r["mean_sim"].to_numpy(),
                                   r["se_obs"].to_numpy(), "Reply delay by open chats")
    a, b = np.sort(obs["waits"]["wait_s"]), np.sort(sim["waits"]["wait_s"])
    if len(a) and len(b):
        grid = np.union1d(a, b)
        ks = float(np.max(np.abs(np.searchsorted(a, grid, "right") / len(a)
                                 - np.searchsorted(b, grid, "right") / len(b))))
        word = "fits" if ks < 0.05 else "fits roughly" if ks < 0.15 else "does not fit"
        out["wait"] = (f"Wait for the first reply: the model {word} - the cumulative "
                       f"distributions differ by at most {ks:.3f} (Kolmogorov-Smirnov).")
    else:
        out["wait"] = "Wait for the first reply: not enough answered chats to judge."
    q = obs["quits"].merge(sim["quits"], on="band", suffixes=("_obs", "_sim"))
    if q.empty or q["quits_obs"].sum() < 5:
        out["quits"] = "Quits by tenure: fewer than 5 quits in the records; no verdict."
    else:
        out["quits"] = _binned_verdict(q["rate_obs"].to_numpy(float), q["rate_sim"].to_numpy(float),
                                       q["se_obs"].to_numpy(float), "Quits by tenure month")
    return out


def figure(obs: dict, sim: dict, which: str) -> Figure:
    """One comparison figure: "volume", "wait", "abandonment", "reply" or "quits"."""
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.subplots()
    style = {"records": dict(color="black", marker="o", lw=1.5),
             "model": dict(color="tab:blue", ls="--", lw=1.5)}
    if which in ("volume", "abandonment"):
        col = "per_day" if which == "volume" else "abandon_share"
        for name, d in (("records", obs), ("model", sim)):
            ax.plot(d["hourly"]["hour"], d["hourly"][col], label=name, **style[name])
        ax.set_xlabel("hour of day")
        ax.set_ylabel("chats per day" if which == "volume" else "share abandoned")
    elif which == "wait":
        for name, d in (("records", obs), ("model", sim)):
            w = np.sort(d["waits"]["wait_s"].to_numpy())
            ax.step(w, np.arange(1, len(w) + 1) / max(1, len(w)), label=name,
                    **{k: v for k, v in style[name].items() if k != "marker"})
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlabel("wait for the first reply (s)")
        ax.set_ylabel("share of answered chats")
    elif which == "reply":
        for name, d in (("records", obs), ("model", sim)):
            ax.errorbar(d["reply"]["k"], d["reply"]["mean"], yerr=1.96 * d["reply"]["se"],
                        label=name, capsize=3, **style[name])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 1.5 chats
        ax.set_xlabel("agent's open chats (this one included)")
        ax.set_ylabel("mean reply delay (s)")
    elif which == "quits":
        for name, d in (("records", obs), ("model", sim)):
            q = d["quits"]
            ax.errorbar(q["band"].astype(str), q["rate"].astype(float),
                        yerr=1.96 * q["se"].astype(float), label=name, capsize=3, **style[name])
        ax.set_xlabel("tenure (months)")
        ax.set_ylabel("quits per 100 agent-months")
    else:
        raise ValueError(f"unknown figure {which!r}")
    ax.legend(frameon=False)
    return fig
