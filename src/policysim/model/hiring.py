"""Hiring: every leaver's seat is refilled by a trainee after a delay.

When an agent leaves, the store opens a vacancy for the same seat (team and shift). It takes
``hiring.delay_days`` days to fill: the seat is empty for exactly that many days after the
leaving period's last day, and the hire starts the next morning as a trainee (skill ``s0``,
novice cap and comfort, no experience), its ability drawn from stream "workforce.hires"
(docs/model.md section 6). The days hires started are logged in :attr:`Hiring.hire_days`.

With ``hiring.sorting_strength`` above 0 the hire's ability is instead that of the first
applicant who accepts the offer, each accepting with a logit probability in what the scheme in
force would pay it (``policysim.model.sorting``; stream "workforce.applicants"): the store
learns what its last pay period showed through :meth:`Hiring.observe`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from policysim.config.schema import Scenario
from policysim.model.agents import Agent
from policysim.model.engine import Engine
from policysim.model.sorting import Evidence, pick_applicant


class Hiring:
    """Open vacancies and the hires who fill them.

    Args:
        scenario: validated scenario.
        rng: stream "workforce.hires".
    """

    def __init__(self, scenario: Scenario, rng: np.random.Generator,
                 applicants: np.random.Generator | None = None) -> None:
        self.scn = scenario
        self.rng = rng
        self.applicants = applicants
        self.pending: list[tuple[int, int, int]] = []  # (day, team, shift) seats to refill
        self.hire_days: list[int] = []
        self.evidence: Evidence | None = None
        self.scheme_at: Callable[[int], object] | None = None

    @property
    def sorting(self) -> bool:
        """Whether applicants sort on pay (``hiring.sorting_strength`` above 0)."""
        return self.scn.hiring.sorting_strength > 0 and self.applicants is not None

    def observe(self, evidence: Evidence, scheme_at: Callable[[int], object]) -> None:
        """Remember the last pay period (what applicants see) and the scheme on each day."""
        self.evidence, self.scheme_at = evidence, scheme_at

    def vacancy(self, day: int, leaver: Agent) -> None:
        """Open a vacancy for the seat ``leaver`` left at the end of ``day`` (if hiring is on)."""
        h = self.scn.hiring
        if h.enabled:
            self.pending.append((day + 1 + h.delay_days, leaver.team, leaver.shift))

    def take_in(self, engine: Engine, day: int,
                new_agent: Callable[..., Agent],
                on_hire: Callable[[Agent], None]) -> int:
        """Seats due to be filled by the start of ``day + 1`` get their trainee now.

        Args:
            engine: the running engine (hires join with ``engine.add_agent``).
            day: the day just closed.
            new_agent: makes an agent ``(rng, team, shift, hired_day, tenure0[, ability])``.
            on_hire: called with each hire once it is on the team (it chooses its action).

        Returns:
            The number of hires.
        """
        due = [p for p in self.pending if p[0] <= day + 1]
        self.pending = [p for p in self.pending if p[0] > day + 1]
        for _, team, shift in due:
            if self.sorting and self.evidence is not None:
                ability = pick_applicant(self.applicants, self.evidence, self.scheme_at(day + 1),
                                         team, self.scn.agents.ability_sigma,
                                         self.scn.attrition.outside_wage,
                                         self.scn.hiring.sorting_strength)
                agent = new_agent(self.rng, team, shift, day + 1, 0.0, ability)
            else:
                agent = new_agent(self.rng, team, shift, day + 1, 0.0)
            engine.add_agent(agent)
            self.hire_days.append(day + 1)
            on_hire(agent)
        return len(due)
