"""Tests for the stylised field experiments (validation/field.py), their fit and CLI.

Statistical tests run each study at small size (fewer days, few replications, fixed seeds)
and check the *direction* of the model's paired relative effect: the effect must lie more
than 4 of its standard errors (from the Fieller interval across replications) on the side
the full run reports in docs/validity.md. A guard asserts each such tolerance is tight
enough to mean something. Studies whose small-size effect is not clear at 4 SE are checked
for agreement with the full-run table instead (within 4 SE of it is not asserted: the
horizon differs), so only clear directions are asserted.

Outcome functions, the verdicts, the fit's search and the team-basis commission are checked
on hand-made inputs whose answers are known.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policysim.config.pay import Commission
from policysim.model.schemes import CommissionPay, PayContext
from policysim.validation import field as F
from policysim.validation import field_fit as FF

_spec = importlib.util.spec_from_file_location(
    "reliability_conftest", Path(__file__).parents[1] / "reliability" / "conftest.py")
_rel = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_rel)
check_user_error = _rel.check_user_error

ROOT = Path(__file__).resolve().parents[2]


# --- the study table ---------------------------------------------------------------------

def test_every_study_of_the_issue_is_there_with_valid_arms():
    ids = {s.id for s in F.STUDIES}
    assert {"lazear2000", "shearer2004", "bbr2005", "bbr2013", "friebel2017", "hno2003",
            "cmms2012_below", "cmms2012_above", "sandvik", "batt_colvin2011"} <= ids
    assert len(ids) == len(F.STUDIES)
    for s in F.STUDIES:
        base, treat = F.study_jobs(s, 2)
        assert base[0].scheme in base[0].scenario.schemes
        assert treat[0].scheme in treat[0].scenario.schemes
        # paired: replication r of both arms on one seed and horizon
        assert [(j.rep, j.seed, j.days) for j in base] == [(j.rep, j.seed, j.days) for j in treat]
        # the arms differ (by scheme or by a setting)
        assert s.baseline != s.treatment or s.treatment_set
        assert s.outcome in F.OUTCOMES


def test_in_sample_targets_give_numbers_and_the_rest_is_out_of_sample():
    targets = FF.targets()
    assert {s.id for s in targets} == {"lazear2000", "shearer2004", "bbr2013", "friebel2017"}
    assert all(s.published.value is not None for s in targets)
    assert any(not s.in_sample for s in F.STUDIES)


def test_published_figures_are_those_in_validity_md():
    text = (ROOT / "docs" / "validity.md").read_text()
    for s in F.STUDIES:
        if s.published.value is not None:
            shown = f"{s.published.value:+.1%}".replace(".0%", "%")
            assert shown in text or f"{s.published.value * 100:g}%" in text, (s.id, shown)


# --- verdicts ----------------------------------------------------------------------------

def test_inside_only_where_an_interval_is_published():
    point = F.Published("x +20%", "s", +1, 0.20)
    bound = F.Published("x at least +50%", "s", +1, 0.50, low=0.50)
    assert F.inside(point, 0.20) is None
    assert F.inside(bound, 0.49) is False and F.inside(bound, 0.51) is True
    assert F.inside(bound, math.nan) is None


def test_same_direction_by_sign_and_no_reaction_by_the_interval():
    up = F.Published("rises", "s", +1)
    none = F.Published("no reaction", "s", 0)
    assert F.same_direction(up, {"mean": 0.1, "ci_low": -0.1, "ci_high": 0.3}) is True
    assert F.same_direction(up, {"mean": -0.1, "ci_low": -0.3, "ci_high": 0.1}) is False
    assert F.same_direction(none, {"mean": 0.1, "ci_low": -0.1, "ci_high": 0.3}) is True
    assert F.same_direction(none, {"mean": 0.4, "ci_low": 0.1, "ci_high": 0.7}) is False
    assert F.same_direction(none, {"mean": 0.4, "ci_low": math.nan, "ci_high": math.nan}) is None


# --- outcome functions on a hand-made agents table --------------------------------------

class _Job:
    def __init__(self, scn):
        self.scenario, self.rep = scn, 0


class _Outcome:
    def __init__(self, agents, scn):
        self.agents, self.job = agents, _Job(scn)


def _agents():
    # one period, team A: pays 1000, 2000, 3000, 4000 (median 2500); the two lowest quit
    return pd.DataFrame({
        "period": [0] * 4, "team": ["A"] * 4, "present": [1.0, 1.0, 1.0, 0.5],
        "days_present": [30, 30, 30, 15], "pay": [1000.0, 2000.0, 3000.0, 2000.0],
        "sales": [10.0, 20.0, 30.0, 40.0], "quit": [True, True, False, False],
        "quit_prob": [1.0, 1.0, 0.0, 0.0]})


def test_outcomes_read_the_right_agent_periods():
    from policysim.config.schema import Scenario

    o = _Outcome(_agents(), Scenario())
    assert F.sales_per_agent_month(o) == pytest.approx(100.0 / 3.5)
    assert F.quit_rate(o) == pytest.approx(2 / 3.5)
    # pay per day present 33.3, 66.7, 100, 133.3: below the median (83.3) are the first two
    assert F.quit_rate_below_median(o) == pytest.approx(2 / 2.0)
    assert F.quit_rate_above_median(o) == pytest.approx(0.0)
    # sales per day present 0.33, 0.67, 1, 2.67: the top quarter is the last agent only
    assert F.quit_rate_top_quartile(o) == pytest.approx(0.0)
    assert F.mean_pay(o) == pytest.approx(8000.0 / 3.5)


# --- team-basis commission ---------------------------------------------------------------

def test_team_commission_pays_on_the_team_mean_and_an_agent_gets_a_share_of_its_own_gain():
    pay = CommissionPay(Commission(rate=0.1, basis="team"))
    team = np.array([0, 0, 1, 1])
    sales = np.array([100.0, 300.0, 50.0, 50.0])
    got = pay.pay({"sales": sales}, PayContext(team, 2))
    assert got.tolist() == pytest.approx([20.0, 20.0, 5.0, 5.0])
    own = CommissionPay(Commission(rate=0.1)).pay({"sales": sales}, PayContext(team, 2))
    assert own.tolist() == pytest.approx([10.0, 30.0, 5.0, 5.0])
    # predicted: 100 more own sales raise the team mean of a 2-member team by 50
    ctx = PayContext(team, 2, predict=True, others={"sales": sales})
    pred = pay.pay({"sales": (sales + 100.0)[:, None]}, ctx)[:, 0]
    assert pred.tolist() == pytest.approx([25.0, 25.0, 10.0, 10.0])


# --- the fit's search on a known loss ----------------------------------------------------

def test_coordinate_search_finds_the_best_candidates_and_reports_the_gain(monkeypatch):
    spec = FF.FitSpec(name="t", reps=2, parameters={"behaviour.effort_cost": [450, 1800],
                                                    "behaviour.temperature": [60, 240]},
                      out_of_sample=False)
    calls = []

    def fake_run(studies, reps, settings, workers, folder):
        values = dict(s.split("=") for s in settings)
        calls.append(values)
        # model effect = published + error that vanishes at effort 450, temperature 240
        err = (float(values["behaviour.effort_cost"]) - 450) / 1000 + \
            (240 - float(values["behaviour.temperature"])) / 1000
        return [{"id": s.id, "published": s.published.as_dict(), "same_direction": err < 0.1,
                 "inside": None, "model": {"mean": s.published.value + err}} for s in studies]

    monkeypatch.setattr(FF, "run_field", fake_run)
    res = FF.fit(spec)
    assert res.defaults.values == {"behaviour.effort_cost": 900.0, "behaviour.temperature": 120.0}
    assert res.best.values == {"behaviour.effort_cost": 450.0, "behaviour.temperature": 240.0}
    assert res.best.loss == pytest.approx(0.0) and res.gain == pytest.approx(1.0)
    assert len(calls) == 5  # defaults, then 2 candidates per parameter
    assert "450" in FF.render_fit(res) and json.dumps(F.plain_json(FF.fit_json(res)))


def test_the_committed_fit_file_loads_and_names_settings_that_exist():
    spec = FF.load_fit(ROOT / "experiments" / "behaviour_fit.yaml")
    assert set(FF.default_values(spec)) == set(spec.parameters)


def test_a_fit_file_with_an_unknown_setting_is_one_located_error(cli, tmp_path):
    bad = tmp_path / "fit.yaml"
    bad.write_text("name: f\nparameters:\n  behaviour.effort_cost: [450]\n"
                   "  service.handle_base_s: [100]\n")
    code, out, err = cli(["validate", "field", "--fit", bad])
    check_user_error(code, out, err, ["parameters.service.handle_base_s", "behaviour"],
                     f"{bad}:4:")


def test_a_fit_candidate_the_scenario_refuses_is_one_located_error_before_any_run(
        cli, tmp_path, monkeypatch):
    """A candidate value out of its setting's range is refused when the file is read; it
    used to surface only after the defaults' point had run (minutes of runs lost)."""
    monkeypatch.setattr(FF, "run_field", lambda *a, **k: pytest.fail("a point ran"))
    bad = tmp_path / "fit.yaml"
    bad.write_text("name: f\nparameters:\n  behaviour.effort_cost: [450]\n"
                   "  behaviour.temperature: [60, -5]\n")
    code, out, err = cli(["validate", "field", "--fit", bad])
    check_user_error(code, out, err, ["parameters.behaviour.temperature",
                                      "expected a number greater than 0, found -5"],
                     f"{bad}:4:")


