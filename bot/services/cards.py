"""What members can do with cards: look one up, browse, search, autocomplete.

One implementation behind every face (Discord, Slack and the console).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.library.curricula import DEFAULT_CURRICULUM
from bot.library.library import Library, Suggestions
from bot.library.models import Approach, Card, Expert, Kind, Myth, Prompt
from bot.services.answers import CardView, Link, MenuOption, SuggestionView, TextView, ViewField
from bot.services.chat_limits import (
    AUTOCOMPLETE_CHOICES,
    CHOICE_NAME,
    FIELD_VALUE,
    OPTION_DESCRIPTION,
    TITLE,
)
from bot.text import clip

if TYPE_CHECKING:
    from bot.services.content import ContentState

KIND_LABELS = {
    Kind.APPROACH: "Approach",
    Kind.EXPERT: "Expert",
    Kind.MYTH: "Myth",
    Kind.PROMPT: "Discussion prompt",
}
AUDIENCE_LABELS = {
    "compulsive": "people with sexually compulsive behaviour",
    "offenders": "people who have committed non-consensual acts",
}
REVEAL_LABEL = "What does the evidence say?"


def card_view(card: Card, library: Library, *, reveal: bool = True) -> CardView:
    """Render a card for a member; a myth hides its answer until ``reveal``."""
    hidden = isinstance(card, Myth) and not reveal
    return CardView(
        card_id=card.id,
        kind=card.kind,
        title=card.title,
        author=KIND_LABELS[card.kind],
        description=_description(card, hidden),
        fields=() if hidden else _fields(card, library),
        footer=citation_line(card, library),
        links=tuple(_links(card, library)),
        reveal_label=REVEAL_LABEL if hidden else None,
    )


def citation_line(card: Card, library: Library) -> str:
    """'Source: <title> (2017), S9-S11; S18' for the footer."""
    parts: dict[str, list[str]] = {}
    for citation in card.sources:
        parts.setdefault(citation.source, []).append(citation.at)
    cited = []
    for source_id, places in parts.items():
        source = library.sources.get(source_id)
        name = f"{source.title} ({source.year})" if source else source_id
        cited.append(f"{name}, {'; '.join(places)}")
    return "Source: " + " · ".join(cited)


def _description(card: Card, hidden: bool) -> str:
    if isinstance(card, Myth):
        belief = f"**The belief:** {card.claim}"
        if hidden:
            return f"{belief}\n\n*Is it true? Think first, then press the button.*"
        return f"{belief}\n\n**What the article says:** {card.reality}\n\n{card.text}"
    if isinstance(card, Expert):
        positions = "\n".join(f"• {p.text} ({p.at})" for p in card.positions)
        return f"{card.text}\n\n**Positions in the article**\n{positions}"
    if isinstance(card, Prompt):
        return f"{card.text}\n\n**Discuss:** {card.question}"
    return card.text


def _fields(card: Card, library: Library) -> tuple[ViewField, ...]:
    fields: list[ViewField] = []
    if isinstance(card, Expert):
        fields.append(ViewField("Role", f"{card.role}, {card.affiliation}"))
    if isinstance(card, Approach):
        who = "; ".join(AUDIENCE_LABELS[group] for group in card.audience)
        fields.append(ViewField("For whom", who[:1].upper() + who[1:]))
    evidence = getattr(card, "evidence", None)
    if evidence is not None:
        fields.append(ViewField("Evidence", f"**{evidence.level.label}.** {evidence.note}"))
    if isinstance(card, Prompt):
        if card.week is not None:
            fields.append(ViewField("Week", str(card.week), inline=True))
        drawn = [library.get(card_id) for card_id in card.draws_on]
        names = ", ".join(used.title for used in drawn if used is not None)
        if names:
            fields.append(ViewField("Draws on", names, inline=True))
    return tuple(fields)


def _links(card: Card, library: Library) -> list[Link]:
    ids = list(card.related)
    if isinstance(card, Prompt):
        ids = [*card.draws_on, *(i for i in ids if i not in card.draws_on)]
    linked = (library.get(card_id) for card_id in ids)
    return [Link(other.id, other.title, other.kind) for other in linked if other is not None]


def menu_option(card: Card) -> MenuOption:
    """A card as an entry in a select menu or autocomplete list."""
    return MenuOption(
        card.id, clip(card.title, CHOICE_NAME), clip(card.summary, OPTION_DESCRIPTION)
    )


class CardService:
    """Card lookups over whichever libraries are current (a reload may swap them).

    Every answer comes from one curriculum (``default`` unless named), so card commands
    in a cohort's channel can answer from the curriculum that cohort follows.
    """

    def __init__(self, content: ContentState) -> None:
        self._content = content
        self._views: dict[tuple[str, str, bool], CardView] = {}
        self._views_of: dict[str, Library] = {}

    @property
    def library(self) -> Library:
        """The default curriculum's library."""
        return self._content.library

    def library_for(self, curriculum: str = DEFAULT_CURRICULUM) -> Library:
        """One curriculum's library (a UserError names the curricula if it is unknown)."""
        return self._content.library_for(curriculum)

    def lookup(
        self, kind: Kind | None, name: str, curriculum: str = DEFAULT_CURRICULUM
    ) -> CardView | SuggestionView:
        """The card called ``name``; a card id from autocomplete works too."""
        library = self.library_for(curriculum)
        found = library.get(name.strip())
        if found is not None and (kind is None or found.kind is kind):
            return self._view(found, curriculum, reveal=False)
        result = library.lookup(name, kind)
        if isinstance(result, Suggestions):
            return SuggestionView(name, kind, tuple(menu_option(card) for card in result.cards))
        return self._view(result, curriculum, reveal=False)

    def view(
        self, card_id: str, *, reveal: bool = True, curriculum: str = DEFAULT_CURRICULUM
    ) -> CardView | None:
        """A card by id (from a button), or None if a reload removed it."""
        card = self.library_for(curriculum).get(card_id)
        return self._view(card, curriculum, reveal=reveal) if card is not None else None

    def _view(self, card: Card, curriculum: str, *, reveal: bool) -> CardView:
        """Views are immutable and cards change only on reload: build each once."""
        library = self.library_for(curriculum)
        if self._views_of.get(curriculum) is not library:
            self._views = {k: v for k, v in self._views.items() if k[0] != curriculum}
            self._views_of[curriculum] = library
        key = (curriculum, card.id, reveal)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = card_view(card, library, reveal=reveal)
        return view

    def browse(self, kind: Kind, curriculum: str = DEFAULT_CURRICULUM) -> list[MenuOption]:
        """Every card of a kind, in file order, for a select menu."""
        return [menu_option(card) for card in self.library_for(curriculum).of_kind(kind)]

    def autocomplete(
        self, kind: Kind | None, typed: str, curriculum: str = DEFAULT_CURRICULUM
    ) -> list[MenuOption]:
        """At most 25 cards for what the member has typed so far."""
        cards = self.library_for(curriculum).rank(typed, kind, AUTOCOMPLETE_CHOICES)
        return [_choice(card, kind is None) for card in cards]

    def search(
        self, query: str, limit: int = 10, curriculum: str = DEFAULT_CURRICULUM
    ) -> list[MenuOption]:
        """The cards whose text best matches every word, across kinds, for /search."""
        library = self.library_for(curriculum)
        return [_choice(card, True) for card in library.search(query, limit)]


