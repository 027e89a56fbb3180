"""Customer text made safe to print, draw or prompt with: one helper for the
form, the offline provider's captions and the PDF."""

import unicodedata
from collections.abc import Callable


def text_has_controls(text: str) -> bool:
    """Whether `text` holds control characters other than white space (a
    pasted tab or newline is fine; a NUL or an escape is not plain text)."""
    return any(unicodedata.category(char) == "Cc" and not char.isspace() for char in text)


def text_line(text: str, limit: int | None = None, *, keep: Callable[[str], bool] | None = None) -> str:
    """One line of plain text: invisible control and format characters
    (NUL, bidirectional overrides, zero-width spaces) dropped, every kind of
    white space made one space, ends trimmed, then cut to `limit` characters.
    `keep`, when given, drops the other characters too (what a font cannot
    draw)."""
    kept = []
    for char in str(text):
        category = unicodedata.category(char)
        if char.isspace() or category[0] == "Z":
            kept.append(" ")
        elif category[0] != "C" and (keep is None or keep(char)):
            kept.append(char)
    line = " ".join("".join(kept).split())
    return line if limit is None else line[:limit].strip()


def book_title(theme: str) -> str:
    """A book's title: its theme, first letter capitalized."""
    theme = theme.strip()
    return theme[:1].upper() + theme[1:]
