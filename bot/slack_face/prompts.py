"""placeholder"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.slack_face.app import SlackFace


def register(face: SlackFace) -> None:
    """Nothing yet."""
