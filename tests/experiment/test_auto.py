"""``--reps auto`` (issue 12 item 1): batches until precise or capped, said which; results
of replication r independent of the batch; warnings below 10 replications; no interval
and no star with one."""

from __future__ import annotations

import json

import pytest

from policysim.errors import UserError
from policysim.experiment.auto import (
    PRECISION,
    next_reps,
    parse_precision,
    replicate_until,
    target,
)
from policysim.results.measures import HEADLINE

SCENARIO = """
name: tiny
sim: {days: 6, reps: 3, seed: 5, period_days: 3}
demand: {daily_volume: 300}
teams: [{name: A, agents: 3}]
schemes:
  commission: {base_salary: 3000, commission: {rate: 0.01}}
  kpi: {base_salary: 3500, kpi: {metrics: {rating: {weight: 1, target: 4.6, floor: 3.6}}}}
"""


class Fake:
    """Replications whose half-width shrinks as h0 / sqrt(R)."""

    def __init__(self, h0: float, precision: float = 1.0):
        self.h0, self.precision, self.batches, self.n = h0, precision, [], 0

    def run(self, first: int, stop: int) -> None:
        assert first == self.n  # batches follow each other, nothing run twice
        self.batches.append((first, stop))
        self.n = stop

    def widths(self) -> dict:
        return {"x": {"half_width": self.h0 / self.n ** 0.5, "precision": self.precision}}


def test_stops_at_the_first_batch_when_already_precise():
    f = Fake(h0=3.0)  # 3 / sqrt(10) < 1
    res = replicate_until(f.run, f.widths)
    assert (res.reps, res.stopped, f.batches) == (10, "precision", [(0, 10)])
    assert res.unmet() == [] and "every headline 95% interval is within" in res.text()


def test_adds_what_the_square_root_law_asks_for_then_stops_on_precision():
    f = Fake(h0=4.0)  # needs R >= 16: 10 -> ceil(10 x (4/sqrt(10))^2) = 16
    res = replicate_until(f.run, f.widths)
    assert f.batches == [(0, 10), (10, 16)] and (res.reps, res.stopped) == (16, "precision")


def test_stops_at_the_cap_and_says_what_is_still_too_wide():
    f = Fake(h0=100.0)
    res = replicate_until(f.run, f.widths, cap=40)
    assert f.batches == [(0, 10), (10, 20), (20, 40)]  # at most doubling
    assert (res.reps, res.stopped, res.unmet()) == (40, "cap", ["x"])
    assert "stopped at the cap of 40 replications" in res.text()
    assert res.public()["stopped"] == "cap" and res.public()["max_reps"] == 40


def test_a_cap_below_the_first_batch_is_the_first_batch():
    f = Fake(h0=100.0)
    res = replicate_until(f.run, f.widths, cap=4)
    assert f.batches == [(0, 4)] and (res.reps, res.stopped) == (4, "cap")


def test_a_cap_of_one_replication_does_not_claim_precision():
    """One replication gives no interval, so nothing is measured: that is the cap, not
    "every headline interval is within its precision"."""
    res = replicate_until(lambda first, stop: None, lambda: {}, cap=1)
    assert (res.reps, res.stopped) == (1, "cap")
    assert "within its precision" not in res.text() and "too few for a 95% interval" in res.text()


def test_next_reps_grows_by_at_least_a_step():
    w = {"x": {"half_width": 1.01, "precision": 1.0}}
    assert next_reps(10, w, 5, 40) == 15
    assert next_reps(38, w, 5, 40) == 40


def test_precision_defaults_and_overrides():
    assert set(PRECISION) == set(HEADLINE)
    got = parse_precision(["abandon_rate=0.01", "revenue=3%"])
    assert got["abandon_rate"] == 0.01 and got["revenue"] == "3%"
    assert target("3%", -200_000.0) == pytest.approx(6_000.0) and target(0.01, 5.0) == 0.01
    for bad, says in [("abandon_rate", "expected METRIC=VALUE"),
                      ("inquiries=3", "expected one of the headline metrics"),
                      ("revenue=-2%", "expected a positive number"),
                      ("revenue=lots", "expected a positive number")]:
        with pytest.raises(UserError, match=says):
            parse_precision([bad])


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO)
    return path


