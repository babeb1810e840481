"""The duty roster: who of the team is in today, on which shift, and the temporary agents.

Without a rota every member of the team works its shift every day (a team member is a seat
staffed seven days a week). With ``rota`` a member is a person: each morning the roster
looks up the duty board (``policysim.config.rota``: staggered ``days_on``/``days_off``
cycles, shifts rotating every ``rotate_shifts_every_days`` days) and marks who works today
and on which shift; the others stay on the team (paid their base salary, counted in the
headcount) but take no chats. On a day of an event marked ``all_hands`` everyone is called
in, and each person called in on a scheduled day off earns ``overtime_multiplier`` x the
day rate for it (the day rate is the base salary per scheduled working day of the period,
docs/model.md section 2, Rota).

Temporary agents (``temp_staff``) are booked for one event: ``per_shift`` on each shift on
each of its days, at a fixed skill and cap, paid ``daily_cost`` per day worked. They are
agents to the router (they take chats like anyone else) but not to the workforce: they are
kept in ``Engine.temps``, never in ``Engine.agents``, so they neither learn, choose, are paid
by the scheme, nor quit, and they are not in the headcount.

A hire takes the seat that keeps the board balanced: the base shift of its team with the
fewest people, then the day-off pattern of that shift group with the fewest people.
Nothing here draws a random number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from policysim.config.schema import Scenario
from policysim.model.agents import Agent

if TYPE_CHECKING:
    from policysim.model.engine import Engine


class DutyRoster:
    """The rota and the temporary staff of one run (built by the engine when either is set).

    Args:
        scenario: validated scenario with a ``rota`` or ``temp_staff`` (or both).
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scn = scenario
        self.rota = scenario.rota
        self.n_shifts = len(scenario.shifts)
        self._base: dict[int, int] = {}  # person id -> base shift
        self._offset: dict[int, int] = {}  # person id -> day-off pattern
        self._known = 0  # engine.agents[:_known] have a seat on the board
        self._worked: dict[int, int] = {}  # this period: days worked, by person id
        self._overtime: dict[int, int] = {}  # this period: days off worked (all hands)
        self._booked: list[tuple[Agent, int]] = []  # (temporary agent, temp_staff index)
        self.person_days = 0  # days people were on the team
        self.days_worked = 0  # ... and of those, days they worked
        self.overtime_days = 0
        self.temp_days = [0] * len(scenario.temp_staff)  # days worked, per temp_staff entry
        self._today: tuple[int, int, int] = (0, 0, 0)  # (working, overtime, temps on duty)
        self._booked_day = False  # today is a day of an event temporary staff are booked for

    # ------------------------------------------------------------- set-up
    def setup(self, engine: Engine) -> None:
        """Book the temporary agents (after the workforce has created the team)."""
        cfg = self.scn.agents
        n_teams = len(self.scn.teams)
        k = 0
        for index, spec in enumerate(self.scn.temp_staff):
            cap = spec.cap or cfg.cap_novice
            for s in range(self.n_shifts):
                for _ in range(spec.per_shift):
                    temp = Agent(0, k % n_teams, s, 0, 0.0, spec.skill, spec.skill, 0.0)
                    k += 1
                    temp.cap = temp.comfort = temp.threshold = cap
                    temp.sales_effort = (cfg.default_sales_effort if spec.sales_effort is None
                                         else spec.sales_effort)
                    temp.service_effort = (cfg.default_service_effort
                                           if spec.service_effort is None else spec.service_effort)
                    temp.working = False
                    self._booked.append((temp, index))
                    engine.add_agent(temp, temp=True)

    # --------------------------------------------------------------- days
    def start_day(self, engine: Engine, day: int) -> None:
        """Mark who works ``day`` and on which shift (the engine then refreshes everyone)."""
        events = engine.demand.events_on(day)
        names = {e.name for e in events}
        for temp, index in self._booked:
            temp.working = self.scn.temp_staff[index].event in names
            self.temp_days[index] += temp.working
        temps = sum(1 for temp, _ in self._booked if temp.working)
        self._booked_day = any(t.event in names for t in self.scn.temp_staff)
        if self.rota is None:
            self._today = (0, 0, temps)
            return
        self._seat_newcomers(engine)
        all_hands = any(e.all_hands for e in events)
        turn = self.rota.turn(day)
        working = overtime = 0
        for a in engine.agents:
            if not a.active:
                continue
            scheduled = self.rota.works(self._offset[a.id], day)
            a.working = scheduled or all_hands
            a.shift = (self._base[a.id] + turn) % self.n_shifts
            self.person_days += 1
            if a.working:
                working += 1
                self._worked[a.id] = self._worked.get(a.id, 0) + 1
            if a.working and not scheduled:
                overtime += 1
                self._overtime[a.id] = self._overtime.get(a.id, 0) + 1
        self.days_worked += working
        self.overtime_days += overtime
        self._today = (working, overtime, temps)

    def _seat_newcomers(self, engine: Engine) -> None:
        """Give each person who joined since yesterday a base shift and a day-off pattern."""
        newcomers = engine.agents[self._known:]
        if not newcomers:
            return
        cycle = self.rota.cycle
        by_team: dict[tuple[int, int], int] = {}  # (team, base shift) -> people
        by_group: dict[tuple[int, int], int] = {}  # (base shift, offset) -> people
        for b in engine.agents[:self._known]:
            if b.active:
                base, offset = self._base[b.id], self._offset[b.id]
                by_team[b.team, base] = by_team.get((b.team, base), 0) + 1
                by_group[base, offset] = by_group.get((base, offset), 0) + 1
        for a in newcomers:
            if a.hired_day == 0:  # the starting team keeps the shift the team gave it
                base = a.shift
            else:
                base = min(range(self.n_shifts), key=lambda s: (by_team.get((a.team, s), 0), s))
            offset = min(range(cycle), key=lambda o: (by_group.get((base, o), 0), o))
            self._base[a.id], self._offset[a.id] = base, offset
            by_team[a.team, base] = by_team.get((a.team, base), 0) + 1
            by_group[base, offset] = by_group.get((base, offset), 0) + 1
        self._known = len(engine.agents)

    def day_record(self, inquiries: list[int], abandoned: list[int]) -> dict:
        """Fields of the day's record: people working (with a rota); with temporary staff,
        temporary agents on duty and, on a day of an event temporary staff are booked for
        (even zero of them), the abandonment in the day's busiest hour (most inquiries; 0
        on such a day without inquiries, as ``abandon_rate``; NaN on other days).

        Args:
            inquiries, abandoned: the day's inquiries and abandoned inquiries by hour.
        """
        working, overtime, temps = self._today
        out = {}
        if self.rota is not None:
            out.update(working_headcount=working, overtime_days=overtime)
        if self.scn.temp_staff:
            out["temp_staff_on_duty"] = temps
            peak = int(np.argmax(inquiries))
            if not self._booked_day:
                out["peak_hour_abandon_rate"] = np.nan
            else:
                out["peak_hour_abandon_rate"] = (abandoned[peak] / inquiries[peak]
                                                 if inquiries[peak] else 0.0)
        return out

    # ------------------------------------------------------------ periods
    def pay_overtime(self, scheme, records: list[dict], members: list[Agent],
                     pay: np.ndarray) -> np.ndarray:
        """Add each person's overtime of the period to ``pay`` (and to the records' ``pay``).

        The day rate is the scheme's base salary per scheduled working day of a pay period:
        ``base_salary / (period_days x days_on / (days_on + days_off))``; a scheme without a
        base salary pays no overtime.
        """
        if self.rota is None:
            return pay
        base = float(getattr(getattr(scheme, "spec", None), "base_salary", 0.0))
        rota = self.rota
        day_rate = base / (self.scn.sim.period_days * rota.days_on / rota.cycle)
        extra = np.array([rota.overtime_multiplier * day_rate * self._overtime.get(a.id, 0)
                          for a in members])
        for r, x in zip(records, extra):
            r["overtime_pay"] = float(x)
            r["pay"] += float(x)
        for a, x in zip(members, extra):
            a.last_pay += float(x)
        return pay + extra

    def end_period(self, records: list[dict]) -> None:
        """Note each record's days worked and overtime days, and start a new period."""
        if self.rota is None:
            return
        for r in records:
            r["days_worked"] = self._worked.get(r["agent"], 0)
            r["overtime_days"] = self._overtime.get(r["agent"], 0)
        self._worked, self._overtime = {}, {}

    def summary(self) -> dict:
        """Run totals for the metrics (``policysim.results.metrics``)."""
        return {
            "rota": self.rota is not None,
            "person_days": self.person_days,
            "days_worked": self.days_worked,
            "overtime_days": self.overtime_days,
            "temp_days": list(self.temp_days),
            "temp_cost": float(sum(n * t.daily_cost
                                   for n, t in zip(self.temp_days, self.scn.temp_staff))),
        }


def make_roster(scenario: Scenario) -> DutyRoster | None:
    """The run's duty roster, or None when everyone works every day and nobody is booked."""
    if scenario.rota is None and not scenario.temp_staff:
        return None
    return DutyRoster(scenario)
