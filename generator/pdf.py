"""The book's PDF, rendered by WeasyPrint from templates/book/book.html.

Two steps: `book_content_for` reads what a job made (plain data, storage
names), `book_content_render` prepares its images one at a time in a temp
folder (see generator.imageprep) and lays the book out. `book_render(job=...)`
does both.

The child's name and the theme are untrusted: they reach the template as text
(autoescaped) and never as CSS or markup. WeasyPrint may read only the images
prepared for this book and the fonts shipped in static/fonts: every other URL
(a hostile name smuggling `<img src="file:///etc/passwd">`, a web address) is
refused, and any refused or failed fetch stops the render with a RenderError,
never with WeasyPrint's FatalURLFetchingError (a BaseException that would
kill the worker).
"""

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.template.loader import render_to_string

from generator import imageprep
from generator.hostlimits import pdf_renders
from generator.models import Job
from generator.text import text_line

logger = logging.getLogger(__name__)

VARIANTS = ("home", "print")
# Most home printers cannot print the outer quarter inch; half an inch keeps
# every line on the paper and looks like a deliberate frame.
MARGIN_IN = 0.5
# The print-shop variant: a standard 1/8 in bleed, crop marks in it.
BLEED = "0.125in"
PUBLISHER = "Crayon Tales"
# The prepared images of a book must weigh at most this, so the PDF (fonts and
# pages add about 0.2 MB) stays well under 8 MB and fits an email.
IMAGES_MAX_BYTES = 6_800_000

# (CSS family, file, weight): all OFL, licenses next to them.
FONT_FILES = [
    ("Cherry Bomb One", "CherryBomb-Regular.otf", 400),
    ("Quicksand", "Quicksand-Medium.ttf", 500),
    ("Quicksand", "Quicksand-Bold.ttf", 700),
    # Latin, Cyrillic and more, for names the two above cannot spell.
    ("Andika", "Andika-Bold.ttf", 700),
]


class RenderError(Exception):
    """The PDF could not be made; the message is for staff, not customers."""


@dataclass(frozen=True)
class Paper:
    css: str
    width_in: float
    height_in: float


PAPERS = {"letter": Paper("letter", 8.5, 11.0), "a4": Paper("A4", 210 / 25.4, 297 / 25.4)}

# The pages' bands, top to bottom, in inches. Everything is placed from these
# and from the images' printed sizes, so no page can overflow onto another.
COVER_PADDING = (0.3, 0.35)  # inside the cover's dashed frame (vertical, horizontal)
COVER_KICKER = 0.35
COVER_TITLE = 2.5
COVER_FOR_LINE = 0.6
COVER_FOOT = 0.6
COLORED_HEAD = 1.35
COLORED_PILL = 0.35
COLORED_FOOT = 0.45
COLORING_HEAD = 0.45
COLORING_FOOT = 0.45
FRAME_BORDER = 5 / 72  # the colored pictures' 5 pt frame


@dataclass(frozen=True)
class Layout:
    """Where things go on a page of this paper, content box only (inside the margins)."""

    paper: Paper

    @property
    def width(self) -> float:
        return round(self.paper.width_in - 2 * MARGIN_IN, 3)

    @property
    def height(self) -> float:
        return round(self.paper.height_in - 2 * MARGIN_IN, 3)

    @property
    def cover_inner(self) -> tuple[float, float]:
        return self.width - 2 * COVER_PADDING[1], self.height - 2 * COVER_PADDING[0]

    @property
    def cover_art_band(self) -> tuple[float, float]:
        """(top, height) of the cover picture's band, inside the cover's padding."""
        top = COVER_KICKER + COVER_TITLE
        return top, self.cover_inner[1] - top - COVER_FOOT

    @property
    def cover_box(self) -> tuple[float, float]:
        return self.cover_inner[0] - 0.3 - 2 * FRAME_BORDER, self.cover_art_band[1] - 0.2 - 2 * FRAME_BORDER

    @property
    def colored_band(self) -> tuple[float, float]:
        return COLORED_HEAD, self.height - COLORED_HEAD - COLORED_FOOT

    @property
    def colored_box(self) -> tuple[float, float]:
        return self.width - 0.4 - 2 * FRAME_BORDER, self.colored_band[1] - 0.3 - 2 * FRAME_BORDER

    @property
    def line_art_band(self) -> tuple[float, float]:
        return COLORING_HEAD, self.height - COLORING_HEAD - COLORING_FOOT

    @property
    def line_art_box(self) -> tuple[float, float]:
        return self.width, self.line_art_band[1] - 0.3


def _centered(band: tuple[float, float], size: tuple[float, float], border: float = 0) -> dict:
    """Top (inches) and size of a picture centered vertically in a band (top, height)."""
    return {
        "top": round(band[0] + (band[1] - size[1] - 2 * border) / 2, 3),
        "width": size[0],
        "height": size[1],
    }


@dataclass(frozen=True)
class SceneSource:
    caption: str
    colored: str  # storage names
    line_art: str


