"""The one exception the store raises for problems a server operator can act on."""

from __future__ import annotations


class StoreError(Exception):
    """The database cannot be used as asked; the message says why and what to do.

    Wraps sqlite3 errors so callers (cogs, startup) need to catch one type and can show
    the message as is, instead of a traceback.
    """