def test_studies_with_fit_is_refused_not_ignored(cli, monkeypatch):
    monkeypatch.setattr(FF, "run_field", lambda *a, **k: pytest.fail("a point ran"))
    code, out, err = cli(["validate", "field", "--fit", ROOT / "experiments" /
                          "behaviour_fit.yaml", "--studies", "shearer2004"])
    check_user_error(code, out, err, ["not with --fit", "'shearer2004'"], "--studies")


# --- CLI ---------------------------------------------------------------------------------

@pytest.mark.parametrize("reps", ["1", "0", "x", "1001"])
def test_bad_reps_is_exit_code_2(cli, reps):
    code, out, err = cli(["validate", "field", "--reps", reps])
    check_user_error(code, out, err, ["--reps", "from 2 to 1000", repr(reps)], "--reps")


def test_unknown_study_is_exit_code_2(cli):
    code, out, err = cli(["validate", "field", "--studies", "shearer2004,nope"])
    check_user_error(code, out, err, ["'nope'", "shearer2004"], "--studies")


def test_study_ids_are_read_without_regard_to_case(cli, monkeypatch):
    """'BBR2005' used to be refused as an unknown study (the ids are all lower case)."""
    ran = []
    monkeypatch.setattr(F, "run_field", lambda chosen, *a, **k: ran.extend(s.id for s in chosen)
                        or [])
    monkeypatch.setattr(F, "render", lambda rows, n: "")
    code, out, err = cli(["validate", "field", "--studies", " Shearer2004 ,BBR2005", "--reps",
                          "2"])
    assert code == 0, err
    assert ran == ["shearer2004", "bbr2005"]


