"""The Join button every cohort post carries: a member joins the roster with one click.

Kept apart from the /cohort commands so the daily post can carry it without importing
the cohort extension; that extension registers it (add_dynamic_items), so a click is
answered after any restart.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_face.common import actor_of, reply_privately, services_of
from bot.discord_face.items import ReportingItem
from bot.discord_face.markup import discord_text


class JoinButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"join:(?P<id>[0-9]{1,19})",
):
    """Join the cohort whose post this is (privately answered)."""

    def __init__(self, cohort_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Join the cohort",
                emoji="🙋",
                style=discord.ButtonStyle.secondary,
                custom_id=f"join:{cohort_id}",
            )
        )
        self.cohort_id = cohort_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> JoinButton:
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        answer = await services_of(interaction).roster.join(
            actor_of(interaction), cohort_id=self.cohort_id
        )
        await reply_privately(interaction, discord_text(answer))


COHORT_ITEMS = (JoinButton,)
