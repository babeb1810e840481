"""Bad sorting-at-hiring and career-ladder inputs (issue 13 item 6): one located message,
exit code 2, no traceback, through ``policysim run`` (the contract of ``check_user_error``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: A valid tiny scenario (as tests/reliability/conftest.py's ``OK``); the cases add lines 9-.
OK = """\
name: ok
sim: {days: 1, reps: 1, seed: 1}
demand: {daily_volume: 20}
teams:
  - {name: A, agents: 1}
schemes:
  commission: {base_salary: 3000, commission: {rate: 0.01}}
"""

CASES = [
    ("sorting_strength_negative", "hiring: {sorting_strength: -1}\n",
     ["{f}:8: hiring.sorting_strength", "at least 0", "found -1"]),
    ("sorting_strength_text", "hiring: {sorting_strength: strong}\n",
     ["{f}:8: hiring.sorting_strength", "a number", "found 'strong'"]),
]


@pytest.mark.parametrize("name,extra,fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_workforce_input_is_one_located_message(cli, user_error, tmp_path: Path, name, extra,
                                                    fragments):
    path = tmp_path / "scenario.yaml"
    path.write_text(OK + extra)
    code, out, err = cli(["run", path, "--workers", "1"])
    user_error(code, out, err, [f.format(f=path) for f in fragments], str(path))
