"""1. Round trip through the fake Discord: cohort-bot against a bare discord.py bot.

Each interaction is timed by the fake's own clock (the event loop's ``time()``): from just
before INTERACTION_CREATE is written to the websocket (``InteractionHandle.created_at``)
to the moment the callback POST reaches the fake's handler (``Callback.at``).

Both bots run in this one process and event loop, each logged into its own fake (same
options, OpenAPI validation off for both), and stay connected for the whole run. The
workloads are measured in rounds, one at a time, in a rotating order, so that neither
bot systematically gets the warmer or the fuller process. discord.py reads the REST base
URL (``Route.BASE``) per request, so it is pointed at the measured bot's fake before each
round; the idle bot makes no REST calls meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import discord
import discord.http
from discord import app_commands

from bench.common import (
    Section,
    Summary,
    module_main,
    ms,
    peak_rss_mib,
    ratio,
)
from bot.discord_face.card_items import card_components
from bot.discord_face.embeds import embed
from bot.library.models import Kind
from bot.services.cards import CardService
from bot.services.content import ContentState
from tests.e2e import CONTENT, cohort_bot
from tests.fakediscord import Callback, FakeDiscord, InteractionHandle
from tests.fakediscord.fixtures import running_bot
from tests.fakediscord.rest import Ctx, Reply
from tests.fakes import FakeClock

GOAL_RATIO = 1.25
CALLBACK_TIMEOUT = 5.0
MAX_FAILURES = 5  # then the bot is broken, not slow: stop instead of waiting on every one

# What members type into /approach's name box, keystroke by keystroke and with typos:
# exact names, prefixes, words inside names, and misspellings (the fuzzy path).
AUTOCOMPLETE_TYPED = (
    "",
    "c",
    "co",
    "conf",
    "confrontation",
    "confrontaion",
    "cbt",
    "cognitive",
    "empathy",
    "victim emp",
    "12",
    "twelve step",
    "group",
    "impulse",
    "medic",
    "relapse prevnetion",
    "accountab",
    "trigger",
    "rehab",
    "hypnotherapy",
)


class BenchFake(FakeDiscord):
    """The fake, plus one future per interaction, resolved when its callback arrives.

    ``handle.response()`` polls with ``wait_until`` (every waiter wakes on every change of
    the fake's state); with 50 interactions in flight that polling itself would load the
    shared event loop, so the benchmark waits on these futures instead.
    """

    def __init__(self) -> None:
        super().__init__(openapi_path=False)
        self._arrivals: dict[str, asyncio.Future[Callback]] = {}

    def _future(self, interaction_id: str) -> asyncio.Future[Callback]:
        future = self._arrivals.get(interaction_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._arrivals[interaction_id] = future
        return future

    async def _callback(self, ctx: Ctx) -> Reply:
        reply = await super()._callback(ctx)
        handle = ctx.handle
        if handle is not None and handle.callback is not None:
            future = self._future(handle.id)
            if not future.done():
                future.set_result(handle.callback)
        return reply

    async def arrival(self, handle: InteractionHandle) -> Callback:
        """The accepted callback of ``handle`` (raises TimeoutError if none comes)."""
        try:
            return await asyncio.wait_for(self._future(handle.id), CALLBACK_TIMEOUT)
        finally:
            self._arrivals.pop(handle.id, None)


class BareBot(discord.Client):
    """The reference: discord.py answering with constants, nothing else.

    ``/ping`` answers a constant string (the issue's reference). ``/card`` answers a
    constant, prebuilt copy of one approach card (the same embed and buttons cohort-bot
    sends), which separates what the size of a card answer costs from what our code costs.
    """

    def __init__(self, card_embed: discord.Embed, card_buttons: discord.ui.View) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # what cohort-bot subscribes to, so both get the same events
        super().__init__(intents=intents)
        self.tree: app_commands.CommandTree[BareBot] = app_commands.CommandTree(self)

        @self.tree.command(description="Answer pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @self.tree.command(description="Answer a constant card")
        async def card(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(
                embed=card_embed, view=card_buttons, allowed_mentions=discord.AllowedMentions.none()
            )

    async def setup_hook(self) -> None:
        await self.tree.sync()


Sender = Callable[[FakeDiscord, int], Awaitable[InteractionHandle]]


@dataclass
class Workload:
    """One kind of interaction and the bot (fake) that answers it."""

    key: str
    label: str
    fake: BenchFake
    send: Sender
    samples: dict[int, list[float]] = field(default_factory=dict)
    failures: int = 0
    wall: dict[int, float] = field(default_factory=dict)


async def _drive(workload: Workload, count: int, concurrency: int, *, record: bool) -> None:
    """Send ``count`` interactions with ``concurrency`` in flight; record each latency."""
    fake = workload.fake
    discord.http.Route.BASE = fake.api_base  # this round's bot calls its own fake
    numbers = iter(range(count))
    latencies = workload.samples.setdefault(concurrency, [])
    failures = 0

    async def worker() -> None:
        nonlocal failures
        for number in numbers:
            handle = await workload.send(fake, number)
            try:
                callback = await fake.arrival(handle)
            except TimeoutError:
                failures += 1
                if failures >= MAX_FAILURES:
                    raise RuntimeError(
                        f"{workload.key}: {failures} interactions got no accepted callback "
                        f"within {CALLBACK_TIMEOUT}s; rejections: {fake.rejections[-3:]}"
                    ) from None
                continue
            if record:
                latencies.append(callback.at - handle.created_at)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    if record:
        workload.wall[concurrency] = workload.wall.get(concurrency, 0.0) + (
            time.perf_counter() - started
        )
        workload.failures += failures


def _senders(approach_ids: list[str], myth_ids: list[str]) -> dict[str, Sender]:
    async def ping(fake: FakeDiscord, number: int) -> InteractionHandle:
        return await fake.slash("ping")

    async def card(fake: FakeDiscord, number: int) -> InteractionHandle:
        return await fake.slash("card")

    async def approach(fake: FakeDiscord, number: int) -> InteractionHandle:
        return await fake.slash("approach", {"name": approach_ids[number % len(approach_ids)]})

    async def myth(fake: FakeDiscord, number: int) -> InteractionHandle:
        return await fake.slash("myth", {"name": myth_ids[number % len(myth_ids)]})

    async def complete(fake: FakeDiscord, number: int) -> InteractionHandle:
        typed = AUTOCOMPLETE_TYPED[number % len(AUTOCOMPLETE_TYPED)]
        return await fake.autocomplete_interaction("approach", "name", typed)

    return {
        "ping": ping,
        "card": card,
        "approach": approach,
        "myth": myth,
        "autocomplete": complete,
    }


def _constant_card() -> tuple[discord.Embed, discord.ui.View]:
    """One approach card as cohort-bot renders it, built once for the bare bot."""
    content = ContentState(CONTENT)
    content.reload()
    cards = CardService(content)
    first = content.library.of_kind(Kind.APPROACH)[0]
    view = cards.view(first.id, reveal=False)
    assert view is not None
    return embed(view), card_components(view, private=False)


@contextlib.asynccontextmanager
async def _bots(tmp: Path) -> AsyncIterator[tuple[BenchFake, BenchFake, list[str], list[str]]]:
    async with BenchFake() as bare_fake, BenchFake() as ours_fake:
        async with (
            running_bot(BareBot(*_constant_card()), bare_fake, expect_sync=True),
            cohort_bot(ours_fake, tmp, clock=FakeClock()) as ours,
        ):
            library = ours.services.content.library
            approaches = [card.id for card in library.of_kind(Kind.APPROACH)]
            myths = [card.id for card in library.of_kind(Kind.MYTH)]
            yield bare_fake, ours_fake, approaches, myths
        for fake in (bare_fake, ours_fake):
            if fake.rejections:
                raise RuntimeError(f"the fake rejected bodies: {fake.rejections[:3]}")


async def measure(
    total: int, rounds: int, concurrencies: tuple[int, ...], warmup: int
) -> list[Workload]:
    """Run every workload ``total`` times at each concurrency, in ``rounds`` rotations."""
    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as tmp:
        async with _bots(Path(tmp)) as (bare_fake, ours_fake, approaches, myths):
            send = _senders(approaches, myths)
            workloads = [
                Workload("ping", "bare discord.py `/ping`", bare_fake, send["ping"]),
                Workload(
                    "card", "bare discord.py `/card` (prebuilt card)", bare_fake, send["card"]
                ),
                Workload("approach", "`/approach <name>`", ours_fake, send["approach"]),
                Workload("myth", "`/myth <name>`", ours_fake, send["myth"]),
                Workload(
                    "autocomplete",
                    "autocomplete `/approach name:`",
                    ours_fake,
                    send["autocomplete"],
                ),
            ]
            for workload in workloads:  # connections, caches, first-call imports
                await _drive(workload, warmup, 10, record=False)
            per_round = -(-total // rounds)
            for concurrency in concurrencies:
                done = 0
                for number in range(rounds):
                    chunk = min(per_round, total - done)
                    if chunk <= 0:
                        break
                    shift = number % len(workloads)
                    for workload in workloads[shift:] + workloads[:shift]:
                        gc.collect()
                        await _drive(workload, chunk, concurrency, record=True)
                    done += chunk
    return workloads


def report(workloads: list[Workload], concurrencies: tuple[int, ...]) -> Section:
    section = Section("roundtrip", "1. Round trip through the fake Discord")
    by_key = {workload.key: workload for workload in workloads}
    for concurrency in concurrencies:
        ping = Summary.of(by_key["ping"].samples.get(concurrency, []))
        card = Summary.of(by_key["card"].samples.get(concurrency, []))
        for workload in workloads:
            stats = Summary.of(workload.samples.get(concurrency, []))
            wall = workload.wall.get(concurrency, 0.0)
            rate = stats.count / wall if wall else 0.0
            value = (
                f"median {ms(stats.median)}, p99 {ms(stats.p99)} (n={stats.count}, {rate:,.0f}/s)"
            )
            name = f"c={concurrency}: {workload.label}"
            if workload.key in ("ping", "card"):
                section.add(name, value)
                continue
            median_ratio = stats.median / ping.median
            value += (
                f"; ÷ `/ping`: median **{ratio(median_ratio)}**, p99 {ratio(stats.p99 / ping.p99)}"
            )
            if workload.key != "autocomplete":
                value += f"; ÷ `/card`: median {ratio(stats.median / card.median)}"
            section.add(name, value, f"median ≤ {GOAL_RATIO}× `/ping`", median_ratio <= GOAL_RATIO)
    failures = sum(w.failures for w in workloads)
    if failures:
        section.notes.append(f"{failures} interaction(s) got no accepted callback in time")
    section.notes.append(
        "Latency = the fake's loop clock from just before INTERACTION_CREATE is sent to the "
        "callback POST reaching the fake. Both bots run in one process and event loop, each "
        "with its own fake (OpenAPI validation off for both), measured in alternating rounds."
    )
    section.notes.append(
        "The bare bot's `/card` answers a prebuilt copy of one approach card (the same embed "
        "and buttons cohort-bot sends): ours ÷ `/card` is the cost of cohort-bot's own code, "
        "`/card` ÷ `/ping` the cost of a card-sized answer in discord.py and the fake."
    )
    return section


def run(quick: bool) -> Section:
    concurrencies = (1, 50)
    total, rounds, warmup = (200, 2, 20) if quick else (2000, 5, 100)
    started = time.perf_counter()
    workloads = asyncio.run(measure(total, rounds, concurrencies, warmup))
    section = report(workloads, concurrencies)
    section.seconds = time.perf_counter() - started
    section.peak_rss_mib = peak_rss_mib()
    return section


def main(argv: list[str] | None = None) -> int:
    return module_main(run, __doc__ or "", "200 interactions per workload", argv, quiet=True)


if __name__ == "__main__":
    raise SystemExit(main())
