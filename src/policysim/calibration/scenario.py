"""Run every estimator on a store's records and write the calibrated scenario YAML.

:func:`calibrate` reads the tables, fits each part of the model (demand, patience, chat
mechanics, conversion, rating, quits, hiring) and returns a :class:`Calibration`: the
estimates with their intervals, the defaults kept and why, the repairs made to the records
and the scenario data. :func:`scenario_yaml` writes that scenario with each estimate's 95%
interval as a comment beside it; the text is validated as a :class:`Scenario` before it is
returned, so nothing is written unless the calibration produced a scenario that loads.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from policysim.calibration import demand as dem
from policysim.calibration import service as svc
from policysim.calibration import workforce as wf
from policysim.calibration.fit import Estimate, Kept
from policysim.calibration.tables import Records, read_records


#: Longest run a scenario may have (``sim.days``); longer records are simulated this long.
MAX_DAYS = 3650


@dataclass
class Calibration:
    """The outcome of a calibration."""

    records: Records
    estimates: list[Estimate]
    kept: list[Kept]
    data: dict
    info: dict = field(default_factory=dict)

    def get(self, key: str) -> Estimate | None:
        """The estimate of dotted ``key``, if any."""
        return next((e for e in self.estimates if e.key == key), None)


def calibrate(chats, roster, payroll=None, events=None, name: str = "calibrated") -> Calibration:
    """Read the records and fit the model to them (see the module docstring)."""
    rec = read_records(chats, roster, payroll, events)
    ch = rec.chats
    ch["handler"] = np.where(ch["transfer"] != "", ch["transfer"], ch["agent"])
    ch.loc[ch["handler"].isna() | (ch["handler"] == ""), "handler"] = None
    est, kept, d_info = dem.fit_demand(rec)
    k = svc.open_chats(ch)
    hired = rec.roster.set_index("agent")["hired"]
    tenure = ch["assigned"].to_numpy() / 86400.0 - ch["handler"].map(hired).to_numpy(dtype=float)
    early = tenure < 0  # a chat before its agent's hire date: that tenure is not known
    if early.any():
        rec.notes["chats before their agent's hire date (no tenure: left out of learning)"] += int(
            early.sum())
        tenure[early] = np.nan
    span = d_info["span"]
    agent_days = _agent_days(rec.roster, span)
    per_day = len(ch) / agent_days if agent_days > 0 else 1.0
    e, kp, p_info = svc.fit_patience(ch)
    est += e
    kept += kp
    e, kp, s_info = svc.fit_service(ch, k, tenure, per_day)
    est += e
    kept += kp
    learn = s_info.get("curve", "none") != "none"  # skill varies with tenure
    skill = s_info["skill"](tenure)
    ordinary = np.ones(len(ch), bool)
    for ev in d_info["events"]:
        first = (ev["date"] - rec.origin).days
        ordinary &= ~((ch["day"] >= first) & (ch["day"] < first + ev["days"])).to_numpy()
    for fit in (svc.fit_conversion(ch, k, skill, ordinary, learn), svc.fit_rating(ch, k, skill,
                                                                                  learn)):
        est += fit[0]
        kept += fit[1]
    e, kp, pp = wf.fit_quits(rec.roster, span, rec.payroll)
    est += e
    kept += kp
    e, kp = wf.fit_hiring(rec.roster)
    est += e
    kept += kp
    teams, shifts, t_info = wf.team_shape(rec.roster, ch)
    est += t_info.pop("tenure_estimates")
    data = _scenario_data(name, rec, est, d_info, teams, shifts)
    info = {"demand": d_info, "patience": p_info, "open_chats": k, "tenure": tenure,
            "person_periods": pp, "chats_per_agent_day": per_day, **t_info}
    return Calibration(rec, est, kept, data, info)


def _agent_days(roster, span: int) -> float:
    left = np.where(np.isfinite(roster["left"]), roster["left"], span)
    return float(np.clip(np.minimum(left, span) - np.maximum(roster["hired"], 0), 0, None).sum())


def _scenario_data(name: str, rec: Records, est: list[Estimate], d_info: dict, teams, shifts
                   ) -> dict:
    data: dict = {
        "name": name,
        "description": f"Calibrated from records of {d_info['span']} days starting "
                       f"{rec.origin.isoformat()} (policysim calibrate).",
        "sim": {"days": int(min(d_info["span"], MAX_DAYS)), "start_date": rec.origin, "period_days": 30,
                "reps": 5, "seed": 20261201},
    }
    for e in est:
        if e.key.startswith("demand.events."):
            continue
        e.value = _within_bounds(e)
        node = data
        *parents, leaf = e.key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = e.value
    hp = data["demand"]["hour_profile"]
    covered = [any(s["start"] <= h < s["end"] for s in shifts) for h in range(24)]
    data["demand"]["hour_profile"] = [v if covered[h] else 0.0 for h, v in enumerate(hp)]
    data["demand"]["events"] = [
        {"name": ev["name"], "date": ev["date"], "days": int(ev["days"]),
         "multiplier": round(ev["multiplier"].value, 4), "repeat_yearly": False}
        for ev in d_info["events"]]
    data["teams"] = teams
    data["shifts"] = [{"name": s["name"], "start": f"{s['start']:02d}:00",
                       "end": f"{s['end']:02d}:00"} for s in shifts]
    return data


def _within_bounds(e: Estimate):
    """``e.value`` moved inside the schema's bounds of its field (noted in ``e.how``)."""
    import annotated_types as at

    from policysim.config.schema import Scenario

    if not isinstance(e.value, (int, float)) or isinstance(e.value, bool):
        return e.value
    model, info = Scenario, None
    for part in e.key.split("."):
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return e.value
        info = fields[part]
        model = info.annotation
    lo, hi, value = -np.inf, np.inf, e.value
    for m in info.metadata if info is not None else []:
        if isinstance(m, at.Ge):
            lo = m.ge
        elif isinstance(m, at.Gt):
            lo = m.gt + 1e-6
        elif isinstance(m, at.Le):
            hi = m.le
        elif isinstance(m, at.Lt):
            hi = m.lt - 1e-6
    if value < lo or value > hi:
        value = type(e.value)(min(max(value, lo), hi))
        e.how += f"; estimate {e.value:.4g} outside the model's range, set to its bound"
    return value


