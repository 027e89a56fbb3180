"""The book's PDF, read back with pypdf as a customer's printer would see it."""

import io
import re
import shutil

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import ContentStream

from generator import books, imageprep
from generator.models import Job
from generator.pdf import fitting, sandbox
from generator.pdf.render import RenderError
from generator.tasks import job_run_next

SHIPPED_FONTS = {"CherryBomb", "Cherry-Bomb-One", "Quicksand", "Andika"}
LETTER = (612, 792)
A4 = (595.28, 841.89)
# Cover, dedication, a colored reference and a coloring page per scene, closing page.
PAGES = 1 + 1 + 2 * 12 + 1
DEDICATION = 1
HOSTILE_NAME = '<img src="file:///etc/passwd">'


def _read(job: Job) -> PdfReader:
    with job.pdf.open("rb") as stored:
        return PdfReader(io.BytesIO(stored.read()))


def _book(paid_order, **fields) -> tuple[Job, PdfReader]:
    """A book made here, for the fields given."""
    order = paid_order(**fields)
    assert job_run_next() == f"job {order.job.pk}"
    job = Job.objects.get(order=order)
    assert job.pdf, job.error
    return job, _read(job)


@pytest.fixture
def letter_book(finished_book) -> tuple[Job, PdfReader]:
    """The default order's book (Letter, for Mia), made once for the run."""
    job = Job.objects.get(order=finished_book)
    return job, _read(job)


def _text(reader: PdfReader, index: int) -> str:
    return " ".join(reader.pages[index].extract_text().split())


def _size(box) -> tuple[float, float]:
    return round(float(box.width), 2), round(float(box.height), 2)


def _fonts(reader: PdfReader) -> list[dict]:
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    return list(fonts.values())


def _images(page, reader: PdfReader) -> list:
    """The images a page actually draws (WeasyPrint shares one resource
    dictionary between pages, so what a page lists is not what it shows)."""
    found = []
    xobjects = page["/Resources"].get("/XObject", {})
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator != b"Do":
            continue
        xobject = xobjects[operands[0]].get_object()
        if xobject["/Subtype"] == "/Image":
            found.append(xobject)
        elif xobject["/Subtype"] == "/Form":
            found.extend(_images(xobject, reader))
    return found


@pytest.fixture
def fetches(monkeypatch) -> dict[str, list[str]]:
    """Every URL WeasyPrint asks the book's fetcher for."""
    seen: dict[str, list[str]] = {"fetched": [], "refused": []}
    original = sandbox.fetcher_class

    def spying_class():
        cls = original()

        class Spy(cls):
            def fetch(self, url, headers=None):
                try:
                    response = super().fetch(url, headers)
                except Exception:
                    seen["refused"].append(url)
                    raise
                seen["fetched"].append(url)
                return response

        return Spy

    monkeypatch.setattr(sandbox, "fetcher_class", spying_class)
    return seen


def test_letter_book_has_cover_scenes_and_closing_page_at_exact_size(letter_book):
    job, reader = letter_book

    assert len(reader.pages) == PAGES
    assert {_size(page.mediabox) for page in reader.pages} == {LETTER}
    cover = _text(reader, 0)
    assert "Dinosaurs having a picnic" in cover
    assert "for Mia" in cover
    first_scene = job.pages.get(index=0).scene
    assert "This book belongs to Mia" in _text(reader, DEDICATION)
    assert first_scene[:1].upper() + first_scene[1:] in _text(reader, 2)  # a caption starts a sentence
    assert "Picture 1 of 12" in _text(reader, 2)
    assert _text(reader, 2).endswith(" 3")  # folios count the cover and the dedication
    assert _text(reader, 3).endswith(" 4")
    assert "Picture 12 of 12" in _text(reader, PAGES - 3)
    assert _text(reader, PAGES - 2).endswith(f" {PAGES - 1}")
    assert "This is me!" in _text(reader, PAGES - 1)
    assert "This book belongs to" not in _text(reader, PAGES - 1)


