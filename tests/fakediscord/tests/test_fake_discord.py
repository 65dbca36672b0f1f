"""Tests of the fake Discord, driven through the real discord.py client.

A small bot defined here (slash commands, autocomplete, a view, a modal, defer+followup,
channel messages and threads) logs into :class:`FakeDiscord` over HTTP and a websocket on
127.0.0.1. Each test also checks the bot left no tasks, threads or sockets behind.
"""

# ruff: noqa: ASYNC109 -- `timeout=` parameters are this harness's public API (handle.response(timeout=...)).

from __future__ import annotations

import asyncio
import io
import re
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands, ui
from discord.ext import commands
from discord.webhook.async_ import async_context, interaction_response_params

from tests.fakediscord import (
    DEFAULT_SPEC_PATH,
    CallbackType,
    FakeDiscord,
    FakeMessage,
    Intents,
    MessageFlags,
    Permissions,
    SnowflakeGenerator,
    limits,
)
from tests.fakediscord import fixtures as fd_fixtures
from tests.fakediscord.common import ErrorCollector, snowflake_time, utcnow
from tests.fakediscord.fixtures import preregister, running_bot

SPEC_MISSING = not DEFAULT_SPEC_PATH.is_file()
SPEC_REASON = f"Discord OpenAPI description not found at {DEFAULT_SPEC_PATH}"

fake_discord = fd_fixtures.fake_discord
strict_fake_discord = fd_fixtures.strict_fake_discord


# ----------------------------------------------------------------------------------------------
# leak checks
# ----------------------------------------------------------------------------------------------


def _socket_count() -> int:
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        return 0
    count = 0
    for entry in fd_dir.iterdir():
        try:
            if str(entry.readlink()).startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


@pytest.fixture(autouse=True)
async def no_leaks() -> AsyncIterator[None]:
    """Fail a test that leaves asyncio tasks, threads or sockets behind."""
    sockets = _socket_count()
    threads = threading.active_count()
    yield
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2.0
    current = asyncio.current_task()
    while True:
        tasks = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        leaked_sockets = _socket_count() - sockets
        leaked_threads = threading.active_count() - threads
        if not tasks and leaked_sockets <= 0 and leaked_threads <= 0:
            return
        if loop.time() > deadline:
            raise AssertionError(
                f"leaked: tasks={tasks} sockets={leaked_sockets} threads={leaked_threads}"
            )
        await asyncio.sleep(0.02)


# ----------------------------------------------------------------------------------------------
# the test bot
# ----------------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """What the bot observed, so tests can assert on the bot's side too."""

    fake: FakeDiscord
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[BaseException] = field(default_factory=list)
    messages: list[discord.Message] = field(default_factory=list)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value
        self.fake.notify()

    async def wait(self, key: str, timeout: float = 3.0) -> Any:
        await self.fake.wait_until(lambda: key in self.values, timeout=timeout, what=key)
        return self.values[key]


FRUITS = ["apple", "apricot", "banana", "blueberry", "cherry"]


