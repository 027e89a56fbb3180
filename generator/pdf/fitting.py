"""The book's fonts, and text fitted to them.

The pages have fixed heights (a book must have exactly its pages), so text of
any length gets the largest size at which it fits the lines it has, broken
into lines of even length ("Dinosaurs having / a picnic", never "Dinosaurs
having a / picnic"). Widths come from the shipped fonts' own metrics: a
character the text's font lacks is measured in the fallback font that draws it
(FALLBACK_FILES, in the order of the CSS font-family chains of
templates/book/book.html).

Names and themes in Hebrew or Arabic are set right to left (`direction`):
WeasyPrint honors dir="rtl" and dir="ltr" but not dir="auto".
"""

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from generator.text import text_line

# (CSS family, file, weight): OFL or Apache 2.0, licenses next to them
# (static/fonts/README.md).
FONT_FILES = [
    ("Cherry Bomb One", "CherryBomb-Regular.otf", 400),
    ("Quicksand", "Quicksand-Medium.ttf", 500),
    ("Quicksand", "Quicksand-Bold.ttf", 700),
    # Fallbacks, for names the two above cannot spell. Greek first: Andika
    # has a few Greek letters only, and a name must not mix two fonts.
    ("Noto Sans Greek", "NotoSansGreek-Bold.ttf", 700),
    # Latin, Cyrillic and more.
    ("Andika", "Andika-Bold.ttf", 700),
    ("Noto Sans Hebrew", "NotoSansHebrew-Bold.ttf", 700),
    ("Noto Sans Arabic", "NotoSansArabic-Bold.ttf", 700),
    # Chinese, Japanese kanji (Cherry Bomb One has the kana); no bold weight.
    ("Droid Sans Fallback", "DroidSansFallbackFull.ttf", 400),
]
# The fallbacks in the order book.html's font-family chains name them, after
# the text's own font (Quicksand or Cherry Bomb One).
PRIMARY_FILES = {"CherryBomb-Regular.otf", "Quicksand-Medium.ttf", "Quicksand-Bold.ttf"}
FALLBACK_FILES = [file for _, file, _ in FONT_FILES if file not in PRIMARY_FILES]


def fonts_for(text: str) -> list[tuple[str, str, int]]:
    """The FONT_FILES a book whose texts are `text` needs: the book's own
    fonts, and a fallback only when one of its characters is drawn by it.
    WeasyPrint loads every @font-face it is given; the CJK fallback alone
    weighs 4 MB, and adds 15 MB or more to a render that needs none of it."""
    primary = set().union(*(_advances(file)[0] for file in PRIMARY_FILES))
    missing = {ord(char) for char in text} - primary
    needed = []
    for family, file, weight in FONT_FILES:
        if file in PRIMARY_FILES:
            needed.append((family, file, weight))
        elif missing & _advances(file)[0].keys():
            needed.append((family, file, weight))
            missing -= _advances(file)[0].keys()
    return needed


def fonts_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "fonts"


@dataclass(frozen=True)
class FittedText:
    size: float
    lines: list[str]


@lru_cache(maxsize=16)
def _advances(font_file: str) -> tuple[dict[int, int], int, float]:
    from fontTools.ttLib import TTFont

    font = TTFont(fonts_dir() / font_file, lazy=True)
    cmap = font.getBestCmap()
    metrics = font["hmtx"].metrics
    widths = {code: metrics[name][0] for code, name in cmap.items() if name in metrics}
    return widths, font["head"].unitsPerEm, sum(widths.values()) / max(1, len(widths))


@lru_cache(maxsize=1)
def _printable_codes() -> frozenset[int]:
    codes: set[int] = set()
    for _, file, _ in FONT_FILES:
        codes.update(_advances(file)[0])
    return frozenset(codes)


def printable(text: str) -> str:
    """`text` without what none of the book's fonts can draw (an emoji would
    print as an empty box) nor invisible control characters."""
    codes = _printable_codes()
    return text_line(text, keep=lambda char: ord(char) in codes)


