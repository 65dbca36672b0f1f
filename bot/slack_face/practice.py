"""/practice on Slack: the member's next check as an ephemeral message with answer buttons,
the reveal in its place after an answer, and their own numbers (``/practice stats``).

An answer button's action id names the choice and its value the item id, so a check left
open across a restart still answers. The daily post's Quick check button
(``practice:next:p``) opens one due check privately; the reveal's Next check button
(``practice:next:e``) replaces the reveal with it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.services.practice import CaughtUpView, CheckView, RevealView
from bot.slack_face.blocks import (
    HEADER_TEXT,
    Block,
    button,
    context,
    mrkdwn,
    plain,
    sections,
)
from bot.slack_face.command_text import command_text
from bot.text import clip

if TYPE_CHECKING:
    from bot.slack_face.app import Payload, SlackFace

QUICK_CHECK, NEXT_CHECK = "Quick check", "Next check"
ANSWER = "practice:answer:"
PRACTICE_USAGE = "Usage: /practice [stats]: your next quick check, or your own numbers."


def quick_check_button() -> Block:
    """The daily post's button: one due check, privately."""
    return button(QUICK_CHECK, "practice:next:p", "p", "primary")


def check_blocks(view: CheckView) -> list[Block]:
    """A check before it is answered: the claim or situation and one button per answer
    (one style for all: no hint)."""
    answers = [button(label, f"{ANSWER}{key}", view.item_id) for key, label in view.choices]
    blocks: list[Block] = [
        {"type": "header", "text": plain(view.title, HEADER_TEXT)},
        *sections(mrkdwn(view.description)),
        context(mrkdwn(view.footer)),
    ]
    for start in range(0, len(answers), 5):
        blocks.append({"type": "actions", "elements": answers[start : start + 5]})
    return blocks


def reveal_blocks(view: RevealView) -> list[Block]:
    """What the answer reveals, the related cards (shown privately) and the next check."""
    blocks: list[Block] = [
        {"type": "header", "text": plain(view.title, HEADER_TEXT)},
        *sections(mrkdwn(view.description)),
    ]
    for item in view.fields:
        blocks += sections(f"*{mrkdwn(item.name)}*\n{mrkdwn(item.value)}")
    blocks.append(context(mrkdwn(view.footer)))
    links = [button(link.label, f"card:{link.card_id}", link.card_id) for link in view.links]
    links.append(button(NEXT_CHECK, "practice:next:e", "e", "primary"))
    for start in range(0, len(links), 5):
        blocks.append({"type": "actions", "elements": links[start : start + 5]})
    return blocks[:50]


class PracticeCommands:
    def __init__(self, face: SlackFace) -> None:
        self.face = face

    def register(self) -> None:
        app, guarded = self.face.app, self.face.guarded
        app.command("/practice")(guarded(self._practice))
        app.action(re.compile(f"^{ANSWER}"))(guarded(self._answer))
        app.action(re.compile(r"^practice:next:[pe]$"))(guarded(self._next))

    async def _practice(self, respond: AsyncRespond, body: Payload) -> None:
        show = (command_text(body) or "check").lower()
        if show == "stats":
            stats = await self.face.services.practice.stats(await self.face.actor(body))
            lines = [await self.face.text(line) for line in stats.lines]
            text = "*Your practice*\n" + "\n".join(lines)
            blocks = [*sections(text), context("Only you can see this.")]
            await self.face.answer(respond, blocks, "Your practice")
        elif show == "check":
            await self._show_next(respond, body, in_place=False)
        else:
            await self.face.say_privately(respond, PRACTICE_USAGE)

    async def _show_next(self, respond: AsyncRespond, body: Payload, *, in_place: bool) -> None:
        """The member's next check, or when the next one is ready; always only to them."""
        shown = await self.face.services.practice.next_check(await self.face.actor(body))
        if isinstance(shown, CaughtUpView):
            text = await self.face.text(shown.text)
            blocks, summary = sections(text), clip(text, 3000)
        else:
            blocks, summary = check_blocks(shown), shown.title
        if in_place:
            await respond(text=summary, blocks=blocks, replace_original=True)
        else:
            await self.face.answer(respond, blocks, summary)

    async def _answer(self, respond: AsyncRespond, body: Payload) -> None:
        action = body["actions"][0]
        choice = str(action["action_id"]).removeprefix(ANSWER)
        # committed before the member sees the reveal
        reveal = await self.face.services.practice.answer(
            await self.face.actor(body), str(action.get("value", "")), choice
        )
        await respond(text=reveal.title, blocks=reveal_blocks(reveal), replace_original=True)

    async def _next(self, respond: AsyncRespond, body: Payload) -> None:
        in_place = str(body["actions"][0]["action_id"]).endswith(":e")
        await self._show_next(respond, body, in_place=in_place)


def register(face: SlackFace) -> None:
    PracticeCommands(face).register()
