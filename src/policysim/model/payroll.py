"""The paid team: payroll, behaviour, quits, dismissals and hiring, period by period.

At the end of each pay period:

1. every agent's period metrics are read off the engine's counters (plus an audit of chat
   quality drawn from stream "workforce.audit");
2. the scheme in force on the period's last day pays each agent (its ``pay`` function);
3. each agent quits with the monthly logit hazard of MODEL.md section 6
       logit q = b0 + hump(tenure) + b_wage ln(pay / outside_wage)
                 + b_shortfall (team median pay - pay)+ / team median pay
                 + b_stress (over-comfort share + after_sales_stress x after-sales share)
                 + b_recognition [won a prize] + b_denied [narrowly denied a higher pay step]
   (uniforms from stream "workforce.quits"); optionally persistent bottom earners are
   dismissed; each leaver's seat is refilled after ``hiring.delay_days`` by a trainee;
4. every remaining agent picks next period's action under the scheme in force next
   (``policysim.model.behaviour``), from stream "behaviour.choice".

"Narrowly denied" is read off the pay function itself: the agent would have earned more than
``denied_gap`` yuan more had every metric been 2% better (a tier cliff just above it).
"""

from __future__ import annotations

import numpy as np

from policysim.config.pay import METRICS
from policysim.config.schema import Scenario
from policysim.model import behaviour as beh
from policysim.model.agents import Agent
from policysim.model.engine import Engine
from policysim.model.schemes import PayContext, scheme_at
from policysim.model.workforce import MONTH_DAYS, StaticTeam