class MenuView(ui.View):
    """A button and a select menu, as a message with components."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @ui.button(label="OK", custom_id="menu:ok", style=discord.ButtonStyle.primary)
    async def ok(self, interaction: discord.Interaction, button: ui.Button[MenuView]) -> None:
        await interaction.response.edit_message(content=f"clicked by {interaction.user.name}")

    @ui.select(
        custom_id="menu:pick",
        max_values=2,
        options=[discord.SelectOption(label=f.title(), value=f) for f in FRUITS[:3]],
    )
    async def pick(self, interaction: discord.Interaction, select: ui.Select[MenuView]) -> None:
        await interaction.response.send_message(
            f"picked {', '.join(select.values)}", ephemeral=True
        )


class FeedbackModal(ui.Modal, title="Feedback"):
    """One plain text input (action row) and one inside a Label (type 18)."""

    summary: ui.TextInput[FeedbackModal] = ui.TextInput(
        label="Summary", custom_id="feedback:summary", max_length=50
    )
    details: ui.Label[FeedbackModal] = ui.Label(
        text="Details",
        component=ui.TextInput(
            custom_id="feedback:details", style=discord.TextStyle.paragraph, required=False
        ),
    )

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(custom_id="feedback:modal")
        self.recorder = recorder

    async def on_submit(self, interaction: discord.Interaction) -> None:
        details = self.details.component
        assert isinstance(details, ui.TextInput)
        self.recorder.set("feedback", (self.summary.value, details.value))
        await interaction.response.send_message(
            f"thanks: {self.summary.value} / {details.value}", ephemeral=True
        )


def make_bot(
    rec: Recorder, *, intents: discord.Intents | None = None, sync: bool = True
) -> commands.Bot:
    """The minimal bot the fake is proven with."""
    bot = commands.Bot(
        command_prefix=commands.when_mentioned, intents=intents or discord.Intents.default()
    )
    tree = bot.tree

    async def on_tree_error(
        interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        rec.errors.append(error)
        rec.fake.notify()

    tree.on_error = on_tree_error  # type: ignore[method-assign]

    @tree.command(description="Answer pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    settings = app_commands.Group(name="settings", description="Bot settings")
    tz = app_commands.Group(name="tz", description="Time zone settings", parent=settings)

    @tz.command(name="set", description="Set a value")
    async def tz_set(
        interaction: discord.Interaction,
        key: str,
        count: int,
        flag: bool,
        where: discord.TextChannel,
        who: discord.Member | None = None,
        ratio: float = 1.0,
    ) -> None:
        rec.set("settings", (key, count, flag, where, who, ratio))
        await interaction.response.send_message("saved", ephemeral=True)

    tree.add_command(settings)

    @tree.command(description="Pick a fruit")
    async def fruit(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"you chose {name}")

    @fruit.autocomplete("name")
    async def fruit_complete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f.title(), value=f) for f in FRUITS if current in f]

    @tree.command(description="Show a menu")
    async def menu(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Pick one", view=MenuView())

    @tree.command(description="Send feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal(rec))

    @tree.command(description="Think, then answer")
    async def slow(interaction: discord.Interaction, private: bool = False) -> None:
        await interaction.response.defer(thinking=True, ephemeral=private)
        await asyncio.sleep(0.05)
        first = await interaction.followup.send("done", wait=True)
        await interaction.followup.send("second")
        edited = await interaction.edit_original_response(content="done (edited)")
        rec.set("slow", (first.id, edited.id))

    @tree.command(description="Announce in the channel and open a thread")
    async def announce(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("announcing", ephemeral=True)
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send(
            "announcement", allowed_mentions=discord.AllowedMentions.none()
        )
        thread = await message.create_thread(name="discussion")
        await thread.send("first!")
        rec.set("thread", thread)

    @tree.command(description="Upload a file")
    async def upload(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send(
            "file", file=discord.File(io.BytesIO(b"hello world"), "hello.txt")
        )
        rec.set("downloaded", await sent.attachments[0].read())
        await interaction.followup.send("uploaded")

    @tree.command(description="Send too much")
    async def toolong(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("x" * 2001)
        except discord.HTTPException as exc:
            rec.set("toolong", (exc.status, exc.code))
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        try:
            await channel.send(embed=discord.Embed(title="t" * 257))
        except discord.HTTPException as exc:
            rec.set("toolong-embed", (exc.status, exc.code))
        await interaction.response.send_message("rejected as expected")

    @tree.command(description="Answer too late")
    async def sleepy(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.5)
        try:
            await interaction.response.send_message("late")
        except discord.NotFound as exc:
            rec.set("sleepy", (exc.status, exc.code))

    @tree.command(description="Acknowledge twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        adapter = async_context.get()
        try:
            await adapter.create_interaction_response(
                interaction.id,
                interaction.token,
                session=interaction._session,
                params=interaction_response_params(4, {"content": "again"}),
            )
        except discord.HTTPException as exc:
            rec.set("twice", (exc.status, exc.code))

    @tree.command(description="Post in a channel")
    async def post_to(interaction: discord.Interaction, where: discord.TextChannel) -> None:
        try:
            await where.send("hello there")
            rec.set("post_to", "sent")
        except discord.HTTPException as exc:
            rec.set("post_to", (exc.status, exc.code))
        await interaction.response.send_message("done", ephemeral=True)

    @tree.command(description="Greet someone")
    async def greet(interaction: discord.Interaction, who: discord.Member) -> None:
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        await channel.send(f"hi {who.mention}", allowed_mentions=discord.AllowedMentions.none())
        await interaction.response.send_message(f"hey {who.mention}")

    @bot.listen("on_message")
    async def on_message(message: discord.Message) -> None:
        rec.messages.append(message)
        rec.fake.notify()

    if sync:

        async def setup_hook() -> None:
            await bot.tree.sync()

        bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@dataclass
class Env:
    """A running fake and bot."""

    fake: FakeDiscord
    bot: commands.Bot
    rec: Recorder


@pytest.fixture
async def env(fake_discord: FakeDiscord) -> AsyncIterator[Env]:
    """The test bot, logged into the fake, commands synced; errors fail the test."""
    rec = Recorder(fake_discord)
    bot = make_bot(rec)
    async with running_bot(bot, fake_discord, expect_sync=True):
        yield Env(fake_discord, bot, rec)
    assert rec.errors == []


async def raw(
    fake: FakeDiscord, method: str, path: str, body: Any = None, *, auth: bool = True
) -> tuple[int, Any, str]:
    """A request straight to the fake (no discord.py), for checks discord.py would prevent."""
    headers = {"Authorization": f"Bot {fake.token}"} if auth else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.api_base + path, json=body, headers=headers) as resp,
    ):
        text = await resp.text()
        ctype = resp.headers.get("Content-Type", "")
        return resp.status, (await resp.json() if text else None), ctype


# ----------------------------------------------------------------------------------------------
# login, gateway, sync
# ----------------------------------------------------------------------------------------------


async def test_login_ready_and_guild_available(env: Env) -> None:
    fake, bot = env.fake, env.bot
    assert bot.user is not None and str(bot.user.id) == fake.bot_user.id
    assert bot.application_id is not None and str(bot.application_id) == fake.application_id
    assert fake.guild is not None
    guild = bot.get_guild(int(fake.guild.id))
    assert guild is not None and not guild.unavailable
    assert [c.name for c in guild.text_channels] == ["general", "random"]
    assert guild.me is not None and guild.me.guild_permissions.send_messages
    paths = [(r.method, r.route) for r in fake.requests[:2]]
    assert paths == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    # handshake: one IDENTIFY with intents, heartbeats acknowledged, zlib-stream honoured
    identify = fake.gateway.received(2)
    assert len(identify) == 1 and identify[0].data["intents"] == discord.Intents.default().value
    await fake.wait_for_gateway(op=1)
    await fake.wait_until(lambda: bot.latency != float("inf"), what="heartbeat ACK")
    assert fake.gateway.connections[0].query.get("compress") == "zlib-stream"
    assert [f.event for f in fake.gateway.sent_events()][:2] == ["READY", "GUILD_CREATE"]
    assert fake.unknown_requests == [] and fake.rejections == []


async def test_wrong_token_is_refused(fake_discord: FakeDiscord) -> None:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
    with fd_fixtures.pointed_at(fake_discord):
        with pytest.raises(discord.LoginFailure):
            await bot.login("not-the-token")
        await bot.close()
    assert fake_discord.requests[0].status == 401


async def test_command_sync_payload_recorded(env: Env) -> None:
    fake, bot = env.fake, env.bot
    assert fake.command_put_count() == 1
    put = fake.command_puts[0]
    names = [c["name"] for c in put.payload]
    assert names == [
        "ping",
        "settings",
        "fruit",
        "menu",
        "feedback",
        "slow",
        "announce",
        "upload",
        "toolong",
        "sleepy",
        "twice",
        "post_to",
        "greet",
    ]
    fruit = next(c for c in put.payload if c["name"] == "fruit")
    assert fruit["options"] == [
        {"type": 3, "name": "name", "description": "…", "required": True, "autocomplete": True}
    ]
    stored = {c["name"]: c for c in fake.commands[None]}
    fetched = await bot.tree.fetch_commands()
    assert {str(c.id) for c in fetched} == {c["id"] for c in stored.values()}
    # a second identical sync keeps ids and versions, and is counted
    await bot.tree.sync()
    assert fake.command_put_count() == 2
    again = {c["name"]: c for c in fake.commands[None]}
    assert {n: (c["id"], c["version"]) for n, c in again.items()} == {
        n: (c["id"], c["version"]) for n, c in stored.items()
    }


async def test_guild_sync_sets_data_guild_id(fake_discord: FakeDiscord) -> None:
    rec = Recorder(fake_discord)
    bot = make_bot(rec, sync=False)
    assert fake_discord.guild is not None
    target = discord.Object(id=int(fake_discord.guild.id))

    async def setup_hook() -> None:
        bot.tree.copy_global_to(guild=target)
        await bot.tree.sync(guild=target)

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    async with running_bot(bot, fake_discord, expect_sync=True, sync_guild=fake_discord.guild):
        handle = await fake_discord.slash("ping")
        assert handle.data["guild_id"] == fake_discord.guild.id
        assert (await handle.response()).content == "pong"
    assert fake_discord.command_put_count() == 0
    assert fake_discord.command_put_count(fake_discord.guild) == 1


async def test_preregistered_commands_without_sync(fake_discord: FakeDiscord) -> None:
    rec = Recorder(fake_discord)
    bot = make_bot(rec, sync=False)
    preregister(fake_discord, bot.tree)
    async with running_bot(bot, fake_discord):
        handle = await fake_discord.slash("ping")
        assert (await handle.response()).content == "pong"
    assert fake_discord.command_puts == []


# ----------------------------------------------------------------------------------------------
# interactions
# ----------------------------------------------------------------------------------------------


async def test_slash_command_round_trip(env: Env) -> None:
    fake = env.fake
    handle = await fake.slash("ping")
    callback = await handle.response()
    assert callback.type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
    assert callback.data == {"tts": False, "content": "pong"}
    message = handle.original
    assert message is not None and message.content == "pong" and not message.ephemeral
    assert fake.messages[fake.channel("general")] == [message]
    assert message.interaction_metadata is not None
    assert message.interaction_metadata["user"]["id"] == fake.default_user.id
    # Discord also sends the bot its own message over the gateway
    await fake.wait_until(lambda: any(m.content == "pong" for m in env.rec.messages), what="echo")
    payload = handle.payload
    for key in ("id", "application_id", "type", "token", "version", "data", "guild_id"):
        assert key in payload
    assert set(payload["member"]) >= {"user", "roles", "flags", "permissions", "joined_at"}
    assert {"app_permissions", "locale", "entitlements", "attachment_size_limit"} <= set(payload)


async def test_subcommand_group_with_typed_options(env: Env) -> None:
    fake = env.fake
    assert fake.guild is not None
    bob = fake.add_user("bob")
    fake.guild.add_member(bob)
    handle = await fake.slash(
        "settings tz set",
        {"key": "zone", "count": 3, "flag": True, "where": "random", "who": bob, "ratio": 0.5},
    )
    assert (await handle.response()).ephemeral
    key, count, flag, where, who, ratio = env.rec.values["settings"]
    assert (key, count, flag, ratio) == ("zone", 3, True, 0.5)
    # discord.py resolves a TextChannel annotation from its cache, by the resolved id
    assert isinstance(where, discord.TextChannel) and where.name == "random"
    assert isinstance(who, discord.Member) and who.name == "bob"
    options = handle.data["options"]
    assert options[0]["type"] == 2 and options[0]["options"][0]["type"] == 1
    assert set(handle.data["resolved"]) == {"channels", "users", "members"}
    with pytest.raises(TypeError):
        await fake.slash(
            "settings tz set", {"key": "k", "count": "3", "flag": True, "where": "random"}
        )
    with pytest.raises(ValueError, match="required"):
        await fake.slash("settings tz set", {"key": "k"})
    with pytest.raises(LookupError, match="needs a subcommand"):
        await fake.slash("settings")


async def test_autocomplete(env: Env) -> None:
    choices = await env.fake.autocomplete("fruit", "name", "ap")
    assert choices == [{"name": "Apple", "value": "apple"}, {"name": "Apricot", "value": "apricot"}]
    handle = await env.fake.slash("fruit", {"name": "banana"})
    assert (await handle.response()).content == "you chose banana"


async def test_button_click_and_select(env: Env) -> None:
    fake = env.fake
    handle = await fake.slash("menu")
    await handle.response()
    menu = handle.original
    assert menu is not None
    assert menu.custom_ids == ["menu:ok", "menu:pick"]
    assert all(isinstance(c.get("id"), int) for c in menu.all_components())

    click = await fake.click(menu, "menu:ok")
    callback = await click.response()
    assert callback.type == CallbackType.UPDATE_MESSAGE
    assert menu.content == "clicked by alice" and menu.edited_at is not None
    assert click.payload["message"]["id"] == menu.id

    pick = await fake.select(menu, "menu:pick", ["apple", "banana"])
    reply = await pick.response()
    assert reply.content == "picked apple, banana" and reply.ephemeral
    assert pick.original is not None and pick.original.ephemeral

    with pytest.raises(ValueError, match="no option"):
        await fake.select(menu, "menu:pick", ["durian"])
    with pytest.raises(LookupError):
        await fake.click(menu, "menu:missing")


async def test_modal_round_trip(env: Env) -> None:
    fake = env.fake
    opener = await fake.slash("feedback")
    callback = await opener.response()
    assert callback.type == CallbackType.MODAL
    assert opener.modal is not None and opener.modal["title"] == "Feedback"
    kinds = [c["type"] for c in opener.modal["components"]]
    assert kinds == [1, 18]  # discord.py 2.7 sends an action row and a label component

    submit = await fake.submit_modal(
        "feedback:modal", {"feedback:summary": "great", "feedback:details": "more"}
    )
    reply = await submit.response()
    assert reply.content == "thanks: great / more" and reply.ephemeral
    assert env.rec.values["feedback"] == ("great", "more")
    sent = submit.data["components"]
    assert sent[0]["components"][0] == {
        "type": 4,
        "id": sent[0]["components"][0]["id"],
        "custom_id": "feedback:summary",
        "value": "great",
    }
    assert sent[1]["type"] == 18 and sent[1]["component"]["custom_id"] == "feedback:details"

    with pytest.raises(ValueError, match="required"):
        await fake.submit_modal(opener, {"feedback:details": "x"})
    with pytest.raises(ValueError, match="longer"):
        await fake.submit_modal(opener, {"feedback:summary": "x" * 51})


@pytest.mark.parametrize("private", [False, True])
async def test_defer_then_followups(env: Env, private: bool) -> None:
    fake = env.fake
    handle = await fake.slash("slow", {"private": private})
    callback = await handle.response()
    assert callback.type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    first = await handle.next_followup()
    second = await handle.next_followup()
    # the first followup after a defer replaces the "thinking" message and keeps its privacy
    assert first is handle.original and not first.loading
    assert first.ephemeral is private and not second.ephemeral
    assert second.content == "second" and second.id != first.id
    edited = await handle.wait_for_content("done (edited)")
    first_id, edited_id = await env.rec.wait("slow")
    assert first_id == edited_id == int(edited.id)
    assert second.interaction_metadata is not None
    assert second.interaction_metadata["original_response_message_id"] == first.id


async def test_channel_send_and_thread(env: Env) -> None:
    fake = env.fake
    handle = await fake.slash("announce")
    await handle.response()
    thread = await env.rec.wait("thread")
    general = fake.channel("general")
    announcement = await fake.wait_for_message(general, "announcement")
    assert announcement.allowed_mentions == {"parse": []}
    assert announcement.thread is not None and announcement.thread.type == 11
    assert announcement.thread.id == announcement.id == str(thread.id)
    assert [m.content for m in fake.messages[thread.id]] == ["first!"]
    assert isinstance(env.bot.get_channel(thread.id), discord.Thread)
    assert [f.event for f in fake.gateway.sent_events("THREAD_CREATE")] == ["THREAD_CREATE"]
    assert thread.parent_id == int(general.id) and thread.name == "discussion"


async def test_multipart_upload_keeps_files(env: Env) -> None:
    fake = env.fake
    handle = await fake.slash("upload")
    await handle.next_followup()
    request = fake.requests_to("POST", "/channels/{channel_id}/messages")[-1]
    assert request.multipart and request.json["content"] == "file"
    assert [(f.filename, f.data) for f in request.files] == [("hello.txt", b"hello world")]
    message = await fake.wait_for_message("general", "file")
    assert [(a.filename, a.data) for a in message.attachments] == [("hello.txt", b"hello world")]
    assert env.rec.values["downloaded"] == b"hello world"


async def test_allowed_mentions_recorded(env: Env) -> None:
    fake = env.fake
    handle = await fake.slash("greet", {"who": fake.default_user})
    await handle.response()
    quiet = await fake.wait_for_message("general", "hi ")
    assert quiet.allowed_mentions == {"parse": []} and not quiet.would_ping
    loud = handle.original
    assert loud is not None and loud.allowed_mentions is None
    assert loud.mentioned_user_ids() == [fake.default_user.id]
    assert fake.pinging_messages() == [loud]


# ----------------------------------------------------------------------------------------------
# Discord's rules
# ----------------------------------------------------------------------------------------------


async def test_body_over_limit_is_rejected(env: Env) -> None:
    fake = env.fake
    handle = await fake.slash("toolong")
    callback = await handle.response()
    assert callback.content == "rejected as expected"
    assert env.rec.values["toolong"] == (400, 50035)
    assert env.rec.values["toolong-embed"] == (400, 50035)
    first, second = fake.rejections
    assert first.body == {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "data": {
                "content": {
                    "_errors": [
                        {
                            "code": "BASE_TYPE_MAX_LENGTH",
                            "message": "Must be 2000 or fewer in length.",
                        }
                    ]
                }
            }
        },
    }
    assert first.source == "limits" and str(first.request.route).endswith("/callback")
    assert second.errors == {
        "embeds": {
            "0": {
                "title": {
                    "_errors": [
                        {
                            "code": "BASE_TYPE_MAX_LENGTH",
                            "message": "Must be 256 or fewer in length.",
                        }
                    ]
                }
            }
        }
    }
    assert [a.status for a in handle.attempts] == [400, 200]
    env.fake.rejections.clear()


async def test_interaction_expires_after_deadline(env: Env) -> None:
    fake = env.fake
    fake.interaction_deadline = 0.3
    handle = await fake.slash("sleepy")
    attempt = await handle.first_attempt(timeout=3.0)
    assert attempt.status == 404
    assert attempt.error == {"code": 10062, "message": "Unknown interaction"}
    assert await env.rec.wait("sleepy") == (404, 10062)
    assert not handle.acknowledged


async def test_double_acknowledge(env: Env) -> None:
    fake = env.fake
    handle = await fake.slash("twice")
    assert (await handle.response()).content == "first"
    assert await env.rec.wait("twice") == (400, 40060)
    assert handle.attempts[1].error == {
        "code": 40060,
        "message": "Interaction has already been acknowledged.",
    }


async def test_followups_need_a_live_token(env: Env) -> None:
    fake = env.fake
    handle = await fake.slash("ping")
    await handle.response()
    path = f"/webhooks/{fake.application_id}/{handle.token}"
    status, _, _ = await raw(fake, "POST", path + "?wait=1", {"content": "later"}, auth=False)
    assert status == 200 and handle.followups[-1].content == "later"
    fake.token_lifetime = 0.0
    status, body, _ = await raw(fake, "POST", path + "?wait=1", {"content": "too late"}, auth=False)
    assert (status, body["code"]) == (401, 50027)


async def test_gateway_drop_then_resume(env: Env) -> None:
    fake = env.fake
    assert await fake.drop_gateway(code=4000) == 1
    # dispatched while the bot is disconnected: kept in the session and replayed on RESUME
    handle = await fake.slash("ping")
    await fake.wait_for_gateway(op=6)
    await fake.wait_for_gateway(event="RESUMED")
    assert (await handle.response()).content == "pong"
    assert fake.identify_count == 1 and fake.resume_count == 1
    resume = fake.gateway.received(6)[0].data
    assert resume["session_id"] == fake.sessions[0].session_id
    assert fake.gateway.connections[-1].path == "/gateway-resume"
    again = await fake.slash("ping")
    assert (await again.response()).content == "pong"


async def test_invalid_session_forces_identify(env: Env) -> None:
    fake = env.fake

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before re-identifying (Discord's identify rate limit)."""

    env.bot.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    await fake.invalidate_session(resumable=False)
    await fake.wait_for_gateway(op=2, count=2, timeout=5.0)
    await fake.wait_until(lambda: env.bot.is_ready(), what="ready again")
    await fake.wait_for_gateway(event="READY", count=2)
    handle = await fake.slash("ping")
    assert (await handle.response(timeout=5.0)).content == "pong"


