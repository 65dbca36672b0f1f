"""/prompt and /schedule commands, and the loop that posts each cohort's daily prompt."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from time import time as epoch_seconds
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord_face.card_items import card_components
from bot.discord_face.cohort_items import JoinButton
from bot.discord_face.common import (
    COHORT_HELP,
    NO_PINGS,
    CohortOption,
    TextOrForum,
    actor_of,
    any_cohort_choices,
    cohort_choices,
    services_of,
    zone_choices,
)
from bot.discord_face.delivery import DiscordCourier
from bot.discord_face.embeds import embed, status_embed, upcoming_embed
from bot.discord_face.markup import discord_text
from bot.discord_face.practice import QuickCheckButton
from bot.discord_face.reflection_forms import ReflectButton
from bot.discord_face.sharing import DiscordSharer
from bot.schedule import describe_dates
from bot.services.prompts import PostFailed, PromptPost
from bot.text import Rich

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot

log = logging.getLogger(__name__)
LOOP_SECONDS = 20.0
TICK_SLACK = 0.05  # seconds past the boundary, so a tick never lands just before its minute
FORUM_TAG_REQUIRED = 40067  # Discord's code: "A tag is required to create a forum post"


def until_next_tick(now: float, every: float) -> float:
    """Seconds from ``now`` (epoch seconds) to just past the next multiple of ``every``."""
    if every <= 0:
        return 0.0
    return every - now % every + TICK_SLACK


class DiscordPoster:
    """Publishes prompts as an embed with buttons and a public thread under it."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    async def _channel(
        self, channel_id: int, guild_id: int | None = None
    ) -> discord.abc.Messageable:
        channel = await self._place(channel_id, guild_id)
        if isinstance(channel, discord.ForumChannel):
            raise PostFailed("that is a forum channel, where only posts can be made")
        return channel

    async def _place(
        self, channel_id: int, guild_id: int | None = None
    ) -> discord.abc.Messageable | discord.ForumChannel:
        """A channel the prompts can go to: one messages are sent in, or a forum."""
        guild = self.bot.get_guild(guild_id) if guild_id is not None else None
        # through the guild: bot.get_channel scans every guild, costly across a fan-out
        channel = (
            guild.get_channel_or_thread(channel_id) if guild else self.bot.get_channel(channel_id)
        )
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except discord.NotFound:
                raise PostFailed("that channel no longer exists") from None
            except discord.Forbidden:
                raise PostFailed("I cannot see that channel") from None
        if not isinstance(channel, discord.abc.Messageable | discord.ForumChannel):
            raise PostFailed("that is not a text or forum channel")
        return channel

    async def post(self, post: PromptPost) -> tuple[int, int | None]:
        channel = await self._place(post.channel_id, post.guild_id)
        components = card_components(post.view, private=True)
        components.add_item(ReflectButton(post.prompt.id))
        if post.cohort_id:
            components.add_item(JoinButton(post.cohort_id))  # the roster needs no intents
        components.add_item(QuickCheckButton())  # one due practice check, privately
        note = None
        if post.content_note:  # always say where support is, once
            pointer = "" if "/about" in post.content_note else " /about lists support."
            note = f"-# Content note: {post.content_note}{pointer}"
        if isinstance(channel, discord.ForumChannel):
            return await self._post_in_forum(channel, post, note, components)
        try:
            message = await channel.send(
                content=note,
                embed=embed(post.view),
                view=components,
                allowed_mentions=NO_PINGS,
                nonce=f"prompt-{post.reservation}",  # Discord drops a repeat with this nonce
            )
        except discord.NotFound:
            raise PostFailed("that channel no longer exists") from None
        except discord.Forbidden:
            raise PostFailed("I am not allowed to post there") from None
        except discord.HTTPException as error:
            if 400 <= error.status < 500:  # Discord refused it; nothing was posted
                raise PostFailed(
                    f"Discord refused the post ({error.status}: {error.text})"
                ) from None
            raise
        try:
            thread = await message.create_thread(name=post.thread_name, auto_archive_duration=1440)
        except discord.HTTPException as error:
            log.warning(
                "posted prompt in %s but could not open its thread: %s", post.channel_id, error
            )
            return message.id, None
        return message.id, thread.id

    async def _post_in_forum(
        self, forum: discord.ForumChannel, post: PromptPost, note: str | None, view: discord.ui.View
    ) -> tuple[int, int]:
        """In a forum each prompt is its own post: a thread named as the text channel's
        would be, whose starter message (same id as the thread) carries the prompt."""
        try:
            created = await forum.create_thread(
                name=post.thread_name,
                content=note,
                embed=embed(post.view),
                view=view,
                allowed_mentions=NO_PINGS,
                auto_archive_duration=1440,
            )
        except discord.NotFound:
            raise PostFailed("that channel no longer exists") from None
        except discord.Forbidden:
            raise PostFailed("I am not allowed to post there") from None
        except discord.HTTPException as error:
            if error.code == FORUM_TAG_REQUIRED:
                raise PostFailed(
                    "that forum requires a tag on every post; turn off its required tags"
                ) from None
            if 400 <= error.status < 500:  # Discord refused it; nothing was posted
                raise PostFailed(
                    f"Discord refused the post ({error.status}: {error.text})"
                ) from None
            raise
        return created.message.id, created.thread.id

    async def _find_in_forum(
        self, forum: discord.ForumChannel, post: PromptPost, since: datetime
    ) -> tuple[int, int] | None:
        """The post for this prompt among the forum's posts since ``since``: active ones
        first, then archived (newest first, stopping at older ones)."""
        after = since - timedelta(minutes=1)
        try:
            active = [t for t in await forum.guild.active_threads() if t.parent_id == forum.id]
            for thread in sorted(active, key=lambda t: t.id, reverse=True):
                found = await self._forum_post_of(thread, post, after)
                if found is not None:
                    return found
            async for thread in forum.archived_threads(limit=100):
                if discord.utils.snowflake_time(thread.id) < after:
                    break
                found = await self._forum_post_of(thread, post, after)
                if found is not None:
                    return found
        except discord.Forbidden:
            raise PostFailed("I cannot read that forum's posts") from None
        except discord.NotFound:
            raise PostFailed("that channel no longer exists") from None
        return None

    async def _forum_post_of(
        self, thread: discord.Thread, post: PromptPost, after: datetime
    ) -> tuple[int, int] | None:
        """(starter message id, thread id) if ``thread`` is this prompt's post by the bot."""
        me = self.bot.user
        if me is None or thread.owner_id != me.id:
            return None
        if discord.utils.snowflake_time(thread.id) < after:
            return None
        try:
            starter = await thread.fetch_message(thread.id)
        except discord.NotFound:  # its starter message was deleted: not ours to count
            return None
        if f"reflect:{post.prompt.id}" not in _custom_ids(starter):
            return None
        return starter.id, thread.id

    async def find_post(self, post: PromptPost, since: datetime) -> tuple[int, int | None] | None:
        place = await self._place(post.channel_id, post.guild_id)
        if isinstance(place, discord.ForumChannel):
            return await self._find_in_forum(place, post, since)
        channel = place
        marker = f"reflect:{post.prompt.id}"
        me = self.bot.user
        try:
            async for message in channel.history(limit=100, after=since - timedelta(minutes=1)):
                if message.author != me or marker not in _custom_ids(message):
                    continue
                thread = message.thread
                if thread is None and isinstance(message.channel, discord.TextChannel):
                    thread = await message.create_thread(name=post.thread_name)
                return message.id, thread.id if thread else None
        except discord.Forbidden:
            raise PostFailed("I cannot read that channel's history") from None
        except discord.NotFound:
            raise PostFailed("that channel no longer exists") from None
        return None

    async def notify(self, channel_id: int | None, guild_id: int, text: Rich) -> None:
        if channel_id is None:
            log.warning("guild %s: %s (no facilitator channel known)", guild_id, text)
            return
        try:
            channel = await self._channel(channel_id, guild_id)
            await channel.send(discord_text(text), allowed_mentions=NO_PINGS)
        except (PostFailed, discord.HTTPException) as error:
            log.warning("guild %s: could not tell facilitators (%s): %s", guild_id, error, text)


