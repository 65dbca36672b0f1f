"""Who takes part in a cohort: members join (a command or the Join button on its posts)
and leave themselves; facilitators may add members.

No privileged intent is needed: the bot never lists a server's members, it only knows
who said they take part. Joining tells the member what it means: facilitators see
whether they reflected on each prompt (never what they wrote).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.cohort_scope import CohortScoped
from bot.services.permissions import Actor
from bot.services.sharing import MAX_ROW_ID
from bot.store import CohortRow
from bot.text import MemberMention, Rich
from bot.user_error import UserError

WHAT_JOINING_MEANS = (
    "Facilitators see whether you reflected on each prompt, never what you wrote. "
    "/remind me can remind you on days you have not reflected yet (only if you ask); "
    "/cohort leave takes you off."
)


@dataclass(eq=False)
class RosterService(CohortScoped):
    """Joining, leaving and adding members."""

    async def join(
        self, actor: Actor, cohort: str | None = None, *, cohort_id: int | None = None
    ) -> Rich:
        """Put the member on a cohort's roster (the one named, this channel's, or its post's)."""
        row = await self._running(actor, cohort, cohort_id)
        joined = await self.store.join_cohort(
            row.id, actor.user_id, actor.display_name, now=self.clock()
        )
        if not joined:
            return Rich.of(f"You are already in “{row.name}”. {WHAT_JOINING_MEANS}")
        return Rich.of(f"You joined “{row.name}”. {WHAT_JOINING_MEANS}")

    async def leave(self, actor: Actor, cohort: str | None = None) -> Rich:
        """Take the member off a roster (their reminder goes too; reflections stay theirs)."""
        row = await self.member_cohort(actor, cohort)
        if not await self.store.leave_cohort(row.id, actor.user_id):
            return Rich.of(f"You are not in “{row.name}”, so there was nothing to leave.")
        return Rich.of(
            f"You left “{row.name}”, and any reminder you asked for is off. Your reflections "
            "stay yours (/reflections); /cohort join puts you back."
        )

    async def add_member(
        self,
        actor: Actor,
        user_id: int,
        display_name: str,
        cohort: str | None = None,
        *,
        is_bot: bool = False,
    ) -> Rich:
        """A facilitator puts a member on the roster (the member is not asked)."""
        await self.facilitators.require(actor, "add members to a cohort")
        if is_bot:
            raise UserError("Bots cannot take part in a cohort.")
        row = await self.cohort(actor, cohort)
        member = MemberMention(user_id, display_name)
        added = await self.store.join_cohort(
            row.id, user_id, display_name, now=self.clock(), added_by=actor.user_id
        )
        if not added:
            return Rich.of(member, f" is already in “{row.name}”.")
        return Rich.of(
            "Added ",
            member,
            f" to “{row.name}”. Let them know: /cohort list shows them the cohorts they are in, "
            "and /cohort leave takes them off.",
        )

    async def _running(self, actor: Actor, cohort: str | None, cohort_id: int | None) -> CohortRow:
        if cohort_id is None:
            return await self.cohort(actor, cohort)
        # From a button's custom id: any number, even one too large for the database.
        row = await self.store.get_cohort(cohort_id) if 0 < cohort_id <= MAX_ROW_ID else None
        if row is None or row.guild_id != actor.guild_id:
            raise UserError("That cohort is not in this server.")
        if row.ended:
            raise UserError(f"“{row.name}” has ended, so it takes no new members.")
        return row
