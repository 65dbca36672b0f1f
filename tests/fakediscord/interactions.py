"""Interaction handles (what a test holds after ``fake.slash(...)``) and option builders.

An :class:`InteractionHandle` tracks one INTERACTION_CREATE: its callback, the original
response message, followups and any modal it opened, and lets a test await each of them.
"""

# ruff: noqa: ASYNC109 -- `timeout=` parameters are this harness's public API (handle.response(timeout=...)).

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import limits
from .common import CallbackType, ChannelType, JsonDict, OptionType
from .models import (
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
)

if TYPE_CHECKING:
    from .core import ServerCore


class InteractionTimeout(AssertionError):
    """The bot did not do what the test waited for in time."""


@dataclass
class Callback:
    """One ``POST /interactions/{id}/{token}/callback`` the bot made.

    ``status`` is what the fake answered (200/204 accepted; 400/404 rejected, see ``error``).
    ``message`` is the message the callback created or updated, if any.
    """

    type: int | None
    data: JsonDict | None
    status: int
    error: JsonDict | None = None
    message: FakeMessage | None = None
    at: float = 0.0
    files: list[FakeAttachment] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """Whether the fake (as Discord) accepted it."""
        return self.status < 300

    @property
    def content(self) -> str | None:
        """``data.content`` for message callbacks."""
        return None if self.data is None else self.data.get("content")

    @property
    def ephemeral(self) -> bool:
        """Whether the callback asked for an ephemeral message (flag 64)."""
        return bool(self.data and (self.data.get("flags") or 0) & 64)

    @property
    def choices(self) -> list[JsonDict]:
        """Autocomplete choices (type 8)."""
        return list((self.data or {}).get("choices") or [])


class InteractionHandle:
    """A test's view of one interaction it sent to the bot."""

    def __init__(
        self,
        fake: ServerCore,
        *,
        id: str,
        token: str,
        type: int,
        payload: JsonDict,
        user: FakeUser,
        channel: FakeChannel,
        guild: FakeGuild | None,
        source_message: FakeMessage | None,
        created_at: float,
    ) -> None:
        self._fake = fake
        self.id = id
        self.token = token
        self.type = type
        self.payload = payload
        self.user = user
        self.channel = channel
        self.guild = guild
        self.source_message = source_message
        """The message whose component was used (component and modal-from-component only)."""
        self.created_at = created_at
        self.attempts: list[Callback] = []
        """Every callback attempt, accepted or not."""
        self.callback: Callback | None = None
        """The accepted callback, once the bot acknowledged."""
        self.original: FakeMessage | None = None
        """The message ``@original`` refers to (response message, or the component's message)."""
        self.followups: list[FakeMessage] = []
        self.modal: JsonDict | None = None
        """The modal the bot opened in answer (type 9 data, with component ids)."""
        self.opener: InteractionHandle | None = None
        """For a modal submit: the interaction that opened the modal."""
        self.deferred_followup_pending = False
        self._followup_cursor = 0

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self.type} callback={self.callback!r}>"

    @property
    def data(self) -> JsonDict:
        """The ``data`` of the INTERACTION_CREATE sent to the bot."""
        value = self.payload.get("data")
        return value if isinstance(value, dict) else {}

    @property
    def acknowledged(self) -> bool:
        """Whether an accepted callback arrived."""
        return self.callback is not None

    @property
    def message(self) -> FakeMessage | None:
        """The message the interaction produced or updated (latest state)."""
        return self.original

    async def wait_until(
        self, predicate: Callable[[InteractionHandle], bool], *, timeout: float = 3.0, what: str
    ) -> None:
        """Wait until ``predicate(self)`` holds, or raise :class:`InteractionTimeout`."""
        await self._fake.wait_until(lambda: predicate(self), timeout=timeout, what=what)

    async def response(self, timeout: float = 3.0) -> Callback:
        """Wait for the accepted callback and return it.

        Raises :class:`InteractionTimeout` (mentioning rejected attempts) if none arrives.
        """
        try:
            await self.wait_until(
                lambda h: h.callback is not None,
                timeout=timeout,
                what=f"a callback for interaction {self.id}",
            )
        except InteractionTimeout as exc:
            if self.attempts:
                raise InteractionTimeout(
                    f"interaction {self.id}: no accepted callback; rejected attempts: "
                    f"{[(a.status, a.error) for a in self.attempts]}"
                ) from exc
            raise
        assert self.callback is not None
        return self.callback

    async def first_attempt(self, timeout: float = 3.0) -> Callback:
        """Wait for the first callback attempt, accepted or rejected."""
        await self.wait_until(
            lambda h: bool(h.attempts), timeout=timeout, what=f"a callback attempt on {self.id}"
        )
        return self.attempts[0]

    async def next_followup(self, timeout: float = 3.0) -> FakeMessage:
        """Wait for the next followup message not yet returned by this method."""
        await self.wait_until(
            lambda h: len(h.followups) > h._followup_cursor,
            timeout=timeout,
            what=f"followup #{self._followup_cursor + 1} of interaction {self.id}",
        )
        message = self.followups[self._followup_cursor]
        self._followup_cursor += 1
        return message

    async def wait_for_content(self, text: str, *, timeout: float = 3.0) -> FakeMessage:
        """Wait until the original response's content contains ``text``; return the message."""
        await self.wait_until(
            lambda h: h.original is not None and text in h.original.content,
            timeout=timeout,
            what=f"original response of {self.id} to contain {text!r}",
        )
        assert self.original is not None
        return self.original

    async def choices(self, timeout: float = 3.0) -> list[JsonDict]:
        """Autocomplete: wait for the result and return its choices."""
        callback = await self.response(timeout)
        if callback.type != CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            raise AssertionError(f"expected an autocomplete result, got callback {callback}")
        return callback.choices


