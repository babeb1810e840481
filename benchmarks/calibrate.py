"""Benchmark: ``policysim calibrate`` on one million chat rows (issue 14: <= 60 s, < 2 GB).

Usage::

    .venv/bin/python benchmarks/calibrate.py [RECORDS_DIR]

RECORDS_DIR holds chats.csv, roster.csv and payroll.csv. Without it the records are made
first (once, cached in benchmarks/.cache/records_1m/) by ``policysim run
scenarios/baseline.yaml --days 250 --reps 1 --records ...``: about 1.0 million chats of the
baseline store under its commission scheme. The clock covers reading the tables, every
estimator and writing the scenario (a fresh interpreter, imports excluded); ``ru_maxrss`` is
the peak resident memory of that process. Numbers are printed, never asserted.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "records_1m"


def make_records() -> Path:
    folder = CACHE / "rep000"
    if not (folder / "chats.csv").exists():
        exe = Path(sys.executable).with_name("policysim")
        subprocess.run([str(exe), "run", "scenarios/baseline.yaml", "--days", "250", "--reps",
                        "1", "--workers", "1", "--records", str(CACHE)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    return folder


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else make_records()
    from policysim.calibration.scenario import calibrate, scenario_yaml

    start = time.perf_counter()
    cal = calibrate(folder / "chats.csv", folder / "roster.csv", folder / "payroll.csv")
    text = scenario_yaml(cal, str(folder))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "store.yaml").write_text(text)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(f"chat rows: {len(cal.records.chats):,}")
    print(f"calibrate wall time: {wall:.1f} s (target <= 60 s); "
          f"cpu user+sys {cpu.ru_utime + cpu.ru_stime:.1f} s")
    print(f"peak memory: {peak_mb:,.0f} MB (target < 2048 MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
