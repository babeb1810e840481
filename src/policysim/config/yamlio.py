"""Read YAML config files into plain Python data, remembering where each key was written.

The idea: parse in two passes with ruamel.yaml (YAML 1.2, round-trip mode). The first pass
composes the node graph only, which is where we refuse what a config file should never
contain (several documents, duplicate keys, tags such as ``!!python/object``, recursive
aliases) with the line it is on. The second pass constructs round-trip data, which carries
the line of every mapping key and sequence item; we copy it into plain dicts, lists and
scalars and a line map ``{('teams', 1, 'agents'): 12, ...}``. Validation later uses the
line map to say where a bad value is.

YAML 1.2 means ``1e3`` is the number 1000.0, ``no``/``yes``/``on``/``off`` are strings,
``010`` is 10 and ``1:30`` is a string. A ``%YAML 1.1`` directive would make ruamel switch
to the YAML 1.1 rules (``no`` is false, ``010`` is 8, ``1:30`` is 90), so it is refused.

Command-line overrides (``--set demand.daily_volume=1e3``) are parsed by the same loader,
so a value means the same on the command line as in a file.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.comments import TaggedScalar
from ruamel.yaml.scalarbool import ScalarBoolean

from policysim.errors import ConfigError, Problem

KeyPath = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_PLAIN_TAGS = {
    _CORE + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge")
}
_OTHER_VERSION = re.compile(r"^%YAML[ \t]+(?!1\.2(?:\s|$))(\S*)", re.MULTILINE)
_INDEX = re.compile(r"[0-9]+")
_SET_FORM = "the form --set dotted.key=value (e.g. --set demand.daily_volume=500)"


class _Bad(Exception):
    """A problem in YAML text whose source (file or ``--set``) the caller fills in."""

    def __init__(self, line: int | None, key: str, expected: str, found: str) -> None:
        super().__init__(line, key, expected, found)
        self.line, self.key, self.expected, self.found = line, key, expected, found


def dotted(path: Sequence[str | int]) -> str:
    """Return a key path as the dotted text users write, e.g. ``teams.1.agents``."""
    spell = {True: "true", False: "false", None: "null"}  # keys as YAML writes them
    return ".".join(spell[part] if part is None or isinstance(part, bool) else str(part)
                    for part in path)


def read_yaml(path: str | Path) -> tuple[object, dict[KeyPath, int]]:
    """Read one YAML file whose top level is a mapping.

    Args:
        path: The file to read; shown as given in error messages.

    Returns:
        The plain data (dict/list/str/int/float/bool/None/date/datetime) and a map from
        the key path of every mapping key and sequence item to its 1-based line.

    Raises:
        ConfigError: If the file is missing, not UTF-8 text, empty, not valid YAML, not a
            single mapping, or uses duplicate keys, tags or recursive aliases.
    """
    name = str(path)

    def bad(line: int | None, expected: str, found: str) -> ConfigError:
        return ConfigError([Problem(name, line, "", expected, found)])

    try:
        p = Path(path)
        if p.exists() and not p.is_dir() and not p.is_file():
            raise bad(None, "a regular YAML file", "a device, pipe or socket")
        with p.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise bad(None, f"a scenario file of at most {MAX_BYTES // 2**20} MiB", "a larger file")
    except FileNotFoundError:
        raise bad(None, "an existing YAML file", "no such file") from None
    except IsADirectoryError:
        raise bad(None, "a YAML file", "a directory") from None
    except OSError as err:
        raise bad(None, "a readable YAML file", err.strerror or str(err)) from None
    if b"\0" in raw:
        raise bad(_line_at(raw, raw.index(b"\0")), "a UTF-8 text file", "binary content")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        found = f"the byte {raw[err.start]:#04x}, which is not UTF-8"
        raise bad(_line_at(raw, err.start), "a UTF-8 text file", found) from None
    try:
        data, lines, root = _load(text)
    except _Bad as err:
        raise ConfigError([Problem(name, err.line, err.key, err.expected, err.found)]) from None
    if root is None:
        raise bad(None, "a mapping of keys at the top level", "an empty file")
    if not isinstance(data, dict):
        found = {list: "a list", type(None): "an empty document"}.get(
            type(data), f"the single value {data!r}"
        )
        line = None if data is None else root.start_mark.line + 1
        raise bad(line, "a mapping of keys at the top level", found)
    return data, lines


def parse_override(text: str) -> tuple[list[str | int], object]:
    """Parse one ``--set dotted.key=value`` option.

    The key is split on ``.``; all-digit parts become list indices. The value is read as
    YAML 1.2 like a value in a file: a scalar (``1e3`` is 1000.0, an empty value is None)
    or a flow collection (``[a, b]``, ``{k: v}``).

    Args:
        text: The option's argument, ``dotted.key=value``.

    Returns:
        The key path and the value.

    Raises:
        ConfigError: If the text is not of that form or the value is not valid YAML.
    """
    key, eq, raw = text.partition("=")
    parts = [part.strip() for part in key.split(".")]
    if not eq or not all(parts):
        raise ConfigError([Problem(None, None, "", _SET_FORM, repr(text), override=text)])
    path: list[str | int] = [int(p) if _INDEX.fullmatch(p) else p for p in parts]
    try:
        value, _, root = _load(raw)
        if isinstance(root, CollectionNode) and not root.flow_style:
            raise _Bad(None, "", "a value or a flow collection like [a, b] or {k: v}",
                       "a block collection")
    except _Bad as err:  # err.key: inside a flow collection, e.g. its duplicate key
        key = f"{dotted(path)}.{err.key}" if err.key else dotted(path)
        problem = Problem(None, None, key, err.expected, err.found, override=text)
        raise ConfigError([problem]) from None
    return path, value


class PathError(Exception):
    """A dotted path that cannot be followed in the data (``expected``/``found`` phrases)."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(expected, found)
        self.expected, self.found = expected, found


