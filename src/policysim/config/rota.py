"""Rota and temporary staff: who is on duty on which day (config and the schedule arithmetic).

Picture the duty board in a store's back office: each person works ``days_on`` days then
has ``days_off`` days off, the cycles staggered so that some of every shift group is in on
every day, and the whole board moves every ``rotate_shifts_every_days`` days so that the
early shift becomes the late one (and the late one the early). On a big promotion the board
is set aside: everyone is called in (``events[*].all_hands``) and those called in on a day
off are paid overtime. For the biggest days the store also books temporary agents
(``temp_staff``) who only work that event's days.

This module holds the config models and the pure arithmetic of the board (who works on day
d, on which shift), shared by the validation here and the engine's duty roster
(``policysim.model.rota``), so the check of coverage and the simulation cannot disagree.

The schedule (docs/model.md section 2, Rota):

- a person has a base shift (the j-th member of a team gets shift j mod S, as without a
  rota) and a day-off pattern ``offset``; the n-th member of a base-shift group (counted
  across teams in order) gets offset n mod (days_on + days_off);
- the person works on day d iff (d + offset) mod (days_on + days_off) < days_on;
- on day d the person's shift is (base + d // rotate_shifts_every_days) mod S (never moves
  when ``rotate_shifts_every_days`` is 0).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from policysim.config.dates import hour_spans
from policysim.config.pay import Share

if TYPE_CHECKING:
    from policysim.config.schema import Scenario


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Rota(_Strict):
    """Staggered on/off cycles and shift rotation; with a rota a team member is a person."""

    days_on: int = Field(default=5, ge=1, le=366)
    days_off: int = Field(default=2, ge=0, le=366)
    rotate_shifts_every_days: int = Field(default=7, ge=0, le=3650)  # 0: shifts never move
    overtime_multiplier: float = Field(default=1.5, ge=1.0, le=10.0)

    @property
    def cycle(self) -> int:
        """Days of one on/off cycle."""
        return self.days_on + self.days_off

    def works(self, offset: int, day: int) -> bool:
        """Whether a person with day-off pattern ``offset`` is scheduled on ``day``."""
        return (day + offset) % self.cycle < self.days_on

    def turn(self, day: int) -> int:
        """How many shift rotations have happened by ``day``."""
        every = self.rotate_shifts_every_days
        return day // every if every else 0


class TempStaff(_Strict):
    """Temporary agents booked for one event: ``per_shift`` on each shift on its days."""

    event: str = Field(min_length=1)
    per_shift: int = Field(ge=0, le=5000)
    skill: float = Field(default=0.55, gt=0.0, le=3.0)  # a trainee's (agents.s0_ratio)
    cap: int | None = Field(default=None, ge=1, le=20)  # None: agents.cap_novice
    daily_cost: float = Field(default=200.0, ge=0.0, le=1e6)  # yuan per day worked
    sales_effort: Share | None = None  # None: agents.default_sales_effort
    service_effort: Share | None = None  # None: agents.default_service_effort


def base_groups(scn: Scenario) -> list[int]:
    """People per base shift (the starting team, spread over shifts in turn in each team)."""
    n = len(scn.shifts)
    sizes = [0] * n
    for team in scn.teams:
        for j in range(team.agents):
            sizes[j % n] += 1
    return sizes


def check_staffing(scn: Scenario) -> None:
    """Raise ``ValueError("key: expected, found ...")`` for a rota that leaves an hour with
    demand uncovered on some day, or temporary staff for an event no event has."""
    names = {e.name for e in scn.demand.events}
    for i, temp in enumerate(scn.temp_staff):
        if temp.event not in names:
            shown = ", ".join(sorted(names)) or "none defined in demand.events"
            raise ValueError(f"temp_staff.{i}.event: the name of an event in demand.events "
                             f"({shown}), found {temp.event!r}")
        largest = max(scn.agents.cap_novice, scn.agents.cap_expert)
        if temp.cap is not None and temp.cap > largest:
            raise ValueError(f"temp_staff.{i}.cap: at most the largest agent cap ({largest}, "
                             f"agents.cap_novice/cap_expert), found {temp.cap}")
    rota = scn.rota
    if rota is None or scn.service.message_pool.enabled:
        return
    gaps = uncovered(scn, rota)
    if gaps:
        day, hours = gaps
        raise ValueError(
            f"rota: a rota that leaves no hour with demand uncovered (each shift group needs "
            f"at least days_off + 1 = {rota.days_off + 1} people; raise team sizes or lower "
            f"rota.days_off, or let buyers leave messages: service.message_pool.enabled: "
            f"true), found nobody on duty during {hour_spans(hours)} on day {day + 1} of the "
            f"cycle (people per shift group: {', '.join(map(str, base_groups(scn)))})")


def uncovered(scn: Scenario, rota: Rota) -> tuple[int, list[int]] | None:
    """(cycle day, hours) of the first day of the schedule with demand but nobody on duty,
    over every combination of cycle day and shift rotation; None if every hour is covered."""
    sizes = base_groups(scn)
    n_shifts = len(scn.shifts)
    cycle = rota.cycle
    turns = n_shifts if rota.rotate_shifts_every_days else 1
    demand_hours = [h for h, w in enumerate(scn.demand.hour_profile) if w > 0]
    for c in range(cycle):
        # people of group g on duty on cycle day c (offsets 0..size-1 mod cycle)
        on = [sum(1 for n in range(min(size, cycle)) if rota.works(n % cycle, c))
              for size in sizes]
        for r in range(turns):
            staffed = [False] * 24
            for s, shift in enumerate(scn.shifts):
                if on[(s - r) % n_shifts] == 0:
                    continue
                for h in range(24):
                    if shift.start <= h and h + 1 <= shift.end + 1e-9:
                        staffed[h] = True
            gaps = [h for h in demand_hours if not staffed[h]]
            if gaps:
                return c, gaps
    return None


def people_for_coverage(seats: int, rota: Rota) -> int:
    """People a rota needs to keep ``seats`` seats staffed every day (seats x cycle / on)."""
    return math.ceil(seats * rota.cycle / rota.days_on)