NOVICE_DAYS = 180  # "about six months" to become a junior agent (FIELD_NOTES)


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def corr(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation, 0 when either side is constant."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


class PaidTeam(StaticTeam):
    """A team paid by the scheme (or schedule) named ``scheme``, choosing actions, quitting,
    being replaced."""

    def __init__(self, scenario: Scenario, scheme) -> None:
        super().__init__(scenario)
        if not isinstance(scheme, str):
            # a Python pay function (any object with ``pay(metrics, ctx)``)
            if not callable(getattr(scheme, "pay", None)):
                from policysim.errors import UserError

                raise UserError(f"scheme: a name or an object with a pay(metrics, ctx) method, "
                                f"found {type(scheme).__name__}")
        elif scheme not in scenario.schemes:
            from policysim.errors import UserError

            raise UserError(f"scheme: one of {sorted(scenario.schemes)}, found {scheme!r}")
        self.scheme_name = scheme
        self._custom = None if isinstance(scheme, str) else scheme
        self.grid = beh.Grid.from_scenario(scenario)
        self.n_teams = len(scenario.teams)
        self._pending: list[tuple[int, int, int]] = []  # (day, team, shift) seats to refill
        self._quits_today = 0
        self._hires_today = 0
        self.quit_log: list[dict] = []
        self.hire_days: list[int] = []
        self.pay_records: list[dict] = []
        self._low_streak: dict[int, int] = {}

    def scheme(self, day: int):
        """The pay function in force on ``day``."""
        if self._custom is not None:
            return self._custom
        return scheme_at(self.scn.schemes, self.scheme_name, day)

    # ------------------------------------------------------------- set-up
    def setup(self, engine: Engine) -> None:
        """Team, streams, and first actions chosen from a prior history (the expected load)."""
        self._choice = engine.rng("behaviour.choice")
        self._quit_u = engine.rng("workforce.quits")
        self._audit = engine.rng("workforce.audit")
        self._hire_rng = engine.rng("workforce.hires")
        super().setup(engine)
        self._history = None
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
        """Seats due to be filled by the start of ``day + 1`` get their trainee now."""
        due = [p for p in self._pending if p[0] <= day + 1]
        self._pending = [p for p in self._pending if p[0] > day + 1]
        for _, team, shift in due:
            agent = self.new_agent(self._hire_rng, team, shift, hired_day=day + 1, tenure0=0.0)
            engine.add_agent(agent)
            self.hire_days.append(day + 1)
            self._choose(engine, [agent], day=day + 1)
        return len(due)

    # ------------------------------------------------------------ periods
    def _metrics(self, records: list[dict]) -> dict[str, np.ndarray]:
        return {name: np.array([r[name] for r in records], dtype=float) for name in METRICS}

    def on_period_end(self, engine: Engine, period: int, day: int) -> list[dict]:
        """Pay, quits, hiring and next period's choices."""
        scn = self.scn
        records = self.close_period(engine, period, day)
        if not records:
            self.reset_period(engine)
            return records
        b = scn.behaviour
        by_id = {a.id: a for a in engine.agents}
        members = [by_id[r["agent"]] for r in records]
        for r, a in zip(records, members):
            noise = self._audit.standard_normal()
            q = beh.quality_mean(scn, a.skill, a.service_effort)
            r["quality"] = float(1 / (1 + np.exp(-(np.log(q / (1 - q)) + b.quality_noise_sd * noise))))
        m = self._metrics(records)
        team = np.array([a.team for a in members])
        scheme = self.scheme(day)
        ctx = PayContext(team, self.n_teams)
        pay = np.asarray(scheme.pay(m, ctx), dtype=float)
        present = np.array([r["present"] for r in records])
        base = float(getattr(getattr(scheme, "spec", None), "base_salary", 0.0))
        pay = pay - base * (1.0 - present)
        recognised = ctx.recognised if ctx.recognised is not None else np.zeros(len(pay), bool)
        better = {k: v * (1.02 if METRICS[k] else 0.98) for k, v in m.items()}
        denied = scheme.pay(better, PayContext(team, self.n_teams)) - (pay + base * (1.0 - present)) > scn.attrition.denied_gap
        for r, a, p, rec, den in zip(records, members, pay, recognised, denied):
            r["pay"] = float(p)
            r["recognised"] = bool(rec)
            r["denied"] = bool(den)
            a.last_pay = float(p)
        self._remember(engine, records, members, m)
        self._attrition(engine, records, members, pay, team, day)
        self.reset_period(engine)
        staying = [a for a in engine.agents if a.active and a.hired_day <= day]
        self._choose(engine, staying, day=day + 1)
        # seats with no hiring delay are refilled for tomorrow morning, as on any other day
        if engine.daily and (hired := self._take_in_hires(engine, day)):
            engine.daily[-1]["hires"] += hired
        return records

    def _remember(self, engine: Engine, records, members, m) -> None:
        """Keep what agents predict next period from."""
        scn = self.scn
        day_frac = [1.0] * len(members)
        routed = np.array([r["routed"] for r in records], float)
        limit = np.array([max(1, min(a.cap, a.threshold)) for a in members], float)
        team = np.array([a.team for a in members])
        shift_s = np.array([a.shift_time for a in members], float)
        full = max(float(np.max(shift_s)), 1.0) if len(shift_s) else 1.0
        scale = np.where(shift_s > 0, full / np.maximum(shift_s, 1.0), 1.0)
        per_slot = routed * scale / limit
        coop = np.array([a.coop for a in members])
        received = np.array([r["transfers_received"] for r in records], float)
        recv_team = np.bincount(team, weights=received, minlength=self.n_teams)
        coop_team = np.bincount(team, weights=(coop > 0).astype(float), minlength=self.n_teams)
        days = engine.daily[-scn.sim.period_days:]
        inq = sum(d["inquiries"] for d in days)
        wait = sum(d["wait_sum_s"] for d in days) / inq if inq else 0.0
        self._history = {
            "ids": [a.id for a in members],
            "per_slot": dict(zip((a.id for a in members), per_slot)),
            "pre_share": dict(zip((a.id for a in members),
                                  [1.0 - r["after_sales_share"] if r["served"] else scn.demand.pre_sales_share
                                   for r in records])),
            "mean_price": dict(zip((a.id for a in members),
                                   [r["mean_price"] or self._catalogue_mean() for r in records])),
            "team_per_slot": {t: float(np.mean(per_slot[team == t])) for t in np.unique(team)},
            "recv_per_coop": recv_team / np.maximum(coop_team, 1.0),
            "shift_seconds": full,
            "queue_wait": wait,
            "last": {k: dict(zip((a.id for a in members), v)) for k, v in m.items()},
        }
        del day_frac

    def _catalogue_mean(self) -> float:
        c = self.scn.demand.catalogue
        w = np.asarray(c.weights, float)
        return float(np.asarray(c.prices) @ w / w.sum())

    def _prior(self, engine: Engine) -> dict:
        """History before the first period: the expected load spread over the team's slots."""
        scn = self.scn
        active = [a for a in engine.agents if a.active]
        shift_s = np.mean([(s.end - s.start) * 3600.0 for s in scn.shifts]) * scn.sim.period_days
        limits = sum(max(1, min(a.cap, a.threshold)) for a in active) or 1
        per_slot = scn.demand.daily_volume * scn.sim.period_days / limits
        last = None  # filled from predictions under the default action
        return {"ids": [], "per_slot": {}, "pre_share": {}, "mean_price": {},
                "team_per_slot": {}, "recv_per_coop": np.zeros(self.n_teams),
                "shift_seconds": float(shift_s), "queue_wait": 0.0, "last": last,
                "default_per_slot": per_slot}

    def _history_for(self, engine: Engine, agents: list[Agent]) -> beh.History:
        h = self._history or self._prior(engine)
        scn = self.scn
        default_slot = h.get("default_per_slot") or (
            float(np.mean(list(h["per_slot"].values()))) if h["per_slot"] else 1.0)

        def pick(table, a, fallback):
            return table.get(a.id, fallback)

        per_slot = np.array([pick(h["per_slot"], a, h["team_per_slot"].get(a.team, default_slot))
                             for a in agents])
        # last-period metrics of everybody currently employed (new hires: team averages)
        everyone = [a for a in engine.agents if a.active]
        if set(a.id for a in agents) - set(a.id for a in everyone):
            everyone = everyone + [a for a in agents if not a.active]
        return beh.History(
            skill=np.array([a.skill for a in agents]),
            cap=np.array([a.cap for a in agents]),
            comfort=np.array([a.comfort for a in agents]),
            team=np.array([a.team for a in agents]),
            routed_per_slot=per_slot,
            pre_share=np.array([pick(h["pre_share"], a, scn.demand.pre_sales_share) for a in agents]),
            mean_price=np.array([pick(h["mean_price"], a, self._catalogue_mean()) for a in agents]),
            received_per_coop=np.array([h["recv_per_coop"][a.team] for a in agents]),
            shift_seconds=h["shift_seconds"],
            queue_wait_s=h["queue_wait"],
            last=self._last_metrics(h, agents) if h["last"] is not None else {},
        )

    def _last_metrics(self, h: dict, agents: list[Agent]) -> dict[str, np.ndarray]:
        """Last period's metrics of ``agents``; those without one get their team's mean, or the
        mean of all (so a pay function always has a full table)."""
        out = {}
        teams = np.array([a.team for a in agents])
        for name in METRICS:
            table = h["last"][name]
            vals = np.array([table.get(a.id, np.nan) for a in agents], dtype=float)
            if np.isnan(vals).any():
                known = np.array([table[i] for i in table], float) if table else np.array([])
                overall = float(np.mean(known)) if len(known) else 0.0
                for t in np.unique(teams):
                    sel = (teams == t) & np.isnan(vals)
                    mates = (teams == t) & ~np.isnan(vals)
                    vals[sel] = vals[mates].mean() if mates.any() else overall
            out[name] = vals
        return out

    def _choose(self, engine: Engine, agents: list[Agent], day: int) -> None:
        """Each agent in ``agents`` picks its action for the coming period."""
        if not agents:
            return
        if not self.scn.behaviour.adaptive or day >= engine.days:
            for a in agents:
                if a.last_action is None:
                    self.set_action(engine, a, self.default_action(a))
            return
        everyone = [a for a in engine.agents if a.active]
        for a in agents:
            if a not in everyone:
                everyone.append(a)
        h = self._history_for(engine, everyone)
        if not h.last:
            action = self.default_action(everyone[0])
            one = beh.Grid(*(np.array([v]) for v in action))
            predicted, _ = beh.predict(self.scn, h, one)
            h.last = {k: np.asarray(v)[:, 0].copy() for k, v in predicted.items()}
        scheme = self.scheme(day)
        util = beh.utilities(self.scn, scheme, h, self.grid, self.n_teams)
        index = {a.id: i for i, a in enumerate(everyone)}
        rows = np.array([index[a.id] for a in agents])
        previous = np.array([self._action_index(a) for a in agents])
        u = self._choice.random((len(agents), 2))
        picked = beh.choose(self.scn, util[rows], previous, u)
        for a, i in zip(agents, picked):
            self.set_action(engine, a, self.grid.action(int(i)))

    def _action_index(self, a: Agent) -> int:
        if a.last_action is None:
            return -1
        g = self.grid
        es, ev, th, coop = a.last_action
        hit = np.flatnonzero((g.sales == es) & (g.service == ev) & (g.threshold == th) & (g.coop == coop))
        return int(hit[0]) if len(hit) else -1

    # ---------------------------------------------------------- attrition
    def _attrition(self, engine: Engine, records, members, pay, team, day) -> None:
        scn = self.scn
        at = scn.attrition
        n = len(members)
        u = self._quit_u.random(n)
        if not at.enabled:
            return
        # pay as a full-period rate, so a hire who joined mid-period is not read as underpaid
        present = np.array([max(r["present"], 1e-3) for r in records])
        pay = pay / present
        median = np.zeros(self.n_teams)
        for t in np.unique(team):
            median[t] = np.median(pay[team == t])
        med = median[team]
        shortfall = np.where(med > 0, np.clip((med - pay) / np.maximum(med, 1e-9), 0, None), 0.0)
        months = np.array([a.tenure_days(day + 1) / MONTH_DAYS for a in members])
        peak = at.tenure_peak_months
        hump = at.tenure_hump * (months / peak) * np.exp(1.0 - months / peak)
        stress = np.array([r["over_comfort_share"] + at.after_sales_stress * r["after_sales_share"]
                           for r in records])
        rec = np.array([r["recognised"] for r in records], float)
        den = np.array([r["denied"] for r in records], float)
        x = (at.b0 + hump + at.b_wage * np.log(np.maximum(pay, 1.0) / at.outside_wage)
             + at.b_shortfall * shortfall + at.b_stress * stress + at.b_recognition * rec
             + at.b_denied * den)
        # the hazard is monthly: scale it to the days each agent was exposed this period
        exposure = np.array([r["days_present"] for r in records], float) / MONTH_DAYS
        p = 1.0 - (1.0 - 1.0 / (1.0 + np.exp(-x))) ** exposure
        quit_ = (u < p) & np.array([a.active for a in members])
        if at.dismiss_bottom_share > 0 and n > 1:
            cutoff = np.quantile(pay, at.dismiss_bottom_share)
            for i, a in enumerate(members):
                low = pay[i] <= cutoff
                self._low_streak[a.id] = self._low_streak.get(a.id, 0) + 1 if low else 0
                if self._low_streak[a.id] >= at.dismiss_after_periods and a.active:
                    quit_[i] = True
        skills = np.array([a.skill for a in engine.agents if a.active])
        top = np.quantile(skills, 0.75) if len(skills) else np.inf
        leavers = 0
        for i in np.flatnonzero(quit_):
            a = members[i]
            self.quit_log.append({"day": day, "agent": a.id, "hired_day": a.hired_day,
                                  "tenure_days": a.tenure_days(day + 1), "top_quartile": a.skill >= top,
                                  "pay": float(pay[i])})
            a.quit_day = day
            engine.remove_agent(a)
            records[i]["quit"] = True
            leavers += 1
            if scn.hiring.enabled:
                self._pending.append((day + 1 + scn.hiring.delay_days, a.team, a.shift))
        for r in records:
            r.setdefault("quit", False)
        if engine.daily:
            engine.daily[-1]["quits"] += leavers

    # ------------------------------------------------------------- summary
    def summary(self, engine: Engine) -> dict[str, float]:
        """Workforce and money metrics of the run (MODEL.md section 7)."""
        scn = self.scn
        days = engine.days
        recs = engine.agent_records
        pays = np.array([r["pay"] for r in recs]) if recs else np.zeros(0)
        headcount = np.mean([d["headcount"] for d in engine.daily]) if engine.daily else 0.0
        quits = len(self.quit_log)
        revenue = sum(d["revenue"] for d in engine.daily)
        labour = float(pays.sum())
        mean_pay = labour / max(1.0, headcount * days / scn.sim.period_days)
        hires = len(self.hire_days)
        monthly_pay = mean_pay * MONTH_DAYS / scn.sim.period_days
        hiring_cost = hires * scn.hiring.cost_months_of_pay * monthly_pay
        observed = [d for d in self.hire_days if d + 90 <= days]
        early = sum(1 for q in self.quit_log if q["hired_day"] in observed and q["hired_day"] > 0
                    and q["tenure_days"] <= 90)
        ginis, skill_c, luck_c = [], [], []
        for period in sorted({r["period"] for r in recs}):
            rows = [r for r in recs if r["period"] == period and r["present"] >= 1.0 and r["handled"] > 0]
            if len(rows) < 3:
                continue
            p = np.array([r["pay"] for r in rows])
            ginis.append(gini(p))
            skill_c.append(corr(p, [r["skill"] for r in rows]))
            luck_c.append(corr(p, [r["mean_price"] for r in rows]))
        served = sum(r["served"] for r in recs)
        novice = sum(r["served"] for r in recs if r["tenure_days"] < NOVICE_DAYS)
        return {
            "quits": float(quits),
            "hires": float(hires),
            "annual_turnover_rate": quits / headcount * 365.0 / days if headcount else 0.0,
            "new_hire_90d_quit_rate": early / len(observed) if observed else float("nan"),
            "regretted_quits": float(sum(1 for q in self.quit_log if q["top_quartile"])),
            "pay_gini": float(np.mean(ginis)) if ginis else 0.0,
            "mean_pay": mean_pay,
            "labour_cost": labour,
            "hiring_cost": hiring_cost,
            "profit": scn.conversion.gross_margin * revenue - labour - hiring_cost,
            "pay_skill_corr": float(np.mean(skill_c)) if skill_c else 0.0,
            "pay_luck_corr": float(np.mean(luck_c)) if luck_c else 0.0,
            "novice_chat_share": novice / served if served else 0.0,
            "mean_sales_effort": float(np.mean([r["sales_effort"] for r in recs])) if recs else 0.0,
            "mean_service_effort": float(np.mean([r["service_effort"] for r in recs])) if recs else 0.0,
            "mean_threshold": float(np.mean([r["threshold"] for r in recs])) if recs else 0.0,
            "coop_share": float(np.mean([r["coop"] > 0 for r in recs])) if recs else 0.0,
        }