def test_a4_book_is_exactly_a4(paid_order):
    _, reader = _book(paid_order, paper_size="a4")

    assert len(reader.pages) == PAGES
    assert {_size(page.mediabox) for page in reader.pages} == {A4}


def test_fonts_are_the_shipped_ones_embedded(letter_book):
    _, reader = letter_book

    fonts = _fonts(reader)
    assert fonts
    names = set()
    for font in fonts:
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
        names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    assert all(any(shipped in name for shipped in SHIPPED_FONTS) for name in names), names
    assert any("Cherry" in name for name in names)  # the title's face
    assert any("Quicksand" in name for name in names)  # the text's face
    for _, file, _ in fitting.FONT_FILES:
        assert (fitting.fonts_dir() / file).is_file()


def test_scenes_pair_a_jpeg_reference_with_vector_line_art(letter_book):
    _, reader = letter_book

    colored, coloring = reader.pages[2], reader.pages[3]
    images = _images(colored, reader)
    assert len(images) == 1
    assert images[0]["/Filter"] == "/DCTDecode"
    # The coloring page is drawn with paths: sharp at any printer resolution.
    assert _images(coloring, reader) == []
    assert len(coloring.get_contents().get_data()) > 2_000


def test_hostile_child_name_is_printed_as_text_and_fetches_nothing(paid_order, fetches, settings):
    theme = '<b>robots</b> & "friends" <script>'
    job, reader = _book(paid_order, child_name=HOSTILE_NAME, theme=theme)

    cover = _text(reader, 0)
    assert HOSTILE_NAME in cover
    assert theme in cover
    assert fetches["refused"] == []
    assert fetches["fetched"]
    fonts = str(fitting.fonts_dir())
    for url in fetches["fetched"]:
        assert "/etc/passwd" not in url
        assert fonts in url or re.search(r"/book-[^/]+/(\d\d|cover)-(colored|line_art)\.(jpg|svg|png)$", url), url
    # 1 cover + 12 references, the line art as vectors: nothing else was embedded.
    assert sum(len(_images(page, reader)) for page in reader.pages) == 13
    with job.pdf.open("rb") as stored:
        assert b"root:x:0:0" not in stored.read()


def test_hostile_dedication_is_printed_as_text_and_fetches_nothing(paid_order, fetches):
    hostile = '<img src="file:///etc/passwd"> <link rel="stylesheet" href="http://example.com/x.css"> & "hi"'
    job, reader = _book(paid_order, dedication=hostile)

    assert hostile in _text(reader, DEDICATION)
    assert fetches["refused"] == []
    for url in fetches["fetched"]:
        assert "/etc/passwd" not in url and "example.com" not in url, url
    assert sum(len(_images(page, reader)) for page in reader.pages) == 13
    with job.pdf.open("rb") as stored:
        assert b"root:x:0:0" not in stored.read()


def test_dedication_page_keeps_the_message_lines_and_has_a_line_to_write_a_name_on(paid_order):
    _, reader = _book(paid_order, child_name="", dedication="Happy 5th birthday!\nLove, Grandma")

    assert len(reader.pages) == PAGES
    lines = reader.pages[DEDICATION].extract_text().splitlines()
    assert "This book belongs to" in " ".join(lines)
    assert "Happy 5th birthday!" in lines and "Love, Grandma" in lines
    # No name: the cover has no "for", the dedication lines to write it on (drawn, not text).
    assert "for " not in _text(reader, 0)
    assert len(reader.pages[DEDICATION].get_contents().get_data()) > 500


def test_refused_fetch_stops_the_render_with_a_normal_exception(letter_book, monkeypatch):
    job, _ = letter_book
    original = sandbox.fetcher_class

    def refusing_class():
        cls = original()

        class Refusing(cls):
            def _path(self, url):
                return None  # as if every file were outside the book

        return Refusing

    monkeypatch.setattr(sandbox, "fetcher_class", refusing_class)

    with pytest.raises(RenderError) as caught:
        books.book_render(job=job)
    # WeasyPrint's FatalURLFetchingError is a BaseException; the worker only
    # survives what is an Exception.
    assert isinstance(caught.value, Exception)
    assert "PDF rendering stopped" in str(caught.value)


