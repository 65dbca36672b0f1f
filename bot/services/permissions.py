"""Who is asking, and who counts as a facilitator: the rule every face uses, once.

Facilitators are members with Manage Server, or members holding the server's
facilitator role, named by id (a per-server setting only Manage Server can change).
Roles are never matched by name: anyone with Manage Roles can make a role called
"Facilitator", but nobody can make one with another role's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.user_error import UserError

SET_ROLE_HINT = "someone with Manage Server can choose it with /facilitators set-role"


@dataclass(frozen=True)
class Actor:
    """A member acting in a server (or the console's local user)."""

    user_id: int
    guild_id: int
    display_name: str = "member"
    channel_id: int | None = None
    # The channel a thread (or forum post) belongs to, when the actor is in one.
    parent_channel_id: int | None = None
    manages_server: bool = False
    # Runs the bot itself (Discord: the application's owner or team; the console's user).
    is_bot_owner: bool = False
    role_ids: frozenset[int] = field(default_factory=frozenset)
    # Who counts as a facilitator where this member is, said in a refusal; None: Discord's
    # rule (Manage Server or the facilitator role). Slack: owners, admins, a user group.
    facilitator_rule: str | None = None
    # Only to explain a refusal to a member of the old by-name role; never grants anything.
    role_names: tuple[str, ...] = ()
    # Whether the member may post where they are (Discord: Send Messages, or Send Messages
    # in Threads in a thread). The bot posts nothing publicly for one who may not.
    may_post: bool = True


SHOWN_ONLY_TO_YOU = "You may not post in this channel, so this is shown only to you."


def shown_publicly(actor: Actor, *, private: bool) -> bool:
    """Whether what the member asked for is posted for everyone: only if they asked for
    it, and only where they could post themselves (else the bot would post for them)."""
    return not private and actor.may_post


class RoleSettings(Protocol):
    """Where a server's facilitator role id is kept (the store)."""

    async def get_facilitator_role(self, guild_id: int) -> int | None: ...

    async def set_facilitator_role(
        self, guild_id: int, role_id: int | None, *, now: datetime
    ) -> None: ...


@dataclass(frozen=True)
class FacilitatorRoleView:
    """What /facilitators show says: the role id (faces render it), and the old name."""

    role_id: int | None
    legacy_name: str | None


def holds_facilitator_rights(actor: Actor, role_id: int | None) -> bool:
    """Manage Server, or the server's facilitator role by id."""
    return actor.manages_server or (role_id is not None and role_id in actor.role_ids)


@dataclass(eq=False)
class Facilitators:
    """Decides who is a facilitator in a server; changes the role for Manage Server only.

    ``legacy_role`` is the deprecated ``facilitator_role`` setting (a name): it grants
    nothing, it only lets a refusal tell a member of that role how to get access back.
    """

    settings: RoleSettings
    legacy_role: str | None = None

    async def is_facilitator(self, actor: Actor) -> bool:
        if actor.manages_server:  # no lookup needed
            return True
        return holds_facilitator_rights(
            actor, await self.settings.get_facilitator_role(actor.guild_id)
        )

    async def require(self, actor: Actor, what: str) -> None:
        """Refuse, with the rule spelled out, anyone who is not a facilitator."""
        if actor.manages_server:
            return
        role_id = await self.settings.get_facilitator_role(actor.guild_id)
        if holds_facilitator_rights(actor, role_id):
            return
        if actor.facilitator_rule is not None:
            raise UserError(f"Only facilitators can {what}: {actor.facilitator_rule}.")
        rule = f"Only facilitators can {what}: that needs the Manage Server permission"
        if role_id is not None:
            raise UserError(f"{rule} or this server's facilitator role.")
        legacy = self.legacy_role.casefold() if self.legacy_role else None
        if legacy and any(name.casefold() == legacy for name in actor.role_names):
            raise UserError(
                f"{rule}. The “{self.legacy_role}” role no longer counts by its name: this "
                f"server has no facilitator role yet, and {SET_ROLE_HINT}."
            )
        raise UserError(f"{rule}.")

    async def show(self, actor: Actor) -> FacilitatorRoleView:
        """The server's facilitator role (Manage Server only, like changing it)."""
        self._require_manager(actor, "see the facilitator role")
        role_id = await self.settings.get_facilitator_role(actor.guild_id)
        return FacilitatorRoleView(role_id, self.legacy_role)

    async def set_role(
        self, actor: Actor, role_id: int | None, *, now: datetime
    ) -> FacilitatorRoleView:
        """Make ``role_id`` the facilitator role (None: no role, Manage Server only)."""
        self._require_manager(actor, "choose the facilitator role")
        if role_id == actor.guild_id:
            raise UserError(
                "@everyone cannot be the facilitator role: every member would then be able "
                "to export every private reflection. Choose a role only facilitators hold."
            )
        await self.settings.set_facilitator_role(actor.guild_id, role_id, now=now)
        return FacilitatorRoleView(role_id, self.legacy_role)

    @staticmethod
    def _require_manager(actor: Actor, what: str) -> None:
        if not actor.manages_server:
            raise UserError(
                f"Only members with the Manage Server permission can {what}; "
                "the facilitator role itself is not enough."
            )
