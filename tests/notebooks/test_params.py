"""The parameter check the notebooks run first."""

from __future__ import annotations

import pytest

from policysim.errors import UserError
from policysim.report import params as P


def namespace(**changes):
    ns = {
        **P.defaults("scenario_report"),
        "In": [],
        "Out": {},
        "_": None,
        "Optional": object(),
        **changes,
    }
    return ns


def test_defaults_pass_and_are_returned_typed():
    got = P.check("scenario_report", namespace(reps=3.0, seed=7))
    assert got["reps"] == 3 and isinstance(got["reps"], int) and got["seed"] == 7


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"rep": 3}, "unknown parameter(s) rep for notebook scenario_report"),
        ({"reps": "10"},
         "reps: expected a whole number of at least 1, auto or None, found '10' (str)"),
        ({"reps": "Auto"}, "reps: expected a whole number of at least 1, auto or None"),
        ({"reps": True}, "reps: expected a whole number"),
        ({"days": 2.5}, "days: expected a whole number"),
        ({"scenario": None}, "scenario: expected a string, found None"),
        ({"workers": -1}, "workers: expected a whole number of at least 0"),
    ],
)
def test_unknown_or_ill_typed_parameters_are_refused(changes, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        P.check("scenario_report", namespace(**changes))


def test_reps_auto_is_the_default_of_the_comparison_notebooks_only():
    assert P.check("scenario_report", namespace())["reps"] == "auto"
    assert P.from_cli("compare_schemes", [("reps", "auto")]) == {"reps": "auto"}
    assert P.defaults("validation")["reps"] is None
    with pytest.raises(UserError, match="-p reps: expected a whole number of at least 1 or "
                       "None, found 'auto'"):
        P.from_cli("sensitivity", [("reps", "auto")])


def test_cli_texts_are_read_as_the_declared_type():
    got = P.from_cli("policy_switch", [("reps", "4"), ("switch_day", "None"), ("current", "kpi")])
    assert got == {"reps": 4, "switch_day": None, "current": "kpi"}
    got = P.from_cli("validation", [("patience_rate", "0.25"), ("agents", "3")])
    assert got == {"patience_rate": 0.25, "agents": 3}


def test_unknown_notebook():
    with pytest.raises(UserError, match="--notebook: one of scenario_report"):
        P.spec("report")


def test_a_one_item_list_may_come_as_a_number():
    ns = {**P.defaults("validation"), "loads": 0.9}
    assert P.check("validation", ns)["loads"] == "0.9"
    with pytest.raises(UserError, match="scenario: expected a string"):
        P.check("validation", {**ns, "scenario": 3})


def test_a_parameter_given_twice_is_refused_not_last_wins():
    with pytest.raises(UserError, match=r"-p reps: given twice \('2' and '3'\); give it once"):
        P.from_cli("scenario_report", [("reps", "2"), ("days", "5"), ("reps", "3")])
