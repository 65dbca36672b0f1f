"""Practice items read from the card library: every myth, and every check on an approach.

A myth needs no extra writing: its claim is the statement a member judges (true, false,
not sure), and the myth's reality and evidence are the answer. An approach's ``checks``
pose a situation with a few options. Item ids are kept with members' answers, so they
are built only from card and check ids, which content never reuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.library.library import Library
from bot.library.models import Approach, Kind, Myth

MYTH_PREFIX, CHECK_PREFIX = "m", "c"
# A myth's choices: the belief is true, false, or the member is not sure.
TRUE, FALSE, UNSURE = "true", "false", "unsure"
MYTH_CHOICES: tuple[tuple[str, str], ...] = ((TRUE, "True"), (FALSE, "False"), (UNSURE, "Not sure"))


class ItemKind(StrEnum):
    MYTH = "myth"
    CHECK = "check"


@dataclass(frozen=True)
class PracticeItem:
    """One thing to answer: a myth's claim, or an approach's situation with options.

    ``choices`` are (key, label) pairs; ``best`` is the key of the right answer.
    ``at`` is where the answer stands in the card's first source.
    """

    item_id: str
    kind: ItemKind
    card_id: str
    question: str
    choices: tuple[tuple[str, str], ...]
    best: str
    why: str
    at: str

    def is_right(self, choice: str) -> bool:
        """Only the best answer counts as right ("not sure" never does)."""
        return choice == self.best

    def label_of(self, choice: str) -> str:
        """What the member saw on the button for ``choice``."""
        return dict(self.choices).get(choice, choice)


def myth_item_id(card_id: str) -> str:
    return f"{MYTH_PREFIX}:{card_id}"


def check_item_id(card_id: str, check_id: str) -> str:
    return f"{CHECK_PREFIX}:{card_id}:{check_id}"


def current_item_id(item_id: str, library: Library) -> str:
    """The id an item has now: a card renamed with ``replaces`` keeps its members' answers."""
    prefix, _, rest = item_id.partition(":")
    card_id, colon, check_id = rest.partition(":")
    card = library.get(card_id)
    if card is None or card.id == card_id:
        return item_id
    return f"{prefix}:{card.id}{colon}{check_id}"


def practice_items(library: Library) -> list[PracticeItem]:
    """Every item, myths first then checks, each in file order (the order a member meets them)."""
    items: list[PracticeItem] = []
    for card in library.of_kind(Kind.MYTH):
        if isinstance(card, Myth):
            items.append(_myth_item(card))
    for card in library.of_kind(Kind.APPROACH):
        if isinstance(card, Approach):
            items.extend(_check_items(card))
    return items


def _myth_item(card: Myth) -> PracticeItem:
    return PracticeItem(
        item_id=myth_item_id(card.id),
        kind=ItemKind.MYTH,
        card_id=card.id,
        question=card.claim,
        choices=MYTH_CHOICES,
        best=FALSE,
        why=card.reality,
        at=card.sources[0].at,
    )


def _check_items(card: Approach) -> Sequence[PracticeItem]:
    return [
        PracticeItem(
            item_id=check_item_id(card.id, check.id),
            kind=ItemKind.CHECK,
            card_id=card.id,
            question=check.situation,
            choices=tuple((str(n), option) for n, option in enumerate(check.options, start=1)),
            best=str(check.answer),
            why=check.why,
            at=check.at,
        )
        for check in card.checks
    ]
