"""``policysim validate chat``: the JSON contract, and bad flags as one message with exit 2
(issue 11 items 2 and 8). Scenario-file errors of ``service.concurrency`` are in
test_bad_inputs.py's corpus."""

from __future__ import annotations

import json

import pytest

from policysim.cli import main

BASE = ["validate", "chat", "--agents", "3", "--cap", "2", "--arrival-rate", "3",
        "--patience-rate", "1", "--customers", "2000", "--reps", "2", "--seed", "1"]


def run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    out = capsys.readouterr()
    return (exc.value.code or 0), out.out, out.err


def test_json_contract(capsys):
    code, out, err = run([*BASE, "--per-chat-rates", "1,0.8", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    keys = {"p_wait", "p_abandon", "mean_wait", "mean_chats_per_agent"}
    assert set(doc["simulated"]) == keys and set(doc["exact"]) == keys
    for key in keys:
        sim = doc["simulated"][key]
        assert {"mean", "ci_low", "ci_high"} <= set(sim)
        assert sim["ci_low"] <= sim["mean"] <= sim["ci_high"]
        assert isinstance(doc["exact"][key], float)
    from policysim.validation.chat import chat_exact

    exact = chat_exact(3, 2, 3.0, [1.0, 0.8], 1.0)
    assert doc["exact"]["mean_wait"] == pytest.approx(exact.mean_wait, rel=1e-12)
    assert doc["params"]["per_chat_rates"] == [1.0, 0.8]


def test_table_output(capsys):
    code, out, err = run([*BASE, "--per-chat-rates", "1,0.8"], capsys)
    assert code == 0, err
    assert out.startswith("chat: N=3, K=2") and "mean_chats_per_agent" in out


@pytest.mark.parametrize("rates,fragments", [
    ("1,0.8,0.5", ["--per-chat-rates: expected 2 rates", "found 3"]),
    ("1", ["--per-chat-rates: expected 2 rates", "found 1"]),
    ("1,0", ["--per-chat-rates: expected positive finite rates, found 0.0 at load 2"]),
    ("1,-2", ["--per-chat-rates: expected positive", "found -2.0"]),
    ("1,nan", ["--per-chat-rates: expected positive finite rates"]),
    ("1,fast", ["--per-chat-rates: expected comma-separated numbers", "'1,fast'"]),
])
def test_bad_rates(rates, fragments, capsys, user_error):
    code, out, err = run([*BASE, "--per-chat-rates", rates], capsys)
    user_error(code, out, err, fragments, "--per-chat-rates")


def test_unstable_without_patience(capsys, user_error):
    argv = [a if a != "1" else "0" for a in BASE]  # --patience-rate 0 (and seed 0)
    code, out, err = run([*argv, "--arrival-rate", "9", "--per-chat-rates", "1,0.8"], capsys)
    user_error(code, out, err, ["0 needs arrival rate below", "found 9"], "--patience-rate")


def test_chain_too_large(capsys, user_error):
    argv = [*BASE, "--per-chat-rates", ",".join(["1"] * 12)]
    argv[argv.index("--agents") + 1] = "400"
    argv[argv.index("--cap") + 1] = "12"
    code, out, err = run(argv, capsys)
    user_error(code, out, err, ["states"], "--agents")


@pytest.mark.parametrize("command", [
    ["validate", "chat", "--agents", "1", "--cap", "2", "--per-chat-rates", "1,0.8"],
    ["validate", "erlang-a", "--agents", "1", "--service-rate", "1"],
])
def test_customers_that_take_too_long_to_arrive(command, capsys, user_error):
    """A slow arrival rate with the default --customers needs more days than a run may last:
    one located message, not pydantic's internal error (both validate commands)."""
    code, out, err = run([*command, "--arrival-rate", "0.0001", "--patience-rate", "0.5"],
                         capsys)
    user_error(code, out, err, ["take 1388890 days", "--arrival-rate at least",
                                "--customers at most 525"], "--customers")


@pytest.mark.parametrize("command", [
    ["validate", "chat", "--cap", "2", "--per-chat-rates", "0.05,0.03"],
    ["validate", "erlang-a", "--service-rate", "0.05"],
])
def test_a_year_and_more_of_arrivals_runs(command, capsys):
    """6000 customers at 0.01/min take 418 days (more than a 366-day pay period): it runs."""
    code, out, err = run([*command, "--agents", "1", "--arrival-rate", "0.01",
                          "--patience-rate", "0.02", "--customers", "6000", "--reps", "2",
                          "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["params"]["days"] == 418


def test_intervals_stay_inside_what_each_measure_can_take():
    """Two replications with P(abandon) 0 and 0.05: the plain t interval is 0.025 +- 12.7 x
    0.025, far below 0; the reported one stays in [0, 1], and open chats per agent in
    [0, cap], around the same mean and standard error."""
    from policysim.experiment.stats import mean_ci
    from policysim.validation.check import simulated_intervals

    sims = {"p_abandon": [0.0, 0.05], "p_wait": [0.9, 0.999], "mean_wait": [0.0, 0.4],
            "mean_chats_per_agent": [1.9, 2.0]}
    out = simulated_intervals(sims, {"p_abandon": 1.0, "p_wait": 1.0, "mean_wait": None,
                            "mean_chats_per_agent": 2.0})
    assert mean_ci(sims["p_abandon"])["ci_low"] < 0  # what used to be printed
    for key, highs in (("p_abandon", 1.0), ("p_wait", 1.0), ("mean_wait", None),
                       ("mean_chats_per_agent", 2.0)):
        ci, plain = out[key], mean_ci(sims[key])
        assert 0.0 <= ci["ci_low"] <= ci["mean"] <= ci["ci_high"]
        assert highs is None or ci["ci_high"] <= highs
        assert ci["mean"] == plain["mean"] and ci["se"] == plain["se"]


@pytest.mark.parametrize("command", [
    ["validate", "chat", "--agents", "2", "--cap", "2", "--per-chat-rates", "1,0.8"],
    ["validate", "erlang-a", "--agents", "2", "--service-rate", "1"],
])
@pytest.mark.parametrize("flag,value,fragment", [
    ("--arrival-rate", "nan", "expected a finite number, found nan"),
    ("--arrival-rate", "inf", "expected a finite number, found inf"),
    ("--arrival-rate", "0", "expected a number greater than 0, found 0"),
    ("--arrival-rate", "-1", "expected a number greater than 0, found -1"),
    ("--patience-rate", "nan", "expected a finite number, found nan"),
    ("--patience-rate", "-0.5", "expected a number of at least 0, found -0.5"),
])
def test_rates_that_are_not_numbers_or_not_positive(command, flag, value, fragment, capsys,
                                                    user_error):
    """nan is named as nan (it used to read 'greater than or equal to 1e-9'), in both
    validate commands."""
    rates = {"--arrival-rate": "1", "--patience-rate": "1", flag: value}
    code, out, err = run([*command, *(x for kv in rates.items() for x in kv)], capsys)
    user_error(code, out, err, [fragment], flag)


@pytest.mark.parametrize("value,fragment", [("nan", "finite number, found nan"),
                                            ("0", "greater than 0, found 0")])
def test_erlang_service_rate(value, fragment, capsys, user_error):
    code, out, err = run(["validate", "erlang-a", "--agents", "2", "--arrival-rate", "1",
                          "--patience-rate", "1", "--service-rate", value], capsys)
    user_error(code, out, err, [fragment], "--service-rate")
