"""Console /facilitators: the facilitator role, through the same service as Discord.

The console has no roles to pick from, so ``set-role`` takes a role's id (as Discord
stores it); its one member has Manage Server and is a facilitator either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.console.base import Command, words
from bot.services.permissions import FacilitatorRoleView
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.console.core import Console

ACTIONS = ("set-role", "clear-role", "show")


class FacilitatorCommands:
    """/facilitators show|set-role|clear-role through the same service as Discord."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def handle(self, args: str) -> str:
        facilitators = self.console.services.facilitators
        actor, now = self.console.actor, self.console.services.clock()
        action, _, rest = args.partition(" ")
        action, rest = action.lower(), rest.strip().removeprefix("role:")
        if action == "show":
            return describe(await facilitators.show(actor))
        if action == "clear-role":
            return describe(await facilitators.set_role(actor, None, now=now))
        if action == "set-role":
            if not rest.isdigit():
                raise UserError("Usage: /facilitators set-role ROLE_ID (a Discord role's id)")
            return describe(await facilitators.set_role(actor, int(rest), now=now))
        return f"Unknown action “{action}”. Try: {', '.join(ACTIONS)}."


def describe(view: FacilitatorRoleView) -> str:
    """Who counts as a facilitator, in the console's words."""
    if view.role_id is None:
        return "Facilitators are members with Manage Server (you, in the console); no role is set."
    return f"Facilitators are members with Manage Server or the role with id {view.role_id}."


def register(console: Console) -> None:
    console.add(Command("facilitators", FacilitatorCommands(console).handle, words(ACTIONS)))
