"""From a notebook's parameters to results: load the scenario, run the package, keep tables.

Notebooks never simulate anything themselves. They call :func:`load_scenario` (the same
validation as ``policysim run``, so a bad file fails with the same located message), then
:func:`run_schemes` (paired comparison of the scenario's schemes on common random numbers,
or plain replications when the scenario defines no scheme), and write the tidy tables with
:func:`policysim.results.store.write_tables`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from policysim.config.pay import MEASURES
from policysim.config.schema import Scenario
from policysim.errors import UserError
from policysim.report import progress
from policysim.results.metrics import SERVICE_NOTE, routing_text
from policysim.report.params import split_list

#: Label used for the scheme column of runs with no pay scheme (fixed default actions).
NO_SCHEME = "(fixed actions)"

_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def safe_name(name: str) -> str:
    """``name`` if it can be a single directory name (no '/', no '..', no leading dot)."""
    if not _SAFE.fullmatch(name) or name in (".", "..") or ".." in name:
        raise UserError(
            f"scenario name: letters, digits, '_', '-' and '.' (not leading, "
            f"no '..'), found {name!r}"
        )
    return name


def overrides(params: dict[str, Any], extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """``--set`` texts for the scenario from the notebook parameters (and ``extra``)."""
    out = split_list(params.get("overrides") or "", ";")
    for key in ("reps", "days", "seed"):
        if params.get(key) is not None and params[key] != "auto":
            out.append(f"sim.{key}={params[key]}")
    return [*out, *extra]


def auto(params: dict[str, Any]):
    """The ``--reps auto`` settings when ``reps`` is "auto" (else None)."""
    from policysim.experiment.auto import AutoSpec

    return AutoSpec() if params.get("reps") == "auto" else None


def load_scenario(params: dict[str, Any], extra: list[str] | tuple[str, ...] = ()) -> Scenario:
    """The validated scenario of ``params['scenario']`` with the parameters applied."""
    from policysim.config.validate import load_model

    return load_model(Scenario, params["scenario"], overrides(params, extra))


def out_dir(params: dict[str, Any], scn: Scenario, notebook: str) -> Path:
    """Where the notebook writes its parquet tables: ``out_dir`` or reports/<name>/<notebook>."""
    if params.get("out_dir"):
        return Path(params["out_dir"])
    return Path("reports") / safe_name(scn.name) / notebook


def workers(params: dict[str, Any]) -> int:
    from policysim.experiment.runner import default_workers

    return params.get("workers") or default_workers()


@dataclass
class Results:
    """What every report needs: per-scheme CIs, paired differences, per-run and tidy tables.

    Attributes:
        scenario: The scenario as run (parameters applied).
        names: Schemes in display order (baseline first).
        baseline: The scheme the others are differenced against.
        metrics: scheme -> metric -> {mean, ci_low, ci_high, se, n}.
        differences: scheme -> metric -> CI of (scheme - baseline), paired by replication.
        tables: runs, daily, agents, hourly (tidy; ``scheme`` and ``rep`` columns).
        outcomes: The raw outcomes (for ``write_tables``).
        auto: How ``reps="auto"`` ended (None for a fixed number).
        cost_scale: With equal cost: scheme -> factor on its variable pay (else None).
        cost_text: With equal cost: the factors in words (else "").
    """

    scenario: Scenario
    names: list[str]
    baseline: str
    metrics: dict[str, dict[str, dict[str, float]]]
    differences: dict[str, dict[str, dict[str, float]]]
    tables: dict[str, pd.DataFrame]
    outcomes: list = field(repr=False, default_factory=list)
    auto: Any = None
    cost_scale: dict[str, float] | None = None
    cost_text: str = ""

    def rows(self, scheme: str) -> list[dict[str, float]]:
        """Per-replication summaries of ``scheme`` (ordered by replication)."""
        return [
            o.summary
            for o in sorted(self.outcomes, key=lambda o: o.job.rep)
            if (o.job.scheme or NO_SCHEME) == scheme
        ]


def _label(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    for df in tables.values():
        if "scheme" in df.columns:
            df["scheme"] = df["scheme"].replace("", NO_SCHEME)
    return tables


def run_schemes(
    scn: Scenario, schemes: str = "", baseline: str = "", n_workers: int = 1, on_done=None,
    auto=None, equal_cost: bool = False,
) -> Results:
    """Compare ``schemes`` (comma list; '' = all) of ``scn`` on common random numbers.

    A scenario without schemes runs plain replications with the default fixed actions, so a
    report can still show service and sales (one "scheme", no differences). With ``auto``
    (:func:`auto`) replications are added until the headline numbers are precise enough;
    ``Results.scenario.sim.reps`` says how many ran. With ``equal_cost`` each non-baseline
    scheme's variable pay is scaled to cost what the baseline does
    (:mod:`policysim.experiment.equal_cost`), on ``sim.reps`` replications (``auto`` is not
    used: the search needs a fixed set).
    """
    from policysim.experiment.compare import with_reps
    from policysim.experiment.runner import replicate, tables
    from policysim.experiment.stats import summarize_reps

    if not scn.schemes:
        if schemes or baseline:
            raise UserError(
                f"{scn.name}: the scenario defines no schemes, found "
                f"schemes={schemes!r} baseline={baseline!r}"
            )
        if on_done is None:
            on_done = progress.reporter([NO_SCHEME], auto.cap if auto else scn.sim.reps)
        how = None
        if auto is None:
            outcomes = replicate(scn, scn.sim.reps, scn.sim.seed, scn.sim.days, None,
                                 workers=n_workers, on_done=on_done)
        else:
            from policysim.experiment.auto import replicate_auto

            outcomes, how = replicate_auto(scn, None, n_workers, on_done, auto)
            scn = with_reps(scn, how.reps)
        metrics = {NO_SCHEME: summarize_reps([o.summary for o in outcomes])}
        return Results(scn, [NO_SCHEME], NO_SCHEME, metrics, {}, _label(tables(outcomes)),
                       outcomes, how)
    from policysim.experiment.compare import compare_schemes, pick_schemes

    names, base = pick_schemes(scn, schemes or None, baseline or None)
    if equal_cost:
        from policysim.experiment.equal_cost import equal_cost_compare

        cmp = equal_cost_compare(scn, names, base, n_workers, on_done)
        return results_of(cmp)
    if on_done is None:
        on_done = progress.reporter(names, auto.cap if auto else scn.sim.reps)
    cmp = compare_schemes(scn, names, base, workers=n_workers, on_done=on_done, auto=auto)
    return results_of(cmp)


def results_of(cmp) -> Results:
    """The :class:`Results` of a finished :class:`policysim.experiment.compare.Comparison`."""
    from policysim.experiment.runner import tables

    return Results(cmp.scenario, list(cmp.metrics), cmp.baseline, cmp.metrics, cmp.differences,
                   _label(tables(cmp.outcomes)), cmp.outcomes, cmp.auto, cmp.cost_scale,
                   cmp.cost_text() if cmp.cost_scale is not None else "")


def write(res: Results, directory: Path) -> Path:
    """Write the parquet tables and the resolved scenario; return the directory."""
    from policysim.results.store import write_tables

    write_tables(directory, [o.plain() for o in res.outcomes], res.scenario)
    return directory


def describe(scn: Scenario, res: Results | None = None) -> str:
    """One line saying what was run; with ``res``, how ``reps="auto"`` ended and the
    few-replications warning."""
    from policysim.results.measures import few_reps, plural

    teams = len(scn.teams)
    text = (
        f"**{scn.name}**: {plural(scn.n_agents, 'agent')} in {plural(teams, 'team')}, "
        f"about {scn.demand.daily_volume:,.0f} inquiries a day, {plural(scn.sim.days, 'day')}, "
        f"{plural(scn.sim.reps, 'replication')}, seed {scn.sim.seed}. "
        f"Routing: {routing_text(scn)}."
    )
    measured = kpi_measures(scn)
    if measured:
        text += " KPI response lines measured " + "; ".join(measured) + "."
    text += f" Service metrics: {SERVICE_NOTE}."
    if res is not None and res.auto is not None:
        text += f" ({res.auto.text()}.)"
    if res is not None and res.cost_text:
        text += "\n\n" + res.cost_text.replace("\n  ", "\n- ").replace(
            "numbers)\n", "numbers):\n\n", 1)
    note = few_reps(scn.sim.reps)
    if note:
        text += f"\n\n**Warning:** {note}."
    return text


def warnings(res: Results) -> list[str]:
    """Plausibility warnings of the settings and of each scheme's results, as the CLI gives
    them (:mod:`policysim.results.plausibility`)."""
    from policysim.results.plausibility import result_warnings, scenario_warnings

    notes = scenario_warnings(res.scenario)
    for name in res.names:
        scheme = None if name == NO_SCHEME else name
        notes += result_warnings(res.scenario, res.metrics[name], scheme)
    return notes


def warnings_md(res: Results) -> str:
    """The warnings as a Markdown list under a bold heading; "" when there are none."""
    notes = warnings(res)
    if not notes:
        return ""
    head = "**Warning: some numbers are far outside what a store sees; check the scenario.**"
    return head + "\n\n" + "\n".join(f"- {n}" for n in notes)


def kpi_measures(scn: Scenario) -> list[str]:
    """How each scheme's KPI response lines are measured, in words (empty if none has one)."""
    words = {"platform": "as the platform counts them (from the buyer's first message, queue "
                         "included)", "agent": "as the agent's own delay after pick-up"}
    out = []
    for name, spec in scn.schemes.items():
        lines = spec.kpi.metrics.items() if spec.kpi else []
        for metric, line in lines:
            if metric in MEASURES:
                out.append(f"{name}.{metric} {words[line.measure or 'platform']}")
    return out
