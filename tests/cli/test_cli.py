"""Tests for policysim.cli: the JSON contracts, written tables, and user errors.

Most commands run in-process through ``policysim.cli.main`` (fast; ``main`` always ends with
``SystemExit``); a few run as real subprocesses (``python -m policysim.cli`` and the console
script) to check what a user sees, including the absence of a traceback. Scenarios are tiny
(300 inquiries a day, 2 days, 2 replications).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policysim.cli import main
from policysim.config.schema import Scenario
from policysim.config.validate import load_model
from policysim.experiment.runner import Job, run_job

TINY = """\
name: tiny
sim: {days: 2, reps: 2, seed: 5, period_days: 2}
demand:
  daily_volume: 300
teams:
  - {name: A, agents: 3}
"""

RUN_METRICS = ("inquiries", "abandon_rate", "p_wait", "first_response_mean_s",
               "first_response_p90_s", "conversion_rate", "revenue", "rating_mean",
               "transfers", "mean_headcount")



@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run ``main(argv)`` in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    out = capsys.readouterr()
    code = exc.value.code
    return (0 if code is None else code), out.out, out.err


def sub(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "policysim.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=300)


def check_ci(ci: dict) -> None:
    assert set(ci) >= {"mean", "ci_low", "ci_high"}
    for key in ("mean", "ci_low", "ci_high"):
        assert isinstance(ci[key], (int, float)) and math.isfinite(ci[key]), key
    assert ci["ci_low"] <= ci["mean"] <= ci["ci_high"]


# -------------------------------------------------------------------------- run
def test_run_json_contract(tiny, capsys):
    code, out, err = cli(["run", tiny, "--json", "--workers", "1"], capsys)
    assert code == 0, err
    doc = json.loads(out)  # stdout is only the JSON object
    assert set(doc) >= {"scenario", "scheme", "days", "reps", "seed", "metrics"}
    assert doc["scenario"] == "tiny" and doc["scheme"] is None
    assert (doc["days"], doc["reps"], doc["seed"]) == (2, 2, 5)
    for name in RUN_METRICS:
        check_ci(doc["metrics"][name])
    m = doc["metrics"]
    # 600 expected inquiries per replication (Poisson, sd 24.5; mean of 2: sd 17.3): 4 sd
    assert abs(m["inquiries"]["mean"] - 600) <= 4 * math.sqrt(600 / 2)
    assert m["mean_headcount"]["mean"] == 3.0
    # each mean is the mean of the replications' summaries, and each summary rate is its
    # ratio of daily totals (abandoned / inquiries, rating sum / rating weight)
    scn = load_model(Scenario, tiny)
    outs = [run_job(Job(scn, rep, 5, 2, None)) for rep in range(2)]
    for name in ("inquiries", "abandon_rate", "rating_mean", "revenue"):
        assert m[name]["mean"] == pytest.approx(np.mean([o.summary[name] for o in outs]),
                                                rel=1e-12), name
    for o in outs:
        d = o.daily.sum(numeric_only=True)
        assert o.summary["abandon_rate"] == pytest.approx(d["abandoned"] / d["inquiries"])
        assert o.summary["rating_mean"] == pytest.approx(d["rating_sum"] / d["rating_weight"])
    assert "Traceback" not in err


def test_run_options_override_the_file(tiny, capsys):
    code, out, _ = cli(["run", tiny, "--json", "--workers", "1", "--days", "1", "--reps", "3",
                        "--seed", "9", "--set", "demand.daily_volume=100"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert (doc["days"], doc["reps"], doc["seed"]) == (1, 3, 9)
    assert abs(doc["metrics"]["inquiries"]["mean"] - 100) <= 4 * math.sqrt(100 / 3)


def test_run_table_output(tiny, capsys):
    code, out, _ = cli(["run", tiny, "--workers", "1"], capsys)
    assert code == 0
    assert out.startswith("tiny: scheme (none: fixed actions), 2 days, 2 replications, seed 5")
    for name in RUN_METRICS:
        assert any(line.startswith(name) for line in out.splitlines()), name


def test_run_out_writes_tables_and_scenario(tiny, tmp_path, capsys):
    out_dir = tmp_path / "results" / "a"
    code, out, err = cli(["run", tiny, "--json", "--workers", "1", "--out", out_dir], capsys)
    assert code == 0, err
    json.loads(out)  # still only JSON on stdout
    names = {p.name for p in out_dir.iterdir()}
    assert {"runs.parquet", "daily.parquet", "agents.parquet", "hourly.parquet",
            "scenario.yaml"} <= names
    runs = pd.read_parquet(out_dir / "runs.parquet")
    daily = pd.read_parquet(out_dir / "daily.parquet")
    hourly = pd.read_parquet(out_dir / "hourly.parquet")
    agents = pd.read_parquet(out_dir / "agents.parquet")
    assert sorted(runs["rep"]) == [0, 1] and len(daily) == 4 and len(hourly) == 2 * 48
    assert len(agents) == 2 * 3  # one pay period, 3 agents, 2 replications
    per_rep = daily.groupby("rep")["inquiries"].sum()
    assert list(per_rep) == list(runs.sort_values("rep")["inquiries"].astype(int))
    assert list(hourly.groupby("rep")["inquiries"].sum()) == list(per_rep)
    # the written scenario is the resolved one and reads back to the same config
    assert load_model(Scenario, out_dir / "scenario.yaml") == load_model(Scenario, tiny)


def test_run_out_files_have_ordinary_permissions(tiny, tmp_path, capsys):
    out_dir = tmp_path / "perm"
    code, _, err = cli(["run", tiny, "--json", "--workers", "1", "--days", "1", "--out", out_dir],
                       capsys)
    assert code == 0, err
    umask = os.umask(0o022)
    os.umask(umask)
    expected = 0o666 & ~umask
    for path in (p for p in out_dir.rglob("*") if p.is_file()):
        assert path.stat().st_mode & 0o777 == expected, (path.name, oct(path.stat().st_mode))


def test_same_seed_same_json(tiny, capsys):
    first = cli(["run", tiny, "--json", "--workers", "1"], capsys)
    second = cli(["run", tiny, "--json", "--workers", "1"], capsys)
    assert first[0] == second[0] == 0
    assert first[1] == second[1]
    other = cli(["run", tiny, "--json", "--workers", "1", "--seed", "6"], capsys)
    assert json.loads(other[1])["metrics"] != json.loads(first[1])["metrics"]


def test_workers_do_not_change_results(tiny):
    one = sub(["run", tiny, "--json", "--workers", "1", "--reps", "3"], tiny.parent)
    two = sub(["run", tiny, "--json", "--workers", "2", "--reps", "3"], tiny.parent)
    assert one.returncode == two.returncode == 0, (one.stderr, two.stderr)
    assert json.loads(one.stdout)["metrics"] == json.loads(two.stdout)["metrics"]
    assert "Traceback" not in one.stderr + two.stderr


# --------------------------------------------------------------------- validate
def test_validate_erlang_a_json_contract(capsys):
    code, out, err = cli(["validate", "erlang-a", "--agents", "3", "--arrival-rate", "2",
                          "--service-rate", "1", "--patience-rate", "0.5", "--customers",
                          "3000", "--reps", "2", "--seed", "1", "--workers", "1", "--json"],
                         capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["model"] == "erlang-a"
    assert set(doc) >= {"model", "params", "simulated", "analytic"}
    assert doc["params"]["agents"] == 3 and doc["params"]["arrival_rate"] == 2.0
    assert doc["params"]["patience_rate"] == 0.5 and doc["params"]["reps"] == 2
    for key in ("p_wait", "p_abandon", "mean_wait_min"):
        check_ci(doc["simulated"][key])
    # the analytic column against the M/M/3+M chain computed here (no code shared with
    # policysim.validation.erlang)
    assert doc["analytic"] == pytest.approx(mm_c_m(3, 2.0, 1.0, 0.5), rel=1e-9)


def mm_c_m(c: int, lam: float, mu: float, theta: float, states: int = 200) -> dict:
    """P(wait), P(abandon) and mean wait of M/M/c+M from the birth-death chain's detailed
    balance pi_{n+1} = pi_n lam / (mu min(n+1, c) + theta (n+1-c)+), truncated at ``states``
    (the terms shrink faster than geometrically once theta (n - c) > lam)."""
    pi = [1.0]
    for n in range(1, states):
        pi.append(pi[-1] * lam / (mu * min(n, c) + theta * max(n - c, 0)))
    pi = np.array(pi) / sum(pi)
    queue = (np.maximum(np.arange(states) - c, 0) * pi).sum()
    return {"p_wait": pi[c:].sum(), "p_abandon": theta * queue / lam,
            "mean_wait_min": queue / lam}


def test_validate_erlang_c_table(capsys):
    code, out, _ = cli(["validate", "erlang-a", "--agents", "2", "--arrival-rate", "1",
                        "--service-rate", "1", "--patience-rate", "0", "--customers", "1000",
                        "--reps", "2", "--workers", "1"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("erlang-a: c=2")
    exact_c = 1 / 3  # Erlang-C C(2, 1) = 1/3
    p_wait = next(line for line in lines if line.startswith("p_wait"))
    assert float(p_wait.split()[-1]) == pytest.approx(exact_c, abs=1e-5)


# ----------------------------------------------------------------------- schema
def test_schema_is_json_with_properties(capsys):
    code, out, _ = cli(["schema"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert {"sim", "demand", "teams", "shifts"} <= set(doc["properties"])
    assert doc["additionalProperties"] is False


# ------------------------------------------------------------------- bad input
def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


FILES = {
    # name: (text or None for missing, [fragments the one message must contain])
    "missing": (None, ["missing.yaml", "no such file"]),
    "empty": ("", ["empty.yaml", "empty file"]),
    "malformed": ("a: [1, 2\n", ["malformed.yaml:2", "valid YAML"]),
    "list": ("- a\n- b\n", ["list.yaml:1", "mapping"]),
    "unknown": ("name: x\nsim:\n  days: 2\n  bogus: 3\n",
                ["unknown.yaml:4", "sim.bogus", "'bogus'"]),
    "wrong_type": ("demand:\n  daily_volume: abc\n",
                   ["wrong_type.yaml:2", "demand.daily_volume", "a number", "'abc'"]),
    "nan": ("demand:\n  daily_volume: .nan\n", ["nan.yaml:2", "demand.daily_volume", "finite"]),
    "negative": ("demand:\n  daily_volume: -5\n", ["negative.yaml:2", "demand.daily_volume", "-5"]),
    "duplicate": ("sim:\n  days: 2\nsim:\n  days: 3\n",
                  ["duplicate.yaml:3", "'sim' again", "line 1"]),
}


def assert_one_error(code: int, out: str, err: str, fragments: list[str]) -> None:
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err and "internal error" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.mark.parametrize("case", list(FILES))
def test_bad_scenario_file(case, tmp_path, capsys):
    text, fragments = FILES[case]
    path = tmp_path / f"{case}.yaml"
    if text is not None:
        path.write_text(text)
    code, out, err = cli(["run", path, "--workers", "1"], capsys)
    assert_one_error(code, out, err, [f.replace(f"{case}.yaml", str(path)) for f in fragments])


def test_directory_instead_of_file(tmp_path, capsys):
    code, out, err = cli(["run", tmp_path, "--workers", "1"], capsys)
    assert_one_error(code, out, err, [str(tmp_path), "directory"])


@pytest.mark.parametrize(
    "override, fragments",
    [
        ("demand.bogus=1", ["--set demand.bogus=1", "demand.bogus", "'bogus'"]),
        ("sim.days=abc", ["--set sim.days=abc", "sim.days", "'abc'"]),
        ("sim.days", ["--set sim.days", "dotted.key=value"]),
        ("demand.daily_volume=-5", ["--set demand.daily_volume=-5", "demand.daily_volume"]),
        ("demand.daily_volume=.nan", ["--set demand.daily_volume=.nan", "finite"]),
    ],
)
def test_bad_set_option(override, fragments, tiny, capsys):
    code, out, err = cli(["run", tiny, "--workers", "1", "--set", override], capsys)
    assert_one_error(code, out, err, fragments)


def test_erlang_c_unstable_is_a_user_error(capsys):
    code, out, err = cli(["validate", "erlang-a", "--agents", "2", "--arrival-rate", "3",
                          "--service-rate", "1", "--patience-rate", "0", "--customers", "200",
                          "--reps", "2"], capsys)
    assert_one_error(code, out, err, ["erlang-c", "unstable", "1.500"])
    code, out, err = cli(["validate", "erlang-a", "--agents", "2", "--arrival-rate", "2",
                          "--service-rate", "1", "--patience-rate", "0", "--customers", "200",
                          "--reps", "2"], capsys)
    assert_one_error(code, out, err, ["erlang-c", "unstable"])


def test_infinite_rate_is_a_user_error(capsys):
    code, out, err = cli(["validate", "erlang-a", "--agents", "2", "--arrival-rate", "1",
                          "--service-rate", "1", "--patience-rate", "inf", "--customers", "200",
                          "--reps", "2"], capsys)
    assert_one_error(code, out, err, ["--patience-rate", "finite"])


def assert_usage_error(code: int, out: str, err: str, option: str) -> None:
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err and "internal error" not in err
    errors = [line for line in err.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1 and option in errors[0], err


@pytest.mark.parametrize(
    "extra, option",
    [(["--days", "0"], "--days"), (["--reps", "0"], "--reps"), (["--seed", "abc"], "--seed"),
     (["--workers", "0"], "--workers")],
)
def test_bad_run_option_is_a_usage_error(extra, option, tiny, capsys):
    code, out, err = cli(["run", tiny, *extra], capsys)
    assert_usage_error(code, out, err, option)


def test_validate_zero_agents_is_a_usage_error(capsys):
    code, out, err = cli(["validate", "erlang-a", "--agents", "0", "--arrival-rate", "1",
                          "--service-rate", "1", "--patience-rate", "1"], capsys)
    assert_usage_error(code, out, err, "--agents")


def test_unknown_option_is_a_usage_error(tiny, capsys):
    code, out, err = cli(["run", tiny, "--bogus"], capsys)
    assert_usage_error(code, out, err, "--bogus")


# ------------------------------------------------------------ real processes
def test_subprocess_user_error_has_no_traceback(tmp_path):
    proc = sub(["run", tmp_path / "nope.yaml"], tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'nope.yaml'}: expected an existing YAML file, found no such file"
    ]


def test_subprocess_bad_days_is_a_usage_error(tiny):
    proc = sub(["run", tiny, "--days", "0"], tiny.parent)
    assert_usage_error(proc.returncode, proc.stdout, proc.stderr, "--days")


def test_console_script_runs(tiny):
    script = Path(sys.executable).parent / "policysim"
    if not script.exists():
        pytest.skip("console script not installed next to the interpreter")
    proc = subprocess.run([str(script), "run", str(tiny), "--json", "--workers", "1"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scenario"] == "tiny"
