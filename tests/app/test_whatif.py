"""The page's parts without a browser: the question as a scenario file, forms generated from
the scheme schema, runs in worker processes."""

from __future__ import annotations

import dataclasses

import pytest

from policysim.app import whatif
from policysim.config.pay import METRICS, SchemeSpec
from policysim.config.yamlio import read_yaml
from policysim.errors import ConfigError

TINY = """\
name: tiny
sim: {days: 8, reps: 2, seed: 3, period_days: 4}
demand: {daily_volume: 200}
teams: [{name: A, agents: 2}, {name: B, agents: 2}]
scheme: commission
schemes:
  commission: {base_salary: 3000, commission: {rate: 0.01}}
  kpi: {base_salary: 3500, kpi: {metrics: {rating: {weight: 1, target: 4.6, floor: 3.6}}}}
  contest:
    base_salary: 3000
    contest: {metric: rating, prize_per_member: 900, winners: 1}
    ranking: {metric: served, prize: 500, top: 2}
    commission: {rate: 0.004, target: 20000, share: 0.5}
"""


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return whatif.open_store(path)


def test_first_question_is_the_scheme_in_force_against_the_next(store):
    q = whatif.first_question(store)
    assert (q.current, q.proposed, q.switch_day, q.days, q.reps) == ("commission", "kpi", 4, 8, 2)
    assert q.path_name == "kpi_from_day_4"


def test_question_written_is_a_scenario_the_command_line_reads(store, tmp_path):
    q = whatif.first_question(store)
    scn = whatif.check(whatif.write(store, q, tmp_path / "run"))
    assert list(scn.schemes) == ["commission", "kpi", "kpi_from_day_4"]
    assert scn.scheme == "commission"
    assert [(s.day, s.scheme) for s in scn.schemes["kpi_from_day_4"].schedule] == [
        (0, "commission"), (4, "kpi")]
    assert scn.demand.daily_volume == 200  # the rest of the store kept


def test_same_scheme_on_both_sides_gets_a_distinct_name(store):
    assert whatif.proposed_name("kpi", "kpi") == "kpi_proposed"
    assert whatif.proposed_name("commission", "kpi") == "kpi"


def test_a_bad_value_is_located_in_the_written_file(store, tmp_path):
    q = whatif.first_question(store)
    bad = whatif.Question(q.current, q.current_spec, q.proposed,
                          {**q.proposed_spec, "commission": {"rate": 1.5}}, q.switch_day, q.days,
                          q.reps)
    path = whatif.write(store, bad, tmp_path / "run")
    with pytest.raises(ConfigError) as err:
        whatif.check(path)
    (problem,) = err.value.problems
    line = path.read_text().splitlines()[problem.line - 1]
    assert line.strip() == "rate: 1.5"  # the line the message names holds the bad value
    assert str(problem) == (f"{path}:{problem.line}: schemes.kpi.commission.rate: expected a "
                            "number of at most 1, found 1.5 (float)")


@pytest.mark.parametrize("name", ["commission", "kpi", "contest"])
def test_generated_form_gives_back_the_scheme_it_shows(store, name):
    pytest.importorskip("panel")
    from policysim.app.forms import ModelEditor

    editor = ModelEditor(("x",), SchemeSpec, None)
    data = whatif.scheme_data(store, name)
    editor.set(data)
    assert SchemeSpec.model_validate(editor.get()[1]) == store.scenario.schemes[name]


def test_every_field_of_the_scheme_schema_has_an_input():
    pytest.importorskip("panel")
    from policysim.app.forms import SKIP, ModelEditor

    editor = ModelEditor(("x",), SchemeSpec, None)
    assert set(editor.fields) == set(SchemeSpec.model_fields) - SKIP
    kpi = editor.find(("kpi",))
    assert set(kpi.find(("metrics",)).children()) == set(METRICS)
    assert editor.find(("kpi", "metrics", "rating", "floor")).path == ("x", "kpi", "metrics",
                                                                       "rating", "floor")
    assert editor.find(("kpi", "tiers", "0", "bonus_base")).path[-1] == "bonus_base"