def test_a_study_named_twice_is_exit_code_2(cli):
    code, out, err = cli(["validate", "field", "--studies", "shearer2004, shearer2004"])
    check_user_error(code, out, err, ["each study once", "'shearer2004', 'shearer2004'"],
                     "--studies")


def test_json_has_the_issue_s_keys(cli):
    code, out, err = cli(["validate", "field", "--studies", "shearer2004", "--reps", "2",
                          "--set", "sim.days=30", "--workers", "1", "--json"])
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc) == ["studies"] and len(doc["studies"]) == 1
    row = doc["studies"][0]
    assert {"id", "published", "model", "same_direction", "inside", "in_sample"} <= set(row)
    assert {"mean", "ci_low", "ci_high"} <= set(row["model"])
    assert row["id"] == "shearer2004" and row["in_sample"] is True and row["inside"] is None
    assert row["model"]["ci_low"] <= row["model"]["mean"] <= row["model"]["ci_high"]


# --- each study at small size against the full run of docs/validity.md ---------------

#: The full run whose table docs/validity.md shows (`policysim validate field --reps 30
#: --json`, saved as it printed). The small runs below are checked against it.
FULL = {r["id"]: r for r in json.loads((ROOT / "docs" / "field_run.json").read_text())["studies"]}

#: Studies whose small-size effect is clear: study -> replications per arm. Their direction
#: must be that of the full run, more than 4 standard errors from zero. (Quit outcomes are
#: expected quits, ``quit_prob``: without the noise of the draws they are clear at 3.)
CLEAR = {"shearer2004": 3, "bbr2005": 3, "hno2003": 3, "cmms2012_below": 3,
         "batt_colvin2011": 3, "lazear2000": 5, "lazear2000_same_crew": 5, "bbr2013": 6,
         "sandvik_output": 10}

