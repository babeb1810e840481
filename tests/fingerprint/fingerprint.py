"""Result fingerprints: a hash of what ``policysim run SCENARIO --json`` prints.

A refactor must not change any result. The fingerprint of a run is the SHA-256 of its JSON
metrics (canonical form: sorted keys, floats as ``repr``), so any change in any digit of any
metric changes it. ``fingerprints.json`` beside this file records the fingerprints of the
committed scenarios; ``test_fingerprint.py`` recomputes them.

Regenerate (only when a change of results is intended, and say so in the commit)::

    .venv/bin/python tests/fingerprint/fingerprint.py --write
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORD = Path(__file__).with_name("fingerprints.json")

#: (label, scenario file, extra CLI arguments). The first is the issue's contract: the
#: baseline exactly as ``policysim run scenarios/baseline.yaml --json`` runs it.
CASES = [
    ("baseline", "scenarios/baseline.yaml", []),
    ("baseline-kpi-60d", "scenarios/baseline.yaml", ["--scheme", "kpi", "--days", "60", "--reps", "2"]),
    ("baseline-contest-60d", "scenarios/baseline.yaml",
     ["--scheme", "group_contest", "--days", "60", "--reps", "2"]),
    ("new_store-60d", "scenarios/new_store.yaml", ["--days", "60", "--reps", "2"]),
    ("double11-60d", "scenarios/double11.yaml", ["--days", "60", "--reps", "2"]),
    ("large_team-30d", "scenarios/large_team.yaml", ["--days", "30", "--reps", "1"]),
    ("policy_switch-240d", "scenarios/policy_switch.yaml",
     ["--scheme", "switch", "--days", "240", "--reps", "1"]),
]


def digest(metrics: dict) -> str:
    """SHA-256 of metrics in canonical form."""
    text = json.dumps(metrics, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def run_case(scenario: str, args: list[str]) -> str:
    """Fingerprint of ``policysim run SCENARIO ARGS --json`` run from the project root."""
    exe = Path(sys.executable).with_name("policysim")
    cmd = [str(exe), "run", scenario, *args, "--json"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return digest(json.loads(out)["metrics"])


def main(argv: list[str]) -> None:
    labels = [a for a in argv if not a.startswith("--")]
    found = {label: run_case(s, a) for label, s, a in CASES if not labels or label in labels}
    print(json.dumps(found, indent=2))
    if "--write" in argv:
        old = json.loads(RECORD.read_text()) if RECORD.exists() else {}
        old.update(found)
        RECORD.write_text(json.dumps(old, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
