"""/reflect and /reflections: the modal, paging, sharing, exports and erasure."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import actor_of, card_choices, services_of
from bot.cogs.errors import report_error
from bot.cogs.render import NO_PINGS
from bot.errors import UserError
from bot.services.limits import MODAL_TITLE, TEXT_INPUT_MAX, clip
from bot.services.reflections import PAGE_SIZE, VISIBILITY_TEXT, ShareFailed, Topic
from bot.store import Reflection, Visibility

if TYPE_CHECKING:
    from bot.app import CohortBot

log = logging.getLogger(__name__)
VisibilityChoice = Literal["private", "cohort", "anonymous"]
# How long an open modal waits for its Submit. Writing a reflection can take a while, and
# a submit that arrives after this is lost (the member's text with it), so be generous.
MODAL_TIMEOUT_SECONDS = 3 * 60 * 60


async def reply(
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


class DiscordSharer:
    """Shows a shared reflection in the cohort's channel or the prompt's thread."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    async def share(self, channel_id: int, title: str, text: str) -> int:
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                raise UserError("I can only share into a text channel or thread.")
            shown = discord.Embed(title=title, description=text, colour=0x6C4F9E)
            message = await channel.send(embed=shown, allowed_mentions=NO_PINGS)
        except (discord.Forbidden, discord.NotFound):
            raise UserError("I could not post in that channel or thread.") from None
        except discord.HTTPException as error:
            log.warning("sharing a reflection in %s failed: %s", channel_id, error)
            raise UserError("Discord did not take the post just now.") from None
        return message.id

    async def unshare(self, channel_id: int, message_id: int) -> None:
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            if isinstance(channel, discord.abc.Messageable):
                await channel.get_partial_message(message_id).delete()
        except discord.NotFound:
            log.info("shared reflection message %s was already gone", message_id)
        except discord.Forbidden:
            raise UserError(
                f"I could not remove the shared post in <#{channel_id}> because I no longer have "
                "access there, so nothing was removed. Ask a facilitator to restore my access "
                "or delete the post, then try again."
            ) from None


LABELS: dict[str, str] = {
    "private": "Your reflection (private)",
    "cohort": "Your reflection (shared under your name)",
    "anonymous": "Your reflection (shared without your name)",
}
PLACEHOLDERS: dict[str, str] = {
    "private": "What do you think, and why? Only you and the facilitators will see it.",
    "cohort": "What do you think, and why? The cohort will see it with your name.",
    "anonymous": "What do you think, and why? The cohort will see it, without your name.",
}


