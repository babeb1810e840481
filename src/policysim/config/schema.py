"""Scenario schema: what a scenario file may say, validated once into frozen config.

A scenario describes one store: its buyers (``demand``), its team (``teams``, ``shifts``,
``agents``), how chats play out (``service``, ``conversion``, ``rating``), how agents
respond to pay (``behaviour``), who quits and who is hired (``attrition``, ``hiring``) and
the pay schemes to compare (``schemes``, ``policy``). Every field has a default documented
in docs/model.md with its source, so a scenario file only states what differs.

Times inside the engine are seconds; here they are given in the unit the field name says
(``_s`` seconds, ``_min`` minutes, ``_days`` days, ``_months`` months). Times of day are
written "HH:MM" (or a number of hours).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from policysim.config.dates import DEFAULT_START, date_switches, hour_spans
from policysim.config.ladder import Ladder
from policysim.config.pay import SchemeSpec, Share
from policysim.config.rota import Rota, TempStaff, check_staffing


class Strict(BaseModel):
    """Base for all config models: frozen, no unknown keys, no NaN or infinity."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _time_of_day(value: object) -> object:
    """Accept "HH:MM" (or "H:MM") or a number of hours; return hours as a float."""
    if isinstance(value, str):
        text = value.strip()
        parts = text.split(":")
        if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
            hours, minutes = int(parts[0]), int(parts[1])
            if minutes >= 60:
                raise ValueError(f"a time of day 'HH:MM' with minutes below 60, found {value!r}")
            return hours + minutes / 60.0
        raise ValueError(f"a time of day 'HH:MM', found {value!r}")
    return value


def _in_day(hours: float) -> float:
    if not 0.0 <= hours <= 24.0:
        raise ValueError(f"a time of day between 00:00 and 24:00, found {hours:g} h")
    return hours


TimeOfDay = Annotated[float, BeforeValidator(_time_of_day), AfterValidator(_in_day)]
Probability = Share
PosFloat = Annotated[float, Field(gt=0.0)]
NonNegFloat = Annotated[float, Field(ge=0.0)]
#: A routing weight: bounded, as weights multiply (team x tenure x ladder level x spare chats)
#: and a product that overflows leaves the router no agent to draw (internal error)
RoutingWeight = Annotated[float, Field(ge=0.0, le=1e6)]


def _weights(values: list[float]) -> list[float]:
    total = sum(values)
    if not math.isfinite(total):
        raise ValueError(f"weights whose sum is finite, found a sum of {total}")
    if total <= 0:
        raise ValueError("at least one weight above 0")
    return values


class Catalogue(Strict):
    """Price points of the store's items (yuan) and how often buyers ask about each."""

    prices: list[PosFloat] = Field(default=[59, 79, 99, 129, 169, 199, 259, 329, 399], min_length=1)
    weights: Annotated[list[NonNegFloat], AfterValidator(_weights)] = Field(
        default=[16, 15, 14, 13, 11, 10, 9, 7, 5], min_length=1
    )

    @model_validator(mode="after")
    def _same_length(self) -> Catalogue:
        if len(self.prices) != len(self.weights):
            raise ValueError(
                f"weights: one weight per price ({len(self.prices)}), found {len(self.weights)}"
            )
        return self


class Patience(Strict):
    """How long a buyer waits for the first reply before leaving."""

    dist: Literal["exponential", "lognormal", "infinite"] = "exponential"
    mean_s: PosFloat = 180.0
    cv: float = Field(default=1.0, gt=0.0, le=100.0)  # coefficient of variation, lognormal only


class Event(Strict):
    """A named calendar event (a promotion) multiplying demand on some days."""

    name: str = Field(min_length=1)
    date: dt.date
    days: int = Field(default=1, ge=1, le=366)
    multiplier: PosFloat = 5.0
    start_hour: TimeOfDay = 0.0
    end_hour: TimeOfDay = 24.0
    intent_boost: float = 1.0
    pre_sales_share: Probability | None = None
    repeat_yearly: bool = True
    all_hands: bool = False  # with a rota: everyone works, off days paid as overtime

    @model_validator(mode="after")
    def _hours(self) -> Event:
        if self.end_hour <= self.start_hour:
            raise ValueError(f"end_hour: after start_hour ({self.start_hour:g} h)")
        return self


