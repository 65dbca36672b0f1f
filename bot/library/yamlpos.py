"""Read YAML into plain data while remembering the line of every key.

PyYAML's ``safe_load`` throws line numbers away; maintainers need them in every
message, so we compose the node tree (with the C parser when present) and build the
data ourselves, recording a line for each path.

Content is edited by many hands and reloaded into a running bot, so hostile input is
refused before it can cost much: files over ``MAX_FILE_BYTES``, anchors and aliases
(a self-referencing alias recurses forever; an alias bomb expands a few hundred bytes
into gigabytes) and nesting deeper than ``MAX_DEPTH``.

Reading is two-speed so that loading is close to the cost of libyaml alone. The quick
reader builds the data straight from libyaml's events and gives up (``_Unsure``) at
anything it does not handle exactly like the careful reader: an anchor, an alias, a
tag, a merge key, a duplicate or odd key, a value that fails to construct, nesting near
the limit, or any parse error. Then the careful reader (the node tree, a line for every
key) reads the file again and raises the problem at its line. Clean files need their
lines only when a later check finds a problem in them, so ``Located`` builds its line
map from the kept text on first use.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

YamlPath = tuple[str | int, ...]

MAX_FILE_BYTES = 1024 * 1024
"""Far above a real content file (24 KB; 500 cards take 600 KB), and small enough that
the densest file of this size parses in about two seconds and 250 MB."""
MAX_DEPTH = 32
"""Content nests about five levels deep; Python's recursion gives out near 500."""

# An anchor or alias indicator followed by a name. Text without one cannot hold either,
# so most files skip the event scan (which costs about half a parse).
_MAYBE_ANCHOR = re.compile(r"[&*][^\s\[\]{},]")


class YamlReadError(Exception):
    """A file that cannot be read as YAML; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Located:
    """Parsed YAML data with the line of each key and list item.

    Read quickly, it keeps its ``text`` and maps the lines on first use: most files of
    a large curriculum never need them.
    """

    data: Any
    _lines: dict[YamlPath, int] | None = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)

    @property
    def lines(self) -> dict[YamlPath, int]:
        """The 1-based line of every key and list item, by path."""
        if self._lines is None:
            self._lines = _careful(self.text).lines if self.text is not None else {}
        return self._lines

    def line_of(self, path: YamlPath) -> int:
        """Return the line of ``path``, or of its nearest recorded ancestor."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


def read_yaml_file(path: Path, what: str = "content") -> Located:
    """Read one file; raise ``YamlReadError`` with a maintainer-friendly message.

    ``what`` names the kind of file in messages ("content", "settings").
    """
    with path.open("rb") as file:  # read no more than the cap, however large the file
        raw = file.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        size = path.stat().st_size / 1024 / 1024
        raise YamlReadError(
            f"file is {size:.1f} MB; a {what} file may be at most "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB (split it into several files)",
            1,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlReadError(
            f"file is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8",
            line,
        ) from None
    return parse_yaml(text, what)


def parse_yaml(text: str, what: str = "content") -> Located:
    """Parse YAML text into data plus a line map (built when first needed)."""
    try:
        return Located(_quick(text), text=text)
    except _Unsure:
        return _careful(text, what)


def _careful(text: str, what: str = "content") -> Located:
    """The reference reader: a line for every path, and every problem at its line."""
    try:
        if _MAYBE_ANCHOR.search(text):
            _refuse_anchors(text, what)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            located = Located(data=None, _lines={})
            if node is not None:
                located.data = _build(node, (), located.lines, loader)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        raise _friendly(error, text) from None
    except yaml.YAMLError as error:
        raise YamlReadError(f"not valid YAML: {error}", 1) from None
    except RecursionError:  # only the pure-Python parser gets here: libyaml stops at 1000
        raise YamlReadError(f"nested more than {MAX_DEPTH} levels deep", 1) from None
    return located


def _refuse_anchors(text: str, what: str) -> None:
    """Raise at the first anchor or alias, before any node is composed or expanded."""
    loader = _Loader(text)
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            anchor = getattr(event, "anchor", None)  # aliases carry the name they refer to
            if anchor is not None:
                sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
                mark = event.start_mark
                raise YamlReadError(
                    f"'{sign}{anchor}': anchors and aliases are not allowed in {what}; "
                    "write each value out in full",
                    mark.line + 1 if mark is not None else 1,
                )
    finally:
        loader.dispose()


def _friendly(error: yaml.MarkedYAMLError, text: str) -> YamlReadError:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = error.problem or "not valid YAML"
    lines = text.splitlines()
    if "\t" in problem or (0 < line <= len(lines) and "\t" in lines[line - 1]):
        return YamlReadError("tab character: YAML indents with spaces only, never tabs", line)
    context = f" ({error.context})" if error.context else ""
    return YamlReadError(f"not valid YAML: {problem}{context}", line)


def _build(node: yaml.Node, path: YamlPath, lines: dict[YamlPath, int], loader: Any) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:
        raise YamlReadError(
            f"nested more than {MAX_DEPTH} levels deep",
            node.start_mark.line + 1,
        )
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, lines, loader)
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, index), lines, loader) for index, item in enumerate(node.value)
        ]
    return _scalar(node, loader)


