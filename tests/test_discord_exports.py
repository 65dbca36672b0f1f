"""Exports always fit the upload limit Discord gives the interaction: zipped, or in parts.

The fake refuses (413) any upload over the interaction's attachment_size_limit, as
Discord does, and the strict fixture fails a test on any refusal, so every file the bot
sent here was within the limit.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.discord_face.client import CohortBot
from tests.e2e import cohort_bot, committed_rows
from tests.fakediscord import FakeDiscord, FakeUser
from tests.fakediscord.models import FakeMessage
from tests.test_discord_reflections import owner

_LETTERS = random.Random(7)
WORDS = [  # a vocabulary as large as a real reflection's, so it compresses like prose
    "".join(_LETTERS.choice("etaoinshrdlucmfwypvbgk") for _ in range(_LETTERS.randint(2, 9)))
    for _ in range(3000)
]
START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def long_text(rng: random.Random, number: int) -> str:
    """About 4,000 characters of ordinary prose-like text (it compresses as real text does)."""
    words = [rng.choice(WORDS) for _ in range(600)]
    return f"Reflection {number}: " + " ".join(words)[:3950] + f' "quoted, {number}"\nend.'


async def seed(bot: CohortBot, author: FakeUser, count: int, guild_id: int) -> list[str]:
    """``count`` long reflections, written through the store into the real SQLite file."""
    rng = random.Random(11)
    texts = [long_text(rng, n) for n in range(count)]
    for number, text in enumerate(texts):
        await bot.services.store.add_reflection(
            guild_id,
            int(author.id),
            about_kind="approach",
            about_id="confrontation",
            text=text,
            now=START + timedelta(minutes=number),
        )
    return texts


def files_of(messages: list[FakeMessage]) -> list[tuple[str, bytes]]:
    return [(a.filename, a.data) for m in messages for a in m.attachments]


def unzip(data: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        [name] = archive.namelist()
        return name, archive.read(name).decode("utf-8")


def stored(tmp_path: Path) -> list[tuple[str, str]]:
    rows = committed_rows(tmp_path, "SELECT id, text FROM reflections ORDER BY id")
    return [(str(i), t) for i, t in rows]


async def export_all(fake: FakeDiscord, parts: int = 1) -> list[FakeMessage]:
    handle = await fake.slash("cohort-reflections export", user=owner(fake))
    await handle.response()
    return [await handle.next_followup() for _ in range(parts)]


async def test_a_csv_over_the_limit_is_zipped(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    fake.attachment_size_limit = 200_000  # the CSV is about 250 KB
    async with cohort_bot(fake, tmp_path) as bot:
        assert fake.guild is not None
        await seed(bot, fake.default_user, 60, int(fake.guild.id))
        [message] = await export_all(fake)
    assert message.ephemeral
    assert message.content == (
        "Your export (234 KB) is larger than Discord's upload limit here (195 KB), so it is "
        "zipped: open reflections.csv.zip to find reflections.csv. It is sent only to you."
    )
    [(filename, data)] = files_of([message])
    assert filename == "reflections.csv.zip" and len(data) <= 200_000
    name, text = unzip(data)
    assert name == "reflections.csv"
    table = list(csv.DictReader(io.StringIO(text)))
    assert [(row["id"], row["text"]) for row in table] == stored(tmp_path)


async def test_a_csv_too_large_even_zipped_comes_in_parts(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    fake.attachment_size_limit = 40_000  # the zip alone is about 70 KB
    async with cohort_bot(fake, tmp_path) as bot:
        assert fake.guild is not None
        await seed(bot, fake.default_user, 60, int(fake.guild.id))
        first = await export_all(fake)
        total = int(first[0].content.split(" parts")[0].rsplit(" ", 1)[1])
        handle = fake.interactions[list(fake.interactions)[-1]]
        messages = first + [await handle.next_followup() for _ in range(total - 1)]
    assert 2 <= total <= 10
    assert messages[0].content.startswith("Your export (234 KB) is larger than Discord's upload")
    assert f"so it comes in {total} parts, one message each" in messages[0].content
    assert "export a shorter period with the since option" in messages[0].content
    assert messages[0].content.endswith(f"Part 1 of {total}.")
    assert [m.content for m in messages[1:]] == [
        f"Part {n} of {total}." for n in range(2, total + 1)
    ]
    files = files_of(messages)
    assert [name for name, _ in files] == [
        f"reflections-part-{n}-of-{total}.zip" for n in range(1, total + 1)
    ]
    rows: list[tuple[str, str]] = []
    for _, data in files:
        assert len(data) <= 40_000 and all(m.ephemeral for m in messages)
        name, text = unzip(data)
        assert name == "reflections.csv"
        assert text.startswith(
            "id,date,about,author_id,author_name,visibility,edited,text,cohort\r\n"
        )
        rows += [(row["id"], row["text"]) for row in csv.DictReader(io.StringIO(text))]
    assert rows == stored(tmp_path), "every row once, in order, none cut in half"


async def test_a_members_markdown_is_zipped_or_split_the_same_way(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path) as bot:
        assert fake.guild is not None
        texts = await seed(bot, fake.default_user, 40, int(fake.guild.id))

        fake.attachment_size_limit = 150_000  # the Markdown is about 170 KB
        handle = await fake.slash("reflections export")
        await handle.response()
        zipped = await handle.next_followup()
        assert "so it is zipped: open my-reflections.md.zip" in zipped.content
        assert "since" not in zipped.content, "members' export has no since option"
        [(filename, data)] = files_of([zipped])
        name, markdown = unzip(data)
        assert (filename, name) == ("my-reflections.md.zip", "my-reflections.md")
        assert markdown.startswith("# My reflections (Alice)\n")
        assert all(text in markdown for text in texts)

        fake.attachment_size_limit = 25_000
        handle = await fake.slash("reflections export")
        await handle.response()
        first = await handle.next_followup()
        total = int(first.content.rsplit("Part 1 of ", 1)[1].rstrip("."))
        parts = [first] + [await handle.next_followup() for _ in range(total - 1)]
    bodies = [unzip(data)[1] for _, data in files_of(parts)]
    assert total >= 2 and all(len(data) <= 25_000 for _, data in files_of(parts))
    assert all(body.startswith("# My reflections (Alice)\n") for body in bodies)
    assert all(sum(text in body for body in bodies) == 1 for text in texts), "none cut"
    joined = "".join(bodies)
    positions = [joined.index(text) for text in texts]
    assert positions == sorted(positions, reverse=True), "each whole, newest first as listed"


async def test_a_refused_upload_never_says_try_again(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with cohort_bot(fake, tmp_path) as bot:
        assert fake.guild is not None
        await seed(bot, fake.default_user, 3, int(fake.guild.id))
        # e.g. a server whose limit dropped, or a request Discord measures differently
        fake.fail_next(
            "POST",
            "/webhooks/{webhook_id}/{webhook_token}",
            status=413,
            body={"message": "Request entity too large", "code": 40005},
        )
        handle = await fake.slash("cohort-reflections export", user=owner(fake))
        await handle.response()
        message = await handle.next_followup()
    assert message.ephemeral and not message.attachments
    assert message.content == (
        "Discord refused the file as larger than this server's upload limit (10 MB); "
        "trying again will not help. Export a shorter period with the since option."
    )
