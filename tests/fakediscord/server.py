"""FakeDiscord: Discord's REST API and gateway on 127.0.0.1, for the real discord.py client.

A test starts one (``async with FakeDiscord() as fake``), points discord.py at it (see
:mod:`fixtures`), runs the bot, then drives it the way users would — slash commands,
autocomplete, buttons, selects, modals — and asserts on what the bot sent. Every body is
checked against Discord's documented limits and, where available, its OpenAPI spec.

The class is assembled from parts, each a module a newcomer can read alone:

- :mod:`.core`: state, the aiohttp app, routing, validation and recording;
- :mod:`.routes`: one class per resource (users, commands, channels, messages, guilds and
  threads, forum posts and thread lists, interactions), each adding its REST routes;
- :mod:`.driver`: what test writers call (slash, click, select, submit_modal, waiting,
  failure injection, channel flags, gateway control).
"""

from __future__ import annotations

from .driver.commands import CommandDriver
from .driver.components import ComponentDriver
from .driver.failures import FailureInjection
from .driver.inspect import Inspection
from .rest import DiscordError
from .routes.interactions import InteractionRoutes
from .routes.threads import ThreadRoutes
from .routes.users import UserRoutes

__all__ = ["DiscordError", "FakeDiscord"]


class FakeDiscord(
    CommandDriver,
    ComponentDriver,
    Inspection,
    FailureInjection,
    InteractionRoutes,
    ThreadRoutes,
    UserRoutes,
):
    """A fake Discord (REST under ``/api/v10`` plus the gateway) on 127.0.0.1.

    Configure the world before the bot connects (``fake.guild.add_channel(...)``,
    ``fake.add_user(...)``); drive interactions with :meth:`slash`, :meth:`autocomplete`,
    :meth:`click`, :meth:`select`, :meth:`submit_modal`; assert on :attr:`messages`,
    :attr:`requests`, :attr:`rejections`.
    """