def test_auto_in_the_cli_equals_a_fixed_number_of_replications(tiny, cli):
    """Stopping at the cap of 11 replications (the precision cannot be met in 6 days) gives
    exactly what --reps 11 gives: replication r does not depend on its batch."""
    code, out, _ = cli(["compare", tiny, "--json", "--workers", "1", "--reps", "auto",
                        "--max-reps", "11", "--precision", "first_response_mean_s=0.0001"])
    auto = json.loads(out)
    assert code == 0 and auto["reps"] == 11 and auto["reps_auto"]["stopped"] == "cap"
    assert auto["reps_auto"]["precision"]["first_response_mean_s"]["precision"] == 0.0001
    code, out, _ = cli(["compare", tiny, "--json", "--workers", "1", "--reps", "11"])
    fixed = json.loads(out)
    # the same warnings (the tiny store pays implausibly: plausibility notes, no few-reps one)
    assert "reps_auto" not in fixed and auto["warnings"] == fixed["warnings"]
    assert not any("replication" in w for w in fixed["warnings"]), fixed["warnings"]
    assert auto["schemes"] == fixed["schemes"] and auto["differences"] == fixed["differences"]


def test_auto_stops_on_precision_and_says_so(tiny, cli):
    loose = [f"--precision={k}=1000%" for k in HEADLINE]  # any interval is precise enough
    code, out, err = cli(["run", tiny, "--workers", "1", "--reps", "auto", *loose])
    assert code == 0, err
    assert "10 replications" in out and "every headline 95% interval is within" in out


@pytest.mark.parametrize("args,says", [
    (["--reps", "lots"], "Invalid value for '--reps'"),
    (["--reps", "0"], "Invalid value for '--reps'"),
    (["--reps", "3", "--precision", "revenue=2%"], "--precision: only with --reps auto"),
    (["--reps", "3", "--max-reps", "5"], "--max-reps: only with --reps auto"),
    (["--max-reps", "5"], "--max-reps: only with --reps auto"),  # was silently ignored
    (["--reps", "auto", "--precision", "revenue"], "expected METRIC=VALUE"),
])
def test_bad_reps_and_precision_are_refused(tiny, cli, args, says):
    code, out, err = cli(["run", tiny, "--workers", "1", *args])
    assert code == 2 and says in err and "Traceback" not in err


def test_below_ten_replications_every_output_warns(tiny, cli):
    code, out, _ = cli(["run", tiny, "--workers", "1", "--reps", "3"])
    assert "warning: only 3 replications" in out and "95% CI" in out
    code, out, err = cli(["compare", tiny, "--workers", "1", "--reps", "3", "--json"])
    assert json.loads(out)["warnings"][0].startswith("only 3 replications")
    assert "warning: only 3 replications" in err


def test_one_replication_shows_no_interval_and_no_star(tiny, cli):
    code, out, _ = cli(["run", tiny, "--workers", "1", "--reps", "1"])
    assert "95% CI" not in out and "[" not in out and "1 replication," in out
    assert "warning: 1 replication: no confidence intervals" in out
    code, out, _ = cli(["compare", tiny, "--workers", "1", "--reps", "1"])
    table = out.split("(paired)", 1)[1]
    assert "*" not in table and "[" not in table


@pytest.mark.parametrize("command", ["run", "compare"])
def test_auto_stopped_below_10_by_max_reps_says_raise_max_reps(tiny, cli, command):
    """The few-replications warning used to tell a --reps auto run to 'use --reps auto'."""
    code, out, err = cli([command, tiny, "--workers", "1", "--reps", "auto", "--max-reps", "3",
                          "--json"])
    assert code == 0, err
    warnings = json.loads(out)["warnings"]
    few = [w for w in warnings if "replications" in w and "wide" in w]
    assert few == ["only 3 replications (--reps auto stopped at --max-reps 3): 95% intervals "
                   "are wide and can mislead; give --max-reps 10 or more"], warnings
