"""The paid team: payroll, beliefs, choices, quits and hires, period by period.

:class:`PaidTeam` is the :class:`~policysim.model.engine.Workforce` of a run with a pay scheme
in force. It only composes the modules that hold each idea; at the end of each pay period:

1. the agents' period records are read off the engine's counters (``workforce``), quality
   is audited and the scheme in force on the period's last day pays (``payroll``);
2. every agent remembers what it saw (``beliefs``);
3. with a career ladder, a review may move agents up or down (``ladder``; the level scales
   variable pay, sets cap and routing weight, and being passed over feeds the quit hazard);
   agents quit or are dismissed (``attrition``) and their seats become vacancies
   (``hiring``);
4. every remaining agent picks next period's action under the scheme in force next
   (``behaviour``), from stream "behaviour.choice".

Each day, hires due the next morning join and choose their action. The run's workforce
metrics (turnover, pay Gini, ...) are computed in ``policysim.results.metrics`` from the logs
this team keeps (:meth:`PaidTeam.turnover`) and the agents' period records.
"""

from __future__ import annotations

import numpy as np

from policysim.config.schema import Scenario
from policysim.errors import UserError
from policysim.model import behaviour as beh
from policysim.model import payroll
from policysim.model.agents import Agent
from policysim.model.attrition import Attrition
from policysim.model.beliefs import Beliefs
from policysim.model.engine import Engine
from policysim.model.hiring import Hiring
from policysim.model.ladder import CareerLadder
from policysim.model.schemes import scheme_at
from policysim.model.sorting import Evidence
from policysim.model.workforce import NOVICE_DAYS, StaticTeam