@pytest.mark.slow
def test_run_in_worker_processes_gives_the_in_process_comparison(store, tmp_path):
    from policysim.app.runs import Run
    from policysim.experiment.compare import compare_schemes

    q = whatif.first_question(store)
    scn = whatif.check(whatif.write(store, q, tmp_path / "run"))
    names = [q.current, q.path_name]
    run = Run(scn, names, workers=2)
    try:
        run.wait()
    finally:
        run.close()
    assert run.finished and run.progress() == {n: (2, 2) for n in names}
    res = run.results()
    same = compare_schemes(scn, names, names[0], workers=1)
    assert res.metrics == same.metrics
    assert res.differences == same.differences


@pytest.mark.slow
def test_auto_run_in_batches_gives_the_command_lines_reps_auto(store, tmp_path):
    """The page's default (``auto``): batches until precise, the same replications and numbers
    as ``compare --reps auto`` with the same rule, and the file rewritten with what ran."""
    from policysim.app.runs import Run
    from policysim.experiment.auto import AutoSpec
    from policysim.experiment.compare import compare_schemes

    q = dataclasses.replace(whatif.first_question(store), reps="auto")
    path = whatif.write(store, q, tmp_path / "run")
    assert read_yaml(path)[0]["sim"]["reps"] == 2  # the store's, until the run decides
    scn = whatif.check(path)
    names = [q.current, q.path_name]
    # abandonment in a 4-agent store is noisy: a precision of 0.1 pp cannot be met in 2-5
    # replications, so the rule must add batches and stop at the cap
    spec = AutoSpec(precision={"abandon_rate": 0.001}, start=2, step=1, cap=5)
    run = Run(scn, names, workers=2, auto=spec)
    try:
        run.wait()
    finally:
        run.close()
    assert run.finished and run.auto_result.stopped == "cap" and run.reps == 5
    assert run.progress() == {n: (5, 5) for n in names}
    same = compare_schemes(scn, names, names[0], workers=1, auto=spec)
    res = run.results()
    assert same.auto.reps == 5 and res.metrics == same.metrics
    assert res.differences == same.differences
    again = whatif.write(store, dataclasses.replace(q, reps=run.reps), tmp_path / "run",
                         auto=run.auto_result.text())
    assert whatif.check(again).sim.reps == 5
    assert "--reps auto: stopped at the cap" in again.read_text()


@pytest.mark.slow
def test_full_report_of_a_question_is_the_policy_switch_notebook(store, tmp_path):
    """What the page's "Build the full HTML report" runs, on the file the page wrote."""
    from policysim.app.downloads import report_values
    from policysim.report.render import render

    q = whatif.first_question(store)
    path = whatif.write(store, q, tmp_path / "run")
    html = render("policy_switch", path, tmp_path / "run" / "report",
                  {**report_values(q.path_name), "workers": 1}, log=lambda line: None)
    text = html.read_text()
    from policysim.config.dates import date_of, show_date
    from policysim.config.validate import load_model
    from policysim.config.schema import Scenario

    start = load_model(Scenario, path, []).sim.start_date
    assert f"Current scheme <strong>commission</strong>, proposed <strong>kpi</strong> from " \
           f"<strong>{show_date(date_of(start, q.switch_day))}</strong>" in text


def test_app_command_refuses_a_bad_scenario_before_serving(cli, tmp_path):
    pytest.importorskip("panel")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndemand: {daily_volume: -5}\n")
    code, out, err = cli(["app", bad, "--port", "1"])
    assert (code, out) == (2, "")
    assert err.strip() == (f"error: {bad}:2: demand.daily_volume: expected a number of at least "
                           "0, found -5 (int)")


@pytest.mark.parametrize("host,needle", [
    ("", "--host: expected a host name or address (127.0.0.1: this machine only), found ''"),
    ("::1", "--host: expected a host name or IPv4 address (the page server cannot take an "
            "IPv6 address), found '::1'"),
])
def test_app_command_refuses_a_host_it_cannot_serve_on(cli, host, needle):
    """An empty or IPv6 --host once ended in an internal error (exit 1) from Bokeh."""
    code, out, err = cli(["app", "--host", host, "--port", "1"])
    assert (code, out, err.strip()) == (2, "", f"error: {needle}")


