"""Small helpers every cog shares: who is acting, and the services behind the bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands

from bot.library.curricula import DEFAULT_CURRICULUM
from bot.library.models import Kind
from bot.schedule import suggest_timezones
from bot.services.permissions import Actor, shown_publicly
from bot.user_error import UserError

NO_PINGS = discord.AllowedMentions.none()  # content never pings anyone
CohortOption = app_commands.Range[str, 1, 100]  # a cohort's name or id (autocompleted)
COHORT_HELP = "Which cohort (if the server runs several; start typing its name)"

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot
    from bot.services.container import Services


def services_of(interaction: discord.Interaction) -> Services:
    """The services behind the bot that received this interaction."""
    return cast("CohortBot", interaction.client).services


def actor_of(interaction: discord.Interaction) -> Actor:
    """The member as the services see them; commands only work inside a server."""
    if interaction.guild_id is None:
        raise UserError("This command works inside the cohort's server, not in direct messages.")
    user = interaction.user
    roles = user.roles if isinstance(user, discord.Member) else []
    channel = interaction.channel
    return Actor(
        user_id=user.id,
        guild_id=interaction.guild_id,
        display_name=user.display_name,
        channel_id=interaction.channel_id,
        parent_channel_id=channel.parent_id if isinstance(channel, discord.Thread) else None,
        manages_server=interaction.permissions.manage_guild,
        role_ids=frozenset(role.id for role in roles),
        role_names=tuple(role.name for role in roles),
        may_post=_may_post(interaction),
    )


def _may_post(interaction: discord.Interaction) -> bool:
    """The member's own right to post where the interaction happened."""
    allowed = interaction.permissions
    if isinstance(interaction.channel, discord.Thread):
        return allowed.view_channel and allowed.send_messages_in_threads
    return allowed.view_channel and allowed.send_messages


def public(interaction: discord.Interaction, *, private: bool) -> bool:
    """Post for everyone (the services' rule), or only to the member; in a DM, as asked."""
    if interaction.guild_id is None:
        return not private
    return shown_publicly(actor_of(interaction), private=private)


async def curriculum_of(interaction: discord.Interaction) -> str:
    """The curriculum card commands answer from here: the cohort's of this channel."""
    if interaction.guild_id is None:
        return DEFAULT_CURRICULUM
    return await services_of(interaction).prompts.curriculum_here(actor_of(interaction))


async def card_choices(
    interaction: discord.Interaction, kind: Kind | None, typed: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete choices for card names, from this channel's curriculum; none (not an
    error) while content is broken."""
    services = services_of(interaction)
    if not services.content.loaded:
        return []
    options = services.cards.autocomplete(kind, typed, await curriculum_of(interaction))
    return [app_commands.Choice(name=option.label, value=option.card_id) for option in options]


class _TextOrForum(app_commands.Transformer):
    """A text (or announcement) channel or a forum, offered as Discord's channel picker.

    An annotation of ``TextChannel | ForumChannel`` would also offer media channels
    (type 16), which prompts cannot go to and the API spec the fake checks against does
    not know.
    """

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news, discord.ChannelType.forum]

    async def transform(
        self, interaction: discord.Interaction, value: Any, /
    ) -> discord.TextChannel | discord.ForumChannel:
        resolved = value.resolve() if hasattr(value, "resolve") else value
        if not isinstance(resolved, discord.TextChannel | discord.ForumChannel):
            raise UserError("Choose a text channel or a forum channel.")
        return resolved


TextOrForum = app_commands.Transform[discord.TextChannel | discord.ForumChannel, _TextOrForum]


def zone_choices(current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete an IANA time zone."""
    return [app_commands.Choice(name=z, value=z) for z in suggest_timezones(current)]


async def cohort_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete the `cohort` option: the server's running cohorts by name."""
    return await _cohorts(interaction, current, include_ended=False)


async def any_cohort_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete a `cohort` option that may name an ended cohort (status, exports)."""
    return await _cohorts(interaction, current, include_ended=True)


async def _cohorts(
    interaction: discord.Interaction, current: str, *, include_ended: bool
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    found = await services_of(interaction).prompts.cohort_choices(
        actor_of(interaction), current, include_ended=include_ended
    )
    return [app_commands.Choice(name=label, value=value) for label, value in found]


async def reply_privately(
    interaction: discord.Interaction, text: str, *, file: discord.File | None = None
) -> None:
    """Answer privately, whether or not the interaction was deferred first."""
    extra: dict[str, Any] = {} if file is None else {"file": file}
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS, **extra)
    else:
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=NO_PINGS, **extra
        )
