"""What a member typed after a slash command, as they typed it.

Slack escapes ``&``, ``<`` and ``>`` in a command's text (``R&D`` arrives as
``R&amp;D``); with ``should_escape`` it also turns ``#channel`` into ``<#C…|name>``,
which is kept as it is.
"""

from __future__ import annotations

from typing import Any


def command_text(body: dict[str, Any]) -> str:
    text = str(body.get("text") or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
