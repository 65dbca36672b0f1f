"""What a member typed after a slash command, as they typed it.

Slack escapes ``&``, ``<`` and ``>`` in a command's text (``R&D`` arrives as
``R&amp;D``); with ``should_escape`` it also turns ``#channel`` into ``<#C…|name>``,
which is kept as it is.
"""

from __future__ import annotations

import re
from typing import Any


def command_text(body: dict[str, Any]) -> str:
    text = str(body.get("text") or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def split_options(text: str, keys: frozenset[str]) -> tuple[str, dict[str, str]]:
    """``Spring 2026 starts: 2026-03-02 ends:2026-04-10``: the words before the first
    ``key:`` of ``keys``, and each option's value (up to the next such key). A time such as
    ``09:00`` is no key; neither is a word that is not one of ``keys``."""
    found = list(re.finditer(r"(?:^|\s)([a-z_]+):", text, re.IGNORECASE))
    marks = [m for m in found if m.group(1).lower() in keys]
    head = text[: marks[0].start()] if marks else text
    options: dict[str, str] = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        options[mark.group(1).lower()] = text[mark.end() : end].strip()
    return head.strip(), options
