"""Scale-out, end to end: 40 servers on 4 shards, two real ``python -m bot run`` processes
with two shards each over one real PostgreSQL, and a standby for the first. The first is
SIGKILLed in the middle of its fan-out, at the worst moment (Discord has posted a message
whose answer has not reached it); the standby takes its shards over within seconds, and A,
restarted, waits to take them over in turn when the standby stops (a deploy). Every
server's prompt is posted exactly once, every reservation the kill left is settled (found
in the channel and recorded, or released and sent once), and no reflection a member was
told was saved is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from bot.discord_face.reflection_forms import FORM_TEXT_ID
from bot.sharding import shard_of
from bot.store import Store
from tests.e2e import CONTENT
from tests.fakediscord import (
    CallbackType,
    FakeChannel,
    FakeDiscord,
    FakeMessage,
    FakeUser,
    InteractionHandle,
    InteractionTimeout,
)
from tests.processes import BotProcess, logged_bot

SHARDS = 4
SERVERS_PER_SHARD = 10
FIRST, SECOND = (0, 1), (2, 3)  # process A's shards, process B's
ANSWER_SECONDS = 0.15  # how late Discord answers each of A's posts
POSTED_BEFORE_THE_KILL = 5
# A tick a second and reservations settled once 3 s old: what makes this take seconds
# (the defaults, 20 s and 60 s, would make it take minutes); see config.example.yaml.
DAILY_LOOP = "daily_loop:\n  every_seconds: 1\n  settle_after_seconds: 3\n"
SAVED = re.compile(r"^Saved reflection #(\d+) on ")


@dataclass
class Server:
    """One Discord server with its prompt channel and cohort."""

    guild_id: int
    channel: FakeChannel
    cohort_id: int = 0

    @property
    def shard(self) -> int:
        return shard_of(self.guild_id, SHARDS)


class Launcher:
    """Starts bot processes against the fake and the database; kills what is left."""

    def __init__(self, fake: FakeDiscord, database_url: str, tmp_path: Path) -> None:
        self.fake = fake
        self.database_url = database_url
        self.config = tmp_path / "config.yaml"
        self.config.write_text(
            f"content_dir: {CONTENT}\n"
            f"discord:\n  api_base_url: {fake.api_base}\n  gateway_url: {fake.gateway_url}\n"
            + DAILY_LOOP
        )
        self.running = contextlib.AsyncExitStack()

    async def start(self, name: str, shards: tuple[int, ...]) -> BotProcess:
        env = {
            "DATABASE_URL": self.database_url,
            "SHARD_COUNT": str(SHARDS),
            "SHARD_IDS": ",".join(str(shard) for shard in shards),
        }
        return await self.running.enter_async_context(
            logged_bot(name, self.config, token=self.fake.token, env=env)
        )

    async def kill_all(self) -> None:
        """Kill and reap every process still running, reading each log to its end."""
        await self.running.aclose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """The fake Discord with 40 servers, ten on each of 4 shards, each with #prompts.

    The bots run in other processes on a machine that may be busy: interactions get 10 s
    for their first answer rather than Discord's 3 (which the fake's own tests hold)."""
    async with FakeDiscord(guild_name=None, interaction_deadline=10.0) as started:
        for number in range(SHARDS * SERVERS_PER_SHARD):
            started.add_guild(
                f"Server {number}", channels=("prompts",), shard=(number % SHARDS, SHARDS)
            )
        yield started


@pytest.fixture
async def launcher(fake: FakeDiscord, postgres_url: str, tmp_path: Path) -> AsyncIterator[Launcher]:
    started = Launcher(fake, postgres_url, tmp_path)
    try:
        yield started
    finally:
        await started.kill_all()


def midday_zone(now: datetime) -> str:
    """A fixed-offset zone where it is now 12:xx, so the day cannot end during the test."""
    ahead = 12 - now.hour  # hours ahead of UTC; Etc/GMT-N is N hours ahead (POSIX signs)
    return f"Etc/GMT{'-' if ahead >= 0 else '+'}{abs(ahead)}"


async def cohorts_due_now(fake: FakeDiscord, database_url: str) -> list[Server]:
    """A cohort in every server's #prompts, posting at 12:00 today where it is 12:xx now."""
    now = datetime.now(UTC)
    zone = midday_zone(now)
    servers = [Server(int(guild.id), guild.channels[0]) for guild in fake.world.guilds.values()]
    async with Store.open(database_url) as store:  # migrates, before any bot starts
        for server in servers:
            row = await store.create_cohort(
                server.guild_id,
                name="Spring",
                channel_id=int(server.channel.id),
                post_time="12:00",
                timezone=zone,
                starts_on=now.astimezone(ZoneInfo(zone)).date(),
                now=now,
            )
            assert row is not None
            server.cohort_id = row.id
    return servers


