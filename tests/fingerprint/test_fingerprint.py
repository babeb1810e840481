"""Every committed scenario gives the results it gave when its fingerprint was recorded.

The fingerprint hashes every digit of every metric of ``policysim run ... --json``
(``fingerprint.py``), so this test fails on any change of any result. A change of results
that is intended (a model change) re-records the fingerprints in the same commit and says so.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("fingerprint", Path(__file__).with_name("fingerprint.py"))
fp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fp)

RECORDED = json.loads(fp.RECORD.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("label,scenario,args", fp.CASES, ids=[c[0] for c in fp.CASES])
def test_fingerprint_unchanged(label, scenario, args):
    assert label in RECORDED, f"no recorded fingerprint for {label}: run fingerprint.py --write"
    assert fp.run_case(scenario, args) == RECORDED[label]


def test_digest_sees_the_last_digit():
    a = {"x": 0.1 + 0.2, "y": 1.0}
    b = {"x": 0.3, "y": 1.0}
    assert fp.digest(a) != fp.digest(b)
    assert fp.digest(a) == fp.digest(dict(reversed(list(a.items()))))
