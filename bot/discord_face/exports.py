"""/cohort-reflections (facilitators) and sending any export within the upload limit.

The facilitators' commands sit in their own group so that Discord can hide them from
members (default_member_permissions); the services refuse members anyway, since a
server admin may grant the group to anyone in Server Settings > Integrations.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_face.common import (
    NO_PINGS,
    CohortOption,
    actor_of,
    any_cohort_choices,
    services_of,
)
from bot.discord_face.embeds import BELIEFS_FILE, CHART_FILE, summary_embed
from bot.discord_face.practice import send_beliefs
from bot.services.exports import PackedExport, RecordKind, day_after, megabytes, pack_export
from bot.text import clip
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot

TOO_LARGE = 413  # Discord: Request entity too large (code 40005)


async def send_export(
    interaction: discord.Interaction,
    text: str,
    filename: str,
    kind: RecordKind,
    *,
    since_hint: bool,
) -> None:
    """Fit ``text`` into this interaction's upload limit and send it privately (deferred)."""
    limit = interaction.filesize_limit  # the interaction's attachment_size_limit
    packed = await pack_export(text, filename, limit, kind, since_hint=since_hint)
    try:
        await _send(interaction, packed, since_hint=since_hint)
    except discord.HTTPException as error:
        if error.status != TOO_LARGE:
            raise
        tip = " Export a shorter period with the since option." if since_hint else ""
        raise UserError(
            "Discord refused the file as larger than this server's upload limit "
            f"({megabytes(packed.limit)}); trying again will not help.{tip}"
        ) from None


async def _send(
    interaction: discord.Interaction, packed: PackedExport, *, since_hint: bool
) -> None:
    total = len(packed.files)
    for number, item in enumerate(packed.files, start=1):
        text = packed.describe(since_hint=since_hint) if number == 1 else ""
        if total > 1:
            text = f"{text}\n\nPart {number} of {total}.".strip()
        await interaction.followup.send(
            text,
            file=discord.File(io.BytesIO(item.data), filename=item.filename),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


def parse_since(text: str | None) -> datetime | None:
    """A YYYY-MM-DD date as the start of that day in UTC; UserError otherwise."""
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise UserError(f"“{clip(text, 40)}” is not a date; write it as YYYY-MM-DD.") from None


@app_commands.default_permissions(manage_guild=True)
class CohortReflections(
    commands.GroupCog,
    group_name="cohort-reflections",
    group_description="Facilitators: every member's reflections, privately",
):
    """The facilitators' CSV export and participation summary."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(description="Every reflection in this server as CSV (facilitators)")
    @app_commands.describe(
        since="Only reflections on or after this date, YYYY-MM-DD (UTC)",
        until="Only reflections up to and including this date, YYYY-MM-DD (UTC)",
        cohort="Only this cohort's reflections (default: the whole server)",
    )
    @app_commands.autocomplete(cohort=any_cohort_choices)
    async def export(
        self,
        interaction: discord.Interaction,
        since: app_commands.Range[str, 1, 40] | None = None,
        until: app_commands.Range[str, 1, 40] | None = None,
        cohort: CohortOption | None = None,
    ) -> None:
        services, actor = services_of(interaction), actor_of(interaction)
        start, end = parse_since(since), parse_since(until)
        await services.reflections.check_can_export_all(actor)  # refuse before any wait
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await services.reflections.export_csv(actor, start, day_after(end), cohort)
        await send_export(interaction, text, "reflections.csv", "csv", since_hint=True)

    @app_commands.command(description="Participation per prompt and per day (facilitators)")
    @app_commands.describe(cohort="One cohort: x of its N members per prompt (default: the server)")
    @app_commands.autocomplete(cohort=any_cohort_choices)
    async def summary(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        services, actor = services_of(interaction), actor_of(interaction)
        await services.reflections.check_can_see_summary(actor)  # refuse before any wait
        await interaction.response.defer(ephemeral=True, thinking=True)
        if cohort:
            summary = await services.pulse.cohort_summary(actor, cohort)
        else:
            summary = await services.reflections.summary(actor)
        files = [discord.File(io.BytesIO(summary.chart_png), filename=CHART_FILE)]
        if summary.beliefs_png is not None:
            files.append(discord.File(io.BytesIO(summary.beliefs_png), filename=BELIEFS_FILE))
        await interaction.followup.send(embed=summary_embed(summary), files=files, ephemeral=True)

    @app_commands.command(description="Per myth: members who held it at first check and latest")
    async def beliefs(self, interaction: discord.Interaction) -> None:
        await send_beliefs(interaction)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(CohortReflections(bot))
