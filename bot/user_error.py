"""The one exception type whose message is written for the member who caused it."""

from __future__ import annotations

from bot.text import Rich


class UserError(Exception):
    """Something the member can fix. Faces show ``rich`` (channels and times as data),
    formatted their own way; ``str(error)`` is the plain form."""

    def __init__(self, message: str | Rich = "") -> None:
        self.rich = message if isinstance(message, Rich) else Rich.of(message)
        super().__init__(str(self.rich))
