"""A plain `policysim run` of the default store does not load modules it never uses.

Loading ``scipy.stats`` takes about a second, as long as a short run: the modules that need it
(the fill rules of ``model.routed_share``, confidence intervals of several replications, the
career ladder's ranks) import it where it is used. This test runs the CLI in a fresh
interpreter on the baseline store (one replication, one day, default routing) and fails if
``scipy.stats`` was loaded anyway. It checks which modules are loaded, not a time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from policysim.cli import main
try:
    main(["run", "scenarios/baseline.yaml", "--days", "1", "--reps", "1", "--json"])
except SystemExit as e:
    assert not e.code, e.code
print("LOADED" if "scipy.stats" in sys.modules else "NOT LOADED", file=sys.stderr)
"""


def test_default_run_does_not_load_scipy_stats():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "NOT LOADED"


def test_a_fill_rule_does_load_it():
    """The check can fail: least-loaded routing averages over the Poisson open-chat count,
    so scipy.stats is loaded in that run."""
    script = SCRIPT.replace('"--json"', '"--json", "--set", "service.routing.mode=least_loaded"')
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "LOADED"
