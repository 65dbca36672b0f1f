"""/reflect and /reflections: members' own reflections, paging, sharing and erasure."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_face.common import actor_of, card_choices, services_of
from bot.discord_face.embeds import reflection_page_embed
from bot.discord_face.error_reporting import report_error
from bot.discord_face.exports import send_export
from bot.discord_face.items import ReportingItem
from bot.discord_face.reflection_forms import (
    FORM_ID,
    RESTARTING_FORM,
    ReflectButton,
    ReflectionModal,
    hand_back,
    handle_form,
    submitted_text,
)
from bot.discord_face.sharing import DiscordSharer
from bot.services.reflections import Forgotten, ReflectionPageView, Topic
from bot.services.sharing import visibility_note
from bot.text import clip
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot

log = logging.getLogger(__name__)
VisibilityChoice = Literal["private", "cohort", "anonymous"]


class MinePageButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mine:(?P<page>\d+):(?P<label>[<>])",
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

    async def act(self, interaction: discord.Interaction) -> None:
        shown, view = await mine_page(interaction, self.page)
        await interaction.response.edit_message(embed=shown, view=view)


class ConfirmButton(
    ReportingItem,
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

    async def act(self, interaction: discord.Interaction) -> None:
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


def forgotten_text(done: Forgotten) -> str:
    """What forget-me did, and only that."""
    erased = f"{done.erased} reflection{'' if done.erased == 1 else 's'}"
    if done.practice_answers:
        erased += f", {done.practice_answers} practice answer"
        erased += "" if done.practice_answers == 1 else "s"
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
    """A page of the member's own list, with Newer/Older buttons where there are more."""
    services, actor = services_of(interaction), actor_of(interaction)
    shown: ReflectionPageView = await services.reflections.page(actor, page)
    view = discord.ui.View(timeout=None)
    if shown.newer is not None:
        view.add_item(MinePageButton(shown.newer, "<"))
    if shown.older is not None:
        view.add_item(MinePageButton(shown.older, ">"))
    return reflection_page_embed(shown), view


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
        topic = await services.reflections.topic(actor.guild_id, about, actor)
        await interaction.response.send_modal(ReflectionModal(topic, visibility))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Reflection forms, including ones opened before the bot restarted."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        match = FORM_ID.match(str(data.get("custom_id", "")))
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
        return await card_choices(interaction, None, current)


REFLECTION_ITEMS = (ReflectButton, MinePageButton, ConfirmButton)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Reflect(bot))
    await bot.add_cog(Reflections(bot))
    bot.add_dynamic_items(*REFLECTION_ITEMS)