def _custom_ids(message: discord.Message) -> set[str]:
    found: set[str] = set()
    for row in message.components:
        for child in getattr(row, "children", [row]):
            custom_id = getattr(child, "custom_id", None)
            if custom_id:
                found.add(custom_id)
    return found


class Prompts(commands.GroupCog, group_name="prompt", group_description="Daily discussion prompts"):
    """Everyone can see the status; the loop posts each server's prompt when due."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.poster = DiscordPoster(bot)
        self.courier = DiscordCourier(bot)  # digests, summaries and reminders
        # settles and removes shared reflections in the loop; never posts. A process that
        # also serves Slack swaps in one that reaches each reflection's own chat.
        self.sharer = DiscordSharer(bot)
        self.posting = False
        self.post_due.change_interval(seconds=bot.services.settings.daily_loop.every_seconds)
        self.post_due.start()
        super().__init__()

    async def cog_unload(self) -> None:
        self.post_due.cancel()

    def stop_background(self) -> list[asyncio.Task[None]]:
        """Let a pass of the posting loop that is under way finish; start no other."""
        task = self.post_due.get_task()
        if self.posting and task is not None:
            self.post_due.stop()
            return [task]
        self.post_due.cancel()  # only sleeping until the next tick
        return []

    @tasks.loop(seconds=LOOP_SECONDS)
    async def post_due(self) -> None:
        """Ask the services what is due; post it. Errors are logged, the loop goes on."""
        services = self.bot.services
        self.posting = True
        try:
            if services.content.loaded:
                await services.prompts.run_due(self.poster)
                await services.pulse.run_endings(self.courier)
                await services.pulse.run_digests(self.courier)
                await services.reminders.run_due(self.courier)
            await services.reflections.settle_shares(self.sharer)
            await services.reflections.purge_expired(self.sharer)
        except Exception:
            log.exception("the daily prompt loop failed; retrying next tick")
        finally:
            self.posting = False

    @post_due.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()
        # Post times are whole minutes: ticking on the clock's multiples of the interval
        # (:00, :20, :40) sends a prompt as its minute starts, not up to a tick later.
        await asyncio.sleep(until_next_tick(epoch_seconds(), self.post_due.seconds or 0.0))

    @app_commands.command(description="Where and when the next prompt is posted")
    @app_commands.describe(cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=any_cohort_choices)
    async def status(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        status = await services_of(interaction).prompts.status(actor_of(interaction), cohort)
        await interaction.response.send_message(embed=status_embed(status), ephemeral=True)


@app_commands.default_permissions(manage_guild=True)
class Schedule(
    commands.GroupCog,
    group_name="schedule",
    group_description="Facilitators: the daily prompt's schedule",
):
    """Facilitators' commands, hidden from members by default; the services still check."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.poster = DiscordPoster(bot)
        super().__init__()

    @app_commands.command(
        name="set", description="Post a prompt every day at a local time (facilitators)"
    )
    @app_commands.describe(
        channel="Where the prompts are posted: a text channel, or a forum (one post each)",
        time="Local time, HH:MM in 24-hour form, e.g. 09:00",
        timezone="IANA time zone, e.g. Europe/Berlin (start typing)",
        days="Weekdays, e.g. mon,wed,fri or weekdays (default: every day)",
        cohort=COHORT_HELP,
    )
    @app_commands.autocomplete(cohort=cohort_choices)
    async def schedule(
        self,
        interaction: discord.Interaction,
        channel: TextOrForum,
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64],
        days: app_commands.Range[str, 0, 100] = "",
        cohort: CohortOption | None = None,
    ) -> None:
        status = await services_of(interaction).prompts.set_schedule(
            actor_of(interaction),
            channel.id,
            time,
            timezone,
            days,
            cohort,
            is_forum=isinstance(channel, discord.ForumChannel),
        )
        await interaction.response.send_message(
            "Schedule saved.", embed=status_embed(status), ephemeral=True
        )

    @schedule.autocomplete("timezone")
    async def _zones(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @app_commands.command(name="next", description="Preview the next dates and prompts (private)")
    @app_commands.describe(count="How many to show (1-25)", cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=cohort_choices)
    async def next_(
        self,
        interaction: discord.Interaction,
        count: app_commands.Range[int, 1, 25] = 5,
        cohort: CohortOption | None = None,
    ) -> None:
        preview = await services_of(interaction).prompts.upcoming(
            actor_of(interaction), count, cohort
        )
        await interaction.response.send_message(embed=upcoming_embed(preview), ephemeral=True)

    @app_commands.command(description="Post the next prompt right now (facilitators)")
    @app_commands.describe(cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=cohort_choices)
    async def now(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        post = await services_of(interaction).prompts.post_now(
            actor_of(interaction), self.poster, cohort
        )
        await interaction.followup.send(
            f"Posted “{post.prompt.title}” in <#{post.channel_id}>.", ephemeral=True
        )

    @app_commands.command(description="Pass over the next prompt (facilitators)")
    @app_commands.describe(cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=cohort_choices)
    async def skip(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        prompt = await services_of(interaction).prompts.skip_next(actor_of(interaction), cohort)
        await interaction.response.send_message(
            f"Skipped “{prompt.title}”; it will not be posted this round.", ephemeral=True
        )

    @app_commands.command(description="Stop the daily posts until resumed (facilitators)")
    @app_commands.describe(cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=cohort_choices)
    async def pause(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        status = await services_of(interaction).prompts.set_paused(
            actor_of(interaction), True, cohort
        )
        await interaction.response.send_message(
            "Paused.", embed=status_embed(status), ephemeral=True
        )

    @app_commands.command(description="Start the daily posts again (facilitators)")
    @app_commands.describe(cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=cohort_choices)
    async def resume(
        self, interaction: discord.Interaction, cohort: CohortOption | None = None
    ) -> None:
        status = await services_of(interaction).prompts.set_paused(
            actor_of(interaction), False, cohort
        )
        await interaction.response.send_message(
            "Resumed.", embed=status_embed(status), ephemeral=True
        )

    @app_commands.command(description="Dates with no post, e.g. holidays (facilitators)")
    @app_commands.describe(
        dates="YYYY-MM-DD, several separated by commas, or a range 2026-12-24..2026-12-26",
        remove="Remove these dates instead of adding them",
        cohort=COHORT_HELP,
    )
    @app_commands.autocomplete(cohort=cohort_choices)
    async def quiet(
        self,
        interaction: discord.Interaction,
        dates: app_commands.Range[str, 1, 200],
        remove: bool = False,
        cohort: CohortOption | None = None,
    ) -> None:
        quiet = await services_of(interaction).prompts.set_quiet_dates(
            actor_of(interaction), dates, quiet=not remove, cohort=cohort
        )
        shown = describe_dates(quiet)
        await interaction.response.send_message(f"Quiet dates from today: {shown}", ephemeral=True)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Prompts(bot))
    await bot.add_cog(Schedule(bot))