def _char_width(code: int, font_file: str) -> float:
    """Width of one character at 1 pt: in `font_file`, or else in the first
    fallback font that has it (the one WeasyPrint draws it with), or else
    font_file's average width."""
    widths, units, average = _advances(font_file)
    if code in widths:
        return widths[code] / units
    for fallback in FALLBACK_FILES:
        fallback_widths, fallback_units, _ = _advances(fallback)
        if code in fallback_widths:
            return fallback_widths[code] / fallback_units
    return average / units


def _width(text: str, font_file: str) -> float:
    """Width of `text` at 1 pt."""
    return sum(_char_width(ord(char), font_file) for char in text)


def direction(text: str) -> str:
    """ "rtl" when `text` is written right to left (its first letter is
    Hebrew, Arabic...), else "ltr": the value of its element's dir attribute."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def _balanced(words: list[float], space: float, width: float, max_lines: int) -> list[int] | None:
    """Where to break `words` (their widths) into at most max_lines lines no wider
    than `width`, the widest line as narrow as can be: the indexes lines start at."""
    count = len(words)

    def line(start: int, end: int) -> float:
        return sum(words[start:end]) + space * (end - start - 1)

    # best[k][i]: (widest line, starts) to set words[i:] in k lines.
    best: list[dict[int, tuple[float, list[int]]]] = [{count: (0.0, [])}]
    for lines in range(1, max_lines + 1):
        table: dict[int, tuple[float, list[int]]] = {}
        for start in range(count):
            for end in range(start + 1, count + 1):
                used = line(start, end)
                if used > width:
                    break
                rest = best[lines - 1].get(end)
                if rest is not None:
                    widest = max(used, rest[0])
                    if start not in table or widest < table[start][0]:
                        table[start] = (widest, [start, *rest[1]])
        best.append(table)
        if 0 in table:
            return table[0][1]
    return None


def fit_text(
    text: str, *, font_file: str, sizes: tuple[float, ...], width_in: float, height_in: float, line_height: float
) -> FittedText:
    """The largest of `sizes` (pt) at which `text` fits a box of width_in x height_in, in even lines."""
    words = text.split()
    if not words:
        return FittedText(sizes[0], [])
    unit_widths = [_width(word, font_file) for word in words]
    space = _width(" ", font_file)
    width_pt = width_in * 72 * 0.95  # slack for kerning and rounding
    for size in sizes:
        max_lines = max(1, int(height_in * 72 // (size * line_height)))
        starts = _balanced([w * size for w in unit_widths], space * size, width_pt, max_lines)
        if starts is not None:
            ends = [*starts[1:], len(words)]
            return FittedText(size, [" ".join(words[a:b]) for a, b in zip(starts, ends, strict=True)])
    # Too long for any size: the smallest, wrapped by WeasyPrint (and clipped by its page).
    return FittedText(sizes[-1], [" ".join(words)])


def fit_paragraphs(
    paragraphs: list[str],
    *,
    font_file: str,
    sizes: tuple[float, ...],
    width_in: float,
    height_in: float,
    line_height: float,
) -> FittedText:
    """Like fit_text for text of several paragraphs (the customer's line
    breaks): the largest of `sizes` at which every paragraph, each starting a
    line and broken into even lines, fits the box together."""
    paragraphs = [paragraph for paragraph in paragraphs if paragraph.split()]
    if not paragraphs:
        return FittedText(sizes[0], [])
    space = _width(" ", font_file)
    width_pt = width_in * 72 * 0.95
    for size in sizes:
        left = max(1, int(height_in * 72 // (size * line_height)))
        lines: list[str] = []
        for paragraph in paragraphs:
            words = paragraph.split()
            widths = [_width(word, font_file) * size for word in words]
            starts = _balanced(widths, space * size, width_pt, left - len(lines))
            if starts is None:
                break
            ends = [*starts[1:], len(words)]
            lines.extend(" ".join(words[a:b]) for a, b in zip(starts, ends, strict=True))
        else:
            return FittedText(size, lines)
    # Too long for any size: the smallest, each paragraph wrapped by WeasyPrint (and clipped by its page).
    return FittedText(sizes[-1], [" ".join(paragraph.split()) for paragraph in paragraphs])