class ReflectionModal(discord.ui.Modal):
    """One text field; the reflection is saved (committed) before the member is told."""

    def __init__(
        self, topic: Topic, visibility: Visibility, *, edit_id: int | None = None, text: str = ""
    ) -> None:
        verb = "Edit" if edit_id else "Reflect"
        label = LABELS[visibility]
        super().__init__(
            title=clip(f"{verb}: {topic.title}", MODAL_TITLE), timeout=MODAL_TIMEOUT_SECONDS
        )
        self.topic, self.visibility, self.edit_id = topic, visibility, edit_id
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=label,
            style=discord.TextStyle.paragraph,
            max_length=TEXT_INPUT_MAX,
            default=text or None,
            placeholder=PLACEHOLDERS[visibility],
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        actor = actor_of(interaction)
        sharer = DiscordSharer(interaction.client)
        if self.visibility != "private":
            # Posting the shared copy is a round trip to Discord: answer within 3 s.
            await interaction.response.defer(ephemeral=True, thinking=True)
        if self.edit_id is None:
            saved = await services.reflections.save(
                actor, self.topic, self.text.value, self.visibility, sharer
            )
            verb = "Saved"
        else:
            saved = await services.reflections.edit(actor, self.edit_id, self.text.value, sharer)
            verb = "Updated"
        who = VISIBILITY_TEXT[saved.visibility]
        await reply(interaction, f"{verb} reflection #{saved.id} on {self.topic.title}. {who}")

    async def on_error(  # type: ignore[override]  # Modal's signature differs from View's
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        """Refused text is handed back as a file, so nothing the member typed is lost."""
        if isinstance(error, ShareFailed):  # saved, only not shared: nothing to hand back
            await reply(interaction, str(error))
            return
        if isinstance(error, UserError):
            data = self.text.value.encode("utf-8", errors="replace")
            keep = discord.File(io.BytesIO(data), filename="your-reflection.txt")
            try:
                await reply(
                    interaction, f"{error} Your text is attached so nothing is lost.", file=keep
                )
            except discord.HTTPException:
                log.warning("could not hand a refused reflection back to its author")
            return
        await report_error(interaction, error)


class ReflectButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"reflect:(?P<id>[a-z0-9-]+)"
):
    """The button on a daily post: opens the reflection modal for that prompt."""

    def __init__(self, prompt_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Reflect",
                emoji="📝",
                style=discord.ButtonStyle.success,
                custom_id=f"reflect:{prompt_id}",
            )
        )
        self.prompt_id = prompt_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReflectButton:
        return cls(match["id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            actor = actor_of(interaction)
            topic = await services_of(interaction).reflections.topic(actor.guild_id, self.prompt_id)
            await interaction.response.send_modal(ReflectionModal(topic, "private"))
        except Exception as error:
            await report_error(interaction, error)


class MinePageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"mine:(?P<page>\d+):(?P<label>[<>])"
):
    """Older/newer pages of /reflections mine (the message is the member's own)."""

    def __init__(self, page: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="◀ Newer" if label == "<" else "Older ▶",
                style=discord.ButtonStyle.secondary,
                custom_id=f"mine:{page}:{label}",
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MinePageButton:
        return cls(int(match["page"]), match["label"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            shown, view = await mine_page(interaction, self.page)
            await interaction.response.edit_message(embed=shown, view=view)
        except Exception as error:
            await report_error(interaction, error)


class ConfirmButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"confirm:(?P<action>delete|forget|keep):(?P<id>\d+)",
):
    """The second step of a destructive action; only the member sees the ephemeral prompt.

    It acts on the clicking member's own data only, whoever built the custom_id.
    """

    LABELS: ClassVar[dict[str, str]] = {
        "delete": "Yes, delete it",
        "forget": "Yes, erase everything",
        "keep": "No, keep it",
    }

    def __init__(self, action: str, reflection_id: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[action],
                style=discord.ButtonStyle.secondary
                if action == "keep"
                else discord.ButtonStyle.danger,
                custom_id=f"confirm:{action}:{reflection_id}",
            )
        )
        self.action, self.reflection_id = action, reflection_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConfirmButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if self.action == "keep":
                await interaction.response.edit_message(content="Nothing was changed.", view=None)
                return
            services, actor = services_of(interaction), actor_of(interaction)
            sharer = DiscordSharer(interaction.client)
            # Removing shared copies is one Discord call each: acknowledge within 3 s first.
            await interaction.response.defer()
            if self.action == "delete":
                await services.reflections.delete(actor, self.reflection_id, sharer)
                text = f"Reflection #{self.reflection_id} is deleted, with any shared copy."
            else:
                removed = await services.reflections.forget_me(actor, sharer)
                text = (
                    "Done: everything the bot held about you in this server is erased "
                    f"({removed} reflection(s), with any shared copies)."
                )
            await interaction.edit_original_response(content=text, view=None)
        except Exception as error:
            await report_error(interaction, error)


def confirm_view(action: str, reflection_id: int = 0) -> discord.ui.View:
    """A destructive action's button, and one to back out."""
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(action, reflection_id))
    view.add_item(ConfirmButton("keep", reflection_id))
    return view


async def mine_page(
    interaction: discord.Interaction, page: int
) -> tuple[discord.Embed, discord.ui.View]:
    services, actor = services_of(interaction), actor_of(interaction)
    page = max(page, 0)
    result = await services.reflections.mine(actor, page)
    pages = max(1, -(-result.total // PAGE_SIZE))
    if page >= pages:  # deleted since the buttons were made: show the last page instead
        page = pages - 1
        result = await services.reflections.mine(actor, page)
    shown = discord.Embed(
        title=f"Your reflections ({result.total})",
        colour=0x6C4F9E,
        description=None if result.items else "None yet. Use /reflect to write one.",
    )
    for item in result.items:
        shown.add_field(
            name=_heading(services.reflections.topic_title, item),
            value=clip(item.text, 1024),
            inline=False,
        )
    shown.set_footer(text=f"Page {page + 1} of {pages} · only you can see this")
    view = discord.ui.View(timeout=None)
    if page > 0:
        view.add_item(MinePageButton(page - 1, "<"))
    if (page + 1) * PAGE_SIZE < result.total:
        view.add_item(MinePageButton(page + 1, ">"))
    return shown, view


def _heading(title: Any, item: Reflection) -> str:
    edited = " (edited)" if item.edited_at else ""
    return clip(
        f"#{item.id} · {clip(title(item.about_kind, item.about_id), 120)} · "
        f"{item.created_at:%d %b %Y} · {item.visibility}{edited}",
        256,
    )


class Reflections(
    commands.GroupCog, group_name="reflections", group_description="Your reflections"
):
    """Members' own reflections, and the facilitators' exports."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(description="List your reflections, newest first (only you see it)")
    async def mine(self, interaction: discord.Interaction) -> None:
        shown, view = await mine_page(interaction, 0)
        await interaction.response.send_message(embed=shown, view=view, ephemeral=True)

    async def _own(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """Autocomplete the member's own reflection numbers (never anyone else's)."""
        if interaction.guild_id is None:
            return []
        found = await services_of(interaction).reflections.choices(actor_of(interaction), current)
        return [app_commands.Choice(name=label, value=number) for number, label in found]

    @app_commands.command(description="Edit one of your reflections")
    @app_commands.describe(id="The reflection's number, from /reflections mine")
    async def edit(self, interaction: discord.Interaction, id: int) -> None:
        services, actor = services_of(interaction), actor_of(interaction)
        item = await services.reflections.get(actor, id)
        title = services.reflections.topic_title(item.about_kind, item.about_id)
        topic = Topic(item.about_kind, item.about_id, title)
        modal = ReflectionModal(topic, item.visibility, edit_id=item.id, text=item.text)
        await interaction.response.send_modal(modal)

    @edit.autocomplete("id")
    async def _edit_ids(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._own(interaction, current)

    @app_commands.command(description="Delete one of your reflections (asks first)")
    @app_commands.describe(id="The reflection's number, from /reflections mine")
    async def delete(self, interaction: discord.Interaction, id: int) -> None:
        services, actor = services_of(interaction), actor_of(interaction)
        await services.reflections.get(actor, id)
        await interaction.response.send_message(
            f"Delete reflection #{id}? This cannot be undone.",
            view=confirm_view("delete", id),
            ephemeral=True,
        )

    @delete.autocomplete("id")
    async def _delete_ids(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._own(interaction, current)

    @app_commands.command(description="Change who can see one of your reflections")
    @app_commands.describe(id="The reflection's number", visibility="Who may see it")
    async def share(
        self, interaction: discord.Interaction, id: int, visibility: VisibilityChoice
    ) -> None:
        services, actor = services_of(interaction), actor_of(interaction)
        await interaction.response.defer(ephemeral=True)
        sharer = DiscordSharer(interaction.client)
        item = await services.reflections.set_visibility(actor, id, visibility, sharer)
        await interaction.followup.send(
            f"Reflection #{item.id}: {VISIBILITY_TEXT[item.visibility]}", ephemeral=True
        )

    @share.autocomplete("id")
    async def _share_ids(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._own(interaction, current)

    @app_commands.command(description="Download yours (Markdown) or everyone's (CSV, facilitators)")
    @app_commands.describe(
        scope="mine: your own, as Markdown; everyone: all members, as CSV (facilitators only)",
        since="Only reflections on or after this date, YYYY-MM-DD (everyone only)",
    )
    async def export(
        self,
        interaction: discord.Interaction,
        scope: Literal["mine", "everyone"] = "mine",
        since: str | None = None,
    ) -> None:
        services, actor = services_of(interaction), actor_of(interaction)
        start = _parse_since(since) if scope == "everyone" else None
        if scope == "everyone":
            await services.reflections.check_can_export_all(actor)  # refuse before any wait
        await interaction.response.defer(ephemeral=True, thinking=True)
        if scope == "mine":
            text = await services.reflections.export_mine(actor)
            name = "my-reflections.md"
        else:
            text = await services.reflections.export_csv(actor, start)
            name = "reflections.csv"
        await reply(
            interaction,
            "Here is your file; it is sent only to you.",
            file=discord.File(io.BytesIO(text.encode("utf-8")), filename=name),
        )

    @app_commands.command(description="Participation per prompt and per day (facilitators)")
    async def summary(self, interaction: discord.Interaction) -> None:
        services, actor = services_of(interaction), actor_of(interaction)
        await services.reflections.check_can_see_summary(actor)  # refuse before any wait
        await interaction.response.defer(ephemeral=True, thinking=True)
        lines, chart = await services.reflections.summary(actor)
        shown = discord.Embed(
            title="Reflections: participation", description=clip("\n".join(lines), 4096)
        )
        shown.set_image(url="attachment://participation.png")
        await interaction.followup.send(
            embed=shown,
            file=discord.File(io.BytesIO(chart), filename="participation.png"),
            ephemeral=True,
        )

    @app_commands.command(
        name="forget-me", description="Erase everything the bot holds about you here"
    )
    async def forget_me(self, interaction: discord.Interaction) -> None:
        actor_of(interaction)
        await interaction.response.send_message(
            "Erase all your reflections (and shared copies) in this server? This cannot be undone.",
            view=confirm_view("forget"),
            ephemeral=True,
        )


class Reflect(commands.Cog):
    """/reflect: the quickest way to write."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot

    @app_commands.command(description="Write a reflection on today's prompt or any card")
    @app_commands.describe(
        about="A prompt or card (default: the latest prompt); start typing",
        visibility="private (default): you and facilitators; cohort or anonymous: shared",
    )
    async def reflect(
        self,
        interaction: discord.Interaction,
        about: str | None = None,
        visibility: VisibilityChoice = "private",
    ) -> None:
        services, actor = services_of(interaction), actor_of(interaction)
        services.reflections.check_visibility(visibility)  # before they write, not after
        topic = await services.reflections.topic(actor.guild_id, about)
        await interaction.response.send_modal(ReflectionModal(topic, visibility))

    @reflect.autocomplete("about")
    async def _about(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return card_choices(interaction, None, current)


def _parse_since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise UserError(f"“{clip(text, 40)}” is not a date; write it as YYYY-MM-DD.") from None


DYNAMIC_ITEMS = (ReflectButton, MinePageButton, ConfirmButton)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Reflect(bot))
    await bot.add_cog(Reflections(bot))
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