def test_a_problem_in_a_list_item_is_shown_beside_its_row_when_a_row_above_is_unticked(store):
    """The written tiers leave unticked rows out, so ``tiers.1`` of the file is the second
    *ticked* row; the message once went beside the second row of the form."""
    pytest.importorskip("panel")
    from policysim.app.forms import ModelEditor

    editor = ModelEditor(("x",), SchemeSpec, None)
    editor.set({"base_salary": 3000, "kpi": {
        "metrics": {"rating": {"weight": 1, "target": 4.6, "floor": 3.6}},
        "tiers": [{"min_score": 90, "bonus_base": 3000}, {"min_score": 80, "bonus_base": 2000},
                  {"min_score": 0, "bonus_base": 1000}]}})
    tiers = editor.find(("kpi", "tiers"))
    tiers.rows[0].tick.value = False
    assert [t["min_score"] for t in editor.get()[1]["kpi"]["tiers"]] == [80, 0]
    assert editor.find(("kpi", "tiers", "1", "min_score")).path == ("x", "kpi", "tiers", "2",
                                                                    "min_score")
    assert editor.find(("kpi", "tiers", "5", "min_score")) is tiers  # no such item: the list


@pytest.mark.parametrize("content,needle", [
    (b"", "expected a mapping of keys at the top level, found an empty file"),
    (b"- 1\n", "expected a mapping of keys at the top level, found a list"),
])
def test_an_uploaded_file_that_is_empty_or_of_the_wrong_shape_gets_its_message(
        tmp_path, content, needle):
    """An empty file was once ignored: no message, the page silently kept its store."""
    pytest.importorskip("panel")
    from policysim.app.page import Page

    good = tmp_path / "tiny.yaml"
    good.write_text(TINY)
    page = Page({"tiny": good}, None, tmp_path / "runs")
    page.upload.filename = "mine.yaml"
    page.upload.value = content  # what the browser's upload sets
    message = page.store_error.message
    assert message.visible and message.object.endswith(needle)
    assert "mine.yaml:" in message.object
    assert page.store.path == good  # the page keeps the store it had


@pytest.mark.parametrize("day", [0, -5])
def test_a_switch_day_below_1_is_refused_beside_its_box_in_words(tmp_path, day):
    """Day 0 was refused with the schedule's "found days [0, 0]" of an internal scheme."""
    pytest.importorskip("panel")
    from policysim.app.page import Page

    good = tmp_path / "tiny.yaml"
    good.write_text(TINY)
    page = Page({"tiny": good}, None, tmp_path / "runs")
    page.day.widget.value = day
    page.start()
    assert page.run is None
    assert page.day.message.visible and page.day.message.object == (
        "switch day: expected a day of at least 1 (day 0 is the first day simulated: a switch "
        f"on it is no switch), found {day}")


@pytest.mark.slow
def test_a_worker_process_that_dies_fails_the_run_instead_of_leaving_it_waiting(store, tmp_path,
                                                                                 wait_until):
    """With a ``multiprocessing.Pool`` the killed worker's replication was lost and the run
    (and the page's progress bar) waited for it forever."""
    import multiprocessing
    import os
    import signal

    from policysim.app.runs import Run

    q = dataclasses.replace(whatif.first_question(store), days=60, reps=4)
    scn = whatif.check(whatif.write(store, q, tmp_path / "run"))
    before = {p.pid for p in multiprocessing.active_children()}
    run = Run(scn, [q.current, q.path_name], workers=2)
    try:
        wait_until(lambda: {p.pid for p in multiprocessing.active_children()} - before,
                   "a worker process")
        worker = sorted({p.pid for p in multiprocessing.active_children()} - before)[0]
        os.kill(worker, signal.SIGKILL)
        wait_until(lambda: run.over, "the run to be over")
        assert not run.finished and not run.cancelled
        assert run.error.startswith("a worker process stopped before its replication was done")
    finally:
        run.cancel()
        run.close()
