"""Running commands as a user: slash commands, autocomplete, context menus."""

# ruff: noqa: ASYNC109 -- `timeout=` parameters are this harness's public API (handle.response(timeout=...)).

from __future__ import annotations

from collections.abc import Mapping

from ..common import InteractionType, JsonDict, OptionType
from ..interactions import InteractionHandle, OptionBuilder
from ..models import FakeChannel, FakeGuild, FakeMember, FakeMessage, FakeUser
from ..routes.commands import CommandRoutes
from .base import DriverBase


class CommandDriver(DriverBase, CommandRoutes):
    """``slash``, ``autocomplete`` and ``context_menu``, checked against the synced commands."""

    def _command_target(
        self,
        name: str,
        subcommand: str | None,
        guild: FakeGuild | None,
    ) -> tuple[JsonDict, str | None, list[str], list[JsonDict]]:
        words = name.split() + (subcommand.split() if subcommand else [])
        root, path = words[0], words[1:]
        command, scope = self.find_command(root, guild=guild.id if guild else None)
        specs: list[JsonDict] = list(command.get("options") or [])
        for word in path:
            nxt = next(
                (
                    o
                    for o in specs
                    if o["name"] == word
                    and o["type"] in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)
                ),
                None,
            )
            if nxt is None:
                raise LookupError(f"/{' '.join(words)}: no subcommand {word!r}")
            specs = list(nxt.get("options") or [])
        if any(o["type"] in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP) for o in specs):
            subs = [o["name"] for o in specs]
            raise LookupError(f"/{' '.join(words)} needs a subcommand: one of {subs}")
        return command, scope, path, specs

    @staticmethod
    def _command_data(
        command: JsonDict, scope: str | None, path: list[str], leaf: list[JsonDict]
    ) -> JsonDict:
        """A chat command's interaction data: ``leaf`` nested under the subcommand path."""
        options = leaf
        specs: list[JsonDict] = list(command.get("options") or [])
        chain: list[JsonDict] = []
        for word in path:
            spec = next(o for o in specs if o["name"] == word)
            chain.append(spec)
            specs = list(spec.get("options") or [])
        for spec in reversed(chain):
            options = [{"name": spec["name"], "type": spec["type"], "options": options}]
        data: JsonDict = {
            "id": command["id"],
            "name": command["name"],
            "type": 1,
            "options": options,
        }
        if scope is not None:
            data["guild_id"] = scope
        return data

    def _check_can_use(
        self,
        command: JsonDict,
        *,
        user: FakeUser | FakeMember | str | None,
        channel: FakeChannel,
        guild: FakeGuild | None,
        permissions: int | None,
    ) -> None:
        """What Discord's client enforces before a user can run a command."""
        contexts = command.get("contexts")
        if guild is not None:
            if contexts is not None and 0 not in contexts:
                raise PermissionError(f"/{command['name']} is not available in guilds")
            needed = command.get("default_member_permissions")
            if needed not in (None, ""):
                actor = self.world.user(user) if user is not None else self.default_user
                member = guild.member(actor)
                have = (
                    guild.channel_permissions(member, channel)
                    if permissions is None
                    else permissions
                )
                if int(needed) & ~have:
                    raise PermissionError(
                        f"{actor.username} lacks default_member_permissions {needed} for "
                        f"/{command['name']} (pass force=True to simulate an override)"
                    )
        elif command.get("dm_permission") is False or (contexts is not None and 1 not in contexts):
            raise PermissionError(f"/{command['name']} is not available in DMs")

    async def slash(
        self,
        name: str,
        options: Mapping[str, object] | None = None,
        *,
        subcommand: str | None = None,
        user: FakeUser | FakeMember | str | None = None,
        guild: FakeGuild | None = None,
        channel: object | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
        force: bool = False,
    ) -> InteractionHandle:
        """Invoke a synced chat-input command, as a user typing ``/name sub opt:value``.

        ``name`` may include subcommands (``"settings tz set"``) or pass ``subcommand=``.
        Option values: str/int/bool/float, FakeUser/FakeMember (users), FakeRole, FakeChannel
        or channel name, FakeAttachment. Types and choices are checked against the synced
        definition. ``force`` skips the client-side permission/context checks.
        """
        where, scope_guild = self._where(channel, guild)
        command, scope, path, specs = self._command_target(name, subcommand, scope_guild)
        if not force:
            self._check_can_use(
                command, user=user, channel=where, guild=scope_guild, permissions=permissions
            )
        builder = OptionBuilder(self, scope_guild, autocomplete=False)
        leaf = builder.options(specs, options or {}, where=f"/{name}")
        data = self._command_data(command, scope, path, leaf)
        resolved = builder.resolved_payload()
        if resolved is not None:
            data["resolved"] = resolved
        return await self._send_interaction(
            InteractionType.APPLICATION_COMMAND,
            data,
            user=user,
            channel=where,
            guild=scope_guild,
            permissions=permissions,
            locale=locale,
        )

    async def autocomplete_interaction(
        self,
        name: str,
        focused_option: str,
        value: str,
        options: Mapping[str, object] | None = None,
        *,
        subcommand: str | None = None,
        user: FakeUser | FakeMember | str | None = None,
        guild: FakeGuild | None = None,
        channel: object | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Send an autocomplete interaction (type 4) and return its handle."""
        where, scope_guild = self._where(channel, guild)
        command, scope, path, specs = self._command_target(name, subcommand, scope_guild)
        spec = next((s for s in specs if s["name"] == focused_option), None)
        if spec is None or not spec.get("autocomplete"):
            raise ValueError(f"/{name}: option {focused_option!r} has no autocomplete")
        values = dict(options or {})
        values[focused_option] = value
        builder = OptionBuilder(self, scope_guild, autocomplete=True)
        leaf = builder.options(specs, values, focused=focused_option, where=f"/{name}")
        data = self._command_data(command, scope, path, leaf)
        return await self._send_interaction(
            InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE,
            data,
            user=user,
            channel=where,
            guild=scope_guild,
            permissions=None,
            locale=locale,
        )

    async def autocomplete(
        self,
        name: str,
        focused_option: str,
        value: str,
        options: Mapping[str, object] | None = None,
        *,
        subcommand: str | None = None,
        user: FakeUser | FakeMember | str | None = None,
        channel: object | None = None,
        timeout: float = 3.0,
    ) -> list[JsonDict]:
        """Type ``value`` into an autocompleted option; return the bot's choices."""
        handle = await self.autocomplete_interaction(
            name, focused_option, value, options, subcommand=subcommand, user=user, channel=channel
        )
        return await handle.choices(timeout)

    async def context_menu(
        self,
        name: str,
        target: FakeUser | FakeMember | FakeMessage,
        *,
        user: FakeUser | FakeMember | str | None = None,
        channel: object | None = None,
        force: bool = False,
    ) -> InteractionHandle:
        """Run a user (target FakeUser/FakeMember) or message (FakeMessage) context menu."""
        if isinstance(target, FakeMessage):
            kind, where = 3, target.channel
            guild = where.guild
            resolved: JsonDict = {"messages": {target.id: target.payload(self.world)}}
            target_id = target.id
        else:
            kind = 2
            where, guild = self._where(channel, None)
            target_user = self.world.user(target)
            builder = OptionBuilder(self, guild, autocomplete=False)
            builder.value({"name": "target", "type": OptionType.USER}, target_user)
            resolved = builder.resolved_payload() or {}
            target_id = target_user.id
        command, scope = self.find_command(name, guild=guild.id if guild else None, type=kind)
        if not force:
            self._check_can_use(command, user=user, channel=where, guild=guild, permissions=None)
        data: JsonDict = {
            "id": command["id"],
            "name": command["name"],
            "type": kind,
            "target_id": target_id,
            "resolved": resolved,
        }
        if scope is not None:
            data["guild_id"] = scope
        return await self._send_interaction(
            InteractionType.APPLICATION_COMMAND,
            data,
            user=user,
            channel=where,
            guild=guild,
            permissions=None,
            locale="en-US",
        )