async def test_missing_and_forbidden_channels(env: Env) -> None:
    fake = env.fake
    random = fake.channel("random")
    fake.make_channel_missing(random)
    await (await fake.slash("post_to", {"where": random})).response()
    assert env.rec.values.pop("post_to") == (404, 10003)
    fake.restore_channel(random)
    fake.make_channel_forbidden(random)
    await (await fake.slash("post_to", {"where": random})).response()
    assert env.rec.values.pop("post_to") == (403, 50013)
    fake.restore_channel(random)
    # a real permission overwrite has the same effect
    assert fake.guild is not None
    random.set_overwrite(fake.guild.everyone, deny=Permissions.SEND_MESSAGES)
    await (await fake.slash("post_to", {"where": random})).response()
    assert env.rec.values.pop("post_to") == (403, 50013)
    random.permission_overwrites.clear()
    await (await fake.slash("post_to", {"where": random})).response()
    assert env.rec.values.pop("post_to") == "sent"


async def test_rate_limit_is_retried_and_errors_injected(env: Env) -> None:
    fake = env.fake
    route = "/channels/{channel_id}/messages"
    rule = fake.rate_limit_next("POST", route, retry_after=0.05)
    await (await fake.slash("post_to", {"where": "random"})).response()
    assert env.rec.values.pop("post_to") == "sent" and rule.hits == 1
    assert [r.status for r in fake.requests_to("POST", route)] == [429, 200]
    # without Via, discord.py reads a 429 as a Cloudflare ban and raises at once
    fake.rate_limit_next("POST", route, via=False)
    await (await fake.slash("post_to", {"where": "random"})).response()
    assert env.rec.values.pop("post_to") == (429, 0)
    fake.fail_next("POST", route, status=403, body={"code": 50001, "message": "Missing Access"})
    await (await fake.slash("post_to", {"where": "random"})).response()
    assert env.rec.values.pop("post_to") == (403, 50001)
    assert all(r.injected for r in fake.error_responses if r.route == route)


