"""``policysim sweep`` and ``policysim query`` through the command line (in-process main)."""

from __future__ import annotations

import json

import pytest

from policysim.experiment import runner
from policysim.experiment.executors import DaskExecutor
from policysim.errors import UserError


def test_sweep_then_query_json(cli, grid, tmp_path):
    out = tmp_path / "out"
    code, stdout, err = cli(["sweep", grid, "--out", out, "--workers", "1"])
    assert code == 0, err
    assert "12 runs: 12 finished now, 0 already finished, 0 failed" in stdout
    assert "6 design points (grid) x 1 scheme (none: fixed actions) x 2 replications" in err
    assert "warning" not in err  # no claims analysis: replications are not judged per point
    code, stdout, err = cli(["query", out, "SELECT point, rep, seed, inquiries FROM runs "
                                           "WHERE rep = 0 ORDER BY point", "--json"])
    assert code == 0, err
    rows = json.loads(stdout)  # stdout is only the JSON list
    assert [r["point"] for r in rows] == list(range(6)) and {r["seed"] for r in rows} == {11}
    assert all(isinstance(r["inquiries"], float) for r in rows)
    code, stdout, _ = cli(["query", out, "SELECT count(*) AS n FROM daily"])
    assert code == 0 and stdout.split() == ["n", "24"]
    code, stdout, _ = cli(["sweep", grid, "--out", out, "--resume", "--workers", "1"])
    assert code == 0 and "0 finished now, 12 already finished" in stdout


def test_days_and_reps_shrink_the_sweep(cli, grid, tmp_path):
    out = tmp_path / "quick"
    code, stdout, err = cli(["sweep", grid, "--out", out, "--workers", "1", "--days", "1",
                             "--reps", "1"])
    assert code == 0, err
    code, stdout, _ = cli(["query", out, "SELECT count(*) AS n, min(days) AS d, max(rep) AS r "
                                         "FROM runs", "--json"])
    assert json.loads(stdout) == [{"n": 6, "d": 1, "r": 0}]


def test_failed_runs_exit_nonzero_naming_them(cli, grid, tmp_path, monkeypatch):
    real = runner.run_job
    monkeypatch.setattr(runner, "run_job",
                        lambda job: (_ for _ in ()).throw(ValueError("bad luck"))
                        if job.point == 5 and job.rep == 1 else real(job))
    code, stdout, err = cli(["sweep", grid, "--out", tmp_path / "o", "--workers", "1"])
    assert code == 1
    assert "1 failed" in stdout and "p00005-r0001: ValueError: bad luck" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("extra, option", [(["--days", "0"], "--days"),
                                           (["--reps", "0"], "--reps"),
                                           (["--workers", "0"], "--workers"),
                                           (["--bogus"], "--bogus")])
def test_bad_flags_are_usage_errors(cli, grid, tmp_path, extra, option):
    code, stdout, err = cli(["sweep", grid, "--out", tmp_path / "o", *extra])
    assert code == 2 and option in err and stdout == ""
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("extra, message", [
    (["--scheduler", "localhost"], "--scheduler: expected an address like tcp://host:8786"),
    (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "--workers and --scheduler"),
    # refused before connecting: Dask's half-built client used to print a traceback at exit
    (["--scheduler", "foo://bar"], "(schemes tcp, tls, ws, wss, ucx, inproc), found 'foo://bar'"),
    (["--scheduler", "tcp://127.0.0.1:abc"], "expected a port from 1 to 65535 after the host, "
                                             "found 'abc'"),
    (["--scheduler", "tcp://127.0.0.1:70000"], "found '70000'"),
])
def test_bad_scheduler_flags(cli, grid, tmp_path, extra, message):
    code, _, err = cli(["sweep", grid, "--out", tmp_path / "o", *extra])
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_unreachable_scheduler_is_a_user_error():
    with pytest.raises(UserError, match="cannot connect to a Dask scheduler"):
        DaskExecutor("tcp://127.0.0.1:1", timeout=1)


def test_bad_experiment_file_exits_2_with_location(cli, put, tiny, tmp_path):
    path = put("bad.yaml", "scenario: tiny.yaml\nlevers:\n  teams.0.agents: [3, 0]\n")
    code, stdout, err = cli(["sweep", path, "--out", tmp_path / "o"])
    assert code == 2 and stdout == ""
    assert err.startswith(f"error: {path}:3: levers.teams.0.agents: expected a number of at "
                          "least 1, found 0 (int) at design point 1")
    assert not (tmp_path / "o").exists()  # nothing ran, nothing written


def test_another_experiment_in_out_exits_2(cli, grid, tmp_path):
    out = tmp_path / "o"
    assert cli(["sweep", grid, "--out", out, "--workers", "1", "--reps", "1"])[0] == 0
    code, _, err = cli(["sweep", grid, "--out", out, "--workers", "1", "--days", "1"])
    assert code == 2 and "holds the results of another experiment" in err


@pytest.mark.parametrize("args, message", [
    (["nowhere", "SELECT 1"], "no such directory"),
    (["{tmp}", "SELECT 1"], "not a sweep's results store"),
    (["{tmp}/a_file", "SELECT 1"], "found a file"),
])
def test_query_errors_exit_2(cli, tmp_path, args, message):
    (tmp_path / "a_file").write_text("x")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, _, err = cli(["query", *args])
    assert code == 2 and message in err


