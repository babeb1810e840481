"""docs/model.md documents every scenario field with the default the code uses.

The project's standard is "every equation and default in docs/model.md with its source", and
docs/model.md "describes what is built". This test walks the scenario schema
(``policysim.config.schema.Scenario`` and the models nested in it) and the config tables of
docs/model.md (rows ``| `field` | default | unit | source / reason |``) and checks that

- every leaf field of the schema (a field that is not itself a model or a list/dict of
  models) has a row;
- every row names a field the schema has (no renamed or removed fields);
- every documented default that is a plain value (a number, true/false, a word or quoted
  text, null/none, ``[]``/``{}``, a date, a time of day "HH:MM" or a list of numbers) is the
  schema's default, and ``(required)`` rows are fields without a default.

Paths: ``a.b`` for nested models, ``a[*].b`` for an entry of a list of models, ``a.*.b`` for a
value of a dict of models (docs write an upper-case placeholder: ``schemes.NAME``,
``kpi.metrics.M``). A table under a heading "### Config: `X`" names fields relative to ``X``
("### Config: each entry of `X`": relative to ``X[*]``); any other table names them from the
top of the scenario (``sim.days``, ``rota.days_on``, ``teams[*].name``). One cell may name
several fields, "`start_hour`, `end_hour`" (siblings of the first), with one default each
("00:00, 24:00") or one default for all.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from policysim.config.schema import Scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"

#: Fields the doc describes only in prose (with their default), not in a table row. Keep it
#: short: prefer adding a row to docs/model.md.
PROSE_ONLY: dict[str, str] = {}

REQUIRED = object()  # the "default" of a field without one
NOT_PLAIN = object()  # a default cell this test does not read (a description, a reference)


# ------------------------------------------------------------------------------ the schema


def _strip(annotation: object) -> object:
    """Drop ``Annotated[...]`` and ``| None`` around a type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _model(annotation: object) -> tuple[str, type[BaseModel]] | None:
    """("model" | "list" | "dict", the model) if ``annotation`` holds a config model."""
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and args:
        inner = _strip(args[0])
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return "list", inner
    if origin is dict and len(args) == 2:
        inner = _strip(args[1])
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return "dict", inner
    return None


def schema_fields(
    model: type[BaseModel] = Scenario, prefix: str = ""
) -> dict[str, tuple[object, bool]]:
    """{path: (default or REQUIRED, is a leaf)} of every field of ``model``, recursively."""
    out: dict[str, tuple[object, bool]] = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        default = REQUIRED if info.is_required() else info.get_default(call_default_factory=True)
        nested = _model(info.annotation)
        out[path] = (default, nested is None)
        if nested is not None:
            kind, inner = nested
            sub = {"model": f"{path}.", "list": f"{path}[*].", "dict": f"{path}.*."}[kind]
            out.update(schema_fields(inner, sub))
    return out


# ------------------------------------------------------------------------------ the doc

_FIELD_HEADER = re.compile(r"^\|\s*field\s*\|\s*default\s*\|")
_CONFIG_HEADING = re.compile(r"^#{2,}\s*Config:(.*)$")