async def test_server_error_is_retried(env: Env) -> None:
    fake = env.fake
    fake.fail_next("POST", "/channels/{channel_id}/messages", status=500)
    handle = await fake.slash("post_to", {"where": "random"})
    await handle.response(timeout=5.0)
    assert env.rec.values["post_to"] == "sent"


async def test_unknown_route_is_recorded(env: Env) -> None:
    fake = env.fake
    with pytest.raises(discord.NotFound) as info:
        await env.bot.http.request(discord.http.Route("GET", "/nowhere/{x}", x=1))
    assert info.value.code == 0 and info.value.text == "404: Not Found"
    status, body, ctype = await raw(fake, "DELETE", "/users/@me")
    assert (status, body, ctype) == (
        405,
        {"code": 0, "message": "405: Method Not Allowed"},
        "application/json",
    )
    assert [r.path for r in fake.unknown_requests] == ["/nowhere/1", "/users/@me"]


async def test_members_intent_chunks_guild(fake_discord: FakeDiscord) -> None:
    rec = Recorder(fake_discord)
    intents = discord.Intents.default()
    intents.members = True
    bot = make_bot(rec, intents=intents)
    async with running_bot(bot, fake_discord, expect_sync=True):
        assert fake_discord.gateway.received(8)
        assert fake_discord.guild is not None
        guild = bot.get_guild(int(fake_discord.guild.id))
        assert guild is not None and guild.chunked
        assert {m.name for m in guild.members} >= {"alice", "cohort-bot"}


