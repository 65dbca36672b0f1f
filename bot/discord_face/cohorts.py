"""/cohort: members join and leave; facilitators start, edit, end and list cohorts.

Members need /cohort join and /cohort leave, so the group is visible to everyone; every
facilitator command is refused by the services for anyone else, with the rule spelled
out, as hidden commands are.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_face.cohort_items import COHORT_ITEMS
from bot.discord_face.colours import COLOURS
from bot.discord_face.common import (
    COHORT_HELP,
    NO_PINGS,
    CohortOption,
    TextOrForum,
    actor_of,
    any_cohort_choices,
    cohort_choices,
    reply_privately,
    services_of,
    zone_choices,
)
from bot.discord_face.delivery import note_embed, readable_by_members
from bot.discord_face.markup import discord_text
from bot.services.cohorts import ChannelChoice, CohortListView, CohortView
from bot.services.delivery import Note
from bot.text import Rich, clip

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot

WhenFinishedChoice = Literal["stop", "restart"]
DateOption = app_commands.Range[str, 1, 20]
DESCRIBE = {
    "name": "The cohort's name, e.g. Spring 2026",
    "channel": "Where its prompts are posted: a text channel, or a forum (one post each)",
    "time": "Local time of the daily prompt, HH:MM in 24-hour form, e.g. 09:00",
    "timezone": "IANA time zone, e.g. Europe/Berlin (start typing)",
    "days": "Weekdays, e.g. mon,wed,fri or weekdays (default: every day)",
    "starts": "First day, YYYY-MM-DD (default: today, or tomorrow if today's time has passed)",
    "ends": "Last day, YYYY-MM-DD (optional; /cohort edit ends:none removes it)",
    "curriculum": "Which curriculum it follows (default: the default one)",
    "when_finished": "When every prompt is used: stop (pause) or restart from the first",
    "facilitator_channel": "A channel only facilitators see: weekly digest and final summary",
}


def channel_choice(channel: discord.abc.GuildChannel) -> ChannelChoice:
    """What the services need to know about a picked channel."""
    guild = channel.guild
    mine = channel.permissions_for(guild.me)
    return ChannelChoice(
        channel_id=channel.id,
        is_forum=isinstance(channel, discord.ForumChannel),
        visible_to_everyone=channel.permissions_for(guild.default_role).view_channel,
        bot_can_post=mine.view_channel and mine.send_messages and mine.embed_links,
    )


async def facilitators_channel(
    interaction: discord.Interaction, channel: discord.abc.GuildChannel
) -> ChannelChoice:
    """channel_choice for the facilitators' channel: open to everyone also when a role that
    is not a facilitators' one can read it (servers often show channels to a 'Member' role
    every member holds, not to @everyone)."""
    choice = channel_choice(channel)
    role_id = await services_of(interaction).facilitators.settings.get_facilitator_role(
        channel.guild.id
    )
    members_read = readable_by_members(channel, role_id)
    return replace(choice, visible_to_everyone=choice.visible_to_everyone or members_read)


def cohort_embed(view: CohortView) -> discord.Embed:
    lines = "\n".join(discord_text(line) for line in view.lines()[1:])
    return discord.Embed(
        title=clip(f"Cohort: {view.status.cohort.name}", 256),
        description=clip(lines, 4096),
        colour=COLOURS["schedule"],
    )


def list_embed(view: CohortListView) -> discord.Embed:
    lines = "\n".join(discord_text(line) for line in view.lines())
    return discord.Embed(
        title="Cohorts in this server", description=clip(lines, 4096), colour=COLOURS["schedule"]
    )


async def zone_choices_async(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return zone_choices(current)


async def curriculum_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The curricula content/ holds, by title and id."""
    content = services_of(interaction).content
    if not content.loaded:
        return []
    typed = current.casefold()
    return [
        app_commands.Choice(name=clip(f"{c.title} ({c.id})", 100), value=c.id)
        for c in content.curricula()
        if typed in c.id.casefold() or typed in c.title.casefold()
    ][:25]


