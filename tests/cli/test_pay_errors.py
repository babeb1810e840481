"""Bad pay-scheme input gives one located message and exit code 2 (issue 3)."""

from __future__ import annotations

import pytest

from policysim.cli import main

SCHEMES = {
    "negative_weight": ("  k: {kpi: {metrics: {rating: {weight: -1, target: 4}}}}",
                        ":4: schemes.k.kpi.metrics.rating.weight", "at least 0"),
    "tiers_out_of_order": ("  k: {kpi: {metrics: {rating: {weight: 1, target: 4}}, tiers: "
                           "[{min_score: 80, bonus_base: 1}, {min_score: 90, bonus_base: 2}]}}",
                           ":4: schemes.k.kpi.tiers", "strictly decreasing"),
    "unknown_metric": ("  k: {kpi: {metrics: {happiness: {weight: 1, target: 4}}}}",
                       ":4: schemes.k.kpi.metrics.happiness", "'happiness'"),
    "floor_wrong_side": ("  k: {kpi: {metrics: {first_response_s: {weight: 1, target: 20, floor: 10}}}}",
                         "schemes.k.kpi.metrics.first_response_s.floor", "above target"),
    "switch_beyond_horizon": ("  a: {base_salary: 1}\n  s:\n    schedule:\n      - {day: 0, scheme: a}\n"
                              "      - {day: 45, scheme: a}", ":8: schemes.s.schedule.1.day",
                              "below the horizon sim.days=30"),
    "switch_to_unknown": ("  s:\n    schedule:\n      - {day: 0, scheme: ghost}",
                          ":6: schemes.s.schedule.0.scheme", "none defined, found 'ghost'"),
    "second_switch_to_unknown": ("  a: {base_salary: 1}\n  s:\n    schedule:\n"
                                 "      - {day: 0, scheme: a}\n      - {day: 9, scheme: ghost}",
                                 ":8: schemes.s.schedule.1.scheme",
                                 "one of ['a'], found 'ghost'"),
    "schedule_with_components": ("  a: {base_salary: 1}\n  s: {base_salary: 5, schedule: [{day: 0, scheme: a}]}",
                                 "schemes.s", "no components beside it"),
}


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code, capsys.readouterr().err


@pytest.mark.parametrize("case", sorted(SCHEMES))
def test_bad_scheme_is_located(case, tmp_path, capsys):
    body, where, what = SCHEMES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nsim: {{days: 30}}\nschemes:\n{body}\n")
    code, err = run(["run", str(path), "--reps", "1"], capsys)
    assert code == 2
    assert "Traceback" not in err
    assert where in err and what in err, err


@pytest.mark.parametrize("flags,needle", [
    (["--schemes", "commission,nope"], "unknown scheme 'nope'"),
    (["--baseline", "nope"], "--baseline: unknown scheme 'nope'"),
    (["--baseline", ""], "--baseline: unknown scheme ''"),
    (["--schemes", ","], "--schemes: expected comma-separated scheme names, found nothing"),
    # a name left out by mistake used to be dropped silently
    (["--schemes", "commission,,commission"], "found an empty name in 'commission,,commission'"),
    (["--schemes", "commission,"], "found an empty name in 'commission,'"),
])
def test_unknown_scheme_on_the_cli(flags, needle, tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nsim: {days: 2}\ndemand: {daily_volume: 50}\nschemes:\n"
                    "  commission: {base_salary: 1, commission: {rate: 0.01}}\n")
    code, err = run(["compare", str(path), *flags, "--reps", "2"], capsys)
    assert code == 2 and needle in err, err


def test_run_with_unknown_scheme_flag(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nsim: {days: 2}\nschemes:\n  a: {base_salary: 1}\n")
    code, err = run(["run", str(path), "--scheme", "b"], capsys)
    assert code == 2 and "--scheme: one of ['a'], found 'b'" in err
