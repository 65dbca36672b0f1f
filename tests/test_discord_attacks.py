"""Attacks a hostile member or a careless facilitator could try, through the real client.

Each test is an attack that worked before its fix: de-anonymizing a reflection from
the counts beside the export, and the like. The holes issue 11 closed are in
test_discord_privacy.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e import cohort_bot, embed_of
from tests.fakediscord import FakeDiscord
from tests.test_discord_privacy import facilitator_csv
from tests.test_discord_reflections import CARD_TITLE, add_member, answer, owner, reflect


async def summary_lines(fake: FakeDiscord) -> list[str]:
    handle = await fake.slash("cohort-reflections summary", user=owner(fake))
    await handle.response()
    message = await handle.next_followup()
    lines: list[str] = embed_of(message)["description"].splitlines()
    return lines


async def test_the_summary_beside_the_export_does_not_name_an_anonymous_author(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Bob writes privately, then anonymously, on one card. The export names him on the
    first and hides him on the second; a count of distinct members would then say 1, and
    the facilitator would know the anonymous words are Bob's. Counted as its own member,
    an anonymous reflection gives the same summary whoever wrote it."""
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Named, private.", bob, about="confrontation")
        await reflect(
            fake, "What I could not say.", bob, about="confrontation", visibility="anonymous"
        )
        table = await facilitator_csv(fake)
        assert [row["author_id"] for row in table] == [bob.id, "anonymous"]
        assert await summary_lines(fake) == [
            "2 reflections from 2 members.",
            f"{CARD_TITLE}: 2 members, 2 reflections",
        ]
        assert bob.id not in json.dumps(table[1])
        refused, _ = await answer(await fake.slash("cohort-reflections summary", force=True))
        assert refused.startswith("Only facilitators")