def _hour_profile(values: list[float]) -> list[float]:
    if len(values) != 24:
        raise ValueError(f"24 hourly weights, found {len(values)}")
    return _weights(values)


def _weekdays(values: list[float]) -> list[float]:
    if len(values) != 7:
        raise ValueError(f"7 weekday factors (Monday first), found {len(values)}")
    return _weights(values)


_DEFAULT_PROFILE = [0, 0, 0, 0, 0, 0, 0, 0,  # 00-08 closed (night bot)
                    3, 5, 6, 6, 5, 5, 6, 6,  # 08-16
                    6, 6, 6, 7, 8, 8, 7, 5]  # 16-24: evening peak


class Demand(Strict):
    """Buyers: how many, when, what they ask about and how patient they are."""

    daily_volume: NonNegFloat = 4000.0
    hour_profile: Annotated[list[NonNegFloat], AfterValidator(_hour_profile)] = Field(
        default=_DEFAULT_PROFILE
    )
    weekday_factor: Annotated[list[PosFloat], AfterValidator(_weekdays)] = Field(
        default=[1.0, 0.95, 0.95, 0.95, 1.0, 1.05, 1.1]
    )
    growth_per_year: float = Field(default=0.0, gt=-1.0, le=10.0)
    pre_sales_share: Probability = 0.7
    catalogue: Catalogue = Catalogue()
    intent_mean: float = 0.0
    intent_sd: NonNegFloat = 1.0
    patience: Patience = Patience()
    events: list[Event] = Field(default_factory=list)


class Shift(Strict):
    """A daily shift; agents are spread over shifts in turn within each team."""

    name: str = Field(min_length=1)
    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _order(self) -> Shift:
        if self.end <= self.start:
            raise ValueError(f"end: after start ({self.start:g} h); overnight shifts are split")
        return self


class Team(Strict):
    """A team of agents (the unit of group contests and of transfers first)."""

    name: str = Field(min_length=1)
    agents: int = Field(ge=1, le=5000)


class Agents(Strict):
    """Traits of agents: ability, learning, concurrency caps, starting tenure."""

    ability_sigma: float = Field(default=0.25, ge=0.0, le=3.0)
    s0_ratio: float = Field(default=0.55, gt=0.0, le=1.0)
    learning: bool = True
    learning_tau_chats: PosFloat = 9000.0
    initial_tenure_max_months: float = Field(default=24.0, ge=0.0, le=600.0)
    cap_novice: int = Field(default=3, ge=1, le=20)
    cap_expert: int = Field(default=5, ge=1, le=20)
    comfort_novice: int = Field(default=2, ge=1, le=20)
    comfort_expert: int = Field(default=3, ge=1, le=20)
    default_sales_effort: Probability = 0.5
    default_service_effort: Probability = 0.5
    default_threshold: int | None = Field(default=None, ge=1, le=20)
    default_transfer: Probability = 0.0

    @model_validator(mode="after")
    def _caps(self) -> Agents:
        if self.cap_expert < self.cap_novice:
            raise ValueError(f"cap_expert: at least cap_novice ({self.cap_novice})")
        if self.comfort_expert < self.comfort_novice:
            raise ValueError(f"comfort_expert: at least comfort_novice ({self.comfort_novice})")
        return self


ModeName = Literal["sticky", "weighted", "least_loaded", "most_available", "round_robin"]
FallbackName = Literal["weighted", "least_loaded", "most_available", "round_robin"]


class TenureBand(Strict):
    """Agents with tenure of at least ``from_days`` (up to the next band) have this weight."""

    from_days: NonNegFloat
    weight: RoutingWeight


