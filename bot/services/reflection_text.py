"""What a reflection's text may hold, and how a CSV cell keeps it from running."""

from __future__ import annotations

import unicodedata

from bot.services.chat_limits import TEXT_INPUT_MAX
from bot.user_error import UserError

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
# Characters that show nothing: format marks (zero-width space, joiners, direction marks)
# and the blank "filler" letters some clients use to post empty-looking text.
_INVISIBLE_CATEGORIES = {"Cf", "Zs", "Zl", "Zp"}
_BLANK_LETTERS = {"\u115f", "\u1160", "\u2800", "\u3164", "\uffa0"}
EMPTY_TEXT = "A reflection needs some text; nothing was saved."


def check_text(text: str, max_length: int = TEXT_INPUT_MAX) -> str:
    """Refuse text that is empty, too long, or holds invisible control codes.

    ``max_length`` is the face's own limit where it is smaller than Discord's (Slack's
    text box holds 3,000 characters), so a reflection saved in one chat fits the other.

    Everything else (mentions, quotes, SQL or Markdown characters, right-to-left marks,
    emoji) is stored exactly as written; the faces show it without pinging anyone.
    """
    if all(_invisible(char) for char in text):
        raise UserError(EMPTY_TEXT)
    if len(text) > max_length:
        raise UserError(
            f"That reflection is {len(text)} characters; the limit is {max_length}. "
            "Nothing was saved: shorten it and try again."
        )
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            raise UserError(
                f"The text holds an invisible control character (U+{ord(char):04X}); "
                "remove it and try again. Nothing was saved."
            )
        if category == "Cs":
            raise UserError(
                f"The text holds a broken character (U+{ord(char):04X}); "
                "remove it and try again. Nothing was saved."
            )
    return text


def _invisible(char: str) -> bool:
    return (
        char.isspace()
        or char in _BLANK_LETTERS
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
    )


# What makes a spreadsheet read a cell as a formula: OWASP's list (= + - @ tab CR), the
# newline LibreOffice also strips, and their full-width forms, which some apps fold.
_FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def spreadsheet_safe(text: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection).

    For CSV cells only: the stored text is untouched, and the Markdown export shows it
    exactly as written. The apostrophe is what Excel, LibreOffice and Google Sheets take
    as "this is text".
    """
    return f"'{text}" if text[:1] in _FORMULA_STARTS else text
