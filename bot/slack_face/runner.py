"""Running the Slack face: HTTP mode (Bolt's endpoint on slack.port) or Socket Mode, alone
or beside the Discord face in one process over one store.

With both faces, one daily loop posts every schedule: the Discord face's, given a poster
and a sharer that reach each workspace's or server's own chat (``FacePoster``,
``FaceSharer``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.config import Settings, SlackTokens
from bot.services.container import Services
from bot.services.ownership import GuildOwnership
from bot.services.prompts import Poster, PromptPost
from bot.services.sharing import SharedPost, Sharer
from bot.slack_face.app import SlackFace, SlackServer
from bot.slack_face.delivery import FaceCourier
from bot.slack_face.errors import error_code
from bot.slack_face.sharing import SlackSharer
from bot.store.shard_locks import ShardOwnership, hold_shards
from bot.text import Rich

log = logging.getLogger(__name__)
BAD_TOKEN_EXIT, UNREACHABLE_EXIT = 2, 3


class FacePoster:
    """Sends a prompt through the chat its workspace or server belongs to."""

    def __init__(self, slack_guild: int, slack: Poster, other: Poster) -> None:
        self.slack_guild, self.slack, self.other = slack_guild, slack, other

    def _for(self, guild_id: int) -> Poster:
        return self.slack if guild_id == self.slack_guild else self.other

    async def post(self, post: PromptPost) -> tuple[int, int | None]:
        return await self._for(post.guild_id).post(post)

    async def find_post(self, post: PromptPost, since: datetime) -> tuple[int, int | None] | None:
        return await self._for(post.guild_id).find_post(post, since)

    async def notify(self, channel_id: int | None, guild_id: int, text: Rich) -> None:
        await self._for(guild_id).notify(channel_id, guild_id, text)


class FaceSharer:
    """Settles and takes down each shared reflection through the chat it was shared in
    (Slack's channels are those in its id table; everything else is the other face's)."""

    def __init__(self, face: SlackFace, other: Sharer) -> None:
        self.slack, self.other, self.ids = SlackSharer(face, ""), other, face.ids

    async def _for(self, channel_id: int) -> Sharer:
        try:
            await self.ids.text(channel_id)
        except LookupError:
            return self.other
        return self.slack

    async def author_may_post(self, channel_id: int) -> bool:
        return await (await self._for(channel_id)).author_may_post(channel_id)

    async def share(self, channel_id: int, post: SharedPost) -> int:
        return await (await self._for(channel_id)).share(channel_id, post)

    async def find_share(self, channel_id: int, reflection_id: int, since: datetime) -> int | None:
        return await (await self._for(channel_id)).find_share(channel_id, reflection_id, since)

    async def unshare(self, channel_id: int, message_id: int) -> None:
        await (await self._for(channel_id)).unshare(channel_id, message_id)


class SlackRunner:
    """Connects the face (checking the token first), serves it, and runs its daily loop."""

    def __init__(self, face: SlackFace, tokens: SlackTokens, *, daily_loop: bool = True) -> None:
        self.face, self.tokens, self.daily_loop = face, tokens, daily_loop
        self.team_guild = 0
        self._server: SlackServer | None = None
        self._socket: AsyncSocketModeHandler | None = None

    async def start(self) -> None:
        """Raises SlackApiError (a bad token) or OSError (Slack or the port unreachable)."""
        auth = await self.face.client.auth_test()
        self.team_guild = await self.face.ids.of(str(auth["team_id"]))
        if self.tokens.app is not None:
            self._socket = AsyncSocketModeHandler(
                self.face.app, self.tokens.app, web_client=self.face.client
            )
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack: connected in Socket Mode to %s", auth.get("team"))
        else:
            port = self.face.services.settings.slack.port
            self._server = SlackServer(self.face, "0.0.0.0", port)  # Slack calls in
            url = await self._server.start()
            log.info("Slack: listening at %s for %s", url, auth.get("team"))
        if self.daily_loop:
            self.face.loop.start()
        # a /content reload in any process over this database reloads this one too
        self.face.services.follow_content_reloads()

    async def stop(self) -> None:
        await self.face.loop.stop()
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        if self._server is not None:
            await self._server.stop()
        if self.face.client.session is not None:
            await self.face.client.session.close()


def share_daily_loop(bot: Any, face: SlackFace, slack_guild: int) -> None:
    """Let the Discord face's daily loop post the Slack workspace's prompts, send its
    digests, summaries and reminders, and settle and expire its shared reflections, each
    through its own chat; two loops over one store would each take every schedule."""
    cog = bot.get_cog("Prompts")
    if cog is not None and hasattr(cog, "poster") and hasattr(cog, "sharer"):
        cog.poster = FacePoster(slack_guild, face.poster, cog.poster)
        cog.sharer = FaceSharer(face, cog.sharer)
        if hasattr(cog, "courier"):  # digests, summaries and reminders, each in its chat
            cog.courier = FaceCourier(face, slack_guild, cog.courier)
    else:  # the Discord face changed shape: post Slack's prompts from the Slack loop
        log.warning("Slack: the Discord daily loop was not found; Slack posts its own")
        face.loop.start()


def check_tokens(tokens: SlackTokens) -> str | None:
    """What is missing for the mode chosen, said as the fix; None when complete."""
    if tokens.app is None and tokens.signing_secret is None:
        return (
            "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
            "SLACK_SIGNING_SECRET (HTTP mode) is: set one (see README, Running it on Slack)."
        )
    if tokens.app is not None and not tokens.app.startswith("xapp-"):
        return "SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write."
    return None


def startup_problem(error: BaseException, api_base_url: str) -> tuple[str, int] | None:
    if isinstance(error, SlackApiError):
        return (
            f"Slack refused the token ({error_code(error)}): check SLACK_BOT_TOKEN",
            BAD_TOKEN_EXIT,
        )
    if isinstance(error, OSError):
        return f"cannot reach Slack at {api_base_url} or listen: {error}", UNREACHABLE_EXIT
    return None


async def _until_signal(start: Callable[[], Awaitable[Any]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await start()
    await stop.wait()


def run_slack(settings: Settings, tokens: SlackTokens) -> int:
    """The Slack face alone; exit 0 after SIGTERM/SIGINT, else say why in one line."""
    problem = check_tokens(tokens)
    if problem:
        print(problem, file=sys.stderr)
        return 2

    async def main() -> int:
        # Slack's workspaces only: a Discord process over the same database posts its own
        services = await Services.open(settings, owned=GuildOwnership.slack_only())
        runner = SlackRunner(SlackFace(services, tokens), tokens)
        try:
            await _until_signal(runner.start)
        except (SlackApiError, OSError) as error:
            found = startup_problem(error, settings.slack.api_base_url)
            assert found is not None
            print(found[0], file=sys.stderr)
            return found[1]
        finally:
            await runner.stop()
            await services.close()
        return 0

    return asyncio.run(main())


def run_both(settings: Settings, tokens: SlackTokens) -> int:
    """Discord and Slack in one process over one store; one loop posts for both."""
    problem = check_tokens(tokens)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from bot.discord_face.client import OWNERSHIP_LOST_EXIT, build_bot, route_to
    from bot.discord_face.client import startup_problem as discord_problem

    async def main() -> int:
        # sharded: this process's shards first (waiting while another holds them); its
        # loop posts for their servers and for Slack's workspace (run Slack in one process)
        async with hold_shards(settings.database_url, settings.shards) as shards:
            return await serve(shards)

    async def serve(shards: ShardOwnership) -> int:
        route_to(settings)
        owned = GuildOwnership.of(settings.shards, slack=True)
        services = await Services.open(settings, owned=owned)
        bot = build_bot(services, settings.shards)
        face = SlackFace(services, tokens)
        runner = SlackRunner(face, tokens, daily_loop=False)
        token = settings.token
        assert token is not None
        try:
            await runner.start()
            await bot.login(token)  # runs setup_hook: the cogs and their loops exist now
            share_daily_loop(bot, face, runner.team_guild)
            discord_task = asyncio.create_task(bot.connect(), name="discord-client")
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            stopper = asyncio.create_task(stop.wait())
            lost = asyncio.create_task(shards.lost.wait())
            await asyncio.wait({discord_task, stopper, lost}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            lost.cancel()
            if discord_task.done() and discord_task.exception() is not None:
                raise discord_task.exception()  # type: ignore[misc]
            if shards.lost.is_set():  # said once, by ShardOwnership
                bot.closing = True
                return OWNERSHIP_LOST_EXIT
        except Exception as error:
            found = discord_problem(error, settings.discord.api_base_url) or startup_problem(
                error, settings.slack.api_base_url
            )
            if found is None:
                log.error("the bot stopped", exc_info=error)
                return 1
            print(found[0], file=sys.stderr)
            return found[1]
        finally:
            await runner.stop()
            await bot.shutdown()
        return 0

    return asyncio.run(main())
