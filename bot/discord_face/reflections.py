"""/reflect and /reflections: the modal, paging, sharing, exports and erasure."""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_face.common import actor_of, card_choices, services_of
from bot.discord_face.error_reporting import report_error
from bot.discord_face.exports import send_export
from bot.discord_face.render import NO_PINGS
from bot.services.chat_limits import MODAL_TITLE, TEXT_INPUT_MAX
from bot.services.reflections import (
    PAGE_SIZE,
    Forgotten,
    SharedPost,
    ShareFailed,
    ShareUnclear,
    Topic,
    visibility_note,
)
from bot.store import AboutKind, Reflection, Visibility
from bot.text import clip
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot

log = logging.getLogger(__name__)
VisibilityChoice = Literal["private", "cohort", "anonymous"]
# How long an open modal waits for its Submit. Writing a reflection can take a while, and
# a submit that arrives after this is lost (the member's text with it), so be generous.
MODAL_TIMEOUT_SECONDS = 3 * 60 * 60
REFLECTION_COLOUR = 0x6C4F9E
RESTARTING_FORM = (
    "The bot is restarting, so nothing was saved. Your text is attached: paste it into "
    "/reflect again in a minute."
)


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
    """Shows a shared reflection in the cohort's channel or the prompt's thread.

    Built for one member (the author asking) or, to settle shares after a restart,
    for nobody: then it may look and remove, never post.
    """

    def __init__(self, bot: discord.Client, member: discord.abc.User | None = None) -> None:
        self.bot = bot
        self.member = member if isinstance(member, discord.Member) else None

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
        except (discord.Forbidden, discord.NotFound):
            raise UserError("I cannot see that channel or thread.") from None
        if not isinstance(channel, discord.abc.Messageable):
            raise UserError("I can only share into a text channel or thread.")
        return channel

    async def author_may_post(self, channel_id: int) -> bool:
        if self.member is None:
            return False
        channel = await self._channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
            return False
        try:
            allowed = channel.permissions_for(self.member)
        except discord.ClientException:  # a thread whose parent is not cached
            return False
        if isinstance(channel, discord.Thread):
            locked = channel.locked and not allowed.manage_threads
            return allowed.view_channel and allowed.send_messages_in_threads and not locked
        return allowed.view_channel and allowed.send_messages

    async def share(self, channel_id: int, post: SharedPost) -> int:
        channel = await self._channel(channel_id)
        try:
            message = await channel.send(
                content=byline(post),
                embed=shared_embed(post),
                allowed_mentions=NO_PINGS,
                nonce=f"reflection-{post.reflection_id}",
            )
        except (discord.Forbidden, discord.NotFound):
            raise UserError("I could not post in that channel or thread.") from None
        except discord.HTTPException as error:
            if 400 <= error.status < 500:  # refused: nothing was posted
                log.warning("sharing a reflection in %s was refused: %s", channel_id, error)
                raise UserError("Discord did not take the post.") from None
            raise ShareUnclear(str(error)) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ShareUnclear(repr(error)) from error
        return message.id

    async def find_share(self, channel_id: int, reflection_id: int, since: datetime) -> int | None:
        channel = await self._channel(channel_id)
        marker = shared_marker(reflection_id)
        try:
            async for message in channel.history(limit=200, after=since - timedelta(minutes=1)):
                if message.author == self.bot.user and any(
                    shown.footer.text == marker for shown in message.embeds
                ):
                    return message.id
        except (discord.Forbidden, discord.NotFound):
            raise UserError("I cannot read that channel or thread to check.") from None
        return None

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


def shared_marker(reflection_id: int) -> str:
    """The footer that lets the bot find its own post of a reflection again."""
    return f"Reflection #{reflection_id}"


def byline(post: SharedPost) -> str:
    """Who wrote it, as Discord shows it: a mention cannot be faked by a nickname."""
    if post.author_id is None:
        return "Shared anonymously: the author's name is hidden from everyone."
    return f"Shared by <@{post.author_id}>"


def shared_embed(post: SharedPost) -> discord.Embed:
    shown = discord.Embed(
        title=clip(f"Reflection on {post.topic_title}", 256),
        description=post.text,
        colour=REFLECTION_COLOUR,
    )
    shown.set_footer(text=shared_marker(post.reflection_id))
    return shown


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


FORM_PREFIX = "rf"
FORM_TEXT_ID = "text"
_FORM_ID = re.compile(
    rf"^{FORM_PREFIX}:(?P<kind>[paem]):(?P<about>[a-z0-9-]{{1,64}}):(?P<vis>[pca]):(?P<edit>\d{{1,19}})$"
)
_KIND_CODES: dict[str, AboutKind] = {
    "p": "prompt",
    "a": "approach",
    "e": "expert",
    "m": "myth",
}
_VISIBILITY_CODES: dict[str, Visibility] = {"p": "private", "c": "cohort", "a": "anonymous"}


def form_id(topic: Topic, visibility: Visibility, edit_id: int | None) -> str:
    """Everything the submit needs, in the modal's own custom_id (at most 100 characters).

    The submit is handled from this id alone, so a form left open across a restart or
    deploy still saves: discord.py keeps open modals only in memory.
    """
    kind = next(code for code, name in _KIND_CODES.items() if name == topic.kind)
    return f"{FORM_PREFIX}:{kind}:{topic.card_id}:{visibility[0]}:{edit_id or 0}"


