"""The fake Slack's client side: signed commands and interactions sent to the bot.

Slack signs every request with the app's signing secret (``v0=`` HMAC-SHA256 of
``v0:timestamp:body``); Bolt refuses a bad signature or a timestamp more than five
minutes off with 401. ``send_raw`` lets tests sign wrongly on purpose.
"""

# ruff: noqa: ASYNC109 -- `timeout=` parameters are this harness's public API.

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from .server import FakeSlackServer, Opened, ResponseUrl
from .world import TEAM, Message

ALICE, BOB, ADMIN = "U0ALICE001", "U0BOB00001", "U0ADMIN001"
COHORT = "C0COHORT01"
SIGNING_SECRET = "fake-signing-secret"


@dataclass(frozen=True)
class Answer:
    """The bot's HTTP answer to one request (Bolt's ack)."""

    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


_TOKEN = re.compile(r"(<[#@!][^<>]*>)")


def slack_escaped(text: str) -> str:
    """What Slack sends for typed text: &, < and > escaped, its own <#C…|name> tokens kept."""
    parts = _TOKEN.split(text)
    return "".join(
        part
        if _TOKEN.fullmatch(part)
        else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for part in parts
    )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class FakeSlack(FakeSlackServer):
    """The fake Slack tests drive: ``slash``, ``click``, ``select``, ``submit``, ``options``."""

    bot_url: str = ""

    async def send_raw(
        self, body: bytes, content_type: str, *, timestamp: int | None = None, secret: str = ""
    ) -> Answer:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(secret or SIGNING_SECRET, stamp, body),
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.bot_url, data=body, headers=headers) as response,
        ):
            return Answer(response.status, await response.text())

    use_socket_mode: bool = False  # send over the Socket Mode connection, not HTTP

    async def _form(self, form: dict[str, str]) -> Answer:
        if self.use_socket_mode:
            if "payload" in form:
                ack = await self.socket_mode.send("interactive", json.loads(form["payload"]))
            else:
                ack = await self.socket_mode.send("slash_commands", form)
            payload = ack.get("payload")
            return Answer(200, json.dumps(payload) if payload else "")
        body = urllib.parse.urlencode(form).encode()
        return await self.send_raw(body, "application/x-www-form-urlencoded")

    def _context(self, user: str, channel: str) -> tuple[str, str]:
        """A fresh response URL and trigger id, as Slack issues with every request."""
        url_id = self.new_id("R")
        self.response_urls[url_id] = ResponseUrl(channel, user)
        trigger = f"{self.new_id('')}:{user}"
        self.triggers.add(trigger)
        return f"{self.base}/response/{url_id}", trigger

    def _user(self, user: str) -> dict[str, str]:
        name = self.world.users[user].name
        return {"id": user, "username": name, "name": name, "team_id": TEAM}

    async def slash(
        self, command: str, text: str = "", *, user: str = ALICE, channel: str = COHORT
    ) -> Answer:
        """A member types ``/command text`` in ``channel``."""
        response_url, trigger = self._context(user, channel)
        return await self._form(
            {
                "token": "deprecated",
                "team_id": TEAM,
                "team_domain": "fake",
                "channel_id": channel,
                "channel_name": self.world.channels[channel].name,
                "user_id": user,
                "user_name": self.world.users[user].name,
                "command": command if command.startswith("/") else f"/{command}",
                "text": slack_escaped(text),
                "api_app_id": "A0FAKE0001",
                "response_url": response_url,
                "trigger_id": trigger,
            }
        )

    async def _interaction(self, payload: dict[str, Any]) -> Answer:
        return await self._form({"payload": json.dumps(payload)})

    async def click(self, message: Message, action_id: str, *, user: str = ALICE) -> Answer:
        """Press a button in a message the member can see."""
        element = message.element(action_id)
        assert element["type"] == "button", element
        action = {
            "type": "button",
            "action_id": action_id,
            "block_id": element["block_id"],
            "value": element.get("value", ""),
            "text": element["text"],
            "action_ts": str(time.time()),
        }
        return await self._action(message, action, user)

    async def select(
        self, message: Message, action_id: str, value: str, *, user: str = ALICE
    ) -> Answer:
        """Pick ``value`` in a select menu (static, or external as options loaded)."""
        element = message.element(action_id)
        options = element.get("options")
        if options is not None:
            assert value in [o["value"] for o in options], f"{value!r} not offered"
        chosen = {"text": {"type": "plain_text", "text": value}, "value": value}
        action = {
            "type": element["type"],
            "action_id": action_id,
            "block_id": element["block_id"],
            "selected_option": chosen,
            "action_ts": str(time.time()),
        }
        return await self._action(message, action, user)

    async def _action(self, message: Message, action: dict[str, Any], user: str) -> Answer:
        assert message.ephemeral_to in (None, user), "that member cannot see this message"
        response_url, trigger = self._context(user, message.channel)
        self.response_urls[response_url.rsplit("/", 1)[1]].source = message
        payload = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": "A0FAKE0001",
            "token": "deprecated",
            "trigger_id": trigger,
            "team": {"id": TEAM, "domain": "fake"},
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
                "is_ephemeral": message.ephemeral_to is not None,
            },
            "channel": {"id": message.channel, "name": self.world.channels[message.channel].name},
            "response_url": response_url,
            "actions": [action],
        }
        if message.ephemeral_to is None:
            payload["message"] = self._out(message)
        return await self._interaction(payload)

    async def options(
        self, message: Message, action_id: str, query: str, *, user: str = ALICE
    ) -> Answer:
        """Slack asks the bot for an external select's options as the member types."""
        element = message.element(action_id)
        assert element["type"] == "external_select", element
        return await self._interaction(
            {
                "type": "block_suggestion",
                "user": self._user(user),
                "api_app_id": "A0FAKE0001",
                "token": "deprecated",
                "team": {"id": TEAM, "domain": "fake"},
                "container": {
                    "type": "message",
                    "message_ts": message.ts,
                    "channel_id": message.channel,
                },
                "channel": {"id": message.channel},
                "action_id": action_id,
                "block_id": element["block_id"],
                "value": query,
            }
        )

    async def submit(
        self,
        opened: Opened,
        values: dict[str, str],
        *,
        user: str | None = None,
        selects: dict[str, str] | None = None,
    ) -> Answer:
        """Submit a modal: ``values`` typed into its text inputs, ``selects`` picked, by block id.

        Like Slack's client it will not send text longer than an input's max_length.
        """
        who = user or opened.user
        state: dict[str, dict[str, Any]] = {}
        for block in opened.view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element, block_id = block["element"], block["block_id"]
            if element["type"] == "plain_text_input":
                text = values.get(block_id, element.get("initial_value", ""))
                limit = int(element.get("max_length", 3000))
                assert len(text) <= limit, f"Slack's client stops typing at {limit} characters"
                state[block_id] = {
                    element["action_id"]: {"type": "plain_text_input", "value": text}
                }
            else:
                picked = (selects or {}).get(block_id) or element["initial_option"]["value"]
                option = {"value": picked, "text": {"type": "plain_text", "text": picked}}
                state[block_id] = {
                    element["action_id"]: {"type": element["type"], "selected_option": option}
                }
        view = {**opened.view, "id": opened.id, "team_id": TEAM, "state": {"values": state}}
        return await self._interaction(
            {
                "type": "view_submission",
                "team": {"id": TEAM, "domain": "fake"},
                "user": self._user(who),
                "api_app_id": "A0FAKE0001",
                "token": "deprecated",
                "trigger_id": self._context(who, "")[1],
                "view": view,
                "response_urls": [],
            }
        )

    async def wait_for(self, check: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Poll until ``check()`` is truthy (the bot answers after its ack); return it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = check()
            if found:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out; messages: {self.world.messages[-3:]}")
            await asyncio.sleep(0.02)

    async def next_message(self, before: int, timeout: float = 5.0) -> Message:
        """The first message recorded after ``before`` messages (len(world.messages))."""
        found: Message = await self.wait_for(
            lambda: self.world.messages[before] if len(self.world.messages) > before else None,
            timeout,
        )
        return found

    def opened_view(self) -> Opened:
        assert self.views, "no modal was opened"
        return self.views[-1]
