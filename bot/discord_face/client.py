"""The Discord bot: wiring, command sync, error handling and clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import signal
import socket
import sys
from collections.abc import Iterable
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.discord_face.common import NO_PINGS, actor_of
from bot.discord_face.error_reporting import report_error
from bot.discord_face.markup import discord_text
from bot.discord_face.pacing import Pace, paced_trace, share_of
from bot.services.container import Services
from bot.services.ownership import GuildOwnership
from bot.sharding import ShardPlan
from bot.store.shard_locks import ShardOwnership, hold_shards

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.discord_face.cards",
    "bot.discord_face.prompts",
    "bot.discord_face.cohorts",
    "bot.discord_face.reflections",
    "bot.discord_face.exports",
    "bot.discord_face.facilitators",
    "bot.discord_face.content",
    "bot.discord_face.practice",
)
IN_FLIGHT_PREFIXES = ("CommandTree-invoker", "discord-ui-")
RESTARTING = "The bot is restarting; please try again in a minute."
SHUTDOWN_GRACE_SECONDS = 10.0


def route_to(settings: Settings) -> None:
    """Point discord.py at Discord, a rate-limiting proxy, or a local test server."""
    discord.http.Route.BASE = settings.discord.api_base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord.gateway_url)


def warn_about_role_name(settings: Settings) -> None:
    """The old by-name facilitator role grants nothing now: say so, and what to do."""
    name = settings.facilitator_role
    if name:
        log.warning(
            "facilitator_role ('%s') is deprecated and no longer makes anyone a facilitator: "
            "a role name can be copied by anyone with Manage Roles. In each server, a member "
            "with Manage Server runs /facilitators set-role and picks the role; then remove "
            "facilitator_role from the config.",
            name,
        )


class CohortTree(app_commands.CommandTree["CohortBot"]):
    """One error handler for every command: friendly to members, detailed in the log."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Once shutdown has begun, new commands get a short note instead of half a run."""
        if not self.client.closing:
            return True
        if interaction.type is discord.InteractionType.application_command:
            await interaction.response.send_message(RESTARTING, ephemeral=True)
        return False


class CohortBot(commands.Bot):
    """The bot: holds the services; cogs are thin glue over them."""

    def __init__(self, services: Services, *, guild_ready_timeout: float = 2.0) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_PINGS,
            help_command=None,
            tree_cls=CohortTree,
            guild_ready_timeout=guild_ready_timeout,
            **self._shard_options(),
        )
        self.services = services
        self.synced = asyncio.Event()
        self.closing = False

    def _shard_options(self) -> dict[str, Any]:
        """discord.py's sharding arguments: none for the unsharded bot."""
        return {}

    def _shards(self) -> ShardPlan | None:
        """The shards this process runs (None: unsharded, all of the bot)."""
        return None

    async def login(self, token: str) -> None:
        """Pace REST calls to this process's share of Discord's global limit (set here, as
        discord.py opens its session: the constructor only keeps the services)."""
        limit = self.services.settings.discord.requests_per_second
        self.http.http_trace = paced_trace(Pace(share_of(limit, self._shards())))
        await super().login(token)

    async def setup_hook(self) -> None:
        if self.services.settings.support_message is None:
            log.warning(
                "support_message is not set: /about shows a general note. Facilitators "
                "should list their organisation's support services there (config.yaml)."
            )
        warn_about_role_name(self.services.settings)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()
        self.synced.set()

    async def sync_commands(self) -> None:
        """Sync each scope only when its definition changed (creates are rate limited)."""
        guild_ids = self.services.settings.discord.guild_ids
        scopes: Iterable[discord.Object | None] = (
            [discord.Object(id=guild_id) for guild_id in guild_ids] if guild_ids else [None]
        )
        for guild in scopes:
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
            commands_in_scope = self.tree.get_commands(guild=guild)
            payload = [command.to_dict(self.tree) for command in commands_in_scope]
            digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
            key = f"command-sync:{self.application_id}:{guild.id if guild else 'global'}"
            if await self.services.get_meta(key) == digest:
                log.info("commands unchanged for %s; not syncing", key)
                continue
            await self.tree.sync(guild=guild)
            await self.services.set_meta(key, digest)
            log.info("synced %d commands for %s", len(payload), key)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d guild(s)", self.user, len(self.guilds))

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        """A reminder that could not reach the member (DMs closed): said privately, once,
        after their next command, since no other message reaches only them."""
        answered = interaction.response.type
        if interaction.guild_id is None or answered is discord.InteractionResponseType.modal:
            return
        try:
            note = await self.services.reminders.refusal_notes(actor_of(interaction))
            if note is not None:
                await interaction.followup.send(
                    discord_text(note), ephemeral=True, allowed_mentions=NO_PINGS
                )
        except Exception:  # the command itself went well; this note can wait
            log.warning("could not tell a member their reminder failed", exc_info=True)

    async def shutdown(self) -> None:
        """Stop taking work, let what is in flight finish, then close everything."""
        log.info("shutting down: finishing work in flight")
        self.closing = True
        background = [task for cog in self.cogs.values() for task in _stop_background(cog)]
        await _wait_for_in_flight(SHUTDOWN_GRACE_SECONDS, background)
        await self.close()
        await self.services.close()
        log.info("shut down cleanly")


