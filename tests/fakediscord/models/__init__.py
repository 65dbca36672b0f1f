"""The fake's world: users, guilds, roles, members, channels and messages, and their JSON shapes.

Every ``payload()`` returns the object as Discord's API returns it (snowflakes as strings,
ISO timestamps, the same keys), so discord.py parses them exactly as in production.
"""

from .guilds import FakeChannel, FakeGuild
from .messages import FakeAttachment, FakeMessage, assign_component_ids, iter_components
from .users import FakeMember, FakeRole, FakeUser
from .world import World

__all__ = [
    "FakeAttachment",
    "FakeChannel",
    "FakeGuild",
    "FakeMember",
    "FakeMessage",
    "FakeRole",
    "FakeUser",
    "World",
    "assign_component_ids",
    "iter_components",
]
