"""A child's name in any script prints: Arabic, Hebrew, Greek, Cyrillic and
Chinese names are drawn with a shipped font (read back from the PDF's text),
Hebrew and Arabic set right to left, and what no font draws (an emoji) is
left out rather than printed as an empty box."""

import io
import re
import subprocess
import unicodedata

import pytest
from django.core.files.storage import FileSystemStorage
from PIL import Image, ImageDraw
from pypdf import PdfReader

from generator.pdf import fitting, render
from generator.pdf.content import BookContent, SceneSource

# script: (child's name, theme, dedication, caption)
BOOKS = {
    "arabic": ("ليلى", "حديقة الحيوانات", "عيد ميلاد سعيد", "قطة في الحديقة"),
    "hebrew": ("נועה", "דינוזאורים בחלל", "יום הולדת שמח", "דינוזאור על הירח"),
    "greek": ("Ελένη", "Δεινόσαυροι", "Χρόνια πολλά", "Ένας δεινόσαυρος"),
    "cyrillic": ("Алёна", "Динозавры в космосе", "С днём рождения", "Динозавр на Луне"),
    "cjk": ("小明", "太空恐龙", "生日快乐", "月亮上的恐龙"),
}
RTL = {"arabic", "hebrew"}
COVER, DEDICATION = 0, 1


def _images(storage: FileSystemStorage) -> tuple[str, str]:
    colored = Image.new("RGB", (256, 256), (120, 200, 240))
    ImageDraw.Draw(colored).ellipse((60, 60, 196, 196), fill=(240, 160, 60), outline=(0, 0, 0), width=6)
    line_art = Image.new("L", (256, 256), 255)
    ImageDraw.Draw(line_art).ellipse((60, 60, 196, 196), outline=0, width=6)
    names = []
    for name, image in (("colored.png", colored), ("line-art.png", line_art)):
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        buffer.seek(0)
        names.append(storage.save(name, buffer))
    return names[0], names[1]


def _render(tmp_path, monkeypatch, name: str, theme: str, dedication: str, caption: str) -> tuple[bytes, str]:
    """A one-scene book's PDF, and the HTML WeasyPrint was given."""
    storage = FileSystemStorage(location=tmp_path / "media")
    colored, line_art = _images(storage)
    html = []
    original = render.render_to_string

    def capture(*args, **kwargs):
        html.append(original(*args, **kwargs))
        return html[-1]

    monkeypatch.setattr(render, "render_to_string", capture)
    content = BookContent(
        title=theme,
        child_name=name,
        paper_size="letter",
        scenes=[SceneSource(caption=caption, colored=colored, line_art=line_art)],
        dedication=dedication,
    )
    pdf = render.book_content_render(content=content, storage=storage)
    return pdf, html[0]


def _letters(text: str) -> str:
    """The text as letters read back: presentation forms (Arabic as drawn)
    made plain letters, white space gone."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _assert_printed(word: str, text: str) -> None:
    """`word`'s letters are together in the page's text: in logical order,
    or (Hebrew, Arabic read back in the order they are drawn) reversed, or
    (Arabic ligatures read back one by one, in drawing order) shuffled."""
    letters, word = _letters(text), _letters(word)
    windows = (letters[start : start + len(word)] for start in range(len(letters) - len(word) + 1))
    assert any(sorted(window) == sorted(word) for window in windows), (word, text)


def _glyphs(reader: PdfReader, family: str) -> dict[str, set[str]]:
    """What the embedded font `family` draws: its ToUnicode map, as the text
    of each glyph drawn -> the glyph ids drawing it."""
    drawn: dict[str, set[str]] = {}
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            if family not in str(font["/BaseFont"]):
                continue
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                for glyph, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    drawn.setdefault(bytes.fromhex(text).decode("utf-16-be"), set()).add(glyph)
    return drawn


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, tuple[PdfReader, str]]:
    """One book per script, made once for the module."""
    made = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for script, texts in BOOKS.items():
            pdf, html = _render(tmp_path_factory.mktemp(script), monkeypatch, *texts)
            made[script] = (PdfReader(io.BytesIO(pdf)), html)
    return made


@pytest.mark.parametrize("script", list(BOOKS))
def test_name_theme_and_dedication_print_in_their_script(books, script):
    reader, _ = books[script]
    name, theme, dedication, caption = BOOKS[script]

    cover = reader.pages[COVER].extract_text()
    _assert_printed(name, cover)
    for word in theme.split():
        _assert_printed(word, cover)
    page = reader.pages[DEDICATION].extract_text()
    _assert_printed(name, page)
    for word in dedication.split():
        _assert_printed(word, page)
    _assert_printed(caption.split()[-1], reader.pages[2].extract_text())


@pytest.mark.parametrize("script", sorted(RTL))
def test_hebrew_and_arabic_texts_are_set_right_to_left(books, script):
    _, html = books[script]

    directions = dict(re.findall(r'<[^>]*class="([^"]*)"[^>]*dir="(rtl|ltr)"', html))
    assert directions["title display"] == "rtl"  # the theme on the cover
    assert directions["name"] == "rtl"  # "for <name>" on the cover
    assert directions["display middle"] == "rtl"  # the name on the dedication page
    assert directions["ded-message"] == "rtl"
    assert directions["caption middle"] == "rtl"
    assert directions["band running"] == "rtl"


def test_latin_and_other_left_to_right_texts_stay_left_to_right(books):
    _, html = books["greek"]

    assert 'dir="rtl"' not in html
    assert fitting.direction("Mia") == fitting.direction("Алёна") == fitting.direction("小明") == "ltr"
    assert fitting.direction("ليلى") == fitting.direction("נועה") == "rtl"
    # The first letter decides: digits and punctuation do not.
    assert fitting.direction("3 ליה") == "rtl" and fitting.direction("«Mia» ليلى") == "ltr"


def test_weasyprint_lays_a_hebrew_title_out_right_to_left(books, tmp_path):
    """The theme's first word is the rightmost on the cover."""
    reader, _ = books["hebrew"]
    first, second = BOOKS["hebrew"][1].split()
    path = tmp_path / "hebrew.pdf"
    writer_bytes = io.BytesIO()
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_page(reader.pages[COVER])
    writer.write(writer_bytes)
    path.write_bytes(writer_bytes.getvalue())
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    words = {_letters(word): float(x) for x, word in re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]*)</word>', boxes)}

    def x_of(word: str) -> float:
        return next(x for found, x in words.items() if word in (found, found[::-1]))

    assert x_of(first) > x_of(second), words


