"""The book's PDF from plain content: `book_content_render` prepares the
images one at a time in a temp folder (see generator.imageprep), fills
templates/book/book.html and has WeasyPrint lay the book out.

The child's name and the theme are untrusted: they reach the template as text
(autoescaped) and never as CSS or markup. WeasyPrint reads files through the
sandbox's fetcher only, and any refused or failed fetch stops the render with
a RenderError, never with WeasyPrint's FatalURLFetchingError (a BaseException
that would kill the worker).
"""

import logging
import shutil
import tempfile
from pathlib import Path

from django.core.files.storage import Storage, default_storage
from django.template.loader import render_to_string
from django.utils import translation

from generator import imageprep
from generator.pdf import sandbox
from generator.pdf.content import BookContent
from generator.pdf.fitting import FittedText, direction, fit_paragraphs, fit_text, fonts_dir, fonts_for, printable
from generator.pdf.layout import (
    BLEED,
    COLORED_HEAD,
    COLORED_PILL,
    COLORING_HEAD,
    COVER_FOR_LINE,
    COVER_KICKER,
    COVER_PADDING,
    COVER_TITLE,
    DEDICATION_CARD_PADDING,
    DEDICATION_FOOT,
    DEDICATION_HEAD,
    DEDICATION_NAME,
    DEDICATION_QUOTE,
    DEDICATION_RULE,
    FRAME_BORDER,
    MARGIN_IN,
    PAPERS,
    VARIANTS,
    Layout,
    centered,
)
from generator.pdf.words import book_words, scene_pill

logger = logging.getLogger(__name__)

PUBLISHER = "Crayon Tales"
# The prepared images of a book must weigh at most this, so the PDF (fonts and
# pages add about 0.2 MB) stays well under 8 MB and fits an email.
IMAGES_MAX_BYTES = 6_800_000


class RenderError(Exception):
    """The PDF could not be made; the message is for staff, not customers."""