@dataclass(frozen=True)
class BookContent:
    """Everything a book shows, as plain data."""

    title: str
    child_name: str
    paper_size: str
    scenes: list[SceneSource] = field(default_factory=list)


def fonts_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "fonts"


# Text fitting ----------------------------------------------------------------
# The pages have fixed heights (a book must have exactly its pages), so text of
# any length gets the largest size at which it fits the lines it has, broken
# into lines of even length ("Dinosaurs having / a picnic", never "Dinosaurs
# having a / picnic"). Widths come from the shipped fonts' own metrics.


@dataclass(frozen=True)
class FittedText:
    size: float
    lines: list[str]


@lru_cache(maxsize=4)
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


def _width(text: str, font_file: str) -> float:
    """Width of `text` at 1 pt."""
    widths, units, average = _advances(font_file)
    return sum(widths.get(ord(char), average) for char in text) / units


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


# Loading ---------------------------------------------------------------------


def book_content_for(*, job: Job) -> BookContent:
    scenes = []
    for page in job.pages.order_by("index"):
        missing = [kind for kind in ("line_art", "colored") if not getattr(page, kind)]
        if missing:
            raise RenderError(f"Page {page.index + 1} has no {' and no '.join(missing)} image.")
        scenes.append(SceneSource(caption=page.scene, colored=page.colored.name, line_art=page.line_art.name))
    if not scenes:
        raise RenderError("The job has no pages.")
    return BookContent(title=job.title, child_name=job.child_name, paper_size=job.paper_size, scenes=scenes)


