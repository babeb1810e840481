"""Validate config data with a pydantic model and report errors where the user wrote them.

pydantic reports each error with a location (``('teams', 1, 'agents')``), a type and an
input. We turn each into a ``Problem``: the location becomes a dotted key (dropping the
parts pydantic adds that are not keys, such as the member names of a union), the line
comes from the YAML line map (the nearest enclosing key that has one, e.g. the parent for
a missing key), a key set by ``--set`` is reported as coming from that option, and the
type becomes a phrase ("a number greater than 0"). The several errors pydantic gives for
one value of a union type become one problem.

Model validators that find a problem in a field by comparing fields raise
``ValueError("end_hour: after start_hour (8 h), found 6 h")``: a leading key (relative to
the model) moves the location to that key, and ", found ..." gives the found part.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from policysim.config.pay import percent
from policysim.config.yamlio import KeyPath, apply_overrides, dotted, read_yaml
from policysim.errors import ConfigError, Problem

M = TypeVar("M", bound=BaseModel)

_PHRASES = {
    "greater_than": "a number greater than {gt}",
    "greater_than_equal": "a number of at least {ge}",
    "less_than": "a number less than {lt}",
    "less_than_equal": "a number of at most {le}",
    "multiple_of": "a multiple of {multiple_of}",
    "finite_number": "a finite number",
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing_size": "a whole number below 2^63",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "datetime_type": "a date and time (YYYY-MM-DD HH:MM)",
    "datetime_parsing": "a date and time (YYYY-MM-DD HH:MM)",
    "datetime_from_date_parsing": "a date and time (YYYY-MM-DD HH:MM)",
    "too_short": "at least {min_length} item(s)",
    "too_long": "at most {max_length} item(s)",
    "string_too_short": "at least {min_length} character(s)",
    "string_too_long": "at most {max_length} character(s)",
    "union_tag_not_found": "a {discriminator} key",
}
_KEY_PREFIX = re.compile(r"([A-Za-z_]\w*(?:\.\w+)*): (.*)", re.DOTALL)
_ABSENT = object()


def load_model(model_cls: type[M], path: str | Path, overrides: Sequence[str] = ()) -> M:
    """Read a YAML file, apply ``--set`` overrides and validate the result.

    Args:
        model_cls: The pydantic model the file describes.
        path: The YAML file.
        overrides: ``dotted.key=value`` texts from the command line.

    Returns:
        The validated model instance.

    Raises:
        ConfigError: For any problem in the file, the overrides or the values.
    """
    data, lines = read_yaml(path)
    data, sources = apply_overrides(data, overrides)
    return validate_data(model_cls, data, str(path), lines, sources)


def validate_data(
    model_cls: type[M],
    data: object,
    source: str,
    linemap: Mapping[KeyPath, int] | None = None,
    override_map: Mapping[KeyPath, str] | None = None,
) -> M:
    """Validate data, reporting errors as located problems.

    Args:
        model_cls: The pydantic model to validate with.
        data: Plain data (e.g. from ``read_yaml``).
        source: Name of where the data came from, shown in place of a file name.
        linemap: Key path -> 1-based line, from ``read_yaml``.
        override_map: Key path -> ``--set`` text, from ``apply_overrides``.

    Returns:
        The validated model instance.

    Raises:
        ConfigError: With one problem per bad location.
    """
    found_at: dict[KeyPath, tuple[list[str], str]] = {}
    try:
        model = model_cls.model_validate(data)
    except ValidationError as exc:
        error: ValidationError | None = exc
        for err in exc.errors():
            path, expected, found = _describe(err, model_cls, data)
            phrases, _ = found_at.setdefault(path, ([], found))
            if expected not in phrases:
                phrases.append(expected)
    else:
        error = None
    # pydantic reads true/false as 1/0 where a number goes: refuse it (a later problem at the
    # same key, e.g. "at least 1" for false, is this one)
    for path, expected, value in _booleans([model_cls], data, ()):
        found_at[path] = ([expected], _show(value))
    if not found_at:
        return model
    problems = [
        _locate(path, " or ".join(phrases), found, source, linemap or {}, override_map or {})
        for path, (phrases, found) in found_at.items()
    ]
    raise ConfigError(problems) from error


def _booleans(
    types: list[Any], value: object, path: KeyPath
) -> Iterator[tuple[KeyPath, str, bool]]:
    """(path, expected, value) of each true/false in ``value`` where ``types`` (the types the
    value may have) take a number but no boolean."""
    if isinstance(value, bool):
        kinds = set(types)
        if bool not in kinds and kinds & {int, float}:
            yield path, "a number" if float in kinds else "a whole number", value
        return
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for part, item in items:
        inner = [t for outer in types for t in _step(outer, part)]
        if inner:
            yield from _booleans(inner, item, (*path, part))


def _describe(err: Any, model_cls: type[BaseModel], data: object) -> tuple[KeyPath, str, str]:
    """Return the key path, expected phrase and found text of one pydantic error."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    path = _key_path(err["loc"], data, missing=kind == "missing")
    if kind == "missing":
        return path, "a value (this key is required)", "nothing"
    if kind == "extra_forbidden":
        models = _models_at(model_cls, path[:-1])
        allowed = [name for model in models for name in _fields(model)]
        expected = "no unknown keys"
        if allowed:
            expected += f" (allowed: {', '.join(dict.fromkeys(allowed))})"
        found = f"the key {path[-1]!r}"
        homes = [name for model in models for name, info in _fields(model).items()
                 if any(path[-1] in _fields(inner) for inner in _members(info.annotation)
                        if isinstance(inner, type) and issubclass(inner, BaseModel))]
        if homes:  # a key one level too high, e.g. a component's key directly under a scheme
            home = dotted((*path[:-1], homes[0], path[-1]))
            found += f", which belongs under {homes[0]!r}: {home}"
        return path, expected, found
    if kind == "invalid_key":  # a key that is not text; pydantic's loc spells it its own way
        parent = _key_path(err["loc"][:-1], data, missing=False)
        kind_name = "null" if value is None else type(value).__name__
        return ((*parent, value), "keys written as text (quote them)",
                f"the key {dotted((value,))} ({kind_name})")
    if kind in ("literal_error", "enum"):
        head, _, tail = ctx["expected"].rpartition(" or ")
        return path, f"one of {head}, {tail}" if head else tail, _show(value)
    if kind == "union_tag_invalid":  # pydantic puts it at the parent of the tag key
        tag_key = ctx["discriminator"].strip("'")
        if isinstance(value, dict) and tag_key in value:
            path, value = (*path, tag_key), value[tag_key]
        return path, f"one of {ctx['expected_tags']}", _show(value)
    if kind in ("value_error", "assertion_error"):
        return _from_message(str(ctx.get("error", err["msg"])), path, model_cls, data, value)
    if kind == "float_parsing" and isinstance(fraction := percent(value), float):
        # a percentage where only shares and rates take one: say how to write the number
        return path, f"a number (write {fraction:g} for {value.strip()})", _show(value)
    numbers = {k: f"{v:g}" if isinstance(v, float) else v for k, v in ctx.items()}
    try:
        return path, _PHRASES[kind].format(**numbers), _show(value)
    except KeyError:  # a type without a phrase (or a ctx without the expected fields)
        return path, err["msg"].removeprefix("Input should be "), _show(value)