def _copy_local(storage: Storage, name: str, target: Path) -> Path:
    """Stream a stored image to a local file (storage may be remote)."""
    with storage.open(name, "rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, 256 * 1024)
    return target


def _prepare_one(preparer, storage: Storage, name: str, kind: str, folder: Path, stem: str, box) -> dict:
    """Copy one stored image here, have the preparing process make it ready,
    delete the copy."""
    local = _copy_local(storage, name, folder / f"source-{stem}")
    try:
        return preparer.prepare(kind, local, folder / stem, box=box)
    finally:
        local.unlink()


def _prepare_images(
    content: BookContent, layout: Layout, storage: Storage, folder: Path
) -> tuple[list[dict], dict | None]:
    """The scenes' images and the cover's own picture (None when the book has
    none: the cover then shows scene 1), one image at a time, all through
    one preparing process."""
    # One JPEG serves both the colored page and (for scene 1) the cover.
    colored_box = tuple(map(max, layout.colored_box, layout.cover_box))
    scenes, cover = [], None
    number, kind = 0, ""
    try:
        with imageprep.ImagePreparer() as preparer:
            if content.cover:
                kind = "cover"
                colored = _prepare_one(
                    preparer, storage, content.cover, "colored", folder, "cover-colored", layout.cover_box
                )
                cover = {"colored": colored}
            for number, scene in enumerate(content.scenes, start=1):
                prepared = {}
                for kind, name, box in (
                    ("colored", scene.colored, colored_box),
                    ("line_art", scene.line_art, layout.line_art_box),
                ):
                    prepared[kind] = _prepare_one(preparer, storage, name, kind, folder, f"{number:02d}-{kind}", box)
                caption = printable(scene.caption)
                scenes.append(
                    {
                        "number": number,
                        "caption": caption[:1].upper() + caption[1:],
                        "caption_dir": direction(caption),
                        **prepared,
                    }
                )
    except imageprep.ImagePrepError as exc:
        raise RenderError(f"Cover: {exc}" if kind == "cover" else f"Scene {number} {kind}: {exc}") from exc
    _fit_budget(scenes)
    return scenes, cover


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


def _dedication(content: BookContent, layout: Layout, display: str, text: str, child_name: str, words: dict) -> dict:
    """The dedication page: "This book belongs to", the name (or lines to
    write it on), the customer's message fitted in its card; the whole group
    centered above the page's foot. The message keeps its line breaks."""
    inner_w, inner_h = layout.cover_inner
    heading = fit_text(
        words["dedication_head"],
        font_file=display,
        sizes=(40, 36, 32, 28),
        width_in=inner_w - 0.2,
        height_in=DEDICATION_HEAD,
        line_height=1.08,
    )
    name = fit_text(
        child_name,
        font_file=display,
        sizes=(60, 54, 48, 42, 36, 30, 26, 22, 20),
        width_in=inner_w - 0.4,
        height_in=DEDICATION_NAME - 0.1,
        line_height=1.1,
    )
    message_w, message_h = layout.dedication_message_box
    message = fit_paragraphs(
        [printable(line) for line in content.dedication.splitlines()],
        font_file=text,
        sizes=(26, 24, 22, 20, 18, 16, 14, 13, 12),
        width_in=message_w,
        height_in=message_h,
        line_height=1.35,
    )
    text_h = min(message_h, len(message.lines) * message.size * 1.35 / 72)
    card_h = DEDICATION_QUOTE + text_h + 2 * DEDICATION_CARD_PADDING[0] if message.lines else 0
    group_h = DEDICATION_HEAD + DEDICATION_NAME + DEDICATION_RULE + card_h
    return {
        "dedication": {
            "top": round(max(0.0, (inner_h - DEDICATION_FOOT - group_h) / 2), 3),
            "head_h": DEDICATION_HEAD,
            "head_pt": heading.size,
            "head_words": [
                {"text": word, "tone": index % 5} for index, word in enumerate(" ".join(heading.lines).split())
            ],
            "name_h": DEDICATION_NAME,
            "name_pt": name.size,
            "name_lines": name.lines,
            "name_dir": direction(child_name),
            "rule_h": DEDICATION_RULE,
            "card_padding": DEDICATION_CARD_PADDING,
            "quote_h": DEDICATION_QUOTE,
            "message_pt": message.size,
            "message_lines": message.lines,
            "message_dir": direction(content.dedication),
            "message_max_h": round(message_h, 3),
            "message_w": round(message_w, 3),
            "foot_h": DEDICATION_FOOT,
        },
    }


def _context(content: BookContent, layout: Layout, variant: str, scenes: list[dict], cover: dict | None) -> dict:
    display, text = "CherryBomb-Regular.otf", "Quicksand-Bold.ttf"
    title, child_name = printable(content.title), printable(content.child_name)
    words = book_words(content.language, title=title, child_name=child_name, scene_count=len(scenes))
    for scene in scenes:
        scene["pill"] = scene_pill(words, scene["number"], len(scenes))
        colored, line_art = scene["colored"], scene["line_art"]
        scene["caption_fit"] = fit_text(
            scene["caption"],
            font_file=text,
            sizes=(21, 19, 17, 15, 13, 12, 11),
            width_in=layout.width - 0.6,
            height_in=COLORED_HEAD - COLORED_PILL - 0.1,
            line_height=1.2,
        )
        # The coloring page's running head, on one line: a smaller size when
        # the caption is long (French is longer), cut with an ellipsis only
        # when even the smallest is too wide.
        scene["running_pt"] = fit_text(
            f"{scene['number']}  {scene['caption']}",
            font_file="Quicksand-Medium.ttf",
            sizes=(11, 10, 9),
            width_in=layout.width,
            height_in=0.25,  # one line at each size
            line_height=1.2,
        ).size
        # After the cover (1) and the dedication (2).
        scene["colored_page"] = 2 * scene["number"] + 1
        scene["line_art_page"] = 2 * scene["number"] + 2
        scene["colored_at"] = centered(
            layout.colored_band, imageprep.fit(colored.width_in, colored.height_in, layout.colored_box), FRAME_BORDER
        )
        scene["cover_at"] = centered(
            layout.cover_art_band, imageprep.fit(colored.width_in, colored.height_in, layout.cover_box), FRAME_BORDER
        )
        scene["line_art_at"] = centered(layout.line_art_band, (line_art.width_in, line_art.height_in))
    if cover is not None:
        colored = cover["colored"]
        cover["cover_at"] = centered(
            layout.cover_art_band, imageprep.fit(colored.width_in, colored.height_in, layout.cover_box), FRAME_BORDER
        )
    title_fit = fit_text(
        title,
        font_file=display,
        sizes=(56, 52, 48, 42, 36, 32, 28, 24, 20),
        width_in=layout.cover_inner[0] - 0.2,
        height_in=COVER_TITLE - 0.15 - (COVER_FOR_LINE if child_name else 0),
        line_height=1.08,
    )
    return {
        **_dedication(content, layout, display, text, child_name, words),
        "words": words,
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
            for family, file, weight in fonts_for(
                " ".join([title, child_name, content.dedication, *(scene["caption"] for scene in scenes)])
            )
        ],
        "title": title,
        "title_dir": direction(title),
        "title_lines": _title_lines(title_fit),
        "title_pt": title_fit.size,
        "child_name": child_name,
        "child_name_dir": direction(child_name),
        "for_pt": fit_text(
            words["for_line"],
            font_file=text,
            sizes=(28, 24, 20, 17, 15, 13),
            width_in=layout.cover_inner[0] - 0.4,
            height_in=COVER_FOR_LINE,
            line_height=1.3,
        ).size,
        "scenes": scenes,
        "cover": cover or (scenes[0] if scenes else None),
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
        scenes, cover = _prepare_images(content, layout, storage, folder)
        # The book's words are in its own language (generator.pdf.words); the
        # template's numbers are CSS lengths, written the same in every
        # language (French would write 7,5in) whatever the thread speaks.
        with translation.override("en"):
            html = render_to_string("book/book.html", _context(content, layout, variant, scenes, cover))
        fetcher = sandbox.fetcher_class()([folder, fonts_dir()])
        try:
            document = weasyprint.HTML(string=html, base_url=folder.as_uri() + "/", url_fetcher=fetcher)
            pdf = document.write_pdf()
        except FatalURLFetchingError as exc:  # a BaseException: never let it reach the worker
            raise RenderError(f"PDF rendering stopped: {exc}; refused: {fetcher.refused[:5]}") from None
        if fetcher.refused:
            raise RenderError(f"PDF rendering asked for files outside the book: {fetcher.refused[:5]}")
        return pdf
