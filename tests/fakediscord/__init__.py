"""A fake Discord (REST + gateway on 127.0.0.1) that the real discord.py client logs into.

Usage (see :mod:`tests.fakediscord.fixtures` for the fixtures)::

    async with FakeDiscord() as fake, running_bot(make_bot(), fake, expect_sync=True):
        handle = await fake.slash("ping")
        assert (await handle.response()).content == "pong"
        menu = await fake.slash("menu")
        await menu.response()
        click = await fake.click(menu, "menu:ok")       # the handle targets its message
        assert (await click.response()).type == CallbackType.UPDATE_MESSAGE
    assert fake.rejections == []

Bodies are checked against Discord's documented limits (:mod:`.limits`) and, when
``../shared/discord-api-spec/openapi.json`` exists, its OpenAPI description (:mod:`.openapi`).
"""

from __future__ import annotations

from .common import (
    CallbackType,
    ChannelType,
    ComponentType,
    Intents,
    InteractionType,
    MessageFlags,
    OptionType,
    Permissions,
    SnowflakeGenerator,
)
from .interactions import Callback, InteractionHandle, InteractionTimeout
from .models import (
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    World,
)
from .openapi import DEFAULT_SPEC_PATH, OpenAPISpec, load_spec
from .recording import (
    CommandPut,
    FailureRule,
    FormPart,
    RecordedRequest,
    Rejection,
    SlowRule,
)
from .rest import DiscordError
from .server import FakeDiscord

__all__ = [
    "DEFAULT_SPEC_PATH",
    "Callback",
    "CallbackType",
    "ChannelType",
    "CommandPut",
    "ComponentType",
    "DiscordError",
    "FailureRule",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeMessage",
    "FakeRole",
    "FakeUser",
    "FormPart",
    "Intents",
    "InteractionHandle",
    "InteractionTimeout",
    "InteractionType",
    "MessageFlags",
    "OpenAPISpec",
    "OptionType",
    "Permissions",
    "RecordedRequest",
    "Rejection",
    "SlowRule",
    "SnowflakeGenerator",
    "World",
    "load_spec",
]
