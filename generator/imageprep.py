"""Images made ready for the PDF, one at a time, before WeasyPrint sees them.

WeasyPrint decodes and re-encodes every PNG it is given (slow, and several
times the image's size in memory), while it copies a JPEG or draws an SVG as
is. So each image is turned into what the page needs, at the size it is
printed:

- a coloring page (line art) is traced to smooth curves (potrace when the
  system has it, else vtracer): sharp at any printer resolution, and small. A drawing too detailed for that (its
  SVG would be large and slow to draw) becomes a pure black-and-white bitmap
  of at least 300 DPI at its printed size, which is then both smaller and
  faster than its tracing;
- a colored reference becomes a JPEG at about 175 DPI at its printed size.

Measured on 2048-pixel pages: a clean coloring page traces in 0.03 s to
about 30 kB of SVG with potrace (0.2 s and 90 kB with vtracer); a page
scribbled all over with strokes would give 0.5-1.5 MB of SVG (a second to
draw) but makes a 300 kB bitmap.
"""

import io
import json
import os
import re
import select
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageOps

# Colored references: what prints well on a home inkjet, without waste.
COLORED_DPI = 175
COLORED_QUALITY = 82
# A colored page above this is re-encoded harder (a busy picture can weigh
# four times a simple one at the same quality).
COLORED_MAX_BYTES = 400_000
# Line art too detailed to trace: a bitmap at least this sharp.
LINE_ART_DPI = 300
# How detailed a drawing is: its ink/paper edge pixels per pixel of its long
# side (about 15 for a coloring page of big shapes, 200 for a page scribbled
# all over). Up to this it is traced.
TRACE_MAX_DETAIL = 60
# A tracing bigger than this is not used: WeasyPrint draws an SVG in Python
# (about 1 s per 1.5 MB), and a bitmap would be smaller.
SVG_MAX_BYTES = 500_000
# Darker than this is ink, lighter is paper.
INK_THRESHOLD = 150


class ImagePrepError(Exception):
    """An image could not be read or prepared."""


@dataclass(frozen=True)
class PreparedImage:
    """A file ready for WeasyPrint, and the size it is printed at."""

    path: Path
    width_in: float
    height_in: float
    # "svg", "png" or "jpeg"
    kind: str

    @property
    def uri(self) -> str:
        return self.path.as_uri()


def fit(width: float, height: float, box: tuple[float, float]) -> tuple[float, float]:
    """The largest (width, height) in inches with the image's proportions that fits in box."""
    box_w, box_h = box
    scale = min(box_w / width, box_h / height)
    return round(width * scale, 3), round(height * scale, 3)


def _open(source: Path, mode: str, wanted: tuple[int, int] | None = None) -> Image.Image:
    """Decode an image into `mode`, flattening transparency onto white paper.

    For a JPEG, `wanted` lets the decoder scale down while decoding (much
    faster and smaller in memory than a full decode then a resize)."""
    try:
        image = Image.open(source)
        if wanted and image.format == "JPEG":
            image.draft(mode, wanted)
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            paper = Image.new("RGBA", rgba.size, "white")
            paper.alpha_composite(rgba)
            image = paper
        return image.convert(mode)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImagePrepError(f"unreadable image: {exc}") from exc


def _save_jpeg(image: Image.Image, path: Path, max_bytes: int) -> None:
    """The best quality under max_bytes; smaller still if even quality 50 is over."""
    for _ in range(6):
        for quality in (COLORED_QUALITY, 74, 66, 58, 50):
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=quality, optimize=True)
            if buffer.tell() <= max_bytes:
                path.write_bytes(buffer.getvalue())
                return
        image = image.resize((round(image.width * 0.85), round(image.height * 0.85)), Image.Resampling.LANCZOS)
    path.write_bytes(buffer.getvalue())