def _build_mapping(
    node: yaml.MappingNode, path: YamlPath, lines: dict[YamlPath, int], loader: Any
) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node, loader) if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str | int) or isinstance(key, bool):
            raise YamlReadError(
                "keys must be plain words, not lists, mappings or booleans",
                key_node.start_mark.line + 1,
            )
        key = str(key)
        if key in result:
            raise YamlReadError(f"key '{key}' appears twice", key_node.start_mark.line + 1)
        child = (*path, key)
        lines[child] = key_node.start_mark.line + 1
        result[key] = _build(value_node, child, lines, loader)
    return result


def _scalar(node: yaml.Node, loader: Any) -> Any:
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, TypeError, AttributeError, OverflowError) as error:
        # a value that looks like a date, number or tag but is not one (2026-13-45)
        tag = str(node.tag).rsplit(":", 1)[-1]
        kind = _TAG_NAMES.get(tag, f"a {tag}")
        shown = str(node.value)
        shown = shown if len(shown) <= 40 else shown[:40] + "..."
        detail = f" ({error})" if tag == "timestamp" and isinstance(error, ValueError) else ""
        raise YamlReadError(
            f"'{shown}' looks like {kind} but is not a valid one{detail}; "
            "quote it to keep it as text",
            node.start_mark.line + 1,
        ) from None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(node.value)
    return value


_TAG_NAMES = {"int": "a whole number", "float": "a number", "timestamp": "a date"}


class _Unsure(Exception):
    """The quick reader met something only the careful reader handles exactly."""


_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
)
_NOT_BUILT = object()


def _quick(text: str) -> Any:
    """The file's data built from libyaml's events, or ``_Unsure``.

    It agrees with ``_careful`` on every file it accepts: same values, same refusals
    (it accepts only what the careful reader would). No anchor, alias or deep nesting
    is ever built: it stops at the event.
    """
    loader = _Loader(text)
    try:
        return _from_events(loader)
    except _Unsure:
        raise
    except Exception:  # a parse error or a value that will not construct: careful says why
        raise _Unsure from None
    finally:
        loader.dispose()


_SCALAR, _MAPPING_START, _MAPPING_END = (
    yaml.ScalarEvent,
    yaml.MappingStartEvent,
    yaml.MappingEndEvent,
)
_SEQUENCE_START, _SEQUENCE_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent


def _from_events(loader: Any) -> Any:
    """One loop over the events, with a stack of the open mappings and lists."""
    get = loader.get_event
    if type(get()) is not yaml.StreamStartEvent:
        raise _Unsure
    event = get()
    if type(event) is yaml.StreamEndEvent:
        return None
    if type(event) is not yaml.DocumentStartEvent:
        raise _Unsure
    plain: dict[str, Any] = {}  # a plain scalar's value depends on its text alone
    open_: list[Any] = []  # the mappings and lists being filled, outermost first
    keys: list[Any] = []  # for each, the key awaiting its value (or _NOT_BUILT)
    scalar, mapping_start, sequence_start = _SCALAR, _MAPPING_START, _SEQUENCE_START
    while True:
        event = get()
        kind = type(event)
        if kind is scalar:
            if event.anchor is not None or event.tag is not None:
                raise _Unsure
            if event.implicit[0]:
                value = plain.get(event.value, _NOT_BUILT)
                if value is _NOT_BUILT:
                    value = plain[event.value] = _plain_value(loader, event)
            else:
                value = event.value
            if len(open_) > MAX_DEPTH:
                raise _Unsure
        elif kind is mapping_start or kind is sequence_start:
            if event.anchor is not None or event.tag is not None or len(open_) >= MAX_DEPTH:
                raise _Unsure
            open_.append({} if kind is mapping_start else [])
            keys.append(_NOT_BUILT)
            continue
        elif kind is _MAPPING_END or kind is _SEQUENCE_END:
            value = open_.pop()
            keys.pop()
        else:  # an alias, or anything unexpected
            raise _Unsure
        if not open_:
            break
        into = open_[-1]
        if type(into) is list:
            into.append(value)
            continue
        key = keys[-1]
        if key is not _NOT_BUILT:
            into[key] = value
            keys[-1] = _NOT_BUILT
            continue
        if kind is not scalar or not isinstance(value, str | int) or isinstance(value, bool):
            raise _Unsure
        key = value if type(value) is str else str(value)
        if key in into:
            raise _Unsure
        keys[-1] = key
    if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
        raise _Unsure
    return value


def _plain_value(loader: Any, event: yaml.ScalarEvent) -> Any:
    """An unquoted scalar's value as ``_scalar`` builds it (merge keys and the like: unsure)."""
    tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _STR_TAG:
        return event.value
    if tag not in _PLAIN_TAGS:
        raise _Unsure
    node = yaml.ScalarNode(tag, event.value)  # no marks: an error goes to _careful
    value = loader.yaml_constructors[tag](loader, node)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(event.value)
    return value
