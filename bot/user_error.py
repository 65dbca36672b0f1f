"""The one exception type whose message is written for the member who caused it."""

from __future__ import annotations


class UserError(Exception):
    """Something the member can fix; both faces show ``str(error)`` as it is."""
