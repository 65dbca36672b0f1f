"""Reflections on Slack: /reflect and the Reflect button open a modal; /reflections and
/cohort-reflections list, edit, delete, share and export (files go to a direct message)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.services.permissions import Actor
from bot.services.reflection_text import check_text
from bot.services.reflections import Topic
from bot.services.sharing import visibility_note
from bot.slack_face.blocks import Block, button, context, mrkdwn, plain, sections
from bot.slack_face.command_text import command_text
from bot.slack_face.errors import SORRY
from bot.slack_face.sharing import SlackSharer
from bot.store import Visibility
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.slack_face.app import Payload, SlackFace

log = logging.getLogger(__name__)
TEXT_MAX = 3000  # Slack's plain_text_input holds at most 3,000 characters
VISIBILITIES: tuple[Visibility, ...] = ("private", "cohort", "anonymous")
USAGE = (
    "Usage: /reflections mine [page] | edit ID | delete ID | share ID private|cohort|anonymous "
    "| export | forget-me"
)


class Reflections:
    def __init__(self, face: SlackFace) -> None:
        self.face = face

    def register(self) -> None:
        app, guarded = self.face.app, self.face.guarded
        app.command("/reflect")(guarded(self._reflect_command))
        app.action("reflect")(guarded(self._reflect_button))
        app.view("reflect")(self._submitted)
        app.view("edit")(self._edited)
        app.command("/reflections")(guarded(self._reflections))
        app.action("delete")(guarded(self._delete))
        app.action("forget")(guarded(self._forget))
        app.action(re.compile(r"^page:"))(guarded(self._turn))
        app.command("/cohort-reflections")(guarded(self._cohort))

    # ---------------------------------------------------------------- writing

    async def _reflect_command(self, respond: AsyncRespond, body: Payload) -> None:
        actor = await self.face.actor(body)
        topic = await self.face.services.reflections.topic(actor.guild_id, command_text(body))
        await self._open(body["trigger_id"], topic, body.get("channel_id", ""))

    async def _reflect_button(self, respond: AsyncRespond, body: Payload) -> None:
        actor = await self.face.actor(body)
        prompt_id = body["actions"][0]["value"]
        topic = await self.face.services.reflections.topic(actor.guild_id, prompt_id)
        await self._open(body["trigger_id"], topic, body["channel"]["id"])

    async def _open(self, trigger_id: str, topic: Topic, channel: str) -> None:
        allow_anonymous = self.face.services.settings.reflections.allow_anonymous
        choices = [v for v in VISIBILITIES if v != "anonymous" or allow_anonymous]
        options = [{"text": plain(v.title(), 75), "value": v} for v in choices]
        metadata = json.dumps({"kind": topic.kind, "id": topic.card_id, "channel": channel})
        await self.face.client.views_open(
            trigger_id=trigger_id,
            view={
                "type": "modal",
                "callback_id": "reflect",
                "private_metadata": metadata,
                "title": plain("Reflect", 24),
                "submit": plain("Save", 24),
                "close": plain("Cancel", 24),
                "blocks": [
                    context(mrkdwn(f"On *{topic.title}*. Private unless you share it.")),
                    _text_input("", f"Up to {TEXT_MAX:,} characters."),
                    {
                        "type": "input",
                        "block_id": "visibility",
                        "label": plain("Who sees it", 2000),
                        "element": {
                            "type": "static_select",
                            "action_id": "visibility",
                            "options": options,
                            "initial_option": options[0],
                        },
                    },
                ],
            },
        )

    async def _submitted(self, ack: Any, body: Payload, view: Payload) -> None:
        values = view["state"]["values"]
        visibility = values["visibility"]["visibility"]["selected_option"]["value"]

        async def save(actor: Actor, text: str, sharer: SlackSharer, meta: Payload) -> str:
            topic = Topic(meta["kind"], meta["id"], "")
            saved = await self.face.services.reflections.save(
                actor, topic, text, visibility, sharer, max_length=TEXT_MAX
            )
            return f"Reflection #{saved.id} is saved. {visibility_note(saved)}"

        await self._save_modal(ack, body, view, save)

    async def _edited(self, ack: Any, body: Payload, view: Payload) -> None:
        async def save(actor: Actor, text: str, sharer: SlackSharer, meta: Payload) -> str:
            edited = await self.face.services.reflections.edit(
                actor, meta["id"], text, sharer, max_length=TEXT_MAX
            )
            return f"Reflection #{edited.id} is updated. {visibility_note(edited)}"

        await self._save_modal(ack, body, view, save)

    async def _save_modal(
        self,
        ack: Any,
        body: Payload,
        view: Payload,
        save: Callable[[Actor, str, SlackSharer, Payload], Awaitable[str]],
    ) -> None:
        """Keep the modal open on text that cannot be saved; else close it, ``save`` and
        tell the member how it went where they were."""
        text = view["state"]["values"]["text"]["text"]["value"] or ""
        try:
            check_text(text, TEXT_MAX)
        except UserError as error:
            await ack(response_action="errors", errors={"text": str(error)})
            return
        await ack()
        meta = json.loads(view["private_metadata"])
        body = {**body, "channel": {"id": meta["channel"]}}
        user = body["user"]["id"]
        try:
            actor = await self.face.actor(body)
            note = await save(actor, text, SlackSharer(self.face, user), meta)
        except UserError as error:
            note = await self.face.text(error.rich)
        except Exception:  # the modal is closed: say so where the member is
            log.exception("saving a reflection from Slack failed")
            note = SORRY
        await self._tell(user, meta["channel"], note)

    async def _tell(self, user: str, channel: str, text: str) -> None:
        """After a modal closes, an ephemeral note where the member was (or a DM)."""
        try:
            await self.face.client.chat_postEphemeral(channel=channel, user=user, text=text)
        except SlackApiError:
            opened = await self.face.client.conversations_open(users=user)
            await self.face.client.chat_postMessage(channel=opened["channel"]["id"], text=text)

    # ---------------------------------------------------------------- the member's own

    async def _reflections(self, respond: AsyncRespond, body: Payload) -> None:
        words = command_text(body).split()
        verb, args = (words[0].lower(), words[1:]) if words else ("mine", [])
        actor = await self.face.actor(body)
        service = self.face.services.reflections
        sharer = SlackSharer(self.face, body["user_id"])
        if verb == "mine":
            await self._page(respond, body, _number(args[0]) - 1 if args else 0)
        elif verb == "edit" and len(args) == 1:
            reflection = await service.get(actor, _number(args[0]))
            await self._open_edit(body, reflection.id, reflection.text)
        elif verb == "delete" and len(args) == 1:
            reflection = await service.get(actor, _number(args[0]))
            await self._confirm(
                respond,
                "delete",
                str(reflection.id),
                f"Delete reflection #{reflection.id}?",
                "It cannot be undone.",
            )
        elif verb == "share" and len(args) == 2 and args[1] in VISIBILITIES:
            changed = await service.set_visibility(actor, _number(args[0]), args[1], sharer)
            await self.face.say_privately(
                respond, f"Reflection #{changed.id}: {visibility_note(changed)}"
            )
        elif verb == "export":
            markdown = await service.export_mine(actor)
            await self.face.send_file(
                body["user_id"],
                "my-reflections.md",
                markdown.encode(),
                "Your reflections, as Markdown.",
            )
            await self.face.say_privately(respond, "Sent to you in a direct message.")
        elif verb == "forget-me":
            await self._confirm(
                respond,
                "forget",
                "me",
                "Erase everything?",
                "Every reflection you wrote here, and their shared posts.",
            )
        else:
            await self.face.say_privately(respond, USAGE)

    async def _page(
        self, respond: AsyncRespond, body: Payload, number: int, *, replace: bool = False
    ) -> None:
        """One page of the member's own list, with buttons to the newer and older ones."""
        page = await self.face.services.reflections.page(await self.face.actor(body), number)
        head = f"*Your reflections* (page {page.page + 1} of {page.pages}, {page.total} in all)"
        blocks = sections(head)
        for entry in page.entries:
            blocks += sections(f"*{mrkdwn(entry.heading)}*\n{mrkdwn(entry.text)}")
        if not page.entries:
            blocks = sections("You have no reflections here yet.")
        turns = [(page.newer, "Newer"), (page.older, "Older")]
        buttons = [
            button(label, f"page:{label.lower()}", str(n)) for n, label in turns if n is not None
        ]
        if buttons:
            blocks = [*blocks[:49], {"type": "actions", "elements": buttons}]
        await respond(
            text="Your reflections",
            blocks=blocks[:50],
            response_type="ephemeral",
            replace_original=replace,
        )

    async def _turn(self, respond: AsyncRespond, body: Payload) -> None:
        await self._page(respond, body, _number(body["actions"][0]["value"]), replace=True)

    async def _open_edit(self, body: Payload, reflection_id: int, text: str) -> None:
        metadata = json.dumps({"id": reflection_id, "channel": body.get("channel_id", "")})
        await self.face.client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "edit",
                "private_metadata": metadata,
                "title": plain(f"Edit #{reflection_id}", 24),
                "submit": plain("Save", 24),
                "blocks": [_text_input(text[:TEXT_MAX], "Who sees it stays as it is.")],
            },
        )

    async def _confirm(
        self, respond: AsyncRespond, action: str, value: str, title: str, warning: str
    ) -> None:
        sure = button(title.rstrip("?"), action, value, "danger")
        sure["confirm"] = {
            "title": plain("Are you sure?", 100),
            "text": {"type": "plain_text", "text": warning},
            "confirm": plain("Yes", 30),
            "deny": plain("No", 30),
            "style": "danger",
        }
        blocks: list[Block] = [
            *sections(mrkdwn(f"{title} {warning}")),
            {"type": "actions", "elements": [sure]},
        ]
        await self.face.answer(respond, blocks, title)

    async def _delete(self, respond: AsyncRespond, body: Payload) -> None:
        actor = await self.face.actor(body)
        reflection_id = _number(body["actions"][0]["value"])
        sharer = SlackSharer(self.face, body["user"]["id"])
        await self.face.services.reflections.delete(actor, reflection_id, sharer)
        await self.face.say_privately(respond, f"Reflection #{reflection_id} is deleted.")

    async def _forget(self, respond: AsyncRespond, body: Payload) -> None:
        actor = await self.face.actor(body)
        sharer = SlackSharer(self.face, body["user"]["id"])
        done = await self.face.services.reflections.forget_me(actor, sharer)
        kept = "".join(f" #{i} was kept: {why}." for i, why in done.kept)
        await self.face.say_privately(respond, f"Erased {done.erased} reflection(s).{kept}")

    # ---------------------------------------------------------------- facilitators

    async def _cohort(self, respond: AsyncRespond, body: Payload) -> None:
        words = command_text(body).split()
        actor = await self.face.actor(body)
        service = self.face.services.reflections
        if words[:1] == ["export"]:
            since = _date(words[1]) if len(words) > 1 else None
            csv_text = await service.export_csv(actor, since)
            await self.face.send_file(
                body["user_id"],
                "cohort-reflections.csv",
                csv_text.encode(),
                "Every reflection in this workspace, as CSV.",
            )
            await self.face.say_privately(respond, "Sent to you in a direct message.")
        elif words[:1] == ["summary"]:
            summary = await service.summary(actor)
            text = "\n".join(str(line) for line in summary.lines) or "No reflections yet."
            await self.face.answer(respond, sections(mrkdwn(text))[:50], "Participation")
            if summary.chart_png:
                await self.face.send_file(
                    body["user_id"],
                    "participation.png",
                    summary.chart_png,
                    "Participation per day.",
                )
        else:
            await self.face.say_privately(
                respond, "Usage: /cohort-reflections export [YYYY-MM-DD] | summary"
            )


def _text_input(initial: str, hint: str) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": "text",
        "multiline": True,
        "max_length": TEXT_MAX,
    }
    if initial:
        element["initial_value"] = initial
    return {
        "type": "input",
        "block_id": "text",
        "label": plain("Your reflection", 2000),
        "hint": plain(hint, 2000),
        "element": element,
    }


def _number(text: str) -> int:
    try:
        return int(text.lstrip("#"))
    except ValueError:
        raise UserError(f"“{text[:24]}” is not a reflection number, such as 7.") from None


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise UserError(f"“{text[:24]}” is not a date such as 2026-03-01.") from None


def register(face: SlackFace) -> None:
    Reflections(face).register()