class RoutingWeights(Strict):
    """Routing weights of the ``weighted`` mode: an agent's weight is its team's weight times
    its tenure band's weight (1 where none is given)."""

    teams: dict[str, RoutingWeight] = Field(default_factory=dict)
    tenure: list[TenureBand] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> RoutingWeights:
        if self.tenure:
            starts = [b.from_days for b in self.tenure]
            if starts[0] != 0 or any(a >= b for a, b in zip(starts, starts[1:])):
                shown = ", ".join(f"{s:g}" for s in starts)
                raise ValueError(f"tenure: bands by from_days increasing from 0, found {shown}")
            if all(b.weight == 0 for b in self.tenure):
                raise ValueError("tenure: at least one band weight above 0, found all 0")
        return self


class Routing(Strict):
    """How the platform picks the agent for a new chat (docs/model.md section 2, Routing)."""

    mode: ModeName = "sticky"
    fallback: FallbackName = "weighted"  # sticky: the mode for buyers the contact rule leaves
    busyness: bool = True  # weighted: draw in proportion to weight x spare capacity
    returning_share: Probability = 0.3  # share of inquiries from buyers who chatted before
    weights: RoutingWeights = RoutingWeights()


class MessagePool(Strict):
    """Chats arriving while nobody is on shift wait as messages for the next shift."""

    enabled: bool = False
    bot_share: Probability = 0.0


class Concurrency(Strict):
    """How fast each open chat progresses while an agent holds k chats (live concurrency).

    ``per_chat_rate`` lists relative per-chat speeds at 1..K open chats, K the largest cap;
    when absent the speed is ``k ** -concurrency_alpha`` (docs/model.md section 2).
    """

    per_chat_rate: list[PosFloat] | None = Field(default=None, min_length=1, max_length=20)


class Service(Strict):
    """Production functions of a chat: reply delay and handle time versus load and skill."""

    reply_base_s: NonNegFloat = 8.0
    reply_load_factor: NonNegFloat = 0.18
    handle_dist: Literal["lognormal", "exponential"] = "lognormal"
    handle_base_s: PosFloat = 240.0
    handle_sigma: NonNegFloat = 0.6
    concurrency_alpha: float = Field(default=0.6, ge=0.0, le=1.0)
    effort_stretch: NonNegFloat = 0.3
    after_sales_handle_factor: PosFloat = 1.3
    transfer_delay_s: NonNegFloat = 30.0
    transfer_hold_s: NonNegFloat = 0.0
    routing: Routing = Routing()
    concurrency: Concurrency = Concurrency()
    message_pool: MessagePool = MessagePool()


class Conversion(Strict):
    """Logit of a pre-sales chat turning into an order (MODEL.md section 3)."""

    a0: float = -1.8
    a_intent: float = 1.0
    a_skill: float = 1.6
    a_effort: float = 1.0
    a_wait: NonNegFloat = 0.35
    w0_s: PosFloat = 30.0
    a_load: NonNegFloat = 0.08
    event_skill_scale: Probability = 0.3
    gross_margin: Probability = 0.35


class Rating(Strict):
    """Buyer rating (1-5) of a chat: worse with waiting and load, better with skill and care."""

    r0: float = 0.6
    r_skill: float = 1.4
    r_effort: float = 1.2
    r_wait: NonNegFloat = 0.5
    w0_s: PosFloat = 30.0
    r_load: NonNegFloat = 0.15
    noise_sd: NonNegFloat = 0.8
    after_sales_weight: PosFloat = 3.0


class Behaviour(Strict):
    """How agents choose their action each pay period (MODEL.md section 4)."""

    adaptive: bool = True
    sales_efforts: list[Probability] = Field(default=[0.0, 0.5, 1.0], min_length=1)
    service_efforts: list[Probability] = Field(default=[0.0, 0.5, 1.0], min_length=1)
    thresholds: list[Annotated[int, Field(ge=1, le=20)]] = Field(default=[2, 3, 4, 5], min_length=1)
    coop_levels: list[Probability] = Field(default=[0.0, 1.0], min_length=1)
    effort_cost: NonNegFloat = 900.0
    load_cost: NonNegFloat = 250.0
    cohesion: NonNegFloat = 300.0
    social_scale: PosFloat = 100.0
    temperature: PosFloat = 120.0
    inertia: Probability = 0.3
    taste_persistence: Probability = 0.0
    quality_skill: float = 1.5
    quality_effort: float = 1.5
    quality_noise_sd: NonNegFloat = 0.3


