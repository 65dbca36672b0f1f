"""Card commands on Slack: /approach, /expert, /myth, /search, /about, /help, and the
buttons and menus on cards (related cards, the myth's reveal, pickers)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.library.models import Kind
from bot.services.answers import CardView, SuggestionView
from bot.services.cards import about_view, help_view
from bot.slack_face.blocks import (
    card_blocks,
    menu_blocks,
    option,
    picker_blocks,
    suggestion_blocks,
    text_blocks,
)
from bot.slack_face.command_text import command_text

if TYPE_CHECKING:
    from bot.slack_face.app import Payload, SlackFace

CARD_KINDS = (Kind.APPROACH, Kind.EXPERT, Kind.MYTH)
_PRIVATE = re.compile(r"(?:^|\s)(?:private(?::\s*(?:true|yes))?|--private)\s*$", re.IGNORECASE)

SLACK_HELP: tuple[tuple[str, str], ...] = (
    ("/approach [name] [private]", "A treatment or intervention the article discusses."),
    ("/expert [name] [private]", "One of the experts the article quotes, and what they said."),
    ("/myth [name] [private]", "A common belief, then what the evidence says."),
    ("/search words", "The best matching cards of every kind."),
    ("/about", "What this bot is, the content note, and where to find support."),
    ("/prompt status", "When and where the daily discussion prompt is posted."),
    ("/reflect [about]", "Write a reflection; private to you and the facilitators."),
    ("/reflections mine|edit|delete|share|export|forget-me", "Your own reflections."),
    ("/schedule set #channel HH:MM Zone [days]", "Facilitators: the daily prompt."),
    ("/schedule next|now|skip|pause|resume|quiet", "Facilitators: preview, post, pause."),
    ("/cohort join|leave [cohort]", "Take part in a cohort, or stop."),
    ("/cohort list", "The cohorts here, and which you are in."),
    ("/remind me HH:MM [zone] | off", "A direct message on days you have not reflected yet."),
    ("/practice [stats]", "Your next quick check, privately; or your own numbers."),
    ("/cohort start|edit|end|next|pulse|add member", "Facilitators: run cohorts."),
    ("/cohort-reflections export [since]|summary", "Facilitators: every reflection as CSV."),
)


def private_flag(text: str) -> tuple[str, bool]:
    """``/myth addiction private``: the name, and whether only the member should see it."""
    found = _PRIVATE.search(text)
    return (text[: found.start()].strip(), True) if found else (text.strip(), False)


class CardCommands:
    def __init__(self, face: SlackFace) -> None:
        self.face = face

    def register(self) -> None:
        app, guarded = self.face.app, self.face.guarded
        for kind in CARD_KINDS:
            app.command(f"/{kind.value}")(guarded(self._card_command(kind)))
            app.options(f"pick:{kind.value}")(self._options(kind))
            app.action(f"pick:{kind.value}")(guarded(self._picked))
            app.action(f"open:{kind.value}")(guarded(self._picked))
        app.action("open:card")(guarded(self._picked))
        app.action("open:search")(guarded(self._picked))
        app.action(re.compile(r"^card:"))(guarded(self._related))
        app.action("reveal")(guarded(self._reveal))
        app.command("/search")(guarded(self._search))
        app.command("/about")(guarded(self._about))
        app.command("/help")(guarded(self._help))

    def _card_command(self, kind: Kind) -> Any:
        async def handler(respond: AsyncRespond, body: Payload) -> None:
            name, private = private_flag(command_text(body))
            cards = self.face.services.cards
            if not name:
                title = f"Every {kind.value}: pick one"
                await self.face.answer(respond, picker_blocks(title, kind.value), title)
                return
            result = cards.lookup(kind, name)
            if isinstance(result, SuggestionView):
                await self.face.answer(respond, suggestion_blocks(result), result.message)
                return
            await self._show(respond, result, public=not private)

        return handler

    async def _show(self, respond: AsyncRespond, view: CardView, *, public: bool) -> None:
        await self.face.answer(respond, card_blocks(view), view.title, public=public)

    def _options(self, kind: Kind) -> Any:
        async def load(ack: Any, body: Payload) -> None:
            """Options as the member types; none (not an error) while content is broken."""
            services = self.face.services
            if not services.content.loaded:
                await ack(options=[])
                return
            found = services.cards.autocomplete(kind, body.get("value", ""))
            await ack(options=[option(item) for item in found])

        return load

    async def _picked(self, respond: AsyncRespond, body: Payload) -> None:
        card_id = body["actions"][0]["selected_option"]["value"]
        await self._open(respond, card_id)

    async def _related(self, respond: AsyncRespond, body: Payload) -> None:
        await self._open(respond, body["actions"][0]["value"])

    async def _open(self, respond: AsyncRespond, card_id: str, *, reveal: bool = False) -> None:
        view = self.face.services.cards.view(card_id, reveal=reveal)
        if view is None:
            await self.face.say_privately(respond, "That card is no longer in the library.")
            return
        await self._show(respond, view, public=False)

    async def _reveal(self, respond: AsyncRespond, body: Payload) -> None:
        await self._open(respond, body["actions"][0]["value"], reveal=True)

    async def _search(self, respond: AsyncRespond, body: Payload) -> None:
        query, _ = private_flag(command_text(body))
        if not query:
            await self.face.say_privately(respond, "Usage: /search words to look for")
            return
        found = self.face.services.cards.search(query)
        title = f"Best matches for “{query}”"
        await self.face.answer(respond, menu_blocks(title, found, "open:search"), title)

    async def _about(self, respond: AsyncRespond, body: Payload) -> None:
        services = self.face.services
        view = about_view(services.content.library, services.settings.support_text)
        await self.face.answer(respond, text_blocks(view), view.title)

    async def _help(self, respond: AsyncRespond, body: Payload) -> None:
        view = help_view(SLACK_HELP)
        await self.face.answer(respond, text_blocks(view), view.title)


def register(face: SlackFace) -> None:
    CardCommands(face).register()