def prompts_in(fake: FakeDiscord, channel: FakeChannel) -> list[FakeMessage]:
    """The daily posts the bot made in a channel (a Reflect button marks one)."""
    return [
        message
        for message in fake.messages[channel]
        if message.author is fake.bot_user
        and not message.deleted
        and any(custom_id.startswith("reflect:") for custom_id in message.custom_ids)
    ]


async def open_reflection(fake: FakeDiscord, server: Server, member: FakeUser) -> InteractionHandle:
    """Press Reflect on the server's daily post; the handle whose modal opened."""
    post = prompts_in(fake, server.channel)[0]
    [button] = [cid for cid in post.custom_ids if cid.startswith("reflect:")]
    opener = await fake.click(post, button, user=member)
    assert (await opener.response(timeout=15)).type == CallbackType.MODAL
    return opener


async def reflect(fake: FakeDiscord, server: Server, member: FakeUser, text: str) -> int:
    """Reflect on the server's daily post; the reflection id the member is told."""
    opener = await open_reflection(fake, server, member)
    submitted = await fake.submit_modal(opener, {FORM_TEXT_ID: text}, user=member)
    return saved_id(await submitted.response(timeout=15))


def saved_id(answer: object) -> int:
    content = getattr(answer, "content", None) or ""
    match = SAVED.match(content)
    assert match is not None, f"not saved: {content!r}"
    return int(match[1])


