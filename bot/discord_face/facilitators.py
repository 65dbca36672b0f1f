"""/facilitators: which role makes its members facilitators (Manage Server only).

Discord hides the group from members without Manage Server (default_member_permissions);
the services refuse them anyway, since a server admin may grant the command to anyone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_face.common import actor_of, services_of
from bot.services.permissions import SET_ROLE_HINT, FacilitatorRoleView

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot


def describe(view: FacilitatorRoleView) -> str:
    """Who counts as a facilitator here, in words (the role as a mention: it never pings)."""
    if view.role_id is not None:
        text = f"Facilitators are members with Manage Server or the <@&{view.role_id}> role."
    else:
        text = (
            "Facilitators are members with Manage Server. There is no facilitator role; "
            f"{SET_ROLE_HINT}."
        )
    if view.legacy_name:
        text += (
            f"\nThe bot's config still names a role “{view.legacy_name}”: roles are no longer "
            "matched by name, only by the role chosen here."
        )
    return text


@app_commands.default_permissions(manage_guild=True)
class Facilitators(
    commands.GroupCog,
    group_name="facilitators",
    group_description="Choose the facilitator role (Manage Server)",
):
    """Set, clear and show the server's facilitator role."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="set-role", description="Members with this role count as facilitators"
    )
    @app_commands.describe(role="The role your facilitators hold (only they should hold it)")
    async def set_role(self, interaction: discord.Interaction, role: discord.Role) -> None:
        services = services_of(interaction)
        view = await services.facilitators.set_role(
            actor_of(interaction), role.id, now=services.clock()
        )
        await interaction.response.send_message(describe(view), ephemeral=True)

    @app_commands.command(name="clear-role", description="No role makes anyone a facilitator")
    async def clear_role(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        view = await services.facilitators.set_role(
            actor_of(interaction), None, now=services.clock()
        )
        await interaction.response.send_message(describe(view), ephemeral=True)

    @app_commands.command(description="Who counts as a facilitator in this server")
    async def show(self, interaction: discord.Interaction) -> None:
        view = await services_of(interaction).facilitators.show(actor_of(interaction))
        await interaction.response.send_message(describe(view), ephemeral=True)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Facilitators(bot))