class Cohorts(
    commands.GroupCog,
    group_name="cohort",
    group_description="Cohorts: join or leave; facilitators start and run them",
):
    """Thin glue: every rule is in the cohort and roster services."""

    add = app_commands.Group(name="add", description="Facilitators: add to a cohort")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(description="Start a cohort: its channel, schedule and dates")
    @app_commands.describe(**DESCRIBE)
    @app_commands.autocomplete(timezone=zone_choices_async, curriculum=curriculum_choices)
    async def start(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 80],
        channel: TextOrForum,
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64],
        days: app_commands.Range[str, 0, 100] = "",
        starts: DateOption | None = None,
        ends: DateOption | None = None,
        curriculum: app_commands.Range[str, 1, 64] | None = None,
        when_finished: WhenFinishedChoice | None = None,
        facilitator_channel: discord.TextChannel | None = None,
    ) -> None:
        view = await services_of(interaction).cohorts.start(
            actor_of(interaction),
            name,
            channel_choice(channel),
            time,
            timezone,
            days,
            starts=starts,
            ends=ends,
            curriculum=curriculum,
            when_finished=when_finished,
            facilitator_channel=await facilitators_channel(interaction, facilitator_channel)
            if facilitator_channel
            else None,
        )
        await self._answer(interaction, view)

    @app_commands.command(description="Change a cohort: only what you name changes")
    @app_commands.describe(cohort=COHORT_HELP, **DESCRIBE)
    @app_commands.autocomplete(
        cohort=cohort_choices, timezone=zone_choices_async, curriculum=curriculum_choices
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        cohort: CohortOption | None = None,
        name: app_commands.Range[str, 1, 80] | None = None,
        channel: TextOrForum | None = None,
        time: app_commands.Range[str, 1, 10] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        days: app_commands.Range[str, 1, 100] | None = None,
        starts: DateOption | None = None,
        ends: DateOption | None = None,
        curriculum: app_commands.Range[str, 1, 64] | None = None,
        when_finished: WhenFinishedChoice | None = None,
        facilitator_channel: discord.TextChannel | None = None,
    ) -> None:
        view = await services_of(interaction).cohorts.edit(
            actor_of(interaction),
            cohort,
            name=name,
            channel=channel_choice(channel) if channel else None,
            time_text=time,
            zone_text=timezone,
            days_text=days,
            starts=starts,
            ends=ends,
            curriculum=curriculum,
            when_finished=when_finished,
            facilitator_channel=await facilitators_channel(interaction, facilitator_channel)
            if facilitator_channel
            else None,
        )
        await self._answer(interaction, view)

    @app_commands.command(name="list", description="The cohorts in this server")
    async def list_(self, interaction: discord.Interaction) -> None:
        view = await services_of(interaction).cohorts.list(actor_of(interaction))
        await interaction.response.send_message(
            embed=list_embed(view), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @app_commands.command(description="End a cohort: posts, reminders and digests stop")
    @app_commands.describe(cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=cohort_choices)
    async def end(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        services = services_of(interaction)
        ended = await services.cohorts.end(actor_of(interaction), cohort)
        summary = await services.pulse.final_note(ended)
        await interaction.response.send_message(
            f"“{ended.name}” has ended: no more posts, reminders or digests. Its reflections "
            "and history stay (until retention). /cohort next starts the next cohort in its "
            "channel.",
            embed=note_embed(summary),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="next", description="Start the next cohort afresh in the channel")
    @app_commands.describe(
        name="The new cohort's name",
        cohort="The cohort it follows (ended or running; it is ended first)",
        starts=DESCRIBE["starts"],
        ends=DESCRIBE["ends"],
    )
    @app_commands.autocomplete(cohort=any_cohort_choices)
    async def next_(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 80],
        cohort: CohortOption | None = None,
        starts: DateOption | None = None,
        ends: DateOption | None = None,
    ) -> None:
        view = await services_of(interaction).cohorts.start_next(
            actor_of(interaction), name, cohort, starts=starts, ends=ends
        )
        await self._answer(interaction, view)

    @app_commands.command(description="Join a cohort (facilitators see who reflected, never what)")
    @app_commands.describe(cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=cohort_choices)
    async def join(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        answer = await services_of(interaction).roster.join(actor_of(interaction), cohort)
        await reply_privately(interaction, discord_text(answer))

    @app_commands.command(description="Leave a cohort (your reminder goes too)")
    @app_commands.describe(cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=cohort_choices)
    async def leave(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        answer = await services_of(interaction).roster.leave(actor_of(interaction), cohort)
        await reply_privately(interaction, discord_text(answer))

    @app_commands.command(description="Who has reflected on each prompt so far (facilitators)")
    @app_commands.describe(cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=any_cohort_choices)
    async def pulse(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        view = await services_of(interaction).pulse.pulse(actor_of(interaction), cohort)
        note = Note(f"Pulse: {view.cohort_name}", tuple(view.lines()), "Only you can see this.")
        await interaction.response.send_message(
            embed=note_embed(note), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @add.command(name="member", description="Add a member to a cohort (facilitators)")
    @app_commands.describe(member="Who to add", cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=cohort_choices)
    async def add_member(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        cohort: CohortOption | None = None,
    ) -> None:
        answer = await services_of(interaction).roster.add_member(
            actor_of(interaction), member.id, member.display_name, cohort, is_bot=member.bot
        )
        await reply_privately(interaction, discord_text(answer))

    @staticmethod
    async def _answer(interaction: discord.Interaction, view: CohortView) -> None:
        await interaction.response.send_message(
            discord_text(Rich.of(view.headline)),
            embed=cohort_embed(view),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


class Remind(
    commands.GroupCog,
    group_name="remind",
    group_description="Gentle reminders on days you have not reflected yet (only if you ask)",
):
    """Opt-in reminders; the rules are in the reminder service."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="me", description="Remind me by DM on days I have not reflected")
    @app_commands.describe(
        time="Local time, HH:MM (after the day's prompt is posted), e.g. 18:00",
        timezone="Your own time zone (default: the cohort's), e.g. America/Chicago",
        cohort=COHORT_HELP,
    )
    @app_commands.autocomplete(timezone=zone_choices_async, cohort=cohort_choices)
    async def me(
        self,
        interaction: discord.Interaction,
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64] | None = None,
        cohort: CohortOption | None = None,
    ) -> None:
        answer = await services_of(interaction).reminders.remind_me(
            actor_of(interaction), time, timezone, cohort
        )
        await reply_privately(interaction, discord_text(answer))

    @app_commands.command(
        name="off", description="No more reminders (all of them, or one cohort's)"
    )
    @app_commands.describe(cohort="Only this cohort's reminder (default: every one here)")
    @app_commands.autocomplete(cohort=cohort_choices)
    async def off(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        answer = await services_of(interaction).reminders.remind_off(actor_of(interaction), cohort)
        await reply_privately(interaction, discord_text(answer))


async def setup(bot: CohortBot) -> None:
    bot.add_dynamic_items(*COHORT_ITEMS)
    await bot.add_cog(Cohorts(bot))
    await bot.add_cog(Remind(bot))
