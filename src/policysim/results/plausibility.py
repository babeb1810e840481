"""Plausibility warnings: results (and settings) far outside what a real store sees.

A scenario can be valid and still describe no store: ``commission: {rate: 1}`` (meant as 1%,
read as 100%) pays agents more than the shop sells, and a team of two for 4,000 inquiries a
day loses most of its buyers. The model runs such scenarios faithfully; these checks say,
without failing, that a number is implausible, so a typo is not taken for a finding. Each
warning is one sentence naming the key or measure it is about and what a store typically
sees; the CLI prints them on stderr (``warning: ...``) and lists them under ``warnings`` in
``--json``, and reports show them above the verdict.

The bounds (docs/model.md, "Plausibility warnings"; set by issue 12, no source gives them):

- a commission rate above 20% of sales (the default is 2%, the committed scenarios pay
  0.8-3%; 20% would be a large part of the 35% gross margin);
- mean monthly pay per agent above 5x or below 0.3x the outside wage
  (``attrition.outside_wage``), the wage agents compare their pay with;
- negative profit (the gross margin on sales does not cover labour and hiring);
- abandonment above 50% (half the buyers leave before a first reply).

A group contest whose ``winners`` are at least the number of teams is warned about too: every
team wins every period, so the "contest" is a flat bonus and nobody competes for it.

A switch of schedule inside a pay period is also warned about: the model pays the whole
period under the scheme in force on the period's last day (model/payroll.py), while agents
chose that period's actions under the scheme in force at its start.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from policysim.config.dates import date_of, show_date
from policysim.config.schema import Scenario

MAX_COMMISSION_RATE = 0.2
PAY_HIGH = 5.0  # x the outside wage
PAY_LOW = 0.3  # x the outside wage
MAX_ABANDON = 0.5
MONTH_DAYS = 30


def scenario_warnings(scn: Scenario) -> list[str]:
    """Warnings about settings alone: commission rates and switches inside a pay period."""
    out = []
    for name, spec in scn.schemes.items():
        if spec.commission is not None and spec.commission.rate > MAX_COMMISSION_RATE:
            rate = spec.commission.rate
            out.append(
                f"schemes.{name}.commission.rate: {rate:g} pays {rate:.0%} of sales as "
                f"commission; stores pay a few percent, and above {MAX_COMMISSION_RATE:g} "
                f"({MAX_COMMISSION_RATE:.0%}) is implausible (write 0.01 for 1%)"
            )
        if spec.contest is not None and spec.contest.winners >= len(scn.teams):
            out.append(
                f"schemes.{name}.contest.winners: {spec.contest.winners} of "
                f"{len(scn.teams)} team{'s' if len(scn.teams) != 1 else ''} win, so every "
                "team wins every period: the prize is a flat bonus nobody competes for "
                "(winners below the number of teams makes it a contest)"
            )
        out.extend(_split_periods(scn, name))
    return out


def _split_periods(scn: Scenario, name: str) -> list[str]:
    """One warning per switch of schedule ``name`` that falls inside a pay period."""
    sched = scn.schemes[name].schedule or []
    days, span = scn.sim.days, scn.sim.period_days
    out = []

    def d(day: int) -> str:
        return show_date(date_of(scn.sim.start_date, day))

    for i, switch in enumerate(sched):
        if switch.day % span == 0:
            continue
        first = switch.day // span * span
        last = min(first + span, days) - 1
        before = [s.scheme for s in sched if s.day <= first][-1]
        payer = [s.scheme for s in sched if s.day <= last][-1]
        # the period boundaries around the switch that a schedule may use
        earlier = sched[i - 1].day if i else -1
        options = [b for b in (first, first + span) if earlier < b < days]
        boundary = " or ".join(f"{d(b)} (day {b})" for b in options)
        out.append(
            f"schemes.{name}.schedule.{i}: the switch to {switch.scheme} on {d(switch.day)} "
            f"(day {switch.day}) falls inside the pay period {d(first)} to {d(last)} "
            f"(days {first}-{last}); the scheme in force on the period's last day, {payer}, "
            f"pays that whole period, although agents chose their actions for it under "
            f"{before}" + (f"; switch on {boundary} to keep pay periods whole" if options else "")
        )
    return out


def result_warnings(
    scn: Scenario, metrics: Mapping[str, Mapping[str, float]], scheme: str | None
) -> list[str]:
    """Warnings about the mean results of one scheme (``metrics``: name -> {mean, ...}).

    Args:
        scn: The scenario as run.
        metrics: Summary metrics of the scheme's replications (``summarize_reps``).
        scheme: The scheme in force; None for fixed actions without pay (no pay check).
    """
    def mean(key: str) -> float:
        value = (metrics.get(key) or {}).get("mean")
        return math.nan if value is None else float(value)

    who = f"{scheme}: " if scheme else ""
    out = []
    wage = scn.attrition.outside_wage
    monthly = mean("mean_pay") * MONTH_DAYS / scn.sim.period_days
    if scheme is not None and math.isfinite(monthly):
        ratio = monthly / wage
        if ratio > PAY_HIGH or ratio < PAY_LOW:
            side = f"above {PAY_HIGH:g}x" if ratio > PAY_HIGH else f"below {PAY_LOW:g}x"
            out.append(
                f"{who}mean pay {monthly:,.0f} yuan a month per agent is {ratio:.2g}x the "
                f"outside wage ({wage:,.0f} yuan, attrition.outside_wage), {side}; stores pay "
                f"between {PAY_LOW:g}x and {PAY_HIGH:g}x: check the scheme's amounts and rates"
            )
    profit = mean("profit")
    if math.isfinite(profit) and profit < 0:
        out.append(
            f"{who}profit is negative ({profit:,.0f} yuan over {scn.sim.days} days): labour "
            f"and hiring cost more than the gross margin on sales "
            f"(conversion.gross_margin={scn.conversion.gross_margin:g})"
        )
    abandon = mean("abandon_rate")
    if math.isfinite(abandon) and abandon > MAX_ABANDON:
        out.append(
            f"{who}{abandon:.0%} of buyers leave before a first reply (abandonment above "
            f"{MAX_ABANDON:.0%}): the team is far too small for the demand, or buyers too "
            f"impatient (demand.patience)"
        )
    return out
