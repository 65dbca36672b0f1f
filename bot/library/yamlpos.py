"""Read YAML into plain data while remembering the line of every key.

PyYAML's ``safe_load`` throws line numbers away; maintainers need them in every
message, so we compose the node tree (with the C parser when present) and build the
data ourselves, recording a line for each path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

YamlPath = tuple[str | int, ...]


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


def read_yaml_file(path: Path) -> Located:
    """Read one file; raise ``YamlReadError`` with a maintainer-friendly message."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlReadError(
            f"file is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8",
            line,
        ) from None
    return parse_yaml(text)


def parse_yaml(text: str) -> Located:
    """Parse YAML text into data plus a line map."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        located = Located(data=None)
        if node is not None:
            located.data = _build(node, (), located.lines, loader)
    except yaml.MarkedYAMLError as error:
        raise _friendly(error, text) from None
    except yaml.YAMLError as error:
        raise YamlReadError(f"not valid YAML: {error}", 1) from None
    finally:
        loader.dispose()
    return located


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
    value = loader.construct_object(node, deep=True)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(node.value)
    return value
