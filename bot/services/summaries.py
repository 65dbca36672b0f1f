"""A cohort's participation in counts: "x of N members" per prompt, never a count that
singles a member out, and the end-of-cohort summary.

The rule: a number of members from 1 to 4 is shown as "fewer than 5" (and so is the
number who did not reflect, as "all but fewer than 5"), and a cohort of fewer than 5
members gets no counts per prompt at all. A facilitator reading "1 of 12" next to the
one name missing from the thread could otherwise tell who reflected; pulse, which is
for facilitators and names who has not reflected on purpose, is the only place with
exact counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.services.prompt_plan import day_text
from bot.text import Rich

SMALL = 5


def members_of(count: int, roster: int) -> str:
    """'7 of 12 members', or the blurred form when a side holds 1 to 4 members."""
    if count == 0:
        return f"none of {roster} members"
    if count == roster:
        return f"all {roster} members"
    if count < SMALL:
        return f"fewer than {SMALL} of {roster} members"
    if roster - count < SMALL:
        return f"all but fewer than {SMALL} of {roster} members"
    return f"{count} of {roster} members"


@dataclass(frozen=True)
class CohortCounts:
    """What a cohort's summary is made from: counts only, never who or what."""

    name: str
    roster: int
    first_day: date | None
    last_day: date | None
    per_prompt: tuple[tuple[date, str, int], ...]  # (day, title, roster members who reflected)
    reflected_any: int  # roster members who reflected on at least one prompt
    ended: bool = False

    def lines(self) -> list[Rich]:
        posted = len(self.per_prompt)
        span = ""
        if self.first_day is not None and self.last_day is not None:
            span = f" from {day_text(self.first_day)} to {day_text(self.last_day)}"
        head = (
            f"“{self.name}”{' has ended' if self.ended else ''}: {self.roster} member"
            f"{'s' if self.roster != 1 else ''}; {posted} prompt{'s' if posted != 1 else ''} "
            f"posted{span}."
        )
        lines = [Rich.of(head)]
        if self.roster < SMALL:
            lines.append(
                Rich.of(
                    f"With fewer than {SMALL} members, counts per prompt would single people "
                    "out, so none are shown. /cohort pulse shows facilitators who reflected."
                )
            )
            return lines
        lines.append(
            Rich.of(
                "Reflected at least once: "
                f"{members_of(self.reflected_any, self.roster)}. Counts of 1 to 4 members read "
                f"“fewer than {SMALL}”, so no one can be singled out."
            )
        )
        for day, title, count in self.per_prompt:
            lines.append(Rich.of(f"{day_text(day)}, “{title}”: {members_of(count, self.roster)}."))
        return lines