def _from_message(
    text: str, path: KeyPath, model_cls: type[BaseModel], data: object, value: object
) -> tuple[KeyPath, str, str]:
    """Split a validator's message "[key: ]expected[, found X]" into path, expected, found."""
    match = _KEY_PREFIX.fullmatch(text)
    if match:
        keys = tuple(int(k) if k.isdigit() else k for k in match.group(1).split("."))
        here = _at(data, path)
        fields = {n for model in _models_at(model_cls, path) for n in _fields(model)}
        if keys[0] in fields or (isinstance(here, dict) and keys[0] in here):
            path, text = (*path, *keys), match.group(2)
            value = _at(data, path)
    expected, sep, found = text.rpartition(", found ")
    if sep:
        return path, expected, found
    return path, text, "nothing" if value is _ABSENT else _show(value)


def _key_path(loc: Sequence[str | int], data: object, missing: bool) -> KeyPath:
    """Keep the parts of a pydantic location that are keys or indices in the data.

    pydantic adds parts that are not keys (the member of a union, a tag value, a
    validator name); they are recognised by not indexing the data. The last part of a
    missing-key error is kept although it is, by definition, absent.
    """
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif not (missing and i == len(loc) - 1):
            continue
        path.append(part)
    return tuple(path)


def _locate(
    path: KeyPath,
    expected: str,
    found: str,
    source: str,
    lines: Mapping[KeyPath, int],
    sources: Mapping[KeyPath, str],
) -> Problem:
    """Make a problem at ``path``: from a ``--set`` if one set it (or, when the file does not
    write ``path`` or a section above it, made it by setting a key below that: ``--set
    ladder.review_months=3`` on a file without a ladder is to blame for its missing levels),
    else the nearest line."""
    prefixes = [path[:n] for n in range(len(path), 0, -1)]
    override = next((sources[p] for p in prefixes if p in sources), None)
    for q in prefixes:
        if override is not None or q in lines:
            break
        override = next((t for p, t in sources.items() if p[: len(q)] == q), None)
    if override is not None:
        return Problem(None, None, dotted(path), expected, found, override=override)
    line = next((lines[p] for p in prefixes if p in lines), None)
    return Problem(source, line, dotted(path), expected, found)


def _models_at(model_cls: type[BaseModel], path: KeyPath) -> list[type[BaseModel]]:
    """Return the models that may describe the value at ``path`` (best effort).

    The walk follows the types: a field of a model gives the field's type; a key of a
    ``dict[...]`` or an index of a ``list[...]`` gives the item type (so the scheme name in
    ``schemes.commission.rate`` leads to a scheme, not to the ``commission`` component);
    the members of a union are all followed.
    """
    types: list[Any] = [model_cls]
    for part in path:
        types = [inner for t in types for inner in _step(t, part)]
    return [t for t in types if isinstance(t, type) and issubclass(t, BaseModel)]


def _step(annotation: Any, part: str | int) -> list[Any]:
    """The types the value at key or index ``part`` of a value of type ``annotation`` may have."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        info = _fields(annotation).get(part)
        return [] if info is None else _members(info.annotation)
    origin = get_origin(annotation)
    if origin in (dict, Mapping):
        return _members(get_args(annotation)[1])
    if origin in (list, tuple, Sequence):
        return _members(get_args(annotation)[0])
    return []


def _members(annotation: Any) -> list[Any]:
    """The types a value of type ``annotation`` may have: unions and ``Annotated`` unwrapped."""
    if get_origin(annotation) is Annotated:
        return _members(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return [m for arg in get_args(annotation) for m in _members(arg)]
    return [annotation]


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """Return a model's fields by the key used in input data (alias if any)."""
    return {info.alias or name: info for name, info in model.model_fields.items()}


def _at(data: object, path: KeyPath) -> object:
    """Return the value at ``path`` in ``data``, or ``_ABSENT``."""
    for part in path:
        try:
            data = data[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return _ABSENT
    return data


def _show(value: object) -> str:
    """Return a short text for a found value: its repr (at most ~60 chars) and type."""
    if value is None:
        return "nothing (null)"
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        text = f"an integer of about {value.bit_length() * 0.30103:.0f} digits"
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"
