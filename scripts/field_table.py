"""Rewrite docs/validity.md's table of the full run from its saved JSON.

The full run is ``policysim validate field --reps 30 --json`` saved as
``docs/field_run.json`` (the tests check small runs against it). This script puts its
Markdown table between the ``<!-- begin: field table -->`` and ``<!-- end: field table -->``
markers of docs/validity.md; the prose around it is left as it is::

    policysim validate field --reps 30 --json --workers 2 > docs/field_run.json
    python scripts/field_table.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from policysim.validation.field import markdown

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    rows = json.loads((ROOT / "docs" / "field_run.json").read_text())["studies"]
    doc = ROOT / "docs" / "validity.md"
    text = doc.read_text()
    pat = re.compile(r"(<!-- begin: field table -->\n).*?(<!-- end: field table -->)", re.S)
    if not pat.search(text):
        print("error: docs/validity.md has no field table markers", file=sys.stderr)
        return 2
    doc.write_text(pat.sub(lambda m: m.group(1) + markdown(rows) + "\n" + m.group(2), text))
    print(f"docs/validity.md: {len(rows)} studies, {rows[0]['model']['n']} replications per arm")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