def test_print_variant_has_bleed_and_crop_marks(letter_book):
    job, _ = letter_book

    reader = PdfReader(io.BytesIO(books.book_render(job=job, variant="print")))

    assert len(reader.pages) == PAGES
    bleed = 0.125 * 72
    for page in (reader.pages[0], reader.pages[DEDICATION], reader.pages[5]):
        assert _size(page.trimbox) == LETTER
        assert _size(page.mediabox) == (LETTER[0] + 2 * bleed, LETTER[1] + 2 * bleed)
        assert _size(page.bleedbox) != _size(page.trimbox)


def test_unknown_variant_is_refused(letter_book):
    job, _ = letter_book

    with pytest.raises(ValueError):
        books.book_render(job=job, variant="poster")


def test_long_texts_never_add_pages(paid_order):
    long_theme = "unicorns and dragons who bake enormous strawberry cupcakes on the far side of the moon " * 2
    # The longest message the form takes, of long words, in three lines.
    message = "\n".join(["Wonderful" * 5, "sunshine " * 7, "W" * 50])[:160]
    _, reader = _book(
        paid_order, theme=long_theme[:120], child_name="Maximiliana-Wilhelmina Bartholomew", dedication=message
    )

    assert len(reader.pages) == PAGES
    assert "Maximiliana-Wilhelmina Bartholomew" in _text(reader, 0)
    dedication = _text(reader, DEDICATION)
    assert "Maximiliana-Wilhelmina Bartholomew" in dedication
    assert "W" * 50 in dedication.replace(" ", "")
    assert "Wonderful" * 5 in dedication.replace(" ", "")


def test_book_needs_every_image(letter_book):
    job, _ = letter_book
    job.pages.filter(index=3).update(colored="")

    with pytest.raises(RenderError, match="Page 4"):
        books.book_render(job=job)


def test_unreadable_image_fails_the_render_with_a_normal_exception(letter_book):
    job, _ = letter_book
    page = job.pages.get(index=5)
    with default_storage.open(page.line_art.name, "wb") as stored:
        stored.write(b"this is not a picture")

    with pytest.raises(RenderError, match="Scene 6 line_art: unreadable image"):
        books.book_render(job=job)


def test_preparing_process_that_dies_is_an_error_not_a_hang(tmp_path):
    with imageprep.ImagePreparer(timeout=30) as preparer:
        preparer.process.kill()
        preparer.process.wait()
        with pytest.raises(imageprep.ImagePrepError, match="not running"):
            preparer.prepare("colored", tmp_path / "a.jpg", tmp_path / "b", box=(1, 1))


def test_colored_reference_is_a_jpeg_at_print_resolution(tmp_path):
    source = tmp_path / "colored.png"
    Image.new("RGB", (2048, 2048), (250, 120, 90)).save(source)

    prepared = imageprep.colored_prepare(source, tmp_path / "out", box=(6.5, 7.0))

    assert prepared.kind == "jpeg"
    assert (prepared.width_in, prepared.height_in) == (6.5, 6.5)
    with Image.open(prepared.path) as image:
        assert image.format == "JPEG"
        assert image.width == round(6.5 * imageprep.COLORED_DPI)


@pytest.mark.parametrize("tracer", ["potrace", "vtracer"])
def test_clean_line_art_is_traced_to_curves(tmp_path, monkeypatch, tracer):
    if tracer == "potrace" and not shutil.which("potrace"):
        pytest.skip("potrace is not installed (apt-get install potrace)")
    if tracer == "vtracer":
        monkeypatch.setattr(imageprep.shutil, "which", lambda name: None)
    source = tmp_path / "line.png"
    image = Image.new("L", (400, 400), 255)
    ImageDraw.Draw(image).ellipse((60, 60, 340, 340), outline=0, width=12)
    image.save(source)

    prepared = imageprep.line_art_prepare(source, tmp_path / "traced", box=(7.5, 8.8))

    assert prepared.kind == "svg"
    assert (prepared.width_in, prepared.height_in) == (7.5, 7.5)
    svg = prepared.path.read_text()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400"')
    assert re.search(r"\b[cC]\s*-?\d", svg)  # curves, not a staircase of pixels


