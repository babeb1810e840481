"""Bad sorting-at-hiring and career-ladder inputs (issue 13 item 6): one located message,
exit code 2, no traceback, through ``policysim run`` (the contract of ``check_user_error``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store_fixtures import OK  # a valid tiny scenario; the cases add lines 9-

LADDER = """\
ladder:
  review_months: 6
  levels:
    - {name: trainee, min_tenure_months: 0, min_score: 0, cap: 3}
    - {name: junior, min_tenure_months: 6, min_score: 60, cap: 4}
"""

CASES = [
    ("sorting_strength_negative", "hiring: {sorting_strength: -1}\n",
     ["{f}:8: hiring.sorting_strength", "at least 0", "found -1"]),
    ("sorting_strength_text", "hiring: {sorting_strength: strong}\n",
     ["{f}:8: hiring.sorting_strength", "a number", "found 'strong'"]),
    ("ladder_tenure_not_ordered", LADDER.replace("min_tenure_months: 6", "min_tenure_months: -0")
     .replace("min_tenure_months: 0,", "min_tenure_months: 3,"),
     ["{f}:12: ladder.levels.1.min_tenure_months", "at least the level below (trainee: 3",
      "found 0"]),
    ("ladder_score_not_ordered", LADDER.replace("min_score: 0", "min_score: 70"),
     ["{f}:12: ladder.levels.1.min_score", "at least the level below (trainee: 70", "found 60"]),
    ("ladder_negative_months", LADDER.replace("min_tenure_months: 6", "min_tenure_months: -6"),
     ["{f}:12: ladder.levels.1.min_tenure_months", "at least 0", "found -6"]),
    ("ladder_negative_review_months", LADDER.replace("review_months: 6", "review_months: -1"),
     ["{f}:9: ladder.review_months", "at least 1", "found -1"]),
    ("ladder_cap_below_1", LADDER.replace("cap: 4", "cap: 0"),
     ["{f}:12: ladder.levels.1.cap", "at least 1", "found 0"]),
    ("ladder_cap_above_platform", LADDER.replace("cap: 4", "cap: 9"),
     ["{f}:12: ladder.levels.1.cap", "at most the largest platform cap 5", "found 9"]),
    ("ladder_negative_weight", LADDER.replace("cap: 4}", "cap: 4, routing_weight: -2}"),
     ["{f}:12: ladder.levels.1.routing_weight", "at least 0", "found -2"]),
    ("ladder_negative_pay_coefficient", LADDER.replace("cap: 4}", "cap: 4, pay_coefficient: -1}"),
     ["{f}:12: ladder.levels.1.pay_coefficient", "at least 0", "found -1"]),
    ("ladder_no_levels", "ladder: {review_months: 6, levels: []}\n",
     ["{f}:8: ladder.levels", "at least 1 item"]),
    ("ladder_unknown_score_metric", LADDER.replace("review_months: 6", "score_metric: luck"),
     ["{f}:9: ladder.score_metric", "found 'luck'"]),
    ("ladder_duplicate_level", LADDER.replace("name: junior", "name: trainee"),
     ["{f}:10: ladder.levels", "unique"]),
]


@pytest.mark.parametrize("name,extra,fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_workforce_input_is_one_located_message(cli, user_error, tmp_path: Path, name, extra,
                                                    fragments):
    path = tmp_path / "scenario.yaml"
    path.write_text(OK + extra)
    code, out, err = cli(["run", path, "--workers", "1"])
    user_error(code, out, err, [f.format(f=path) for f in fragments], str(path))