class ShardedCohortBot(CohortBot, commands.AutoShardedBot):
    """The same bot running some shards of a sharded one: one websocket per shard, and
    only those shards' servers and interactions reach this process."""

    def __init__(
        self, services: Services, shards: ShardPlan, *, guild_ready_timeout: float = 2.0
    ) -> None:
        self.shard_plan = shards
        super().__init__(services, guild_ready_timeout=guild_ready_timeout)

    def _shard_options(self) -> dict[str, Any]:
        return {"shard_count": self.shard_plan.count, "shard_ids": list(self.shard_plan.ids)}

    def _shards(self) -> ShardPlan | None:
        return self.shard_plan

    async def on_ready(self) -> None:
        log.info(
            "ready as %s in %d guild(s) on shard(s) %s of %d",
            self.user,
            len(self.guilds),
            ", ".join(str(shard) for shard in self.shard_plan.ids),
            self.shard_plan.count,
        )


def build_bot(services: Services, shards: ShardPlan | None = None, **options: Any) -> CohortBot:
    """The bot for these shards (unsharded when None: one websocket, as always)."""
    if shards is None:
        return CohortBot(services, **options)
    return ShardedCohortBot(services, shards, **options)


def _stop_background(cog: commands.Cog) -> list[asyncio.Task[None]]:
    """Ask a cog's background work to stop; return what must be let finish."""
    stop = getattr(cog, "stop_background", None)
    return list(stop()) if callable(stop) else []


async def _wait_for_in_flight(grace_seconds: float, background: list[asyncio.Task[None]]) -> None:
    current = asyncio.current_task()
    tasks = [
        task
        for task in asyncio.all_tasks()
        if task is not current and task.get_name().startswith(IN_FLIGHT_PREFIXES)
    ]
    tasks += [task for task in background if not task.done()]
    if tasks:
        await asyncio.wait(tasks, timeout=grace_seconds)


async def start_bot(settings: Settings, **options: Any) -> CohortBot:
    """Route discord.py, open the services and build the bot (``run_bot`` starts it),
    sharded if the settings say so."""
    route_to(settings)
    # its daily loop acts only for its shards' servers (Slack's are the Slack runner's)
    services = await Services.open(settings, owned=GuildOwnership.of(settings.shards, slack=False))
    return build_bot(services, settings.shards, **options)


class _NoVoiceNotes(logging.Filter):
    """discord.py warns at every start that voice needs PyNaCl; this bot has no voice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


def run_bot(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT; exit 0 after a clean shutdown, else say why in one line."""
    logging.getLogger("discord.client").addFilter(_NoVoiceNotes())

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        async with contextlib.AsyncExitStack() as stack:
            # this process's shards first (waiting while another process holds them),
            # so it never connects to the gateway for shards it does not own
            holding = asyncio.create_task(
                stack.enter_async_context(hold_shards(settings.database_url, settings.shards))
            )
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({holding, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not holding.done():
                holding.cancel()
                await asyncio.gather(holding, return_exceptions=True)
                return 0  # stopped while waiting: nothing was held
            return await serve(holding.result(), stop)

    async def serve(shards: ShardOwnership, stop: asyncio.Event) -> int:
        bot = await start_bot(settings)
        token = settings.token
        assert token is not None
        runner = asyncio.create_task(bot.start(token), name="discord-client")
        stopper = asyncio.create_task(stop.wait())
        lost = asyncio.create_task(shards.lost.wait())
        done, _ = await asyncio.wait({runner, stopper, lost}, return_when=asyncio.FIRST_COMPLETED)
        lost.cancel()
        if lost in done and runner not in done:  # said once, by ShardOwnership
            stopper.cancel()
            bot.closing = True  # no grace: another process may be answering already
            await bot.close()
            await bot.services.close()
            await asyncio.gather(runner, return_exceptions=True)
            return OWNERSHIP_LOST_EXIT
        if runner in done:
            stopper.cancel()
            error = runner.exception()
            await bot.close()  # closes discord.py's HTTP session, even after a failed login
            await bot.services.close()
            if error is None:
                return 0
            problem = startup_problem(error, settings.discord.api_base_url)
            if problem is None:
                log.error("the bot stopped", exc_info=error)
                return 1
            message, code = problem
            print(message, file=sys.stderr)
            return code
        await bot.shutdown()
        await asyncio.gather(runner, return_exceptions=True)
        return 0

    return asyncio.run(main())


BAD_TOKEN_EXIT = 2
UNREACHABLE_EXIT = 3
OWNERSHIP_LOST_EXIT = 4  # another process may now own this one's shards


def startup_problem(error: BaseException, api_base_url: str) -> tuple[str, int] | None:
    """One line and an exit code for a failure to start that needs no traceback.

    None for anything unexpected, which is logged with its traceback instead.
    """
    if isinstance(error, discord.LoginFailure):
        return "Discord refused the token (401 Unauthorized): check DISCORD_TOKEN", BAD_TOKEN_EXIT
    if isinstance(error, discord.DiscordServerError):
        return (
            f"Discord at {api_base_url} is not answering: {error.status} {error.response.reason}; "
            "try again later",
            UNREACHABLE_EXIT,
        )
    if isinstance(error, aiohttp.ClientConnectionError | OSError | TimeoutError):
        return f"cannot reach Discord at {api_base_url}: {_reason(error)}", UNREACHABLE_EXIT
    return None


def _reason(error: BaseException) -> str:
    """Why a connection failed, in words (aiohttp wraps the OS error)."""
    cause = getattr(error, "os_error", None) or error
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused (nothing is listening there)"
    if isinstance(cause, socket.gaierror):
        return f"cannot look up the host name ({cause.strerror}); is the network up?"
    if isinstance(cause, TimeoutError):
        return "timed out"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return str(error) or type(error).__name__
