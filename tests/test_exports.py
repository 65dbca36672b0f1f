"""Fitting an export into an upload limit, below the faces: the refusals people read."""

from __future__ import annotations

import random

import pytest

from bot.services.exports import MAX_PARTS, pack, records
from bot.user_error import UserError

HEADER = "id,text\r\n"


def noise(rng: random.Random, size: int) -> str:
    """Text that barely compresses, so sizes are predictable."""
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size))


def test_csv_records_never_split_inside_a_quoted_cell() -> None:
    text = HEADER + '1,"two\r\nlines, ""quoted"""\r\n2,plain\r\n'
    header, rows = records(text, "csv")
    assert header == HEADER
    assert rows == ['1,"two\r\nlines, ""quoted"""\r\n', "2,plain\r\n"]


def test_a_small_export_goes_as_it_is() -> None:
    packed = pack(HEADER + "1,hello\r\n", "reflections.csv", 10_000, "csv")
    assert packed.how == "as is" and packed.files[0].filename == "reflections.csv"
    assert packed.describe(since_hint=True) == "Here is your file; it is sent only to you."


def test_one_record_larger_than_the_limit_is_explained() -> None:
    rng = random.Random(1)
    text = HEADER + f"1,{noise(rng, 6000)}\r\n2,{noise(rng, 6000)}\r\n"
    with pytest.raises(UserError, match="One reflection alone is larger"):
        pack(text, "reflections.csv", 4000, "csv")


def test_too_many_parts_asks_for_a_shorter_period() -> None:
    rng = random.Random(2)
    text = HEADER + "".join(f"{n},{noise(rng, 3000)}\r\n" for n in range(MAX_PARTS * 3))
    with pytest.raises(UserError, match="Export a shorter period with the since option"):
        pack(text, "reflections.csv", 6000, "csv", since_hint=True)
    entries = "".join(
        f"## Prompt {n}\n*2026-03-02 07:00 UTC · #{n} · private*\n\n{noise(rng, 3000)}\n\n"
        for n in range(MAX_PARTS * 3)
    )
    with pytest.raises(UserError) as refused:
        pack("# My reflections (Alice)\n\n" + entries, "my-reflections.md", 6000, "markdown")
    assert "since" not in str(refused.value), "members' export has no since option"


def test_markdown_is_cut_between_reflections_each_part_with_the_title() -> None:
    rng = random.Random(3)
    title = "# My reflections (Alice)\n\n"
    entries = [
        f"## Prompt {n}\n*2026-03-02 07:00 UTC · #{n} · private*\n\n## not a heading\n"
        f"{noise(rng, 2500)}\n\n"
        for n in range(6)
    ]
    header, items = records(title + "".join(entries), "markdown")
    assert header == title and items == entries, "a '## ' line inside a reflection stays in it"
    packed = pack(title + "".join(entries), "my-reflections.md", 6000, "markdown")
    assert packed.how == "parts" and len(packed.files) >= 3
    assert all(len(item.data) <= 6000 for item in packed.files)
