"""What the page shows of a finished run, built by the report layer's functions.

A finished run becomes a :class:`Finding`: the plain-language verdicts
(:mod:`policysim.report.verdict`, :func:`policysim.report.switch.verdict`), the paired
differences with 95% CIs (:func:`policysim.report.verdict.headline_table`), the team month
by month through the switch (:mod:`policysim.report.whatif`) and service by hour of day
(:func:`policysim.report.plots.scenario.by_hour`). Figures are rendered to PNG here, off the page's
thread, and the tables are written beside the scenario file so nothing computed is lost.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from policysim.report.switch import Plan

# matplotlib is not safe to draw from two threads at once (two tabs finishing together)
_DRAW = threading.Lock()


@dataclass
class Finding:
    """The results of one run, ready to show."""

    title: str
    verdicts: list[str]
    differences: pd.DataFrame
    team: pd.DataFrame
    figures: dict[str, bytes] = field(default_factory=dict)


def build(res, plan: Plan, title: str, directory: Path) -> Finding:
    """Tables, sentences and figures of a finished run; tables written to ``directory``.

    Args:
        res: :class:`policysim.report.data.Results` of the path and of staying put
            (staying put is the baseline).
        plan: The switch (current, proposed, day, name of the path).
    """
    from policysim.report import data, switch, verdict, whatif
    from policysim.report.plots.common import to_png
    from policysim.report.plots.scenario import by_hour

    data.write(res, directory / "tables")
    monthly = switch.monthly(res.tables["daily"])
    stay = plan.current
    labels = {stay: f"stay on {stay}", plan.scheme: f"{plan.proposed} from day {plan.day}"}
    texts = [switch.verdict(monthly, plan, stay), verdict.sentence(res, plan.scheme)]
    # the verdict opens "Switching from A to B ...: "; say what the path means instead
    rest = texts[1].split(": ", 1)[-1]
    texts[1] = (f"Over the whole {res.scenario.sim.days} days, paying {plan.proposed} from day "
                f"{plan.day} instead of staying on {stay}: {rest}")
    diffs = verdict.headline_table(res).rename(columns=labels)
    diffs = diffs.rename(columns={f"{plan.scheme} - {stay}": "change (95% CI; * = CI excludes 0)"})
    with _DRAW:
        figures = {
            "team": to_png(whatif.team_figure(monthly, plan.day, labels)),
            "hours": to_png(by_hour(res.tables["hourly"], [stay, plan.scheme])),
        }
    return Finding(title, texts, diffs, whatif.team_levels(monthly, labels), figures)