class PaidTeam(StaticTeam):
    """A team paid by the scheme (or schedule) named ``scheme``, choosing actions, quitting,
    being replaced.

    Args:
        scenario: validated scenario.
        scheme: the name of one of ``scenario.schemes``, or any object with a
            ``pay(metrics, ctx)`` method.
    """

    def __init__(self, scenario: Scenario, scheme) -> None:
        super().__init__(scenario)
        if not isinstance(scheme, str):
            if not callable(getattr(scheme, "pay", None)):
                raise UserError(f"scheme: a name or an object with a pay(metrics, ctx) method, "
                                f"found {type(scheme).__name__}")
        elif scheme not in scenario.schemes:
            raise UserError(f"scheme: one of {sorted(scenario.schemes)}, found {scheme!r}")
        self.scheme_name = scheme
        self._custom = None if isinstance(scheme, str) else scheme
        self.grid = beh.Grid.from_scenario(scenario)
        self.n_teams = len(scenario.teams)
        self.beliefs = Beliefs(scenario, self.n_teams)
        self.ladder = (CareerLadder(scenario.ladder, scenario.sim.period_days)
                       if scenario.ladder is not None else None)

    def scheme(self, day: int):
        """The pay function in force on ``day``."""
        if self._custom is not None:
            return self._custom
        return scheme_at(self.scn.schemes, self.scheme_name, day)

    def paying(self, day: int, agents: list[Agent]):
        """The pay function ``agents`` (in this order) are paid by on ``day``: the scheme in
        force, with each agent's variable pay scaled by its career level if there is a ladder."""
        scheme = self.scheme(day)
        return self.ladder.scheme(scheme, agents) if self.ladder is not None else scheme

    def new_agent(self, rng: np.random.Generator, team: int, shift: int, hired_day: int,
                  tenure0: float, ability: float | None = None) -> Agent:
        """A new agent (see ``StaticTeam.new_agent``) placed on the ladder: the starting team
        by tenure, hires at the bottom."""
        agent = super().new_agent(rng, team, shift, hired_day, tenure0, ability)
        if self.ladder is not None:
            agent.level = self.ladder.initial_level(tenure0)
            self.ladder.apply(agent)
        return agent

    def update_skill(self, a: Agent) -> None:
        """Skill, cap and comfort from experience; then the cap of the agent's level."""
        super().update_skill(a)
        if self.ladder is not None:
            self.ladder.apply(a)

    def turnover(self) -> tuple[list[dict], list[int]]:
        """The run's quit log (one dict per leaver) and the days hires started."""
        return self.attrition.quit_log, self.hiring.hire_days

    # ------------------------------------------------------------- set-up
    def setup(self, engine: Engine) -> None:
        """Team, streams, and first actions chosen from the prior beliefs (the expected load)."""
        self._choice = engine.rng("behaviour.choice")
        self._tastes = beh.TasteShocks(self.scn.behaviour.taste_persistence,
                                       engine.rng("behaviour.taste"), len(self.grid))
        self.attrition = Attrition(self.scn, self.n_teams, engine.rng("workforce.quits"))
        self._audit = engine.rng("workforce.audit")
        self.hiring = Hiring(self.scn, engine.rng("workforce.hires"),
                             engine.rng("workforce.applicants"))
        super().setup(engine)
        self._choose(engine, [a for a in engine.agents if a.active], day=0)

    # --------------------------------------------------------------- days
    def on_day_end(self, engine: Engine, day: int) -> dict:
        """Learning, hires arriving today, and the day's workforce series."""
        super().on_day_end(engine, day)
        hires = self._take_in_hires(engine, day)
        active = [a for a in engine.agents if a.active]
        return {
            "quits": 0,
            "hires": hires,
            "mean_skill": float(np.mean([a.skill for a in active])) if active else 0.0,
            "novice_headcount": sum(1 for a in active if a.tenure_days(day) < NOVICE_DAYS),
        }

    def _take_in_hires(self, engine: Engine, day: int) -> int:
        return self.hiring.take_in(engine, day, self.new_agent,
                                   lambda agent: self._choose(engine, [agent], day=day + 1))

    # ------------------------------------------------------------ periods
    def on_period_end(self, engine: Engine, period: int, day: int) -> list[dict]:
        """Pay, beliefs, quits, vacancies and next period's choices."""
        records = self.close_period(engine, period, day)
        if not records:
            self.reset_period(engine)
            return records
        by_id = {a.id: a for a in engine.agents}
        members = [by_id[r["agent"]] for r in records]
        payroll.audit(self.scn, records, members, self._audit)
        metrics = payroll.period_metrics(records)
        P = self.scn.sim.period_days
        length = (day + 1 - period * P) / P  # below 1 when the horizon cuts the period short
        pay = payroll.pay_period(self.scn, self.paying(day, members), records, members, metrics,
                                 self.n_teams, length)
        if engine.staffing is not None:  # days off worked on all-hands days (model/rota.py)
            pay = engine.staffing.pay_overtime(self.scheme(day), records, members, pay)
        self.beliefs.remember(engine, records, members, metrics)
        team = np.array([a.team for a in members])
        if self.ladder is not None:
            for a in self.ladder.period_end(self.scheme(day), records, members, metrics, day):
                self.ladder.apply(a)
                engine.refresh(a)
        if self.hiring.sorting:
            self.hiring.observe(Evidence(metrics, np.array([a.skill for a in members]), team,
                                         np.array([r["present"] for r in records]), self.n_teams,
                                         self.scn.sim.period_days), self.scheme)
        for r, a in zip(records, members):  # for new_hire_mean_skill (results/metrics.py)
            r["ability"], r["hired_day"] = a.s_inf, a.hired_day
        for leaver in self.attrition.period_end(engine, records, members, pay, team, day):
            self.hiring.vacancy(day, leaver)
        self.reset_period(engine)
        staying = [a for a in engine.agents if a.active and a.hired_day <= day]
        self._choose(engine, staying, day=day + 1)
        # seats with no hiring delay are refilled for tomorrow morning, as on any other day
        if engine.daily and (hired := self._take_in_hires(engine, day)):
            engine.daily[-1]["hires"] += hired
        return records

    def _choose(self, engine: Engine, agents: list[Agent], day: int) -> None:
        """Each agent in ``agents`` picks its action for the coming period (without adaptive
        behaviour it keeps its action, but still notes the chats it expects under it)."""
        if not agents:
            return
        adaptive = self.scn.behaviour.adaptive
        if not adaptive or day >= engine.days:
            for a in agents:
                if a.last_action is None:
                    self.set_action(engine, a, self.default_action(a))
            if day >= engine.days:
                return
        everyone = [a for a in engine.agents if a.active]
        for a in agents:
            if a not in everyone:
                everyone.append(a)
        h = self.beliefs.history(engine, everyone, self.default_action(everyone[0]))
        index = {a.id: i for i, a in enumerate(everyone)}
        rows = np.array([index[a.id] for a in agents])
        if not adaptive:
            kept = beh.expect_kept(self.scn, self.paying(day, everyone), h, self.n_teams, rows,
                                   [a.last_action for a in agents])
            for j, (a, row) in enumerate(zip(agents, rows)):
                self.beliefs.expect(a, h, int(row), a.last_action)
                self.beliefs.expect_outcomes(a, {k: float(v[j]) for k, v in kept.items()})
            if self.beliefs.diagnose:
                self.beliefs.expect_informed(engine, everyone, agents,
                                             self.default_action(everyone[0]))
            return
        previous = np.array([self.grid.index(a.last_action) for a in agents])
        u = self._choice.random((len(agents), 2))
        expected: dict[str, np.ndarray] = {}
        picked = beh.decide(self.scn, self.paying(day, everyone), h, self.grid, self.n_teams,
                            rows, previous, u, self._tastes.draw([a.id for a in agents]),
                            expected)
        for j, (a, row, i) in enumerate(zip(agents, rows, picked)):
            action = self.grid.action(int(i))
            self.beliefs.expect(a, h, int(row), action)
            self.beliefs.expect_outcomes(a, {k: float(v[j]) for k, v in expected.items()})
            self.set_action(engine, a, action)
        if self.beliefs.diagnose:
            self.beliefs.expect_informed(engine, everyone, agents, self.default_action(everyone[0]))
