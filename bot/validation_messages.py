"""Plain-language messages for validation errors, shared by content and config."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any


def explain(kind: str, given: Any, ctx: dict[str, Any]) -> str:
    """Say what is wrong with a value, given pydantic's error type and context."""
    if kind in {"string_type", "str_type"}:
        return f"expected text, found {describe(given)}"
    if kind == "list_type":
        return f"expected a list (- item), found {describe(given)}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"expected a mapping (key: value), found {describe(given)}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"expected a whole number, found {describe(given)}"
    if kind == "string_too_long":
        return f"is {len(given)} characters; at most {ctx['max_length']} fit"
    if kind == "too_short":
        return f"needs at least {ctx['min_length']} entry; found none"
    if kind in {"enum", "literal_error"}:
        return f"'{given}' is not one of: {ctx.get('expected', '')}"
    if kind in {"greater_than_equal", "less_than_equal"}:
        bound = ctx.get("ge", ctx.get("le"))
        word = "at least" if kind == "greater_than_equal" else "at most"
        return f"{given!r} must be {word} {bound}"
    return str(ctx.get("error", "")) or kind.replace("_", " ")


def unknown(what: str, name: str, allowed: Sequence[str]) -> str:
    """An unknown key or section, with the closest allowed name."""
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
    return f"unknown {what} '{name}'{hint}"


def describe(value: Any) -> str:
    """Name what a maintainer wrote, briefly, for 'expected X, found Y'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ('{value[:40]}')"
    return type(value).__name__


def key_name(path: Sequence[str | int]) -> str:
    """Dotted key path with list indexes, like sources[0].at."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name or "entry"
