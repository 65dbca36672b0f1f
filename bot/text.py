"""Small text helpers every layer uses."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """Shorten ``text`` to ``limit`` characters with an ellipsis, for user input echoes."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
