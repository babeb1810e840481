"""`policysim report`: the files it writes, and exit code 2 with a clear message on mistakes."""

from __future__ import annotations

import re

import nbformat
import pytest

from policysim import cli


def run(argv: list[str]) -> int:
    """Run through policysim's main."""
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    return exc.value.code


@pytest.mark.slow
def test_report_writes_notebook_html_and_parquet(tiny, kernel, tmp_path, capsys):
    out = tmp_path / "rep"
    code = run(["report", str(tiny), "--out", str(out), "-p", "workers", "1", "-p", "days", "6"])
    printed = capsys.readouterr().out.strip()
    assert code == 0
    html = out / "scenario_report.html"
    assert printed == str(html.resolve())
    assert (out / "scenario_report.ipynb").is_file()
    for table in ("runs", "daily", "agents", "hourly"):
        assert (out / "scenario_report" / f"{table}.parquet").is_file()
    text = html.read_text()
    assert "data:image/png;base64" in text  # images embedded
    assert "run_schemes" not in text  # no code
    assert not re.search(r'<script[^>]*src="https?://', text)  # nothing fetched
    assert "Switching from commission to" in text


def test_default_output_directory_is_reports_scenario(tiny, kernel, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (
        run(
            [
                "report",
                str(tiny),
                "--notebook",
                "validation",
                "-p",
                "agents",
                "1",
                "-p",
                "loads",
                "0.5",
                "-p",
                "customers",
                "200",
                "-p",
                "reps",
                "2",
            ]
        )
        == 0
    )
    assert (tmp_path / "reports" / "tiny" / "validation.html").is_file()
    assert (tmp_path / "reports" / "tiny" / "validation" / "erlang.parquet").is_file()


BAD = [
    (["--notebook", "nope"], "--notebook: one of scenario_report"),
    (["-p", "rep", "3"], "-p rep: unknown parameter of notebook scenario_report"),
    (["-p", "reps", "ten"], "-p reps: expected a whole number of at least 1"),
    (["-p", "reps", "0"], "-p reps: expected a whole number of at least 1"),
    (["-p", "days", "2.5"], "-p days: expected a whole number"),
    (["-p", "out_dir", "x"], "-p out_dir: set by --out"),
    (["-p", "reps"], "-p: expected NAME VALUE"),
    (["extra"], "unexpected argument 'extra'"),
    (["-p", "schemes", "commission,nosuch"], "-p schemes: unknown scheme 'nosuch'"),
    (["-p", "baseline", "nosuch"], "-p baseline: unknown scheme 'nosuch'"),
    (["-p", "schemes", "kpi,kpi"], "-p schemes: each scheme once"),
    (
        ["--notebook", "policy_switch", "-p", "switch_day", "50"],
        "switch day below the horizon sim.days=10, found day 50",
    ),
    (["--notebook", "policy_switch", "-p", "switch_scheme", "x"], "policy_switch: give -p current"),
    # a misspelt claim role used to run every replication and report its claims as "no data"
    (["--notebook", "field_claims", "-p", "kpi_scheme", "kpii"],
     "-p kpi_scheme: expected a scheme of"),
    (["--notebook", "field_claims", "-p", "group_scheme", "nosuch"], "found 'nosuch'"),
    # used to fail in the kernel as KeyError 'covered', a float() ValueError or erlang-a's
    (["--notebook", "validation", "-p", "loads", ""], "-p loads: expected comma-separated"),
    (["--notebook", "validation", "-p", "loads", "0.5,abc"], "found '0.5,abc'"),
    (["--notebook", "validation", "-p", "loads", "-1"], "greater than 0"),
    # as `policysim validate field --reps`: one replication gives no paired interval
    (["--notebook", "field_evidence", "-p", "reps", "1"],
     "-p reps: expected a whole number of at least 2 or None, found 1"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_parameters_exit_2_with_a_clear_message(args, message, tiny, tmp_path, capsys):
    assert run(["report", str(tiny), "--out", str(tmp_path / "o"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not list((tmp_path / "o").glob("*.ipynb")), "refused before a kernel started"


@pytest.mark.parametrize("taken,kind", [
    ("scenario_report", "file"),  # the results folder: used to fail after the simulations
    ("scenario_report.ipynb", "dir"),  # used to end in an internal error, exit 1
    ("scenario_report.html", "dir"),
])
def test_output_names_taken_by_the_wrong_kind_are_refused_before_running(
        taken, kind, tiny, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / taken).mkdir() if kind == "dir" else (out / taken).write_text("x")
    assert run(["report", str(tiny), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{taken}: expected a" in err and "Traceback" not in err
    assert not (out / "scenario_report.kernel.log").exists(), "no kernel was started"


def test_invalid_scenario_exits_2_with_its_located_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndemand:\n  daily_volume: -5\n")
    assert run(["report", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert (
        "bad.yaml:3: demand.daily_volume: expected a number of at least 0"
        in capsys.readouterr().err
    )


def test_missing_scenario_exits_2(tmp_path, capsys):
    assert run(["report", str(tmp_path / "none.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_scenario_name_cannot_escape_the_reports_directory(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "dots.yaml"
    bad.write_text("name: ..\n")
    assert run(["report", str(bad)]) == 2
    assert "scenario name" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_failure_mid_way_keeps_the_executed_notebook_with_the_error(tiny, kernel, tmp_path, capsys):
    out = tmp_path / "o"
    code = run(
        [
            "report",
            str(tiny),
            "--notebook",
            "sensitivity",
            "--out",
            str(out),
            "-p",
            "sweep_dir",
            str(tmp_path / "no-such-sweep"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    executed = out / "sensitivity.ipynb"
    assert "notebook sensitivity failed at cell" in err and str(executed) in err
    assert "sweep_dir" in err
    nb = nbformat.read(executed, as_version=4)
    failed = [
        c
        for c in nb.cells
        if c.cell_type == "code" and any(o.output_type == "error" for o in c.get("outputs", []))
    ]
    assert len(failed) == 1 and "load_store" in failed[0].source
    assert (out / "sensitivity.html").is_file()


def test_report_equal_cost_parameter(tiny, kernel, tmp_path, capsys):
    """``-p equal_cost true`` (with the notebook's default reps, auto) compares at equal cost
    on the scenario's replications and says so with the factors."""
    out = tmp_path / "rep"
    code = run(["report", str(tiny), "--out", str(out), "-p", "workers", "1", "-p", "days", "6",
                "-p", "equal_cost", "true"])
    assert code == 0, capsys.readouterr().err
    text = (out / "scenario_report.html").read_text()
    assert "equal cost: each scheme" in text and "variable pay x " in text
