"""The team: who is hired, how skill grows, and the per-period agent records.

:class:`StaticTeam` is the simplest :class:`~policysim.model.engine.Workforce`: the scenario's
team, each agent keeping the default action, learning by doing (if enabled), nobody paid,
nobody quitting. The pay-aware workforce (``policysim.model.team.PaidTeam``: payroll, beliefs,
behaviour, attrition, hiring) builds on it.

Learning by doing (MODEL.md section 4): skill s = s_inf - (s_inf - s0) exp(-experience/tau),
experience = chats served. s_inf is the agent's latent ability (lognormal across agents, mean
1); s0 = s0_ratio x s_inf. The platform's concurrency cap and the agent's comfortable load
rise with learning progress p = (s - s0) / (s_inf - s0) from the novice to the expert value.
Skill is updated once a day (a day is short next to six months of learning).
"""

from __future__ import annotations

import numpy as np

from policysim.config.schema import Scenario
from policysim.model import production as prod
from policysim.model.agents import Agent
from policysim.model.engine import Engine

MONTH_DAYS = 30.0
NOVICE_DAYS = 180  # "about six months" to become a junior agent (FIELD_NOTES)


class StaticTeam:
    """The scenario's team with fixed default actions; learning on if the scenario says so.

    Args:
        scenario: The validated scenario: its teams, shifts and ``agents`` section (abilities,
            default action, learning); the starting agents' experience assumes the store's
            mean daily volume spread evenly over the team.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scn = scenario
        cfg = scenario.agents
        self._chats_per_day = scenario.demand.daily_volume / max(1, scenario.n_agents)
        self._tau = cfg.learning_tau_chats

    # ------------------------------------------------------------- set-up
    def setup(self, engine: Engine) -> None:
        """Create the starting team: abilities, tenures and shifts from stream "agents.setup"."""
        rng = engine.rng("agents.setup")
        cfg = self.scn.agents
        n_shifts = len(self.scn.shifts)
        for t, team in enumerate(self.scn.teams):
            for j in range(team.agents):
                tenure = rng.uniform(0.0, cfg.initial_tenure_max_months * MONTH_DAYS)
                agent = self.new_agent(rng, t, j % n_shifts, hired_day=0, tenure0=tenure)
                engine.add_agent(agent)
        for a in engine.agents:
            self.set_action(engine, a, self.default_action(a))

    def new_agent(self, rng: np.random.Generator, team: int, shift: int, hired_day: int,
                  tenure0: float, ability: float | None = None) -> Agent:
        """A new agent with ability drawn from ``rng`` (or the ``ability`` given) and
        experience matching its tenure."""
        cfg = self.scn.agents
        sigma = cfg.ability_sigma
        if ability is not None:
            s_inf = float(ability)
        else:
            s_inf = float(rng.lognormal(-sigma**2 / 2, sigma)) if sigma > 0 else 1.0
        experience = tenure0 * self._chats_per_day if cfg.learning else 0.0
        agent = Agent(0, team, shift, hired_day, tenure0, cfg.s0_ratio * s_inf, s_inf, experience)
        self.update_skill(agent)
        return agent

    def default_action(self, a: Agent) -> tuple[float, float, int, float]:
        """(sales effort, service effort, hang-up threshold, cooperation) from the scenario."""
        cfg = self.scn.agents
        threshold = cfg.default_threshold or cfg.cap_expert
        return (cfg.default_sales_effort, cfg.default_service_effort, threshold,
                cfg.default_transfer)

    def set_action(self, engine: Engine, a: Agent, action: tuple) -> None:
        """Apply an action and let the engine re-tabulate the agent."""
        a.sales_effort, a.service_effort, a.threshold, a.coop = action
        a.last_action = action
        engine.refresh(a)

    # ------------------------------------------------------------ learning
    def update_skill(self, a: Agent) -> None:
        """Skill from experience (chats served so far), then cap and comfort from progress."""
        cfg = self.scn.agents
        experience = a.experience + a.served
        if cfg.learning:
            a.skill = float(prod.skill_after(a.s0, a.s_inf, experience, self._tau))
        else:
            a.skill = a.s_inf
        span = a.s_inf - a.s0
        progress = (a.skill - a.s0) / span if span > 0 else 1.0
        a.cap = cfg.cap_novice + int(round(progress * (cfg.cap_expert - cfg.cap_novice)))
        comfort = cfg.comfort_novice + int(round(progress * (cfg.comfort_expert - cfg.comfort_novice)))
        a.comfort = min(a.cap, comfort)

    def on_day_end(self, engine: Engine, day: int) -> dict:
        """Update skills (tables are rebuilt by the engine at the next day's start)."""
        for a in engine.agents:
            if a.active:
                self.update_skill(a)
        return {}

    # -------------------------------------------------------------- periods
    def agent_record(self, engine: Engine, a: Agent, period: int, day: int) -> dict:
        """The period record of one agent (metrics the pay formulas read, and more)."""
        served = a.served
        routed = a.routed
        handled = a.handled  # routed - given + received
        return {
            "period": period,
            "end_day": day,
            "agent": a.id,
            "team": self.scn.teams[a.team].name,
            "active": a.active,
            "tenure_days": a.tenure_days(day + 1),
            "skill": a.skill,
            "routed": int(routed),
            "served": int(served),
            "handled": int(handled),
            "reply_rate": served / handled if handled else 1.0,
            "first_response_s": a.frt_sum / served if served else 0.0,
            "first_response_platform_s": a.frt_platform_sum / served if served else 0.0,
            "reply_within_30s": a.within_30s / handled if handled else 1.0,
            "reply_within_180s": a.within_180s / handled if handled else 1.0,
            "reply_within_30s_agent": a.own_within_30s / handled if handled else 1.0,
            "reply_within_180s_agent": a.own_within_180s / handled if handled else 1.0,
            "pre_sales_served": int(a.pre_served),
            "conversion": a.orders / a.pre_served if a.pre_served else 0.0,
            "sales": a.sales,
            "rating": a.rating_sum / a.rating_w if a.rating_w else 0.0,
            "transfers_given": int(a.given),
            "transfers_received": int(a.received),
            "over_comfort_share": a.over_time / a.shift_time if a.shift_time else 0.0,
            "after_sales_share": a.after_served / served if served else 0.0,
            "luck_value": a.luck_value,
            "mean_price": a.luck_value / a.pre_routed if a.pre_routed else 0.0,
            "days_present": self._days_present(a, period, day),
            "present": self._days_present(a, period, day) / self.scn.sim.period_days,
            "sales_effort": a.sales_effort,
            "service_effort": a.service_effort,
            "threshold": a.threshold,
            "coop": a.coop,
        }

    def _days_present(self, a: Agent, period: int, day: int) -> int:
        """Days of this pay period the agent was on the team (the last period may be short)."""
        start = period * self.scn.sim.period_days
        return day + 1 - max(a.hired_day, start)

    def close_period(self, engine: Engine, period: int, day: int) -> list[dict]:
        """Records of every agent who worked this period; counters reset, experience banked."""
        records = []
        for a in engine.agents:
            if a.hired_day > day:  # hired for the next period
                continue
            if a.active or a.handled:
                records.append(self.agent_record(engine, a, period, day))
        return records

    def reset_period(self, engine: Engine) -> None:
        """Bank experience and zero the period counters of every agent."""
        for a in engine.agents:
            a.experience += a.served
            a.reset_counters()

    def on_period_end(self, engine: Engine, period: int, day: int) -> list[dict]:
        """Emit the agents' period records and start a new period."""
        records = self.close_period(engine, period, day)
        self.reset_period(engine)
        return records
