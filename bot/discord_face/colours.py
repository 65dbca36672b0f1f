"""The Discord face's one colour table (plain numbers: the card preview reads it too)."""

from __future__ import annotations

from bot.library.models import Kind

COLOURS: dict[Kind | str, int] = {
    Kind.APPROACH: 0x2E86AB,
    Kind.EXPERT: 0x6C4F9E,
    Kind.MYTH: 0xC0392B,
    Kind.PROMPT: 0x27AE60,
    "schedule": 0x27AE60,
    "reflection": 0x6C4F9E,
    "text": 0x5865F2,
    "practice": 0xD68910,
}