async def test_disallowed_privileged_intent_closes_4014(fake_discord: FakeDiscord) -> None:
    fake_discord.gateway.allowed_privileged_intents = 0
    rec = Recorder(fake_discord)
    bot = make_bot(rec, intents=discord.Intents.all())
    with fd_fixtures.pointed_at(fake_discord), pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(bot.start(fake_discord.token), timeout=5.0)
    await bot.close()


@pytest.mark.parametrize("with_content", [False, True])
async def test_message_content_needs_intent(fake_discord: FakeDiscord, with_content: bool) -> None:
    rec = Recorder(fake_discord)
    intents = discord.Intents.default()
    intents.message_content = with_content
    async with running_bot(make_bot(rec, intents=intents), fake_discord, expect_sync=True):
        await fake_discord.user_message("general", "hello bot")
        await fake_discord.wait_until(lambda: bool(rec.messages), what="on_message")
        assert rec.messages[0].content == ("hello bot" if with_content else "")
        assert rec.messages[0].author.name == "alice"


async def test_direct_messages(env: Env) -> None:
    fake = env.fake
    alice = fake.default_user
    dm = fake.world.dm_channel(alice)
    handle = await fake.slash("ping", channel=dm)
    assert "guild_id" not in handle.payload and handle.payload["user"]["id"] == alice.id
    assert (await handle.response()).content == "pong"
    user = await env.bot.fetch_user(int(alice.id))
    sent = await user.send("private hello")
    assert fake.messages[dm][-1].content == "private hello"
    assert sent.channel.id == int(dm.id)
    fake.close_dms(alice)  # as a user's privacy settings do
    with pytest.raises(discord.Forbidden) as refused:
        await user.send("not delivered")
    assert (refused.value.status, refused.value.code) == (403, 50007)
    assert refused.value.text == "Cannot send messages to this user"
    assert fake.messages[dm][-1].content == "private hello"
    fake.close_dms(alice, closed=False)
    await user.send("open again")
    assert fake.messages[dm][-1].content == "open again"