class ReflectionModal(discord.ui.Modal):
    """One text field. Its submit is handled by Reflect.on_interaction, from the custom_id."""

    def __init__(
        self, topic: Topic, visibility: Visibility, *, edit_id: int | None = None, text: str = ""
    ) -> None:
        verb = "Edit" if edit_id else "Reflect"
        super().__init__(
            title=clip(f"{verb}: {topic.title}", MODAL_TITLE),
            timeout=MODAL_TIMEOUT_SECONDS,
            custom_id=form_id(topic, visibility, edit_id),
        )
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=LABELS[visibility],
            style=discord.TextStyle.paragraph,
            max_length=TEXT_INPUT_MAX,
            default=text or None,
            placeholder=PLACEHOLDERS[visibility],
            custom_id=FORM_TEXT_ID,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Nothing here: one handler serves forms from before and after a restart."""


def submitted_text(components: list[Any]) -> str | None:
    """The reflection's text in a modal submit's components (rows or labels)."""
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == FORM_TEXT_ID and isinstance(component.get("value"), str):
            return str(component["value"])
        nested = [*component.get("components", []), component.get("component")]
        found = submitted_text(nested)
        if found is not None:
            return found
    return None


async def handle_form(interaction: discord.Interaction, match: re.Match[str], text: str) -> None:
    """Save (or update) a submitted reflection; refused text comes back as a file."""
    try:
        services, actor = services_of(interaction), actor_of(interaction)
        kind, about = _KIND_CODES[match["kind"]], match["about"]
        topic = Topic(kind, about, services.reflections.topic_title(kind, about))
        visibility = _VISIBILITY_CODES[match["vis"]]
        edit_id = int(match["edit"])
        sharer = DiscordSharer(interaction.client, interaction.user)
        if visibility != "private" or edit_id:
            # A shared copy is a round trip to Discord: answer within 3 s.
            await interaction.response.defer(ephemeral=True, thinking=True)
        if edit_id:
            saved = await services.reflections.edit(actor, edit_id, text, sharer)
            verb = "Updated"
        else:
            saved = await services.reflections.save(actor, topic, text, visibility, sharer)
            verb = "Saved"
        name = topic.title if edit_id else services.reflections.card_title(about)
        note = visibility_note(saved)
        await reply(interaction, f"{verb} reflection #{saved.id} on {name}. {note}")
    except ShareFailed as error:  # saved, only not shared: nothing to hand back
        await reply(interaction, str(error))
    except UserError as error:
        await hand_back(interaction, text, f"{error} Your text is attached so nothing is lost.")
    except Exception as error:
        await report_error(interaction, error)


async def hand_back(interaction: discord.Interaction, text: str, why: str) -> None:
    """Give the member their unsaved words back as a file, with the reason."""
    keep = discord.File(io.BytesIO(text.encode("utf-8", "replace")), "your-reflection.txt")
    try:
        await reply(interaction, why, file=keep)
    except discord.HTTPException:
        log.warning("could not hand an unsaved reflection back to its author")


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
            sharer = DiscordSharer(interaction.client, interaction.user)
            # Removing shared copies is one Discord call each: acknowledge within 3 s first.
            await interaction.response.defer()
            if self.action == "delete":
                await services.reflections.delete(actor, self.reflection_id, sharer)
                text = f"Reflection #{self.reflection_id} is deleted, with any shared copy."
            else:
                text = forgotten_text(await services.reflections.forget_me(actor, sharer))
            await interaction.edit_original_response(content=text, view=None)
        except Exception as error:
            await report_error(interaction, error)


def forgotten_text(done: Forgotten) -> str:
    """What forget-me did, and only that."""
    erased = f"{done.erased} reflection{'' if done.erased == 1 else 's'}"
    if not done.kept:
        return (
            "Done: everything the bot held about you in this server is erased "
            f"({erased}, with any shared copies)."
        )
    kept = "\n".join(f"- #{number}: {why}" for number, why in done.kept)
    return clip(
        f"Erased {erased}, with their shared copies. Not erased yet, because their shared "
        f"posts could not be removed or checked, so their records still point at them:\n{kept}"
        "\nRun forget-me again once that is fixed.",
        2000,
    )


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
        colour=REFLECTION_COLOUR,
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
    """Members' own reflections (the facilitators' exports are /cohort-reflections)."""

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
        sharer = DiscordSharer(interaction.client, interaction.user)
        item = await services.reflections.set_visibility(actor, id, visibility, sharer)
        await interaction.followup.send(
            f"Reflection #{item.id}: {visibility_note(item)}", ephemeral=True
        )

    @share.autocomplete("id")
    async def _share_ids(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._own(interaction, current)

    @app_commands.command(description="Download your reflections as a Markdown file")
    async def export(self, interaction: discord.Interaction) -> None:
        services, actor = services_of(interaction), actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await services.reflections.export_mine(actor)
        await send_export(interaction, text, "my-reflections.md", "markdown", since_hint=False)

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

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Reflection forms, including ones opened before the bot restarted."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        match = _FORM_ID.match(str(data.get("custom_id", "")))
        if match is None:
            return
        text = submitted_text(list(data.get("components", [])))
        if text is None:
            log.warning("a reflection form arrived without its text field")
            await report_error(interaction, UserError("That form was empty; nothing was saved."))
            return
        if self.bot.closing:  # the database may be closing: hand the words back instead
            await hand_back(interaction, text, RESTARTING_FORM)
            return
        await handle_form(interaction, match, text)

    @reflect.autocomplete("about")
    async def _about(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return card_choices(interaction, None, current)


DYNAMIC_ITEMS = (ReflectButton, MinePageButton, ConfirmButton)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Reflect(bot))
    await bot.add_cog(Reflections(bot))
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