def set_path(data: dict, path: Sequence[str | int], value: object) -> KeyPath:
    """Set ``value`` at ``path`` in ``data`` in place and return the path actually used.

    Missing (or null) intermediate keys become mappings; list indices must exist. In a
    mapping, an all-digit part names an existing integer key, else the text key.

    Raises:
        PathError: If the path runs through a scalar or past the end of a list.
    """
    node: object = data
    done: list[str | int] = []
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, list):
            if not isinstance(part, int) or part >= len(node):
                raise PathError(f"an index below {len(node)} for the list {dotted(done)}",
                                repr(part))
        elif isinstance(node, dict):
            if isinstance(part, int) and part not in node:
                part = str(part)
            if not last and node.get(part) is None:
                node[part] = {}
        else:
            raise PathError(f"a mapping or list at {dotted(done)}",
                            f"{node!r} ({type(node).__name__})")
        done.append(part)
        if last:
            node[part] = value
        else:
            node = node[part]
    return tuple(done)


def apply_overrides(
    data: dict, overrides: Sequence[str]
) -> tuple[dict, dict[KeyPath, str]]:
    """Apply ``--set`` options to a copy of the data.

    Missing (or null) intermediate keys become mappings; list indices must exist. In a
    mapping, an all-digit part names an existing integer key, else the text key.

    Args:
        data: The data read from a file; not modified.
        overrides: ``dotted.key=value`` texts, applied in order.

    Returns:
        The new data and a map from each overridden key path to its ``--set`` text (a
        later override of a parent path replaces the entries below it).

    Raises:
        ConfigError: If an override is malformed or its path cannot be followed.
    """
    data = copy.deepcopy(data)
    sources: dict[KeyPath, str] = {}
    for text in overrides:
        path, value = parse_override(text)
        try:
            key = set_path(data, path, value)
        except PathError as err:
            raise ConfigError([Problem(None, None, dotted(path), err.expected, err.found,
                                       override=text)]) from None
        sources = {p: t for p, t in sources.items() if p[: len(key)] != key}
        sources[key] = text
    return data, sources


def _load(text: str) -> tuple[object, dict[KeyPath, int], Node | None]:
    """Parse at most one YAML 1.2 document into plain data, its line map and root node."""
    if match := _OTHER_VERSION.search(text):
        raise _Bad(_line_at(text, match.start()), "", "YAML 1.2 (remove the %YAML line)",
                   f"%YAML {match.group(1)}")
    try:
        docs = list(YAML(typ="rt").compose_all(text))
        if len(docs) > 1:
            raise _Bad(docs[1].start_mark.line + 1, "", "a single YAML document",
                       "a second document after '---'")
        if not docs:
            return None, {}, None
        _check(docs[0], (), {}, set())
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        found = f"a syntax error: {err.problem}" if err.problem else "a syntax error"
        if err.context and err.context_mark:
            found += f" ({err.context} on line {err.context_mark.line + 1})"
        raise _Bad(mark.line + 1 if mark else None, "", "valid YAML", found) from None
    except RecursionError:
        raise _Bad(None, "", f"at most {MAX_DEPTH} levels of nesting", "deeper nesting") from None
    except ReaderError as err:  # its character is an int (the code) or a str
        code = err.character if isinstance(err.character, int) else ord(err.character)
        raise _Bad(_line_at(text, err.position), "", "printable text",
                   f"the control character {code:#04x}") from None
    lines: dict[KeyPath, int] = {}
    return _plain(data, (), lines), lines, docs[0]