#: Studies too noisy at test size for a 4-SE direction: study -> replications per arm. The
#: small run must agree with the full run within 4 combined standard errors, and the test
#: must have the power to see a flip: 4 combined SE is less than the distance from the full
#: run's effect to the same effect of opposite sign (2 |full|); for a study that published
#: no reaction, less than 5 points (a reaction of 5% would fail it).
AGREE = {"cmms2012_above": 3, "lazear2000_spread": 5, "friebel2017": 6,
         "friebel2017_wages": 6,
         # top-quartile quits +3.1% in the full run: 2.6 SE of a 10-replication run (2 December)
         "sandvik": 10}
NO_REACTION_POWER = 0.05

#: Left out, with the reason (docs/validity.md says the same).
UNTESTED = {
    "lazear2000_sorting": "the lazear2000 arms with sorting at hiring (adds +0.7 points)"}


def test_every_study_is_tested_or_says_why_not():
    assert set(CLEAR) | set(AGREE) | set(UNTESTED) == {s.id for s in F.STUDIES} == set(FULL)
    assert not (set(CLEAR) & set(AGREE))


def _small_rows(table: dict) -> dict:
    rows = {}
    for reps in sorted(set(table.values())):
        chosen = [F.study(sid) for sid, n in table.items() if n == reps]
        for r in F.run_field(chosen, reps, (), workers=2):
            rows[r["id"]] = r
    return rows


@pytest.fixture(scope="module")
def clear_rows():
    return _small_rows(CLEAR)


@pytest.fixture(scope="module")
def agree_rows():
    return _small_rows(AGREE)


@pytest.mark.slow
@pytest.mark.parametrize("sid", list(CLEAR))
def test_small_study_has_the_full_run_s_direction_beyond_4_se(clear_rows, sid):
    m, full = clear_rows[sid]["model"], FULL[sid]
    sign = int(np.sign(full["model"]["mean"]))
    assert m["n"] == CLEAR[sid] and math.isfinite(m["se"]) and m["se"] > 0
    # the tolerance means something: 4 SE is below the size of the effect asserted
    assert sign * m["mean"] - 4 * m["se"] > 0, (sid, m)
    assert clear_rows[sid]["same_direction"] == full["same_direction"]


@pytest.mark.slow
@pytest.mark.parametrize("sid", list(AGREE))
def test_small_study_agrees_with_the_full_run_within_4_se(agree_rows, sid):
    m, full = agree_rows[sid]["model"], FULL[sid]["model"]
    assert m["n"] == AGREE[sid] and math.isfinite(m["se"]) and m["se"] > 0
    tol = 4 * math.hypot(m["se"], full["se"])
    if FULL[sid]["published"]["direction"] == 0:
        assert tol < NO_REACTION_POWER, (sid, tol, full)  # power: a 5% reaction would fail
    else:
        assert tol < 2 * abs(full["mean"]), (sid, tol, full)  # power: a flip would fail
    assert abs(m["mean"] - full["mean"]) <= tol, (sid, m["mean"], full["mean"], tol)


def test_validity_md_shows_the_full_run():
    """Every model effect of the committed full run appears in docs/validity.md's table."""
    text = (ROOT / "docs" / "validity.md").read_text()
    for sid, r in FULL.items():
        m = r["model"]
        assert f"| {sid} |" in text and f"{m['mean']:+.1%}" in text, sid
        assert r["model"]["n"] == 30, sid


# --- the quit studies' mechanisms, exactly, on the quit hazard ---------------------------
# Beside the small runs above, the channel each quit study runs through is checked on the hazard itself (model/attrition.quit_probability),
# where the answer is exact.