class Attrition(Strict):
    """Monthly quit hazard (logit) and optional dismissal (MODEL.md section 6)."""

    enabled: bool = True
    b0: float = -3.7
    tenure_hump: float = 1.0
    tenure_peak_months: PosFloat = 3.0
    b_wage: float = -0.3
    outside_wage: PosFloat = 5000.0
    b_shortfall: float = 1.5
    b_stress: float = 0.5
    after_sales_stress: NonNegFloat = 0.5
    b_recognition: float = -0.3
    b_denied: float = 0.29
    denied_gap: PosFloat = 300.0
    dismiss_bottom_share: Probability = 0.0
    dismiss_after_periods: int = Field(default=3, ge=1)


class Hiring(Strict):
    """Vacancies are refilled after a delay with trainees; each hire has a cost."""

    enabled: bool = True
    delay_days: int = Field(default=30, ge=0, le=365)
    cost_months_of_pay: NonNegFloat = 3.0
    sorting_strength: NonNegFloat = 0.0  # 0: one pool whatever the scheme (model/sorting.py)


class Sim(Strict):
    """Horizon and bookkeeping of one run."""

    days: int = Field(default=365, ge=1, le=3650)
    start_date: dt.date = DEFAULT_START
    period_days: int = Field(default=30, ge=1, le=366)
    reps: int = Field(default=5, ge=1, le=10000)
    seed: int = Field(default=20261123, ge=0, lt=2**63)


def matching(pattern: str, expected: str):
    """An after-validator of a name: the whole text matches ``pattern``, else the problem
    reads "expected ``expected``, found 'text'"."""
    rx = re.compile(pattern)

    def check(value: str) -> str:
        if not rx.fullmatch(value):
            raise ValueError(f"{expected}, found {value!r}")
        return value

    return check


_scenario_name = matching(
    r"[A-Za-z0-9_-][A-Za-z0-9_.-]*",
    "a scenario name of letters, digits, '_', '-' and '.', not starting with '.' (it names "
    "output folders)")
_scheme_name = matching(
    r"[\w-]+", "a scheme name of letters, digits, '_' and '-' (it names output files and "
    "--set keys)")
SchemeName = Annotated[str, AfterValidator(_scheme_name)]