def resolved_channel(channel: FakeChannel, permissions: int) -> JsonDict:
    """A channel as it appears in ``data.resolved.channels``."""
    data: JsonDict = {
        "id": channel.id,
        "type": channel.type,
        "name": channel.name,
        "permissions": str(permissions),
        "guild_id": channel.guild_id,
        "parent_id": channel.parent_id,
        "flags": channel.flags,
        "last_message_id": channel.last_message_id,
        "rate_limit_per_user": channel.rate_limit_per_user,
    }
    if channel.type in ChannelType.THREADS:
        full = channel.payload()
        for key in ("owner_id", "member_count", "message_count", "thread_metadata"):
            data[key] = full[key]
    else:
        data["topic"] = channel.topic
        data["position"] = channel.position
        data["nsfw"] = channel.nsfw
    return data


class OptionBuilder:
    """Turns test-friendly option values into ``data.options`` + ``data.resolved``.

    Types come from the command definition the bot synced, so ``{"count": 3}`` becomes an
    INTEGER option only if the command declared one; mismatches fail loudly in the test.
    """

    def __init__(self, fake: ServerCore, guild: FakeGuild | None, *, autocomplete: bool) -> None:
        self.fake = fake
        self.guild = guild
        self.autocomplete = autocomplete
        self.resolved: dict[str, dict[str, JsonDict]] = {}

    def _resolve(self, kind: str, key: str, value: JsonDict) -> None:
        if not self.autocomplete:
            self.resolved.setdefault(kind, {})[key] = value

    def _user(self, value: object) -> str:
        user = self.fake.world.user(
            value if isinstance(value, FakeUser | FakeMember) else str(value)
        )
        self._resolve("users", user.id, user.payload())
        if self.guild is not None and user.id in self.guild.members:
            member = self.guild.members[user.id]
            data = member.payload(with_user=False)
            data["permissions"] = str(member.permissions)
            self._resolve("members", user.id, data)
        return user.id

    def _role(self, value: object) -> str:
        if self.guild is None:
            raise ValueError("role options need a guild")
        role = value if isinstance(value, FakeRole) else None
        if role is None:
            key = str(getattr(value, "id", value))
            role = next((r for r in self.guild.roles if key in (r.id, r.name)), None)
        if role is None:
            raise KeyError(f"unknown role {value!r}")
        self._resolve("roles", role.id, role.payload())
        return role.id

    def _channel(self, value: object, spec: JsonDict) -> str:
        channel = self.fake.world.channel(value)
        allowed = spec.get("channel_types")
        if allowed and channel.type not in allowed:
            raise ValueError(
                f"option {spec['name']!r} accepts channel types {allowed}, not {channel.type}"
            )
        perms = 0
        if self.guild is not None and channel.guild is self.guild:
            perms = self.guild.channel_permissions(
                self.guild.members[self.fake.world.bot_user.id], channel
            )
        self._resolve("channels", channel.id, resolved_channel(channel, perms))
        return channel.id

    def _attachment(self, value: object) -> str:
        if not isinstance(value, FakeAttachment):
            raise TypeError("attachment options take a FakeAttachment (fake.make_attachment)")
        self._resolve("attachments", value.id, value.payload())
        return value.id

    def value(self, spec: JsonDict, value: object) -> object:
        """Convert one value to its wire form for option ``spec``."""
        kind = spec["type"]
        if self.autocomplete and isinstance(value, str):
            return value
        if kind == OptionType.STRING:
            if not isinstance(value, str):
                raise TypeError(f"option {spec['name']!r} is a string, got {value!r}")
            return value
        if kind == OptionType.INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"option {spec['name']!r} is an integer, got {value!r}")
            return value
        if kind == OptionType.BOOLEAN:
            if not isinstance(value, bool):
                raise TypeError(f"option {spec['name']!r} is a boolean, got {value!r}")
            return value
        if kind == OptionType.NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"option {spec['name']!r} is a number, got {value!r}")
            return value
        if kind == OptionType.USER:
            return self._user(value)
        if kind == OptionType.ROLE:
            return self._role(value)
        if kind == OptionType.MENTIONABLE:
            if isinstance(value, FakeRole):
                return self._role(value)
            return self._user(value)
        if kind == OptionType.CHANNEL:
            return self._channel(value, spec)
        if kind == OptionType.ATTACHMENT:
            return self._attachment(value)
        raise ValueError(f"option {spec['name']!r} has unsupported type {kind}")

    def options(
        self,
        specs: list[JsonDict],
        values: Mapping[str, object],
        *,
        focused: str | None = None,
        where: str,
    ) -> list[JsonDict]:
        """Build the option list for one (sub)command, checking names, required and choices."""
        by_name = {s["name"]: s for s in specs}
        unknown = set(values) - set(by_name)
        if unknown:
            raise KeyError(f"{where}: unknown option(s) {sorted(unknown)}; has {sorted(by_name)}")
        out: list[JsonDict] = []
        for spec in specs:
            name = spec["name"]
            if name not in values:
                if spec.get("required") and not self.autocomplete:
                    raise ValueError(f"{where}: required option {name!r} missing")
                continue
            raw = values[name]
            item: JsonDict = {"name": name, "type": spec["type"]}
            if self.autocomplete and name == focused:
                item["value"] = raw if isinstance(raw, str) else str(raw)
                item["focused"] = True
                if len(item["value"]) > limits.STRING_OPTION_MAX:
                    raise ValueError(
                        f"{where}: {name} is {len(item['value'])} characters; Discord's client "
                        f"takes at most {limits.STRING_OPTION_MAX}"
                    )
            else:
                item["value"] = self.value(spec, raw)
                choices = spec.get("choices")
                if choices and not self.autocomplete:
                    allowed = [c["value"] for c in choices]
                    if item["value"] not in allowed:
                        raise ValueError(f"{where}: {name}={raw!r} is not one of {allowed}")
                self._check_range(spec, item["value"], where)
            out.append(item)
        return out

    @staticmethod
    def _check_range(spec: JsonDict, value: Any, where: str) -> None:
        name = spec["name"]
        if isinstance(value, str) and spec["type"] == OptionType.STRING:
            low, high = spec.get("min_length"), spec.get("max_length")
            if low is not None and len(value) < low:
                raise ValueError(f"{where}: {name} shorter than min_length {low}")
            if high is not None and len(value) > high:
                raise ValueError(f"{where}: {name} longer than max_length {high}")
            if len(value) > limits.STRING_OPTION_MAX:
                raise ValueError(
                    f"{where}: {name} is {len(value)} characters; Discord's client takes at "
                    f"most {limits.STRING_OPTION_MAX} in a string option"
                )
        if isinstance(value, int | float) and spec["type"] in (
            OptionType.INTEGER,
            OptionType.NUMBER,
        ):
            low, high = spec.get("min_value"), spec.get("max_value")
            if low is not None and value < low:
                raise ValueError(f"{where}: {name}={value} below min_value {low}")
            if high is not None and value > high:
                raise ValueError(f"{where}: {name}={value} above max_value {high}")

    def resolved_payload(self) -> JsonDict | None:
        """``data.resolved``, or None when no option needed it."""
        return {k: v for k, v in self.resolved.items() if v} or None