def _normalise(path: str) -> str:
    """``schemes.NAME.kpi.metrics.M.weight`` -> ``schemes.*.kpi.metrics.*.weight``."""
    return ".".join("*" if re.fullmatch(r"[A-Z]+", part) else part for part in path.split("."))


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _split_top(text: str) -> list[str]:
    """Split at commas outside parentheses and backticks."""
    parts, depth, tick, current = [], 0, False, ""
    for ch in text:
        if ch == "`":
            tick = not tick
        elif ch == "(" and not tick:
            depth += 1
        elif ch == ")" and not tick:
            depth -= 1
        if ch == "," and depth == 0 and not tick:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def doc_rows(text: str | None = None) -> list[tuple[int, str, str]]:
    """(line number, field path, default cell) of every row of docs/model.md's config tables."""
    lines = (DOC.read_text(encoding="utf-8") if text is None else text).splitlines()
    rows: list[tuple[int, str, str]] = []
    prefix = ""
    in_table = False
    for number, line in enumerate(lines, start=1):
        if line.startswith("#"):
            match = _CONFIG_HEADING.match(line)
            if match:
                names = re.findall(r"`([^`]+)`", match.group(1))
                assert names, f"docs/model.md:{number}: a Config heading names no section"
                prefix = _normalise(names[-1]) + ("[*]" if "each entry of" in line else "") + "."
            else:
                prefix = ""
            in_table = False
            continue
        if _FIELD_HEADER.match(line):
            in_table = True
            continue
        if not in_table:
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        cells = _cells(line)
        if set(cells[0]) <= set("-: "):
            continue  # the |---| line
        names = [n.strip() for n in _split_top(cells[0])]
        assert all(re.fullmatch(r"`[^`]+`", n) for n in names), (
            f"docs/model.md:{number}: a field cell of `names` separated by commas, "
            f"found {cells[0]!r}")
        names = [n.strip("`") for n in names]
        defaults = _split_top(cells[1])
        if len(names) > 1 and len(defaults) != len(names):
            defaults = [cells[1]] * len(names)
        parent = names[0].rsplit(".", 1)[0] + "." if "." in names[0] else ""
        for i, name in enumerate(names):
            full = name if i == 0 or "." in name else parent + name
            cell = defaults[i] if len(names) > 1 else cells[1]
            rows.append((number, prefix + _normalise(full), cell))
    return rows


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"


def parse_default(cell: str) -> object:
    """The value a default cell states: REQUIRED, a plain value, or NOT_PLAIN."""
    text = cell.strip()
    if text.startswith("(required)"):
        return REQUIRED
    pairs = re.findall(rf"\(({_NUMBER}):\s*({_NUMBER})\)", text)  # KPI tiers "(90: 3000), ..."
    if pairs and re.fullmatch(r"(\([^()]*\)[,\s]*)+", text):
        return [[float(a), float(b)] for a, b in pairs]
    spans = re.findall(rf"((?:{_NUMBER}\s*,\s*)*{_NUMBER}) for (\d\d)-(\d\d)", text)
    if spans and re.fullmatch(r"([^;]+ for \d\d-\d\d;?\s*)+", text):  # "0 for 00-08; 3,5 for ..."
        hours: list[float] = []
        for values, start, end in spans:
            numbers = [float(v) for v in values.split(",")]
            width = int(end) - int(start)
            hours += numbers * width if len(numbers) == 1 else numbers
            assert len(numbers) in (1, width), (
                f"{width} hourly values for {start}-{end} in {cell!r}")
        return hours
    bare = re.sub(r"\s*\([^()]*\)\s*$", "", text).strip()  # a trailing remark "(at most 3)"
    items = [i.strip() for i in bare.split(",")]
    if len(items) > 1 and all(re.fullmatch(_NUMBER, i) for i in items):
        return [float(i) for i in items]
    token = text.split()[0].rstrip(",;")
    if token in ("[]", "{}"):
        return [] if token == "[]" else {}
    if token.lower() in ("null", "none"):
        return None
    if token in ("true", "false"):
        return token == "true"
    if re.fullmatch(_NUMBER, token):
        return float(token)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", token):
        return dt.date.fromisoformat(token)
    if re.fullmatch(r"\d{1,2}:\d{2}", token):
        hours, minutes = token.split(":")
        return int(hours) + int(minutes) / 60.0
    if re.fullmatch(r'"[^"]*"', token):
        return token[1:-1]
    if re.fullmatch(r"[a-z_][a-z0-9_]*", token):
        return token
    return NOT_PLAIN


def _same(doc: object, code: object) -> bool | None:
    """Whether a documented default is the schema's; None where they cannot be compared."""
    if doc is NOT_PLAIN:
        return None
    if doc is REQUIRED or code is REQUIRED:
        return doc is code
    if doc is None or code is None:
        return doc is code
    if isinstance(doc, (list, dict)) and not doc:
        return isinstance(code, (list, dict)) and not code
    if isinstance(doc, list):
        if isinstance(code, list) and code and all(isinstance(c, BaseModel) for c in code):
            code = [list(c.model_dump().values()) for c in code]  # KPI tiers as (score, bonus)
        if not isinstance(code, list) or len(code) != len(doc):
            return False
        return all(_same(d, c) for d, c in zip(doc, code))
    if isinstance(code, (list, dict, BaseModel)):
        return None  # a scalar in a cell of a list or model field is a description
    if isinstance(doc, bool) or isinstance(code, bool):
        return doc is code
    if isinstance(doc, float):
        return isinstance(code, (int, float)) and math.isclose(doc, code, rel_tol=1e-12)
    return doc == code


