"""Chat limits (Discord's, the strictest face), measured on plain views: no Discord needed."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.answers import CardView, TextView

TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE = 256, 4096, 25, 256, 1024
FOOTER, AUTHOR, EMBED_TOTAL = 2048, 256, 6000
MESSAGE_CONTENT = 2000
BUTTON_LABEL = 80
MAX_LINK_BUTTONS = 20  # four rows of five; the fifth row is kept for the myth reveal
SELECT_OPTIONS = 25
OPTION_LABEL = OPTION_DESCRIPTION = CHOICE_NAME = 100
AUTOCOMPLETE_CHOICES = 25
MODAL_TITLE = 45
TEXT_INPUT_MAX = 4000


@dataclass(frozen=True)
class Usage:
    """How much of one Discord limit a view uses."""

    part: str
    used: int
    limit: int

    @property
    def over(self) -> bool:
        return self.used > self.limit

    def __str__(self) -> str:
        return f"{self.part} {self.used}/{self.limit}"


def embed_usage(view: CardView | TextView) -> list[Usage]:
    """Every limit the view's embed and buttons are measured against."""
    author = view.author if isinstance(view, CardView) else ""
    usage = [
        Usage("title", len(view.title), TITLE),
        Usage("description", len(view.description), DESCRIPTION),
        Usage("fields", len(view.fields), FIELDS),
        Usage("footer", len(view.footer), FOOTER),
        Usage("author", len(author), AUTHOR),
    ]
    for index, item in enumerate(view.fields):
        usage.append(Usage(f"field {index + 1} ({item.name}) name", len(item.name), FIELD_NAME))
        usage.append(Usage(f"field {index + 1} ({item.name}) value", len(item.value), FIELD_VALUE))
    total = len(view.title) + len(view.description) + len(view.footer) + len(author)
    total += sum(len(item.name) + len(item.value) for item in view.fields)
    usage.append(Usage("embed total", total, EMBED_TOTAL))
    if isinstance(view, CardView):
        usage.append(Usage("related buttons", len(view.links), MAX_LINK_BUTTONS))
        longest = max((len(link.label) for link in view.links), default=0)
        usage.append(Usage("longest button label", longest, BUTTON_LABEL))
    return usage