def colored_prepare(
    source: Path, target: Path, *, box: tuple[float, float], max_bytes: int = COLORED_MAX_BYTES
) -> PreparedImage:
    """A colored reference as a JPEG of about COLORED_DPI when printed to fit `box` (inches)."""
    try:
        with Image.open(source) as header:
            size = header.size
    except (OSError, ValueError) as exc:
        raise ImagePrepError(f"unreadable image: {exc}") from exc
    width_in, height_in = fit(*size, box)
    pixels = (
        min(size[0], round(width_in * COLORED_DPI)),
        min(size[1], round(height_in * COLORED_DPI)),
    )
    image = _open(source, "RGB", pixels)
    if image.size != pixels:
        image = image.resize(pixels, Image.Resampling.LANCZOS, reducing_gap=3.0)
    path = target.with_suffix(".jpg")
    _save_jpeg(image, path, max_bytes)
    return PreparedImage(path, width_in, height_in, "jpeg")


def colored_shrink(prepared: PreparedImage, max_bytes: int) -> None:
    """Re-encode a prepared colored reference to fit max_bytes (the book's size budget)."""
    if prepared.path.stat().st_size > max_bytes:
        with Image.open(prepared.path) as image:
            image.load()
        _save_jpeg(image, prepared.path, max_bytes)


_SVG_TAG = re.compile(r"<svg\b[^>]*>")
TRACE_TIMEOUT = 60


def _svg_header(width: int, height: int) -> str:
    # A viewBox, so the drawing scales to the size the page gives it.
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'


