"""Read YAML into plain data while remembering the line of every key.

PyYAML's ``safe_load`` throws line numbers away; maintainers need them in every
message, so we compose the node tree (with the C parser when present) and build the
data ourselves, recording a line for each path.

Content is edited by many hands and reloaded into a running bot, so hostile input is
refused before it can cost much: files over ``MAX_FILE_BYTES``, anchors and aliases
(a self-referencing alias recurses forever; an alias bomb expands a few hundred bytes
into gigabytes) and nesting deeper than ``MAX_DEPTH``.
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
    """Parsed YAML data with the line of each key and list item."""

    data: Any
    lines: dict[YamlPath, int] = field(default_factory=dict)

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
    """Parse YAML text into data plus a line map."""
    try:
        if _MAYBE_ANCHOR.search(text):
            _refuse_anchors(text, what)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            located = Located(data=None)
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