def test_arabic_letters_are_joined_not_isolated(books):
    """Shaped: a letter inside a word is drawn with other glyphs than at its
    start (its medial and initial forms) or joined with the next in a ligature;
    drawn isolated, each letter would be one glyph."""
    reader, _ = books["arabic"]

    drawn = _glyphs(reader, "Arabic")
    assert drawn, "no Arabic font in the PDF"
    assert any(len(text) > 1 for text in drawn) or any(len(glyphs) > 1 for glyphs in drawn.values()), drawn
    # "عيد" and "سعيد": ع initial, then medial.
    assert len(drawn.get("ع", ())) >= 2 or any("ع" in text and len(text) > 1 for text in drawn), drawn


def test_an_emoji_in_a_name_is_left_out_not_printed_as_an_empty_box(tmp_path, monkeypatch):
    assert fitting.printable("ليلى 🦕") == "ليلى"
    assert fitting.printable("小明🐉") == "小明"

    pdf, html = _render(tmp_path, monkeypatch, "ليلى 🦕", "🦕 حديقة", "🐉 小明", "Ελένη 🦄")

    assert "🦕" not in html and "🐉" not in html and "🦄" not in html
    reader = PdfReader(io.BytesIO(pdf))
    cover = reader.pages[COVER].extract_text()
    _assert_printed("ليلى", cover)
    assert "🦕" not in cover
    assert "🐉" not in reader.pages[DEDICATION].extract_text()


def test_widths_of_letters_the_font_lacks_come_from_the_font_that_draws_them():
    # Cherry Bomb One has no Arabic, Hebrew nor Han: measured in Noto Sans
    # Arabic, Noto Sans Hebrew, Droid Sans Fallback rather than guessed.
    display = "CherryBomb-Regular.otf"
    for word, fallback in (
        ("ليلى", "NotoSansArabic-Bold.ttf"),
        ("נועה", "NotoSansHebrew-Bold.ttf"),
        ("小明", "DroidSansFallbackFull.ttf"),
        ("Ελένη", "NotoSansGreek-Bold.ttf"),
    ):
        assert fitting._width(word, display) == pytest.approx(fitting._width(word, fallback))
    # A long name in Han is wider than the average Latin letter would make it.
    name = "欧阳明月" * 3
    _, units, average = fitting._advances(display)
    assert fitting._width(name, display) > len(name) * average / units


def test_a_book_loads_only_the_fallback_fonts_its_texts_need():
    from generator.pdf.fitting import fonts_for

    def files(text):
        return {file for _, file, _ in fonts_for(text)}

    own = {"CherryBomb-Regular.otf", "Quicksand-Medium.ttf", "Quicksand-Bold.ttf"}
    assert files("Mia · Les dinosaures à l’école, ça pique-nique !") == own
    assert files("小明") == own | {"DroidSansFallbackFull.ttf"}
    assert files("ليلى and נועה") == own | {"NotoSansArabic-Bold.ttf", "NotoSansHebrew-Bold.ttf"}
    assert files("Ελένη") == own | {"NotoSansGreek-Bold.ttf"}