async def test_malformed_dispatch_surfaces(fake_discord: FakeDiscord) -> None:
    rec = Recorder(fake_discord)
    with pytest.raises(KeyError):
        async with running_bot(make_bot(rec), fake_discord, expect_sync=True) as bot:
            await fake_discord.dispatch("MESSAGE_CREATE", {"id": "1"})
            await asyncio.wait_for(asyncio.shield(fd_fixtures.bot_task(bot)), timeout=3.0)


async def test_strict_fixture_passes_a_clean_run(strict_fake_discord: FakeDiscord) -> None:
    rec = Recorder(strict_fake_discord)
    async with running_bot(make_bot(rec), strict_fake_discord, expect_sync=True):
        handle = await strict_fake_discord.slash("menu")
        await handle.response()
        await (await strict_fake_discord.click(handle, "menu:ok")).response()
    assert rec.errors == []


async def test_assert_clean_reports_problems(fake_discord: FakeDiscord) -> None:
    fake_discord.assert_clean()
    general = fake_discord.channel("general")
    await raw(fake_discord, "POST", f"/channels/{general.id}/messages", {"content": "x" * 2001})
    await raw(fake_discord, "GET", "/nowhere")
    with pytest.raises(AssertionError, match="rejected bodies") as info:
        fake_discord.assert_clean()
    assert "unknown routes" in str(info.value)


# ----------------------------------------------------------------------------------------------
# validation layers
# ----------------------------------------------------------------------------------------------


def _errors(check: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    errors = ErrorCollector()
    check(errors, *args, **kwargs)
    return errors.to_errors()


LONG = "x" * 101


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"content": "x" * 2001}, ["content"]),
        ({"embeds": [{"title": "t" * 257}]}, ["embeds", "0", "title"]),
        ({"embeds": [{"description": "d" * 4097}]}, ["embeds", "0", "description"]),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, ["embeds", "0", "fields"]),
        (
            {"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]},
            ["embeds", "0", "fields", "0", "name"],
        ),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
            ["embeds", "0", "fields", "0", "value"],
        ),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, ["embeds", "0", "footer", "text"]),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, ["embeds", "0", "author", "name"]),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, ["embeds"]),
        ({"embeds": [{"title": "t"}] * 11}, ["embeds"]),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"c{i}"}],
                    }
                    for i in range(6)
                ]
            },
            ["components"],
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "style": 1, "label": "b", "custom_id": f"c{i}"}
                            for i in range(6)
                        ],
                    }
                ]
            },
            ["components", "0", "components"],
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 2, "style": 1, "label": "b", "custom_id": LONG}],
                    }
                ]
            },
            ["components", "0", "components", "0", "custom_id"],
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "style": 1, "label": "l" * 81, "custom_id": "c"}
                        ],
                    }
                ]
            },
            ["components", "0", "components", "0", "label"],
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "s",
                                "options": [{"label": str(i), "value": str(i)} for i in range(26)],
                            }
                        ],
                    }
                ]
            },
            ["components", "0", "components", "0", "options"],
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "s",
                                "options": [{"label": LONG, "value": "v"}],
                            }
                        ],
                    }
                ]
            },
            ["components", "0", "components", "0", "options", "0", "label"],
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "s",
                                "options": [{"label": "l", "value": LONG}],
                            }
                        ],
                    }
                ]
            },
            ["components", "0", "components", "0", "options", "0", "value"],
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "s",
                                "options": [{"label": "l", "value": "v", "description": LONG}],
                            }
                        ],
                    }
                ]
            },
            ["components", "0", "components", "0", "options", "0", "description"],
        ),
    ],
)
def test_message_limits(body: dict[str, Any], path: list[str]) -> None:
    node = _errors(limits.check_message, body, creating=True)
    for part in path:
        node = node[part]
    assert node["_errors"]


def test_message_limits_accept_the_maximum() -> None:
    body = {
        "content": "x" * 2000,
        "embeds": [
            {
                "title": "t" * 256,
                "description": "d" * 4096,
                "fields": [{"name": "n", "value": "v"}] * 25,
            }
        ],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": "l" * 80, "custom_id": f"{i}{j}" + "c" * 98}
                    for j in range(5)
                ],
            }
            for i in range(5)
        ],
        "allowed_mentions": {"parse": []},
    }
    assert _errors(limits.check_message, body, creating=True) == {}
    with pytest.raises(limits.EmptyMessage):
        _errors(limits.check_message, {"content": "  "}, creating=True)