def _choice(card: Card, with_kind: bool) -> MenuOption:
    option = menu_option(card)
    if not with_kind:
        return option
    label = clip(f"{KIND_LABELS[card.kind]}: {card.title}", CHOICE_NAME)
    return MenuOption(option.card_id, label, option.description)


def about_view(library: Library, support_message: str) -> TextView:
    """What the bot is, the content note, where support is, and the source."""
    about = library.about
    sources = "; ".join(
        f"{source.title} ({source.kind}, {source.year})" for source in library.sources.values()
    )
    counts = ", ".join(f"{n} {kind.section}" for kind, n in library.counts().items())
    return TextView(
        title=clip(f"cohort-bot · {about.name}", TITLE),
        description=about.description,
        fields=(
            ViewField("Content note", _without_mention_of(about.content_note, "/about")),
            ViewField("Support", support_message),
            ViewField("Source", clip(sources or "none", FIELD_VALUE)),
            ViewField("Cards", counts),
        ),
        footer="Cards are written in our own words; each cites where in the source it stands.",
    )


def _without_mention_of(text: str, command: str) -> str:
    """Drop the sentences that point to ``command`` (the content note says 'use /about'
    everywhere else it is shown; inside /about that would send members in a circle)."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    kept = [sentence for sentence in sentences if command not in sentence]
    return " ".join(kept) or text


HELP: tuple[tuple[str, str], ...] = (
    ("/approach [name]", "A treatment or intervention the article discusses."),
    ("/expert [name]", "One of the experts the article quotes, and what they said."),
    ("/myth [name]", "A common belief, then what the evidence says."),
    ("/search query", "The best matching cards of every kind."),
    ("/about", "What this bot is, the content note, and where to find support."),
    ("/prompt status", "When and where the daily discussion prompt is posted."),
    ("/reflect [about]", "Write a reflection; private to you and the facilitators."),
    ("/reflections mine", "Your reflections; also edit, delete, share, export, forget-me."),
    ("/practice [show]", "Your next quick check, privately; show: stats for your numbers."),
    ("/schedule set …", "Facilitators: schedule, preview, post, skip, pause the prompt."),
    ("/cohort-reflections export", "Facilitators: every reflection as CSV."),
    ("/cohort-reflections summary", "Facilitators: participation per prompt and per day."),
    ("/cohort-reflections beliefs", "Facilitators: how many held each myth, first and latest."),
    ("/facilitators set-role", "Manage Server: the role whose members are facilitators."),
    ("/content reload", "Maintainers: swap in edited content without a restart."),
)


def help_view(commands: tuple[tuple[str, str], ...] = HELP) -> TextView:
    """The command list: Discord's by default; the console passes its own forms."""
    lines = "\n".join(f"**{usage}** — {what}" for usage, what in commands)
    return TextView(
        title="Commands",
        description=lines,
        footer="Without a name, a card command lists every card of that kind.",
    )