# The URL fetcher -------------------------------------------------------------


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    mime_types = {
        ".jpg": "image/jpeg",
        ".png": "image/png",
        ".svg": "image/svg+xml",
        ".ttf": "font/ttf",
        ".otf": "font/otf",
    }

    class BookFetcher(URLFetcher):
        """Serves files from a few folders and nothing else. Any other URL is
        refused, and since fail_on_errors is set, stops the render."""

        def __init__(self, roots: list[Path]) -> None:
            super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
            self.roots = [root.resolve() for root in roots]
            self.fetched: list[str] = []
            self.refused: list[str] = []

        def _path(self, url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                return None
            path = Path(unquote(parts.path)).resolve()
            if path.suffix not in mime_types or not path.is_file():
                return None
            if not any(path.is_relative_to(root) for root in self.roots):
                return None
            return path

        def fetch(self, url, headers=None):
            path = self._path(url)
            if path is None:
                self.refused.append(url)
                raise ValueError(f"not one of the book's files: {url[:200]}")
            self.fetched.append(url)
            return URLFetcherResponse(path.as_uri(), path.open("rb"), {"Content-Type": mime_types[path.suffix]})

    return BookFetcher


# Rendering -------------------------------------------------------------------


def _copy_local(storage: Storage, name: str, target: Path) -> Path:
    """Stream a stored image to a local file (storage may be remote)."""
    with storage.open(name, "rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, 256 * 1024)
    return target


def _prepare_images(content: BookContent, layout: Layout, storage: Storage, folder: Path) -> list[dict]:
    """One image at a time: copy it here, have the preparing process make it
    ready, delete the copy."""
    # One JPEG serves both the colored page and (for scene 1) the cover.
    colored_box = tuple(map(max, layout.colored_box, layout.cover_box))
    scenes = []
    number, kind = 0, ""
    try:
        with imageprep.ImagePreparer() as preparer:
            for number, scene in enumerate(content.scenes, start=1):
                prepared = {}
                for kind, name, box in (
                    ("colored", scene.colored, colored_box),
                    ("line_art", scene.line_art, layout.line_art_box),
                ):
                    local = _copy_local(storage, name, folder / f"source-{number:02d}-{kind}")
                    try:
                        prepared[kind] = preparer.prepare(kind, local, folder / f"{number:02d}-{kind}", box=box)
                    finally:
                        local.unlink()
                caption = printable(scene.caption)
                scenes.append({"number": number, "caption": caption[:1].upper() + caption[1:], **prepared})
    except imageprep.ImagePrepError as exc:
        raise RenderError(f"Scene {number} {kind}: {exc}") from exc
    _fit_budget(scenes)
    return scenes


def _fit_budget(scenes: list[dict]) -> None:
    """Busy pictures everywhere: give the colored references what the line art leaves."""
    line_art = sum(scene["line_art"].path.stat().st_size for scene in scenes)
    colored = sum(scene["colored"].path.stat().st_size for scene in scenes)
    if scenes and line_art + colored > IMAGES_MAX_BYTES:
        allowance = max(60_000, (IMAGES_MAX_BYTES - line_art) // len(scenes))
        logger.info("book images weigh %d bytes: colored pictures cut to %d bytes", line_art + colored, allowance)
        for scene in scenes:
            imageprep.colored_shrink(scene["colored"], allowance)


def _title_lines(fitted: FittedText) -> list[list[dict]]:
    """The title's lines in crayon colors: word by word on one line, line by
    line on more (a rainbow of many words is hard to read)."""
    if len(fitted.lines) == 1:
        return [[{"text": word, "tone": index % 5} for index, word in enumerate(fitted.lines[0].split())]]
    return [[{"text": line, "tone": index % 5}] for index, line in enumerate(fitted.lines)]


def _context(content: BookContent, layout: Layout, variant: str, scenes: list[dict]) -> dict:
    display, text = "CherryBomb-Regular.otf", "Quicksand-Bold.ttf"
    title, child_name = printable(content.title), printable(content.child_name)
    for scene in scenes:
        colored, line_art = scene["colored"], scene["line_art"]
        scene["caption_fit"] = fit_text(
            scene["caption"],
            font_file=text,
            sizes=(21, 19, 17, 15, 13, 12, 11),
            width_in=layout.width - 0.6,
            height_in=COLORED_HEAD - COLORED_PILL - 0.1,
            line_height=1.2,
        )
        scene["colored_page"] = 2 * scene["number"]
        scene["line_art_page"] = 2 * scene["number"] + 1
        scene["colored_at"] = _centered(
            layout.colored_band, imageprep.fit(colored.width_in, colored.height_in, layout.colored_box), FRAME_BORDER
        )
        scene["cover_at"] = _centered(
            layout.cover_art_band, imageprep.fit(colored.width_in, colored.height_in, layout.cover_box), FRAME_BORDER
        )
        scene["line_art_at"] = _centered(layout.line_art_band, (line_art.width_in, line_art.height_in))
    title_fit = fit_text(
        title,
        font_file=display,
        sizes=(56, 52, 48, 42, 36, 32, 28, 24, 20),
        width_in=layout.cover_inner[0] - 0.2,
        height_in=COVER_TITLE - 0.15 - (COVER_FOR_LINE if child_name else 0),
        line_height=1.08,
    )
    return {
        "variant": variant,
        "paper": layout.paper,
        "margin_in": MARGIN_IN,
        "bleed": BLEED,
        "page_w": layout.width,
        "page_h": layout.height,
        "cover_inner_h": round(layout.cover_inner[1], 3),
        "cover_padding": COVER_PADDING,
        "portrait_h": round(layout.height - 3.75, 3),
        "bands": {
            "cover_kicker": COVER_KICKER,
            "cover_title": COVER_TITLE,
            "cover_for": COVER_FOR_LINE,
            "colored_head": COLORED_HEAD,
            "colored_pill": COLORED_PILL,
            "colored_caption": round(COLORED_HEAD - COLORED_PILL, 3),
            "coloring_head": COLORING_HEAD,
        },
        "fonts": [
            {"family": family, "uri": (fonts_dir() / file).as_uri(), "weight": weight}
            for family, file, weight in FONT_FILES
        ],
        "title": title,
        "title_lines": _title_lines(title_fit),
        "title_pt": title_fit.size,
        "child_name": child_name,
        "for_pt": fit_text(
            f"for {child_name}",
            font_file=text,
            sizes=(28, 24, 20, 17, 15, 13),
            width_in=layout.cover_inner[0] - 0.4,
            height_in=COVER_FOR_LINE,
            line_height=1.3,
        ).size,
        "scenes": scenes,
        "cover": scenes[0] if scenes else None,
        "scene_count": len(scenes),
        "publisher": PUBLISHER,
    }


def book_content_render(*, content: BookContent, variant: str = "home", storage: Storage | None = None) -> bytes:
    """The PDF of `content`. `variant` is "home" (margins for home printers)
    or "print" (the print-shop version: bleed and crop marks)."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    if variant not in VARIANTS:
        raise ValueError(f"Unknown book variant {variant!r}; expected one of {VARIANTS}.")
    paper = PAPERS.get(content.paper_size)
    if paper is None:
        raise ValueError(f"Unknown paper size {content.paper_size!r}.")
    storage = storage or default_storage
    with tempfile.TemporaryDirectory(prefix="book-") as name:
        folder = Path(name)
        layout = Layout(paper)
        scenes = _prepare_images(content, layout, storage, folder)
        html = render_to_string("book/book.html", _context(content, layout, variant, scenes))
        fetcher = _fetcher_class()([folder, fonts_dir()])
        try:
            document = weasyprint.HTML(string=html, base_url=folder.as_uri() + "/", url_fetcher=fetcher)
            pdf = document.write_pdf()
        except FatalURLFetchingError as exc:  # a BaseException: never let it reach the worker
            raise RenderError(f"PDF rendering stopped: {exc}; refused: {fetcher.refused[:5]}") from None
        if fetcher.refused:
            raise RenderError(f"PDF rendering asked for files outside the book: {fetcher.refused[:5]}")
        return pdf


def book_render(*, job: Job, variant: str = "home") -> bytes:
    """The PDF of a job whose pages are all drawn; RenderError if it cannot be
    made. One render at a time per host (HOST_PDF_RENDERS): a render is the
    largest single use of memory a book makes."""
    content = book_content_for(job=job)
    with pdf_renders():
        return book_content_render(content=content, variant=variant)