def test_line_art_too_detailed_to_trace_becomes_a_300_dpi_bitmap(tmp_path):
    source = tmp_path / "line.png"
    image = Image.new("L", (600, 800), 255)
    for x in range(0, 600, 7):
        image.paste(128, (x, 0, x + 3, 800))  # gray, as a model's anti-aliased strokes
    image.save(source)

    prepared = imageprep.line_art_prepare(source, tmp_path / "bitmap", box=(7.5, 8.8))

    assert prepared.kind == "png"
    assert (prepared.width_in, prepared.height_in) == (6.6, 8.8)
    with Image.open(prepared.path) as printed:
        assert printed.mode == "L"
        assert printed.width / prepared.width_in >= imageprep.LINE_ART_DPI
        histogram = printed.histogram()
        assert histogram[0] + histogram[255] == printed.width * printed.height  # pure ink, pure paper


def test_make_sample_writes_a_whole_book(tmp_path):
    output = tmp_path / "sample.pdf"

    call_command(
        "make_sample", output=str(output), paper="a4", size=256, name="Zoë 🦄", dedication="Hi!", stdout=io.StringIO()
    )

    reader = PdfReader(output)
    assert len(reader.pages) == PAGES
    assert _size(reader.pages[0].mediabox) == A4
    assert "Hi!" in _text(reader, DEDICATION)
    # No font of the book draws the emoji: left out rather than an empty box.
    assert "for Zoë" in _text(reader, 0)
    assert "🦄" not in _text(reader, 0)


def test_names_in_other_alphabets_use_a_shipped_font_and_invisible_characters_go():
    assert fitting.printable("Зоя \u202eАня\u200b 🦕") == "Зоя Аня"
    assert fitting.printable('<img src="x"> & Ω') == '<img src="x"> & Ω'


def test_paragraphs_fit_their_box_together_each_starting_a_line():
    box = {"font_file": "Quicksand-Bold.ttf", "width_in": 4.0, "line_height": 1.35}
    short = fitting.fit_paragraphs(["Happy birthday!", "", "Love, Grandma"], sizes=(26, 12), height_in=3, **box)
    assert short == fitting.FittedText(26, ["Happy birthday!", "Love, Grandma"])

    long = fitting.fit_paragraphs(["sunshine " * 9, "rainbows " * 9], sizes=(26, 20, 16, 12), height_in=3, **box)
    assert long.size < 26
    assert len(long.lines) * long.size * 1.35 <= 3 * 72
    assert " ".join(long.lines).split() == ("sunshine " * 9 + "rainbows " * 9).split()
    assert long.lines[0].startswith("sunshine") and any(line.startswith("rainbows") for line in long.lines)


def test_fonts_ship_with_their_license():
    folder = fitting.fonts_dir()
    for _, file, _ in fitting.FONT_FILES:
        if file.startswith("Droid"):
            assert "Apache License" in (folder / "LICENSE-DroidSansFallback.txt").read_text()
            continue
        family = "Noto" if file.startswith("Noto") else re.split(r"[-.]", file)[0]
        assert (folder / f"OFL-{family}.txt").read_text().count("SIL OPEN FONT LICENSE Version 1.1") == 1


@pytest.mark.parametrize("width,height", [(384, 384), (300, 400)])
def test_fit_keeps_proportions(width, height):
    box = (7.5, 8.8)
    fitted = imageprep.fit(width, height, box)
    assert fitted[0] <= box[0] and fitted[1] <= box[1]
    assert max(fitted[0] / box[0], fitted[1] / box[1]) == pytest.approx(1)
    assert fitted[0] / fitted[1] == pytest.approx(width / height, rel=1e-3)
