"""Where agents' beliefs about routed chats go wrong: better-informed predictions beside
``belief_error_routed``.

``belief_error_routed`` (docs/model.md section 4.2) compares the chats an agent predicted
for the action it chose with the chats the router then delivered. An agent predicts from
last period: the router's own rule over everybody's *last* hang-up limits, with last
period's time a chat held a slot, times the ratio of realised to ruled chats of its
(cooperation, limit side) class last period, times its own ratio. This module re-predicts
each agent-period with more information than the agent had (the run itself is unchanged:
the extra predictions are recorded, never used) and reports the same error for each:

- ``informed``: the rule worked out over the limits everybody, the agent included, has
  just chosen (a hire choosing alone: its own new limit). What is left is the classes'
  ratios, the agent's own ratio, and the period's luck.
- ``ex_post``: the rule over the limits everybody held in the period itself, with its slot
  time, times the ratio each class realised in it (which takes in what colleagues'
  cooperation did to the floor and the period's demand and handling luck); only the agent's
  own ratio comes from the period before. What is left is how the agent's own place in its
  class moved.

The three are alternative predictions, not parts that add up: a better-informed prediction
can be further off (its own ratio, carried from last period, may fit last period's rule
better than this one's). Beside them, four facts of the floor that explain the numbers
(:func:`floor_facts`).

Run ``python -m policysim.experiment.belief_gap`` for the table of every routing mode and
scheme of the baseline store (docs/model.md section 4.2).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from policysim.config.schema import Scenario
from policysim.errors import UserError
from policysim.experiment.runner import make_workforce
from policysim.model.engine import Engine
from policysim.results.metrics import belief_error_routed

MODES = ("least_loaded", "most_available", "weighted", "round_robin", "sticky")
SKIP = 2  #: periods left out, as in ``belief_error_routed``


def diagnosed_run(scenario: Scenario, scheme: str, days: int, seed: int | None = None,
                  rep: int = 0) -> list[dict]:
    """The agent period records of one replication of ``scenario`` under ``scheme``, with
    the diagnosis on: each also carries ``predicted_routed_informed`` and
    ``predicted_routed_expost`` (the run is the same as without)."""
    workforce = make_workforce(scenario, scheme)
    workforce.beliefs.diagnose = True
    seed = scenario.sim.seed if seed is None else seed
    return Engine(scenario, workforce, seed=seed, rep=rep, days=days).run().agents


def gap(records: list[dict]) -> dict[str, float]:
    """The errors from the records of :func:`diagnosed_run`: ``belief_error_routed``
    (the run's own), ``informed`` and ``ex_post`` (the same error for the better-informed
    predictions, see the module doc), ``agent_periods`` counted, and the floor facts
    ``coop_share``, ``coop_switch``, ``passed_on`` and ``top_agent_share`` (periods from
    ``SKIP`` on)."""
    out = {"belief_error_routed": belief_error_routed(records, SKIP),
           "informed": belief_error_routed(records, SKIP, "predicted_routed_informed"),
           "ex_post": belief_error_routed(records, SKIP, "predicted_routed_expost")}
    return out | floor_facts(pd.DataFrame(records))


def belief_gap(scenario: Scenario, scheme: str, days: int, seed: int | None = None,
               rep: int = 0) -> dict[str, float]:
    """:func:`gap` of one :func:`diagnosed_run`."""
    return gap(diagnosed_run(scenario, scheme, days, seed, rep))


def floor_facts(agents: pd.DataFrame) -> dict[str, float]:
    """Cooperation and concentration of routed chats in the period records ``agents``, over
    the agent-periods ``belief_error_routed`` counts (period ``SKIP`` on, chats routed):

    - ``agent_periods``: how many of them carry a prediction;
    - ``coop_share``: share of them with cooperation on (``coop > 0``);
    - ``coop_switch``: share of them whose cooperation is on where the agent's record of the
      period before had it off, or the reverse (only agent-periods with such a record);
    - ``passed_on``: chats passed on at once over chats routed (all of them summed);
    - ``top_agent_share``: the largest share of a period's routed chats one agent took,
      averaged over the periods.
    """
    a = agents.sort_values(["agent", "period"])
    g = a.groupby("agent")
    before, period_before = g.coop.shift(1), g.period.shift(1)
    a = a.assign(switched=(a.coop > 0) != (before > 0),
                 known=before.notna() & (a.period - period_before == 1))
    c = a[(a.period >= SKIP) & (a.routed > 0)]
    if c.empty:
        nan = float("nan")
        return {"agent_periods": 0, "coop_share": nan, "coop_switch": nan, "passed_on": nan,
                "top_agent_share": nan}
    by = c.groupby("period")
    return {
        "agent_periods": int(c.predicted_routed.notna().sum()),
        "coop_share": float((c.coop > 0).mean()),
        "coop_switch": float(c.switched[c.known].mean()) if c.known.any() else float("nan"),
        "passed_on": float(c.transfers_given.sum() / c.routed.sum()),
        "top_agent_share": float((by.routed.max() / by.routed.sum()).mean()),
    }


def _case(args) -> dict:
    path, mode, scheme, days, sets = args
    from policysim.config.validate import load_model

    scn = load_model(Scenario, path, [*sets, f"service.routing.mode={mode}"])
    return {"mode": mode, "scheme": scheme} | belief_gap(scn, scheme, days)


def table(path: str, modes, schemes, days: int, workers: int = 1,
          sets: tuple[str, ...] = ()) -> pd.DataFrame:
    """:func:`belief_gap` for every (mode, scheme), one row each (``sets``: ``--set``
    overrides applied to the scenario first)."""
    cases = [(path, m, s, days, tuple(sets)) for m, s in itertools.product(modes, schemes)]
    if workers <= 1:
        rows = [_case(c) for c in cases]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            rows = list(pool.map(_case, cases))
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    """The table as docs/model.md section 4.2 shows it."""
    lines = ["| mode | scheme | error | informed | ex post | coop on | coop switched | "
             "passed on | top agent | agent-periods |",
             "|---|---|" + "---:|" * 8]
    for r in df.itertuples():
        lines.append(f"| `{r.mode}` | {r.scheme} | {r.belief_error_routed:.3f} | "
                     f"{r.informed:.3f} | {r.ex_post:.3f} | {r.coop_share:.2f} | "
                     f"{r.coop_switch:.2f} | "
                     f"{r.passed_on:.3f} | {r.top_agent_share:.3f} | {r.agent_periods} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m policysim.experiment.belief_gap",
                                description=__doc__.split("\n")[0])
    p.add_argument("scenario", nargs="?", default="scenarios/baseline.yaml")
    p.add_argument("--days", type=int, default=150)
    p.add_argument("--modes", default=",".join(MODES),
                   help="routing modes, comma-separated (each row sets service.routing.mode, "
                        "after any --set)")
    p.add_argument("--schemes", default="commission,kpi,group_contest")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario value (as policysim run --set), repeatable")
    args = p.parse_args(argv)
    modes, schemes = args.modes.split(","), args.schemes.split(",")
    try:  # check every case's input here, before any run starts
        from policysim.config.validate import load_model

        if args.days < 1:
            raise UserError(f"--days: expected a whole number of days >= 1, found {args.days}")
        for mode in modes:
            scn = load_model(Scenario, args.scenario, [*args.sets, f"service.routing.mode={mode}"])
            unknown = [s for s in schemes if s not in scn.schemes]
            if unknown:
                raise UserError(f"--schemes: expected names of {args.scenario}'s schemes "
                                f"{sorted(scn.schemes)}, found {unknown}")
    except UserError as e:
        print(e.message, file=sys.stderr)
        return 2
    print(markdown(table(args.scenario, modes, schemes, args.days, args.workers, args.sets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
