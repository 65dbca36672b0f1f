"""Who is asking: the facts a permission rule needs, with no Discord types."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UserError


@dataclass(frozen=True)
class Actor:
    """A member acting in a server (or the console's local user)."""

    user_id: int
    guild_id: int
    display_name: str = "member"
    channel_id: int | None = None
    manages_server: bool = False
    role_names: tuple[str, ...] = ()


def is_facilitator(actor: Actor, facilitator_role: str | None) -> bool:
    """Manage Server, or the configured facilitator role (by name, any case)."""
    if actor.manages_server:
        return True
    if not facilitator_role:
        return False
    wanted = facilitator_role.casefold()
    return any(name.casefold() == wanted for name in actor.role_names)


def require_facilitator(actor: Actor, facilitator_role: str | None, what: str) -> None:
    """Refuse, with the rule spelled out, anyone who is not a facilitator."""
    if is_facilitator(actor, facilitator_role):
        return
    role = f" or the “{facilitator_role}” role" if facilitator_role else ""
    raise UserError(f"Only facilitators can {what}: that needs the Manage Server permission{role}.")