async def eventually(
    check: Callable[[], Awaitable[bool]], what: str, seconds: float = 30.0
) -> None:
    """Poll the database until ``check`` holds (it changes without telling anyone)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await check():
        assert loop.time() < deadline, f"not within {seconds}s: {what}"
        await asyncio.sleep(0.2)


async def test_two_processes_post_forty_servers_once_through_a_kill_and_a_takeover(
    fake: FakeDiscord, launcher: Launcher, postgres_url: str
) -> None:
    servers = await cohorts_due_now(fake, postgres_url)
    mine = {shard: [s for s in servers if s.shard == shard] for shard in range(SHARDS)}
    assert all(len(each) == SERVERS_PER_SHARD for each in mine.values())
    first = [s for s in servers if s.shard in FIRST]
    second = [s for s in servers if s.shard in SECOND]
    member = fake.add_user("member", global_name="Member")
    for guild in fake.world.guilds.values():
        guild.add_member(member)
    channels = "|".join(s.channel.id for s in first)
    slow = fake.slow_down(
        "POST", re.compile(rf"^/channels/({channels})/messages$"), seconds=ANSWER_SECONDS
    )

    a = await launcher.start("A", FIRST)
    await a.wait_for("own shard(s) 0, 1 of 4", 30)
    standby = await launcher.start("A'", FIRST)  # waits on A's locks: never connects
    await standby.wait_for("waiting for shard(s) 0, 1: another process holds them", 30)
    b = await launcher.start("B", SECOND)
    await b.wait_for("own shard(s) 2, 3 of 4", 30)

    # A's fan-out: stop it where Discord has posted a message A has not heard about yet
    await fake.wait_until(
        lambda: len(slow.served) >= POSTED_BEFORE_THE_KILL, timeout=60, what="A's first posts"
    )
    slow.hold()
    await fake.wait_until(lambda: slow.held is not None, timeout=30, what="a post A awaits")
    assert slow.held is not None
    in_limbo = next(s for s in first if s.channel.id == slow.held.params["channel_id"])
    await fake.wait_until(
        lambda: all(prompts_in(fake, s.channel) for s in second), timeout=60, what="B's posts"
    )

    # members reflect in servers of both processes; each is told it is saved
    told: dict[int, str] = {}
    posted_by_a = [s for s in first if prompts_in(fake, s.channel) and s is not in_limbo]
    assert len(posted_by_a) >= POSTED_BEFORE_THE_KILL - 1
    for server in [*posted_by_a[:3], *second[:3]]:
        text = f"Before the kill, in server {server.guild_id}."
        told[await reflect(fake, server, member, text)] = text
    # one more races the kill: if A answered it, it must be kept too
    racing = posted_by_a[-1]
    opener = await open_reflection(fake, racing, member)
    race_text = "Written as the process stopped."
    raced = await fake.submit_modal(opener, {FORM_TEXT_ID: race_text}, user=member)

    a.process.send_signal(signal.SIGKILL)
    killed_at = asyncio.get_running_loop().time()
    assert await asyncio.wait_for(a.process.wait(), 10) == -signal.SIGKILL
    with contextlib.suppress(InteractionTimeout):  # else A died before telling the member
        told[saved_id(await raced.response(timeout=1))] = race_text
    never_posted = {s.cohort_id for s in first if not prompts_in(fake, s.channel)}
    slow.release()  # Discord carries on: what A left queued is never carried out

    await standby.wait_for("took over shard(s) 0, 1 of 4", 15)
    assert asyncio.get_running_loop().time() - killed_at < 10, "within seconds of the kill"
    restarted = await launcher.start("A restarted", FIRST)  # now the standby
    await restarted.wait_for("waiting for shard(s) 0, 1: another process holds them", 30)
    await standby.wait_for("ready as", 60)
    await fake.wait_until(
        lambda: all(prompts_in(fake, s.channel) for s in servers), timeout=60, what="every post"
    )

    async def settled() -> bool:
        rows = await history(postgres_url)
        return len(rows) == len(servers) and all(row["message_id"] for row in rows)

    await eventually(settled, "one confirmed post per cohort")
    for server in (first[-1], second[-1]):  # A' answers for A's servers now, B for its own
        text = f"After the takeover, in server {server.guild_id}."
        told[await reflect(fake, server, member, text)] = text

    # a deploy: A' stops cleanly, the restarted A takes over, and posts nothing again
    assert await standby.stop() == 0
    await restarted.wait_for("took over shard(s) 0, 1 of 4", 15)
    await restarted.wait_for("ready as", 60)
    text = f"After the second handover, in server {first[0].guild_id}."
    told[await reflect(fake, first[0], member, text)] = text
    assert await restarted.stop() == 0 and await b.stop() == 0

    # exactly one post per server, and the database names that one
    rows = {row["cohort_id"]: row for row in await history(postgres_url)}
    assert len(rows) == len(servers)
    for server in servers:
        [post] = prompts_in(fake, server.channel)
        assert rows[server.cohort_id]["message_id"] == int(post.id), server
    # the kill's leftovers: posts Discord made that A never recorded (the one in limbo, and
    # any whose answer A got too late to record) were found and recorded by A', not sent
    # again; those Discord never carried out were released and sent once, by A'
    assert slow.held.response is not None
    assert int(prompts_in(fake, in_limbo.channel)[0].id) == int(slow.held.response["id"])
    by_a = {cohort_of(line) for line in a.logged("posted prompt")}
    recorded = {cohort_of(line) for line in standby.logged("before a restart; recorded")}
    released = {cohort_of(line) for line in standby.logged("was never sent; released")}
    by_standby = {cohort_of(line) for line in standby.logged("posted prompt")}
    assert in_limbo.cohort_id in recorded and recorded.isdisjoint(never_posted)
    assert released and released <= never_posted and released <= by_standby
    settled_by = by_a | recorded | by_standby
    assert len(settled_by) == len(by_a) + len(recorded) + len(by_standby), "each by one only"
    assert settled_by <= {s.cohort_id for s in first}
    assert len(never_posted) >= len(slow.abandoned)
    assert len(b.logged("posted prompt")) == len(second), "B posted each of its own once"
    assert not restarted.logged("posted prompt"), "nothing was left for the restarted A"
    assert not any("Traceback" in line for bot in (b, standby, restarted) for line in bot.lines)

    # no reflection a member was told was saved is lost
    kept = await reflections(postgres_url)
    assert {number: kept.get(number) for number in told} == told


def cohort_of(line: str) -> int:
    """The cohort a log line names ("cohort 7: ... released", "... for cohort 7 on ...")."""
    match = re.search(r"cohort (\d+)\b", line)
    assert match is not None, line
    return int(match[1])


async def history(database_url: str) -> list[asyncpg.Record]:
    """Every prompt_history row, as committed (a connection of its own)."""
    connection = await asyncpg.connect(database_url)
    try:
        return list(
            await connection.fetch("SELECT cohort_id, message_id, channel_id FROM prompt_history")
        )
    finally:
        await connection.close()


async def reflections(database_url: str) -> dict[int, str]:
    """Every saved reflection's text by id, as committed."""
    connection = await asyncpg.connect(database_url)
    try:
        return {
            row["id"]: row["text"]
            for row in await connection.fetch("SELECT id, text FROM reflections")
        }
    finally:
        await connection.close()
