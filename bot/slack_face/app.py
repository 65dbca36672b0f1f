"""The Slack face's core: one Bolt AsyncApp over the services, who is asking, and answers.

Every handler acks at once (Slack waits three seconds) and then answers through the
request's response URL: ephemeral unless a card is posted for the channel. A UserError
becomes a private answer; anything else is logged and the member is told sorry.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackTokens
from bot.services.container import Services
from bot.services.permissions import Actor
from bot.slack_face.blocks import Block, mrkdwn, rich, sections
from bot.slack_face.errors import SORRY, error_code
from bot.slack_face.ids import SlackIds
from bot.text import MemberMention, Rich
from bot.user_error import UserError

log = logging.getLogger(__name__)
Payload = dict[str, Any]
Handler = Callable[[AsyncRespond, Payload], Awaitable[None]]
EVENTS_PATH = "/slack/events"


class SlackFace:
    """Builds the AsyncApp and holds what every Slack handler shares."""

    def __init__(self, services: Services, tokens: SlackTokens) -> None:
        self.services = services
        self.ids = SlackIds(services.store)
        self.client = AsyncWebClient(
            token=tokens.bot, base_url=services.settings.slack.api_base_url
        )
        self.app = AsyncApp(
            client=self.client,
            signing_secret=tokens.signing_secret or "",
            request_verification_enabled=not tokens.socket_mode,
            logger=logging.getLogger("slack_bolt"),
        )
        from bot.slack_face import cards, cohorts, delivery, practice, prompts, reflections

        self.poster: prompts.SlackPoster

        cards.register(self)
        reflections.register(self)
        prompts.register(self)
        cohorts.register(self)
        practice.register(self)
        self.loop = prompts.DailyLoop(self, self.poster, delivery.SlackCourier(self))

    # ---------------------------------------------------------------- who is asking

    async def actor(self, body: Payload) -> Actor:
        """The member behind a command or interaction, with facilitator rights looked up."""
        user_id = body.get("user_id") or body["user"]["id"]
        team_id = (
            body.get("team_id") or (body.get("team") or {}).get("id") or body["user"]["team_id"]
        )
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
        return Actor(
            user_id=await self.ids.of(user_id),
            guild_id=await self.ids.of(team_id),
            display_name=body.get("user_name") or body["user"].get("username", "member"),
            channel_id=await self.ids.of(channel) if channel else None,
            manages_server=await self.is_facilitator(user_id),
            facilitator_rule=self.facilitator_rule,
        )

    @property
    def facilitator_rule(self) -> str:
        """Who is a facilitator here, as a refusal says it."""
        rule = "they are this workspace's owners and admins"
        if self.services.settings.slack.facilitator_group:
            rule += ", and the members of its facilitators' user group"
        return rule

    async def is_facilitator(self, user_id: str) -> bool:
        """Workspace owners and admins, and members of the configured user group."""
        try:
            user = (await self.client.users_info(user=user_id))["user"]
            if user.get("is_owner") or user.get("is_admin"):
                return True
            group = self.services.settings.slack.facilitator_group
            if group:
                members = await self.client.usergroups_users_list(usergroup=group)
                return user_id in members["users"]
        except SlackApiError as error:
            log.warning("cannot look up %s's rights: %s", user_id, error_code(error))
        return False

    async def channel_name(self, chat_id: int) -> str:
        """``<#C…>`` for a channel, or the thread's channel for a thread."""
        try:
            place = await self.ids.place(chat_id)
        except LookupError:
            return "a channel I no longer know"
        return f"the thread in <#{place.channel}>" if place.thread_ts else f"<#{place.channel}>"

    async def mention(self, member: MemberMention) -> str:
        """``<@U…>`` for a Slack member (it pings nobody in an ephemeral message), else the
        name recorded when they joined or last acted."""
        try:
            return f"<@{await self.ids.text(member.user_id)}>"
        except LookupError:
            return mrkdwn(member.name)

    async def text(self, text: Rich | str, *, mentions: bool = False) -> str:
        """Rich text as mrkdwn; members as mentions only where asked (ephemeral answers:
        a mention in a channel message would ping)."""
        shown = text if isinstance(text, Rich) else Rich.of(text)
        return await rich(shown, self.channel_name, self.mention if mentions else None)

    # ---------------------------------------------------------------- answering

    async def answer(
        self, respond: AsyncRespond, blocks: list[Block], text: str, *, public: bool = False
    ) -> None:
        await respond(
            text=text,
            blocks=blocks,
            response_type="in_channel" if public else "ephemeral",
            replace_original=False,
        )

    async def say_privately(self, respond: AsyncRespond, text: Rich | str) -> None:
        body = await self.text(text)
        await self.answer(respond, sections(body), body[:3000])

    def guarded(self, handler: Handler) -> Callable[..., Awaitable[None]]:
        """Ack first; a UserError is told privately, anything else logged with a sorry."""

        async def run(ack: Any, respond: AsyncRespond, body: Payload) -> None:
            await ack()
            try:
                await handler(respond, body)
            except UserError as error:
                await self.say_privately(respond, error.rich)
            except Exception:
                log.exception("a Slack handler failed")
                await self.say_privately(respond, SORRY)

        return run

    async def send_file(self, user_id: str, filename: str, data: bytes, comment: str) -> None:
        """A file only this member sees: uploaded into their direct messages with the bot."""
        opened = await self.client.conversations_open(users=user_id)
        await self.client.files_upload_v2(
            channel=opened["channel"]["id"],
            filename=filename,
            content=data,
            title=filename,
            initial_comment=comment,
        )


class SlackServer:
    """Bolt's HTTP endpoint (``/slack/events``) on aiohttp, inside the bot's event loop."""

    def __init__(self, face: SlackFace, host: str, port: int) -> None:
        self.face, self.host, self.port = face, host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Listen; return the endpoint's URL (port 0 picks a free port, for tests)."""
        self._runner = web.AppRunner(self.face.app.web_app(path=EVENTS_PATH, port=self.port))
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        port = self._runner.addresses[0][1]
        return f"http://{self.host}:{port}{EVENTS_PATH}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