MAX_BYTES = 16 * 2**20  # size of a file
MAX_DEPTH = 100  # levels of nesting
MAX_VALUES = 100_000  # values in a document once aliases are expanded
MAX_DIGITS = 4000  # digits of an integer (Python refuses to parse longer ones by default)
_TAGGED = {
    "int": re.compile(r"[-+]?(?:[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+)"),
    "float": re.compile(r"[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
                        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"),
    "bool": re.compile(r"true|True|TRUE|false|False|FALSE"),
}
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")


def _check(node: Node, path: KeyPath, sizes: dict[int, int], parents: set[int]) -> int:
    """Refuse tags, recursive aliases, complex and duplicate keys, impossible dates, huge
    integers, deep nesting and alias bombs in a node graph; return the node's expanded size."""
    line = node.start_mark.line + 1
    if id(node) in parents:
        raise _Bad(line, dotted(path), "no alias inside its own anchor", f"*{node.anchor}")
    if id(node) in sizes:  # an alias seen before: it expands to the same number of values
        return sizes[id(node)]
    if len(path) > MAX_DEPTH:
        raise _Bad(line, dotted(path[:MAX_DEPTH]), f"at most {MAX_DEPTH} levels of nesting",
                   "deeper nesting")
    if node.tag not in _PLAIN_TAGS:
        tag = node.tag.replace(_CORE, "!!")
        raise _Bad(line, dotted(path), "plain YAML values without tags", f"the tag {tag}")
    if isinstance(node, ScalarNode):
        _check_scalar(node, path, line)
        sizes[id(node)] = 1
        return 1
    parents.add(id(node))
    total = 1
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            total += _check(item, (*path, index), sizes, parents)
    elif isinstance(node, MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key, value in node.value:
            key_line = key.start_mark.line + 1
            if not isinstance(key, ScalarNode):
                raise _Bad(key_line, dotted(path), "plain keys", "a list or mapping as a key")
            _check(key, (*path, key.value), sizes, parents)
            if (key.tag, key.value) in first:
                found = f"{key.value!r} again (first on line {first[key.tag, key.value]})"
                raise _Bad(key_line, dotted((*path, key.value)), "each key once", found)
            first[key.tag, key.value] = key_line
            total += 1 + _check(value, (*path, key.value), sizes, parents)
    parents.discard(id(node))
    if total > MAX_VALUES:
        raise _Bad(line, dotted(path), f"at most {MAX_VALUES:,} values once aliases are expanded",
                   f"{total:,} values")
    sizes[id(node)] = total
    return total


def _check_scalar(node: ScalarNode, path: KeyPath, line: int) -> None:
    """Refuse a timestamp that is no calendar date and an integer too long to parse."""
    tag = node.tag.replace(_CORE, "")
    if tag == "timestamp" and (m := _DATE.match(node.value)):
        try:
            dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise _Bad(line, dotted(path), "a calendar date (YYYY-MM-DD)", repr(node.value)) from None
    if tag in ("int", "float") and len(node.value) > MAX_DIGITS:
        raise _Bad(line, dotted(path), f"a number of at most {MAX_DIGITS} digits",
                   f"{len(node.value)} characters")
    # an explicit tag (!!int, !!float, !!bool) must carry a value of its kind
    pattern = _TAGGED.get(tag)
    if pattern is not None and not pattern.fullmatch(node.value.strip()):
        raise _Bad(line, dotted(path), f"a value of type {tag} after !!{tag}", repr(node.value))


def _plain(value: object, path: KeyPath, lines: dict[KeyPath, int]) -> object:
    """Copy round-trip data into plain Python types, recording lines into ``lines``."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            plain_key = _plain(key, path, {})
            # lc.data is None for a mapping made only of '<<' merges; None for merged keys
            position = (value.lc.data or {}).get(key)
            if position:
                lines[(*path, plain_key)] = position[0] + 1
            out[plain_key] = _plain(item, (*path, plain_key), lines)
        return out
    if isinstance(value, list):
        for index in range(len(value)):
            if position := (value.lc.data or {}).get(index):
                lines[(*path, index)] = position[0] + 1
        return [_plain(item, (*path, i), lines) for i, item in enumerate(value)]
    if isinstance(value, TaggedScalar):  # an explicit !!str
        return str(value.value)
    if isinstance(value, ScalarBoolean):  # an anchored boolean; an int subclass
        return bool(value)
    if value is None or isinstance(value, bool):
        return value
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, dt.datetime):  # ruamel's TimeStamp subclass
        return dt.datetime.combine(value.date(), value.timetz())
    return value  # dt.date


def _line_at(text: str | bytes, index: int) -> int:
    """Return the 1-based line holding position ``index`` of ``text``."""
    return text.count(b"\n" if isinstance(text, bytes) else "\n", 0, index) + 1