def _hazard(settings: dict, pay, denied=None):
    from policysim.config.schema import Scenario
    from policysim.model.agents import Agent
    from policysim.model.attrition import quit_probability

    scn = Scenario.model_validate({"attrition": settings})
    n = len(pay)
    members = [Agent(i, 0, 0, 0, 365.0, 1.0, 1.0, 0.0) for i in range(n)]
    records = [{"present": 1.0, "over_comfort_share": 0.0, "after_sales_share": 0.0,
                "recognised": False, "denied": bool(d), "days_present": 30}
               for d in (denied or [0] * n)]
    q, _ = quit_probability(scn, records, members, np.asarray(pay, float), np.zeros(n, int),
                            180, 1)
    return q


PAYS = [3000.0, 4000.0, 5000.0, 6000.0, 7000.0]  # team median 5000


def test_card_et_al_channel_below_median_earners_react_above_median_do_not():
    before = _hazard({"b_shortfall": 0.0}, PAYS)
    after = _hazard({"b_shortfall": 1.5}, PAYS)
    assert np.all(after[:2] > before[:2])            # below the median: more quits
    assert after[2:] == pytest.approx(before[2:])     # at or above: no reaction


def test_sandvik_channel_a_pay_cut_raises_every_quit_logit_by_the_same_amount():
    """Why the model cannot make the most productive leave first (docs/validity.md): one
    outside wage for all, so a 7% cut adds b_wage ln(0.93) to every agent's quit logit."""
    from scipy.special import logit

    before = _hazard({}, PAYS)
    after = _hazard({}, [p * 0.93 for p in PAYS])
    shift = logit(after) - logit(before)
    assert np.all(shift > 0) and shift == pytest.approx(np.full(5, shift[0]))


def test_batt_colvin_channel_pay_risk_raises_quits():
    """Variable pay with tight targets: being narrowly denied a higher pay step raises quits
    (b_denied > 0 by default), at the same pay."""
    calm = _hazard({}, PAYS)
    denied = _hazard({}, PAYS, denied=[1, 1, 1, 1, 1])
    assert np.all(denied > calm)


@pytest.mark.slow
def test_quit_prob_is_the_chance_the_quit_draw_used():
    """Expected quits (sum of ``quit_prob``) against realised leavers of three runs of the
    Batt & Colvin store (360 days, quits and hiring): the difference is a sum of independent
    centred Bernoulli terms given the path, variance sum p (1 - p); within 4 of its SE.
    Dismissed agents count 1, and a run without attrition records 0 everywhere."""
    from policysim.experiment.runner import run_job

    base, _ = F.study_jobs(F.study("batt_colvin2011"), 3)
    a = pd.concat([run_job(j).agents for j in base])
    p, left = a["quit_prob"].astype(float), a["quit"].astype(bool)
    assert ((p >= 0) & (p <= 1)).all() and p.sum() >= 8  # enough expected quits to test
    sd = math.sqrt(float((p * (1 - p)).sum()))
    assert abs(left.sum() - p.sum()) <= 4 * sd, (left.sum(), p.sum(), sd)
    assert (p[~left] < 1).all()  # nobody who stayed was certain to leave
    from policysim.experiment.runner import Job

    scn = base[0].scenario
    off = scn.model_copy(update={"attrition": scn.attrition.model_copy(update={"enabled": False})})

    b = run_job(Job(off, 0, base[0].seed, 60, base[0].scheme)).agents
    assert (b["quit_prob"] == 0.0).all() and not b.get("quit", pd.Series(False)).any()


def test_the_table_head_says_1_study_not_1_studies():
    row = {"id": "s", "setting": "x", "change": "a -> b", "outcome": "sales",
           "published": {"text": "+20%", "value": 0.2, "low": None, "high": None},
           "model": {"mean": 0.1, "ci_low": 0.05, "ci_high": 0.15, "n": 2},
           "inside": None, "same_direction": True, "in_sample": True}
    assert F.render([row], 2).startswith("field evidence: 1 study, 2 replications per arm")
    assert F.render([row, {**row, "id": "t"}], 2).startswith("field evidence: 2 studies,")
