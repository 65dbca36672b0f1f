"""The reflection form: a modal whose submit survives restarts, and the Reflect button.

discord.py keeps open modals only in memory, so the form's custom_id carries everything
the submit needs and one listener (in the reflections extension) handles every submit.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import discord

from bot.discord_face.common import actor_of, reply_privately, services_of
from bot.discord_face.error_reporting import report_error
from bot.discord_face.items import ReportingItem
from bot.discord_face.sharing import DiscordSharer
from bot.services.chat_limits import MODAL_TITLE, TEXT_INPUT_MAX
from bot.services.reflections import Topic
from bot.services.sharing import ShareFailed, visibility_note
from bot.store import AboutKind, Visibility
from bot.text import clip
from bot.user_error import UserError

log = logging.getLogger(__name__)
# How long an open modal waits for its Submit. Writing a reflection can take a while, and
# a submit that arrives after this is lost (the member's text with it), so be generous.
MODAL_TIMEOUT_SECONDS = 3 * 60 * 60
RESTARTING_FORM = (
    "The bot is restarting, so nothing was saved. Your text is attached: paste it into "
    "/reflect again in a minute."
)


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
FORM_ID = re.compile(
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
        await reply_privately(interaction, f"{verb} reflection #{saved.id} on {name}. {note}")
    except ShareFailed as error:  # saved, only not shared: nothing to hand back
        await reply_privately(interaction, str(error))
    except UserError as error:
        await hand_back(interaction, text, f"{error} Your text is attached so nothing is lost.")
    except Exception as error:
        await report_error(interaction, error)


async def hand_back(interaction: discord.Interaction, text: str, why: str) -> None:
    """Give the member their unsaved words back as a file, with the reason."""
    keep = discord.File(io.BytesIO(text.encode("utf-8", "replace")), "your-reflection.txt")
    try:
        await reply_privately(interaction, why, file=keep)
    except discord.HTTPException:
        log.warning("could not hand an unsaved reflection back to its author")


class ReflectButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"reflect:(?P<id>[a-z0-9-]+)",
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

    async def act(self, interaction: discord.Interaction) -> None:
        actor = actor_of(interaction)
        reflections = services_of(interaction).reflections
        topic = await reflections.topic(actor.guild_id, self.prompt_id, actor)
        await interaction.response.send_modal(ReflectionModal(topic, "private"))