def test_query_sql_error_exits_2(cli, grid, tmp_path):
    out = tmp_path / "o"
    cli(["sweep", grid, "--out", out, "--workers", "1", "--reps", "1"])
    code, _, err = cli(["query", out, "SELECT nope FROM runs"])
    assert code == 2 and err.startswith("error: SQL: ") and "nope" in err


@pytest.mark.parametrize("sql", ["", "   ", ";", " ; ;", "/* only a comment */"])
def test_query_without_a_statement_exits_2(cli, grid, tmp_path, sql):
    out = tmp_path / "o"
    cli(["sweep", grid, "--out", out, "--workers", "1", "--reps", "1"])
    code, _, err = cli(["query", out, sql])
    assert code == 2 and err.startswith("error: SQL: expected a statement"), err


def test_query_json_prints_every_duckdb_type(cli, grid, tmp_path):
    out = tmp_path / "o"
    cli(["sweep", grid, "--out", out, "--workers", "1", "--reps", "1"])
    code, stdout, err = cli(["query", out, "SELECT INTERVAL 1 DAY AS i, 'x'::BLOB AS b, "
                             "TIME '10:30' AS t, uuid() AS u, 1.5::DECIMAL(10, 2) AS d, "
                             "[TIME '01:00'] AS l FROM runs LIMIT 1", "--json"])
    assert code == 0, err
    [row] = json.loads(stdout)
    assert row["t"] == "10:30:00" and row["l"] == ["01:00:00"] and row["d"] == 1.5
    assert row["b"] == "78" and "1 day" in row["i"] and len(row["u"]) == 36


def test_register_adds_both_commands():
    import typer

    from policysim.cli_experiment import register

    app = typer.Typer()
    register(app)
    assert {c.name for c in app.registered_commands} == {"sweep", "query"}


def test_a_damaged_store_is_a_located_error_not_an_internal_one(cli, grid, tmp_path):
    """Parts are written atomically, but a disk or a hand can still damage a store: the
    message names the file, exit 2."""
    out = tmp_path / "o"
    assert cli(["sweep", grid, "--out", out, "--workers", "1", "--reps", "1"])[0] == 0
    part = sorted((out / "runs").glob("*.parquet"))[0]
    part.write_bytes(b"garbage")
    code, _, err = cli(["query", out, "SELECT count(*) FROM runs"])
    assert code == 2 and err.startswith(f"error: OUT {out}: cannot read the runs parts"), err
    assert part.name in err

    (out / "experiment.yaml").write_text("x: [\n")
    code, _, err = cli(["sweep", grid, "--out", out, "--workers", "1", "--reps", "1"])
    assert code == 2 and "experiment.yaml: expected the store's experiment record" in err, err
    (out / "experiment.yaml").write_text("- a list\n")
    code, _, err = cli(["sweep", grid, "--out", out, "--workers", "1", "--reps", "1"])
    assert code == 2 and "(a mapping), found list" in err, err


def test_query_table_writes_missing_values_as_n_a(cli, grid, tmp_path):
    """The one missing-value word of every command (issue 12), in text, number and date
    columns alike."""
    out = tmp_path / "o"
    cli(["sweep", grid, "--out", out, "--workers", "1", "--reps", "1"])
    code, stdout, err = cli(["query", out, "SELECT point, NULL::VARCHAR AS v, NULL::INT AS i, "
                             "NULL::DOUBLE AS f, NULL::DATE AS d FROM runs WHERE point = 0"])
    assert code == 0, err
    assert stdout.split() == ["point", "v", "i", "f", "d", "0", "n/a", "n/a", "n/a", "n/a"]


PAID = """\
name: paid
sim: {days: 1, reps: 2, seed: 5, period_days: 1}
demand: {daily_volume: 200}
teams:
  - {name: A, agents: 3}
scheme: commission
schemes:
  commission: {base_salary: 3000, commission: {rate: 0.01}}
"""


@pytest.mark.parametrize("reps,expected", [
    (1, "warning: 1 replication per design point: the claims analysis has no intervals"),
    (3, "warning: only 3 replications per design point"),
    (10, None),
])
def test_a_claims_sweep_with_few_replications_warns(cli, put, tmp_path, reps, expected):
    """Commission's C1 test is judged per point across replications; a sweep without a
    claims analysis (fixed actions) does not warn (test_sweep_then_query_json)."""
    put("paid.yaml", PAID)
    exp = put("e.yaml", "scenario: paid.yaml\nlevers:\n  demand.daily_volume: [150, 250]\n")
    code, _, err = cli(["sweep", exp, "--out", tmp_path / "o", "--workers", "1",
                        "--reps", str(reps)])
    assert code == 0, err
    if expected:
        assert expected in err and "use --reps 10 or more" in err
    else:
        assert "warning" not in err


def test_few_replications_note_needs_a_claims_analysis():
    from policysim.results.measures import sweep_few_reps

    assert sweep_few_reps(2, [None]) is None and sweep_few_reps(2, ["kpi"]) is None
    assert "only 2 replications" in sweep_few_reps(2, ["kpi", "group_contest"])
    assert sweep_few_reps(10, ["kpi", "group_contest"]) is None