def _command(**overrides: Any) -> dict[str, Any]:
    cmd: dict[str, Any] = {"name": "ping", "description": "Ping", "type": 1}
    cmd.update(overrides)
    return cmd


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ([_command(name="Ping")], ["0", "name"]),
        ([_command(name="has space")], ["0", "name"]),
        ([_command(name="x" * 33)], ["0", "name"]),
        ([_command(description="")], ["0", "description"]),
        ([_command(description=LONG)], ["0", "description"]),
        (
            [
                _command(
                    options=[{"type": 3, "name": f"o{i}", "description": "d"} for i in range(26)]
                )
            ],
            ["0", "options"],
        ),
        (
            [
                _command(
                    options=[
                        {
                            "type": 3,
                            "name": "o",
                            "description": "d",
                            "choices": [{"name": str(i), "value": str(i)} for i in range(26)],
                        }
                    ]
                )
            ],
            ["0", "options", "0", "choices"],
        ),
        (
            [
                _command(
                    options=[
                        {
                            "type": 3,
                            "name": "o",
                            "description": "d",
                            "choices": [{"name": "", "value": "v"}],
                        }
                    ]
                )
            ],
            ["0", "options", "0", "choices", "0", "name"],
        ),
        (
            [
                _command(
                    options=[
                        {
                            "type": 3,
                            "name": "o",
                            "description": "d",
                            "choices": [{"name": "n", "value": LONG}],
                        }
                    ]
                )
            ],
            ["0", "options", "0", "choices", "0", "value"],
        ),
        (
            [
                _command(
                    options=[
                        {
                            "type": 3,
                            "name": f"o{i}",
                            "description": "d" * 100,
                            "choices": [
                                {"name": "n" * 100, "value": f"{j}" * 100} for j in range(10)
                            ],
                        }
                        for i in range(4)
                    ]
                )
            ],
            ["0"],
        ),
        ([_command(), _command()], ["1", "name"]),
    ],
)
def test_command_limits(payload: list[dict[str, Any]], path: list[str]) -> None:
    node = _errors(limits.check_commands, payload)
    for part in path:
        node = node[part]
    assert node["_errors"]


def test_command_count_limit() -> None:
    errors = ErrorCollector()
    payload = [_command(name=f"c{i}") for i in range(101)]
    assert limits.check_commands(errors, payload) == 30032
    assert limits.check_commands(ErrorCollector(), payload[:100]) is None


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (
            {
                "custom_id": "m",
                "title": "t" * 46,
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 4, "custom_id": "a", "style": 1, "label": "l"}],
                    }
                ],
            },
            ["data", "title"],
        ),
        ({"custom_id": "m", "title": "t", "components": []}, ["data", "components"]),
        (
            {
                "custom_id": "m",
                "title": "t",
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 4, "custom_id": f"a{i}", "style": 1, "label": "l"}],
                    }
                    for i in range(6)
                ],
            },
            ["data", "components"],
        ),
        (
            {
                "custom_id": LONG,
                "title": "t",
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 4, "custom_id": "a", "style": 1, "label": "l"}],
                    }
                ],
            },
            ["data", "custom_id"],
        ),
        (
            {
                "custom_id": "m",
                "title": "t",
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 4, "custom_id": "a", "style": 1, "label": "l" * 46}
                        ],
                    }
                ],
            },
            ["data", "components", "0", "components", "0", "label"],
        ),
        (
            {
                "custom_id": "m",
                "title": "t",
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 4,
                                "custom_id": "a",
                                "style": 1,
                                "label": "l",
                                "placeholder": LONG,
                            }
                        ],
                    }
                ],
            },
            ["data", "components", "0", "components", "0", "placeholder"],
        ),
        (
            {
                "custom_id": "m",
                "title": "t",
                "components": [
                    {
                        "type": 18,
                        "label": "l",
                        "component": {"type": 4, "custom_id": "a", "style": 2, "value": "v" * 4001},
                    }
                ],
            },
            ["data", "components", "0", "component", "value"],
        ),
        (
            {
                "custom_id": "m",
                "title": "t",
                "components": [
                    {
                        "type": 18,
                        "label": "l",
                        "component": {"type": 4, "custom_id": "a", "style": 2, "max_length": 4001},
                    }
                ],
            },
            ["data", "components", "0", "component", "max_length"],
        ),
    ],
)
def test_modal_limits(data: dict[str, Any], path: list[str]) -> None:
    node = _errors(limits.check_callback, {"type": 9, "data": data}, 2, 0)
    for part in path:
        node = node[part]
    assert node["_errors"]


def test_autocomplete_and_callback_type_limits() -> None:
    many = {"type": 8, "data": {"choices": [{"name": "n", "value": "v"}] * 26}}
    assert "choices" in _errors(limits.check_callback, many, 4, 0)["data"]
    long_value = {"type": 8, "data": {"choices": [{"name": "n", "value": LONG}]}}
    assert _errors(limits.check_callback, long_value, 4, 0)["data"]["choices"]["0"]["value"]
    wrong_type = {"type": 4, "data": {"content": "hi"}}
    assert (
        _errors(limits.check_callback, wrong_type, 4, 0)["type"]["_errors"][0]["code"]
        == "BASE_TYPE_CHOICES"
    )