class Scenario(Strict):
    """One store, its team, its buyers and the pay schemes to compare."""

    name: Annotated[str, Field(min_length=1), AfterValidator(_scenario_name)] = "scenario"
    description: str = ""
    sim: Sim = Sim()
    demand: Demand = Demand()
    teams: list[Team] = Field(
        default=[Team(name="A", agents=10), Team(name="B", agents=10), Team(name="C", agents=10)],
        min_length=1,
    )
    shifts: list[Shift] = Field(
        default=[Shift(name="early", start=8.0, end=16.0), Shift(name="late", start=16.0, end=24.0)],
        min_length=1,
    )
    agents: Agents = Agents()
    service: Service = Service()
    conversion: Conversion = Conversion()
    rating: Rating = Rating()
    behaviour: Behaviour = Behaviour()
    attrition: Attrition = Attrition()
    hiring: Hiring = Hiring()
    rota: Rota | None = None  # None: everyone works every day (docs/model.md section 2)
    temp_staff: list[TempStaff] = Field(default_factory=list)
    ladder: Ladder | None = None
    schemes: dict[SchemeName, SchemeSpec] = Field(default_factory=dict)
    scheme: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _switch_dates(cls, data: object) -> object:
        return date_switches(data)

    @model_validator(mode="after")
    def _coherent(self) -> Scenario:
        names = [t.name for t in self.teams]
        if len(set(names)) != len(names):
            raise ValueError(f"teams: a unique name for each team, found {names}")
        shift_names = [s.name for s in self.shifts]  # they label the per-shift results
        if len(set(shift_names)) != len(shift_names):
            raise ValueError(f"shifts: a unique name for each shift, found {shift_names}")
        covered = [False] * 24
        for shift in self.shifts:
            for hour in range(24):
                if shift.start <= hour and hour + 1 <= shift.end + 1e-9:
                    covered[hour] = True
        open_hours = [h for h, w in enumerate(self.demand.hour_profile) if w > 0]
        gaps = [h for h in open_hours if not covered[h]]
        if gaps and not self.service.message_pool.enabled:
            raise ValueError(
                "shifts: a shift covering every hour with demand (demand.hour_profile > 0); "
                "set demand.hour_profile (24 values, 0 where the store is closed) or add a "
                "shift covering them (or let buyers leave messages: "
                "service.message_pool.enabled: true), "
                f"found demand but no shift during {hour_spans(gaps)}"
            )
        self._routing_weights(names)
        check_staffing(self)
        for name, spec in self.schemes.items():
            for i, switch in enumerate(spec.schedule or []):
                target = self.schemes.get(switch.scheme)
                if target is None or target.schedule is not None:
                    plain = sorted(k for k, v in self.schemes.items() if v.schedule is None)
                    raise ValueError(
                        f"schemes.{name}.schedule.{i}.scheme: a scheme with components, "
                        f"{f'one of {plain}' if plain else 'none defined'}, found "
                        f"{switch.scheme!r}"
                    )
            for i, switch in enumerate(spec.schedule or []):
                if switch.day < self.sim.days:
                    continue
                if switch.date is not None:
                    last = self.sim.start_date + dt.timedelta(days=self.sim.days - 1)
                    raise ValueError(
                        f"schemes.{name}.schedule.{i}.date: a date from sim.start_date "
                        f"({self.sim.start_date}) to the last day simulated ({last}, "
                        f"sim.days={self.sim.days}), found {switch.date}"
                    )
                raise ValueError(
                    f"schemes.{name}.schedule.{i}.day: switch day below the horizon "
                    f"sim.days={self.sim.days}, found day {switch.day}"
                )
        if self.scheme is not None and self.scheme not in self.schemes:
            raise ValueError(
                f"scheme: one of the schemes defined ({sorted(self.schemes)}), found {self.scheme!r}"
            )
        table = self.service.concurrency.per_chat_rate
        cap = max(self.agents.cap_novice, self.agents.cap_expert)
        self._ladder_caps(cap)
        if table is not None and len(table) != cap:
            raise ValueError(
                f"service.concurrency.per_chat_rate: one rate per load 1..{cap} (the largest of "
                f"agents.cap_novice, agents.cap_expert), found {len(table)} rates"
            )
        total_agents = sum(t.agents for t in self.teams)
        if total_agents > 20000:
            raise ValueError(f"teams: at most 20000 agents in all, found {total_agents}")
        est = self.demand.daily_volume * self.sim.days * max(1.0, _max_event(self.demand))
        if not math.isfinite(est) or est > 5e9:
            raise ValueError(
                f"sim.days: horizon x volume too large to simulate (~{est:.3g} inquiries)"
            )
        return self

    def _routing_weights(self, names: list[str]) -> None:
        weights = self.service.routing.weights.teams
        unknown = [t for t in weights if t not in names]
        if unknown:
            raise ValueError(f"service.routing.weights.teams: weights of this scenario's teams "
                             f"({', '.join(names)}), found {unknown[0]!r}")
        if all(weights.get(t, 1.0) == 0 for t in names):
            raise ValueError("service.routing.weights.teams: at least one team weight above 0, "
                             "found all 0")

    def _ladder_caps(self, cap: int) -> None:
        for i, level in enumerate(self.ladder.levels if self.ladder else []):
            if level.cap > cap:
                raise ValueError(f"ladder.levels.{i}.cap: at most the largest platform cap "
                                 f"{cap} (agents.cap_expert), found {level.cap}")

    @property
    def n_agents(self) -> int:
        return sum(t.agents for t in self.teams)


def _max_event(demand: Demand) -> float:
    return max([e.multiplier for e in demand.events] or [1.0])