def _potrace(ink: Image.Image, executable: str) -> str:
    """potrace: the smoothest curves, in a few hundredths of a second."""
    width, height = ink.size
    bitmap = io.BytesIO()
    ink.save(bitmap, "PPM")  # a PBM, black = ink
    speckle = max(2, round((max(width, height) / 1024) ** 2 * 3))  # dust, in pixels of area
    try:
        done = subprocess.run(
            [executable, "--svg", "--turdsize", str(speckle), "--output", "-", "-"],
            input=bitmap.getvalue(),
            capture_output=True,
            timeout=TRACE_TIMEOUT,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ImagePrepError(f"potrace failed: {exc}") from exc
    svg = done.stdout.decode()
    # Its own header sizes the drawing in points and names a DTD: keep the drawing only.
    start = svg.find("<g ")
    return _svg_header(width, height) + (svg[start:] if start >= 0 else "</svg>")


def _vtracer(ink: Image.Image) -> str:
    """vtracer (a pip package, no system dependency): good curves, about 10 times slower than potrace."""
    import vtracer

    buffer = io.BytesIO()
    ink.save(buffer, "PNG", compress_level=1)
    width, height = ink.size
    speckle = max(2, round(min(width, height) / 512))  # dust, not details
    svg = vtracer.convert_raw_image_to_svg(
        buffer.getvalue(),
        img_format="png",
        colormode="binary",
        mode="spline",
        filter_speckle=speckle,
        corner_threshold=60,
        length_threshold=4.0,
        splice_threshold=45,
        path_precision=1,
    )
    svg = svg[svg.index("<svg") :]  # no XML prologue, no comment
    return _SVG_TAG.sub(_svg_header(width, height), svg, count=1)


def trace(ink: Image.Image) -> str:
    """An SVG of a black-and-white image: with potrace when it is installed
    (apt-get install potrace), else with vtracer."""
    executable = shutil.which("potrace")
    return _potrace(ink, executable) if executable else _vtracer(ink)


def detail(ink: Image.Image) -> float:
    """Edge pixels (ink next to paper) per pixel of the long side."""
    gray = ink.convert("L")
    width, height = gray.size
    across = ImageChops.difference(gray.crop((1, 0, width, height)), gray.crop((0, 0, width - 1, height)))
    down = ImageChops.difference(gray.crop((0, 1, width, height)), gray.crop((0, 0, width, height - 1)))
    return (across.histogram()[255] + down.histogram()[255]) / max(width, height)


def line_art_prepare(
    source: Path, target: Path, *, box: tuple[float, float], max_detail: float | None = None
) -> PreparedImage:
    """A coloring page that prints sharp at the size that fits `box` (inches):
    a traced SVG, or for a very detailed drawing a black-and-white PNG of at
    least LINE_ART_DPI."""
    gray = _open(source, "L")
    width_in, height_in = fit(*gray.size, box)
    ink = gray.point(lambda value: 0 if value < INK_THRESHOLD else 255).convert("1")
    if detail(ink) <= (TRACE_MAX_DETAIL if max_detail is None else max_detail):
        svg = trace(ink)
        if len(svg) <= SVG_MAX_BYTES:
            path = target.with_suffix(".svg")
            path.write_text(svg, encoding="utf-8")
            return PreparedImage(path, width_in, height_in, "svg")
        del svg
    del ink

    pixels = (
        max(gray.size[0], round(width_in * LINE_ART_DPI)),
        max(gray.size[1], round(height_in * LINE_ART_DPI)),
    )
    if gray.size != pixels:
        # Smooth edges first, then a clean cut: pure ink on pure paper prints
        # crisp at 300 DPI and compresses several times better than gray.
        gray = gray.resize(pixels, Image.Resampling.LANCZOS)
    gray = gray.point(lambda value: 0 if value < INK_THRESHOLD else 255)
    path = target.with_suffix(".png")
    # Mode L, not 1: WeasyPrint would turn a 1-bit image into RGB.
    gray.save(path, "PNG", compress_level=6)
    return PreparedImage(path, width_in, height_in, "png")


# The preparing process ---------------------------------------------------------
# Decoding a 2048-pixel image and tracing it takes 60-100 MB for a moment, and
# a Python process rarely gives such memory back. So images are prepared by a
# child process, one at a time, and the process that lays the book out stays
# small. A crash in native code (Pillow, vtracer) on a strange image ends that
# child, not the worker.

PREPARERS = {"colored": colored_prepare, "line_art": line_art_prepare}
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Seconds one image may take before the child is given up on.
PREPARE_TIMEOUT = 120


class ImagePreparer:
    """`with ImagePreparer() as preparer: preparer.prepare("colored", source, target, box=...)`."""

    def __init__(self, timeout: float = PREPARE_TIMEOUT) -> None:
        self.timeout = timeout
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ImagePreparer":
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "generator.imageprep"],
                cwd=PROJECT_ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        except OSError as exc:
            raise ImagePrepError(f"cannot start the image preparing process: {exc}") from exc
        return self

    def __exit__(self, *exc_info) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.stdin.close()
            process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        finally:
            process.stdout.close()

    def prepare(self, kind: str, source: Path, target: Path, *, box: tuple[float, float]) -> PreparedImage:
        process = self.process
        if process is None or process.poll() is not None:
            raise ImagePrepError("the image preparing process is not running")
        task = {"kind": kind, "source": str(source), "target": str(target), "box": list(box)}
        try:
            process.stdin.write(json.dumps(task) + "\n")
            process.stdin.flush()
        except OSError as exc:
            raise ImagePrepError(f"the image preparing process stopped ({exc})") from exc
        ready, _, _ = select.select([process.stdout], [], [], self.timeout)
        line = process.stdout.readline() if ready else ""
        if not line:
            if ready:
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                raise ImagePrepError(f"the image preparing process died (exit {process.returncode})")
            process.kill()
            raise ImagePrepError(f"preparing {source.name} took more than {self.timeout:.0f} s")
        answer = json.loads(line)
        if "error" in answer:
            raise ImagePrepError(answer["error"])
        return PreparedImage(Path(answer["path"]), answer["width_in"], answer["height_in"], answer["kind"])


def _serve() -> None:
    """The child: one JSON task per line on stdin, one JSON answer per line on stdout."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # nothing else may write on the answers' channel
    for line in sys.stdin:
        task = json.loads(line)
        try:
            prepared = PREPARERS[task["kind"]](Path(task["source"]), Path(task["target"]), box=tuple(task["box"]))
            answer = {
                "path": str(prepared.path),
                "width_in": prepared.width_in,
                "height_in": prepared.height_in,
                "kind": prepared.kind,
            }
        except ImagePrepError as exc:
            answer = {"error": str(exc)}
        except Exception as exc:  # the parent decides; this process stays up for the next image
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    _serve()
