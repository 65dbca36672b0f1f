"""Shared building blocks of the fake Discord: snowflakes, timestamps, error bodies, permissions.

Kept free of aiohttp and discord.py so every other module (and tests) can use them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from typing import Any

JsonDict = dict[str, Any]
"""A decoded JSON object, as Discord sends and receives them."""

DISCORD_EPOCH_MS = 1_420_070_400_000
"""First millisecond of 2015, the epoch of Discord snowflakes."""


class SnowflakeGenerator:
    """Makes Discord-shaped ids: the current time in the top bits, a counter in the low bits.

    Real timestamps matter: discord.py derives ``created_at`` from ids and picks the
    delete-message rate-limit bucket from a message id's age.
    """

    def __init__(self, worker_id: int = 1, process_id: int = 0) -> None:
        self._worker = worker_id & 0x1F
        self._process = process_id & 0x1F
        self._last_ms = 0
        self._increment = 0

    def next_int(self) -> int:
        """Return a new id, strictly greater than every id returned before."""
        now = max(int(time.time() * 1000), self._last_ms)
        if now == self._last_ms:
            self._increment += 1
            if self._increment > 0xFFF:
                now += 1
                self._increment = 0
        else:
            self._increment = 0
        self._last_ms = now
        return (
            ((now - DISCORD_EPOCH_MS) << 22)
            | (self._worker << 17)
            | (self._process << 12)
            | self._increment
        )

    def next(self) -> str:
        """Return a new id as a string, the form Discord uses in JSON."""
        return str(self.next_int())

    def next_on_shard(self, shard_id: int, shard_count: int) -> str:
        """A new id whose guild would be on shard ``shard_id`` of ``shard_count``.

        Discord's rule is ``(id >> 22) % shard_count``: the id's millisecond timestamp picks
        the shard, so the clock steps (at most ``shard_count - 1`` ms ahead) to the next
        millisecond that lands there. Ids stay strictly increasing.
        """
        if not 0 <= shard_id < shard_count:
            raise ValueError(f"shard {shard_id} does not exist with {shard_count} shard(s)")
        now = max(int(time.time() * 1000), self._last_ms + 1)
        now += (shard_id - (now - DISCORD_EPOCH_MS)) % shard_count
        self._last_ms = now
        self._increment = 0
        return str(((now - DISCORD_EPOCH_MS) << 22) | (self._worker << 17) | (self._process << 12))


def snowflake_time(snowflake: int | str) -> dt.datetime:
    """Return the creation time encoded in a snowflake."""
    ms = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def iso(moment: dt.datetime) -> str:
    """Format a time the way Discord does (ISO 8601 with microseconds and ``+00:00``)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def utcnow() -> dt.datetime:
    """Return the current time in UTC."""
    return dt.datetime.now(dt.UTC)


def sid(value: object) -> str:
    """Normalise an id given as int, str or an object with an ``id`` attribute to a string."""
    inner = getattr(value, "id", value)
    if isinstance(inner, bool) or not isinstance(inner, int | str):
        raise TypeError(f"not an id: {value!r}")
    return str(inner)


def error_body(code: int, message: str, errors: JsonDict | None = None) -> JsonDict:
    """Build Discord's JSON error body."""
    body: JsonDict = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


class ErrorCollector:
    """Collects field errors and renders them as Discord's nested ``errors`` object.

    Discord reports ``{"embeds": {"0": {"title": {"_errors": [{code, message}]}}}}``:
    every path element is a key (list indexes as strings) and the leaf holds ``_errors``.
    """

    def __init__(self) -> None:
        self.items: list[tuple[tuple[str | int, ...], str, str]] = []

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        """Record one error at ``path`` (empty path: an error about the whole body)."""
        self.items.append((tuple(path), code, message))

    def max_length(self, path: Sequence[str | int], limit: int) -> None:
        """Record Discord's too-long error (strings and arrays alike)."""
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def bad_length(self, path: Sequence[str | int], low: int, high: int) -> None:
        """Record Discord's length-out-of-range error."""
        self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def required(self, path: Sequence[str | int]) -> None:
        """Record Discord's missing-field error."""
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def choices(self, path: Sequence[str | int], allowed: Iterable[object]) -> None:
        """Record Discord's not-one-of-the-choices error."""
        listed = ", ".join(str(a) for a in allowed)
        self.add(path, "BASE_TYPE_CHOICES", f"Value must be one of {{{listed}}}.")

    def __bool__(self) -> bool:
        return bool(self.items)

    def to_errors(self) -> JsonDict:
        """Render the nested ``errors`` object of a 50035 body."""
        root: JsonDict = {}
        for path, code, message in self.items:
            node = root
            for part in path:
                node = node.setdefault(str(part), {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return root


class Permissions:
    """Discord permission bits the fake uses (values from Discord's documentation)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38

    ALL = (1 << 51) - 1
    """Every permission Discord currently defines (owners and administrators get this)."""

    DEFAULT_EVERYONE = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | MENTION_EVERYONE
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    """What a new server grants @everyone (close to Discord's default)."""

    DEFAULT_BOT = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | SEND_MESSAGES_IN_THREADS
        | CREATE_PUBLIC_THREADS
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | USE_APPLICATION_COMMANDS
        | MANAGE_THREADS
    )
    """Permissions of the bot's managed role in the default guild (no MENTION_EVERYONE)."""


class Intents:
    """Gateway intent bits (Discord documentation)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15

    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


class MessageFlags:
    """Message flag bits the fake interprets."""

    SUPPRESS_EMBEDS = 1 << 2
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    SUPPRESS_NOTIFICATIONS = 1 << 12
    IS_COMPONENTS_V2 = 1 << 15


class ChannelType:
    """Channel type numbers."""

    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_FORUM = 15

    THREADS = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})


class ChannelFlags:
    """Channel flag bits the fake acts on."""

    REQUIRE_TAG = 1 << 4  # a forum post must carry at least one of the forum's tags


class InteractionType:
    """Interaction type numbers (INTERACTION_CREATE ``type``)."""

    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    APPLICATION_COMMAND_AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType:
    """Interaction callback type numbers (the ``type`` of ``POST .../callback``)."""

    PONG = 1
    CHANNEL_MESSAGE_WITH_SOURCE = 4
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
    MODAL = 9
    LAUNCH_ACTIVITY = 12


class ComponentType:
    """Message component type numbers."""

    ACTION_ROW = 1
    BUTTON = 2
    STRING_SELECT = 3
    TEXT_INPUT = 4
    USER_SELECT = 5
    ROLE_SELECT = 6
    MENTIONABLE_SELECT = 7
    CHANNEL_SELECT = 8
    SECTION = 9
    TEXT_DISPLAY = 10
    THUMBNAIL = 11
    MEDIA_GALLERY = 12
    FILE = 13
    SEPARATOR = 14
    CONTAINER = 17
    LABEL = 18
    FILE_UPLOAD = 19

    SELECTS = frozenset(
        {STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT}
    )


class OptionType:
    """Application command option type numbers."""

    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11