def _scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    if isinstance(v, (dt.date,)):
        return v.isoformat()
    text = str(v)
    return text if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", text) and text.lower() not in (
        "true", "false", "null", "yes", "no", "on", "off") else '"' + text.replace('"', '\\"') + '"'


def _flow(v) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    return _scalar(v)


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _comment(e: Estimate | None) -> str:
    if e is None or e.low is None:
        return f"  # {e.how}" if e is not None and e.how else ""
    if isinstance(e.low, list):
        return f"  # {e.how}"
    return f"  # 95% CI [{_fmt(e.low)}, {_fmt(e.high)}]; {e.how}"


def scenario_yaml(cal: Calibration, source: str) -> str:
    """The calibrated scenario as commented YAML text, validated before it is returned."""
    by_key = {e.key: e for e in cal.estimates}
    lines = [f"# Calibrated by `policysim calibrate` from {source}.",
             "# Each fitted value carries its 95% interval as a comment; every other value is",
             "# the default of docs/model.md. Defaults kept because the records cannot",
             "# identify them:"]
    lines += [f"#   {k.key}: {k.reason}" for k in cal.kept]
    if cal.records.notes:
        lines.append("# Repairs made to the records:")
        lines += [f"#   {msg}: {n}" for msg, n in sorted(cal.records.notes.items())]

    def emit(node: dict, path: list[str], indent: int) -> None:
        pad = "  " * indent
        for key, value in node.items():
            dotted = ".".join([*path, key])
            e = by_key.get(dotted)
            if isinstance(value, dict):
                lines.append(f"{pad}{key}:")
                emit(value, [*path, key], indent + 1)
            elif key == "events" and isinstance(value, list):
                lines.append(f"{pad}{key}:" + (" []" if not value else ""))
                for ev in cal.info["demand"]["events"] if value else []:
                    m = ev["multiplier"]
                    item = next(x for x in value if x["name"] == ev["name"])
                    lines.append(f"{pad}  - {_flow(item)}  # multiplier 95% CI "
                                 f"[{_fmt(m.low)}, {_fmt(m.high)}]"
                                 f"{' (detected outlying days)' if cal.info['demand']['detected'] else ''}")
            elif isinstance(value, list) and e is not None and isinstance(e.low, list):
                lines.append(f"{pad}# {key}: {e.how}; 95% intervals:")
                lines.append(f"{pad}#   " + ", ".join(
                    f"[{_fmt(lo)}, {_fmt(hi)}]" for lo, hi in zip(e.low, e.high)))
                lines.append(f"{pad}{key}: {_flow([round(float(v), 4) for v in value])}")
            elif isinstance(value, list):
                lines.append(f"{pad}{key}:")
                lines.extend(f"{pad}  - {_flow(item)}" for item in value)
            else:
                lines.append(f"{pad}{key}: {_scalar(value)}{_comment(e)}")

    emit(cal.data, [], 0)
    text = "\n".join(lines) + "\n"
    _check(text, source)
    return text


def _check(text: str, source: str) -> None:
    """Validate the YAML text as a scenario (raises the located ConfigError if it is not)."""
    import tempfile

    from policysim.config.schema import Scenario
    from policysim.config.validate import load_model

    from policysim.errors import ConfigError, UserError

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calibrated.yaml"
        path.write_text(text)
        try:
            load_model(Scenario, path)
        except ConfigError as err:  # name what the records gave, not a temporary file
            p, more = err.problems[0], len(err.problems) - 1
            raise UserError(f"{source}: the records give no valid scenario: {p.key}: expected "
                            f"{p.expected}, found {p.found}"
                            + (f" (and {more} more problems)" if more else "")) from None
