"""Routes for application commands, global and per guild, and the commands they store."""

from __future__ import annotations

import copy

from .. import limits
from ..common import ErrorCollector, JsonDict, sid
from ..core import ServerCore
from ..recording import CommandPut
from ..rest import Ctx, Reply, Route, missing_access, unknown


class CommandRoutes(ServerCore):
    """``/applications/{id}[/guilds/{id}]/commands``: sync, create, edit, delete."""

    def _build_routes(self) -> list[Route]:
        r = Route
        return [
            *super()._build_routes(),
            r("GET", "/applications/{application_id}/commands", self._get_commands),
            r(
                "PUT",
                "/applications/{application_id}/commands",
                self._put_commands,
                limits=self._limits_commands,
            ),
            r(
                "POST",
                "/applications/{application_id}/commands",
                self._post_command,
                limits=self._limits_one_command,
            ),
            r("GET", "/applications/{application_id}/commands/{command_id}", self._get_command),
            r("PATCH", "/applications/{application_id}/commands/{command_id}", self._patch_command),
            r(
                "DELETE",
                "/applications/{application_id}/commands/{command_id}",
                self._delete_command,
            ),
            r(
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._get_commands,
            ),
            r(
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._put_commands,
                limits=self._limits_commands,
            ),
            r(
                "POST",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._post_command,
                limits=self._limits_one_command,
            ),
            r(
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                self._get_command,
            ),
            r(
                "PATCH",
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                self._patch_command,
            ),
            r(
                "DELETE",
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                self._delete_command,
            ),
        ]

    def find_command(
        self, name: str, *, guild: object | None = None, type: int = 1
    ) -> tuple[JsonDict, str | None]:
        """A registered command and its scope (guild commands shadow global ones)."""
        scopes: list[str | None] = []
        if guild is not None:
            scopes.append(sid(guild))
        scopes.append(None)
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == type:
                    return cmd, scope
        known = sorted({c["name"] for cmds in self.commands.values() for c in cmds})
        raise LookupError(
            f"command {name!r} (type {type}) is not registered with the fake Discord "
            f"(registered: {known}); did the bot call tree.sync()? "
            "Tests can also use fixtures.preregister(fake, tree)."
        )

    def register_commands(self, payload: list[JsonDict], *, guild: object | None = None) -> None:
        """Register commands without a REST call (as if synced by an earlier run)."""
        scope = None if guild is None else sid(guild)
        self.commands[scope] = self._store_commands(scope, payload)

    def _command_scope(self, ctx: Ctx) -> str | None:
        if ctx.params["application_id"] != self.application_id:
            raise missing_access()
        gid = ctx.params.get("guild_id")
        if gid is not None and gid not in self.world.guilds:
            raise missing_access()
        return gid

    def _limits_commands(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        return limits.check_commands(errors, ctx.body)

    def _limits_one_command(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        inner = ErrorCollector()
        limits.check_commands(inner, [ctx.body])
        for path, code, message in inner.items:
            errors.add(path[1:], code, message)
        return None

    def _store_commands(self, scope: str | None, payload: list[JsonDict]) -> list[JsonDict]:
        existing = {(c["name"], c.get("type", 1)): c for c in self.commands.get(scope, [])}
        stored: list[JsonDict] = []
        for cmd in payload:
            kind = cmd.get("type", 1)
            old = existing.get((cmd["name"], kind))
            full: JsonDict = {
                "id": old["id"] if old else self.world.snowflakes.next(),
                "application_id": self.application_id,
                "version": "",
                "default_member_permissions": cmd.get("default_member_permissions"),
                "type": kind,
                "name": cmd["name"],
                "name_localizations": cmd.get("name_localizations"),
                "description": cmd.get("description", ""),
                "description_localizations": cmd.get("description_localizations"),
                "dm_permission": cmd.get("dm_permission", True),
                "contexts": cmd.get("contexts"),
                "integration_types": cmd.get("integration_types") or [0],
                "nsfw": bool(cmd.get("nsfw", False)),
            }
            if cmd.get("options"):
                full["options"] = copy.deepcopy(cmd["options"])
            if scope is not None:
                full["guild_id"] = scope
            if old is not None and {k: v for k, v in old.items() if k != "version"} == {
                k: v for k, v in full.items() if k != "version"
            }:
                full["version"] = old["version"]
            else:
                full["version"] = self.world.snowflakes.next()
            stored.append(full)
        return stored

    async def _get_commands(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        return 200, copy.deepcopy(self.commands.get(scope, []))

    async def _put_commands(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        body = ctx.body if isinstance(ctx.body, list) else []
        self.commands[scope] = self._store_commands(scope, body)
        self.command_puts.append(
            CommandPut(guild_id=scope, payload=copy.deepcopy(body), at=ctx.record.at)
        )
        return 200, copy.deepcopy(self.commands[scope])

    async def _post_command(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        current = [
            c
            for c in self.commands.get(scope, [])
            if (c["name"], c.get("type", 1)) != (body.get("name"), body.get("type", 1))
        ]
        stored = self._store_commands(scope, [body])[0]
        self.commands[scope] = [*current, stored]
        return 201, copy.deepcopy(stored)

    def _command_by_id(self, ctx: Ctx) -> tuple[str | None, JsonDict]:
        scope = self._command_scope(ctx)
        for cmd in self.commands.get(scope, []):
            if cmd["id"] == ctx.params["command_id"]:
                return scope, cmd
        raise unknown("application command", 10063)

    async def _get_command(self, ctx: Ctx) -> Reply:
        _, cmd = self._command_by_id(ctx)
        return 200, copy.deepcopy(cmd)

    async def _patch_command(self, ctx: Ctx) -> Reply:
        scope, cmd = self._command_by_id(ctx)
        merged = {**cmd, **(ctx.body if isinstance(ctx.body, dict) else {})}
        stored = self._store_commands(scope, [merged])[0]
        stored["id"] = cmd["id"]
        self.commands[scope] = [stored if c is cmd else c for c in self.commands[scope]]
        return 200, copy.deepcopy(stored)

    async def _delete_command(self, ctx: Ctx) -> Reply:
        scope, cmd = self._command_by_id(ctx)
        self.commands[scope] = [c for c in self.commands[scope] if c is not cmd]
        return 204, None