def _show(value: object) -> str:
    if value is REQUIRED:
        return "(required)"
    if isinstance(value, BaseModel):
        return repr(value)
    if value is None:
        return "null"
    return str(value).lower() if isinstance(value, bool) else repr(value)


# ------------------------------------------------------------------------------ tests


def test_every_schema_field_is_documented():
    documented = {path for _, path, _ in doc_rows()}
    leaves = [p for p, (_, leaf) in schema_fields().items() if leaf]
    missing = [p for p in leaves if p not in documented and p not in PROSE_ONLY]
    assert not missing, (
        "docs/model.md has no table row for these scenario fields (add "
        "'| `field` | default | unit | source / reason |' under the section's Config table):\n  "
        + "\n  ".join(missing))


def test_every_documented_field_exists():
    fields = schema_fields()
    unknown = [f"docs/model.md:{n}: `{p}`" for n, p, _ in doc_rows() if p not in fields]
    assert not unknown, ("docs/model.md documents fields the scenario schema does not have "
                         "(renamed or removed?):\n  " + "\n  ".join(unknown))


def test_documented_defaults_are_the_schema_defaults():
    fields = schema_fields()
    wrong = []
    for number, path, cell in doc_rows():
        if path not in fields:
            continue  # reported by test_every_documented_field_exists
        code = fields[path][0]
        if _same(parse_default(cell), code) is False:
            wrong.append(f"docs/model.md:{number} says {cell!r} for {path}, "
                         f"the schema's default is {_show(code)}")
    assert not wrong, "documented defaults that are not the code's:\n  " + "\n  ".join(wrong)


def test_the_check_reads_tables_and_can_fail():
    """The parser reads a table as the doc writes it, and a wrong default is caught."""
    text = "\n".join([
        "### Config: `service`", "",
        "| field | default | unit | source / reason |",
        "|---|---|---|---|",
        "| `reply_base_s` | 9 | s | a wrong default |",
        "| `routing.mode` | sticky | - | - |",
        "| `concurrency.per_chat_rate` | null (use `concurrency_alpha`) | - | - |",
        "", "### Config: each entry of `demand.events`", "",
        "| field | default | unit | source / reason |",
        "|---|---|---|---|",
        "| `start_hour`, `end_hour` | 00:00, 24:00 | time of day | whole day |",
        "| `name` | (required) | - | - |",
        "", "## 12. Other", "",
        "| field | default | unit | source / reason |",
        "|---|---|---|---|",
        "| `schemes.NAME.kpi.metrics.M.weight` | (required) | - | - |",
    ])
    rows = doc_rows(text)
    assert [p for _, p, _ in rows] == [
        "service.reply_base_s", "service.routing.mode", "service.concurrency.per_chat_rate",
        "demand.events[*].start_hour", "demand.events[*].end_hour", "demand.events[*].name",
        "schemes.*.kpi.metrics.*.weight"]
    fields = schema_fields()
    verdicts = [_same(parse_default(cell), fields[p][0]) for _, p, cell in rows]
    assert verdicts == [False, True, True, True, True, True, True]
    assert parse_default("0.25 (at most 3)") == 0.25
    assert parse_default("1.0, 0.95, 0.95 (Monday first)") == [1.0, 0.95, 0.95]
    assert parse_default("`agents.default_*`") is NOT_PLAIN
    assert parse_default("(90: 3000), (0: 1000)") == [[90.0, 3000.0], [0.0, 1000.0]]
    assert parse_default("0 for 00-02; 3,5 for 02-04") == [0.0, 0.0, 3.0, 5.0]
    assert _same(parse_default("4000"), 4000.0 * (1 + 1e-13)) is True
    assert _same(parse_default("4000"), 4000.0 * (1 + 1e-11)) is False