async def test_raw_requests_are_validated(fake_discord: FakeDiscord) -> None:
    general = fake_discord.channel("general")
    status, body, ctype = await raw(
        fake_discord, "POST", f"/channels/{general.id}/messages", {"content": "x" * 2001}
    )
    assert (status, body["code"], ctype) == (400, 50035, "application/json")
    status, body, _ = await raw(
        fake_discord, "POST", f"/channels/{general.id}/messages", {"tts": False}
    )
    assert (status, body) == (400, {"code": 50006, "message": "Cannot send an empty message"})
    status, body, _ = await raw(fake_discord, "POST", "/channels/1/messages", {"content": "hi"})
    assert (status, body) == (404, {"code": 10003, "message": "Unknown Channel"})
    status, body, _ = await raw(
        fake_discord,
        "PUT",
        f"/applications/{fake_discord.application_id}/commands",
        [_command(name="c" + str(i)) for i in range(101)],
    )
    assert (status, body["code"]) == (400, 30032)
    assert [r.code for r in fake_discord.rejections] == [50035, 50006, 30032]


@pytest.mark.skipif(SPEC_MISSING, reason=SPEC_REASON)
async def test_openapi_catches_a_bad_body(fake_discord: FakeDiscord) -> None:
    assert fake_discord.openapi_enabled
    general = fake_discord.channel("general")
    # within the documented limits, but "tts" must be a boolean per the spec
    status, body, _ = await raw(
        fake_discord, "POST", f"/channels/{general.id}/messages", {"content": "hi", "tts": "yes"}
    )
    assert status == 400 and body["code"] == 50035
    assert "tts" in body["errors"]
    assert fake_discord.rejections[-1].source == "openapi"
    # and a well-formed body, with integer snowflakes as discord.py sends some, passes
    status, _, _ = await raw(
        fake_discord,
        "POST",
        f"/channels/{general.id}/messages",
        {
            "content": "hi",
            "allowed_mentions": {"parse": [], "users": [int(fake_discord.default_user.id)]},
        },
    )
    assert status == 200


@pytest.mark.parametrize("spec", ["default", "missing"])
async def test_openapi_layer_is_optional(spec: str, tmp_path: Path) -> None:
    if spec == "default" and SPEC_MISSING:
        pytest.skip(SPEC_REASON)
    path = DEFAULT_SPEC_PATH if spec == "default" else tmp_path / "nowhere" / "openapi.json"
    async with FakeDiscord(openapi_path=path) as fake:
        if spec == "missing":
            assert not fake.openapi_enabled
            assert str(path) in fake.openapi_skip_reason
        else:
            assert fake.openapi_enabled and fake.openapi_skip_reason == ""
        general = fake.channel("general")
        # the documented limits apply either way
        status, body, _ = await raw(
            fake, "POST", f"/channels/{general.id}/messages", {"content": "x" * 2001}
        )
        assert (status, body["code"]) == (400, 50035)
        assert fake.rejections[0].source == "limits"


@pytest.mark.skipif(SPEC_MISSING, reason=SPEC_REASON)
async def test_fake_responses_match_openapi(env: Env) -> None:
    """The fake's own answers (messages, channels, commands, callbacks) fit Discord's spec."""
    fake = env.fake
    commands_to_run: list[tuple[str, dict[str, Any]]] = [
        ("ping", {}),
        ("menu", {}),
        ("slow", {}),
        ("announce", {}),
        ("upload", {}),
    ]
    for name, options in commands_to_run:
        handle = await fake.slash(name, options)
        await handle.response()
    for key in ("slow", "thread", "downloaded"):
        await env.rec.wait(key)
    await env.bot.tree.fetch_commands()
    spec = fake.openapi
    assert spec is not None
    opener = await fake.slash("feedback")
    await opener.response()
    await (await fake.submit_modal(opener, {"feedback:summary": "ok"})).response()
    menu = await fake.slash("menu")
    await menu.response()
    await (await fake.click(menu, "menu:ok")).response()
    await fake.autocomplete("fruit", "name", "a")
    checked = 0
    for request in fake.requests:
        # 2xx only: the spec types the nested ``_errors[].code`` as an integer, while
        # Discord answers string codes such as "BASE_TYPE_MAX_LENGTH".
        if request.status is None or request.status >= 400 or request.response is None:
            continue
        problems = spec.validate_response(
            request.method, request.path, request.status, request.response
        )
        if problems is None:
            continue
        checked += 1
        assert problems == [], f"{request!r}: {problems}"
    assert checked >= 8


def test_snowflakes_are_monotonic_and_timed() -> None:
    gen = SnowflakeGenerator()
    ids = [gen.next_int() for _ in range(5000)]
    assert ids == sorted(set(ids))
    assert abs((snowflake_time(ids[-1]) - utcnow()).total_seconds()) < 5


def test_allowed_mentions_semantics(fake_discord_world: FakeDiscord) -> None:
    fake = fake_discord_world
    general = fake.channel("general")
    alice = fake.default_user
    msg = FakeMessage(
        id="1" * 18, channel=general, author=fake.bot_user, content=f"{alice.mention} @everyone"
    )
    assert msg.would_ping and msg.mentions_everyone
    msg.allowed_mentions = {"parse": []}
    assert not msg.would_ping
    msg.allowed_mentions = {"parse": [], "users": [alice.id]}
    assert msg.mentioned_user_ids() == [alice.id] and not msg.mentions_everyone


@pytest.fixture
def fake_discord_world() -> Iterator[FakeDiscord]:
    """A FakeDiscord that is configured but not serving (for pure model checks)."""
    yield FakeDiscord()


def test_intents_and_flags_constants_match_discord_py() -> None:
    assert discord.Intents(message_content=True).value == Intents.MESSAGE_CONTENT
    assert discord.Intents(members=True).value == Intents.GUILD_MEMBERS
    assert discord.MessageFlags(ephemeral=True).value == MessageFlags.EPHEMERAL
    assert (
        discord.Permissions(send_messages_in_threads=True).value
        == Permissions.SEND_MESSAGES_IN_THREADS
    )
    assert re.fullmatch(r"\d+", str(Permissions.ALL))
