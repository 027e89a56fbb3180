"""Stored images at screen size, as JPEG: unmarked (the customer's own
pages, the admin's thumbnails), or marked PREVIEW for a free preview. The
full-size image stays in storage for the book.

A screen-size image is made once, on its first request, and stored beside
its original (`<folder>/screen/<original>-<variant>.jpg`); every later
request reads that small file. Decoding a full-size image takes tens of MB
at once, and a Python process rarely gives such memory back: eight visitors
on one preview once took the web process from 76 to 204 MB, for good. So
the making is admitted one at a time across the host (hostlimits'
image-decode slots, shared with the worker), and a request that waited for
the slot finds the image its neighbour made. Deleting an original deletes
its screen images with it (`screen_images_delete`).
"""

import hashlib
import io
import posixpath
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from generator.hostlimits import image_decodes

MARK = "PREVIEW"
SCREEN_FOLDER = "screen"


class ScreenImage(NamedTuple):
    """A stored screen-size JPEG: its bytes, and a digest of them (the
    HTTP ETag: a page drawn again gets another)."""

    data: bytes
    digest: str


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(Path(settings.BASE_DIR) / "static" / "fonts" / "Quicksand-Bold.ttf"), size)
    except OSError:
        return ImageFont.load_default()


def _screen_size(name: str, pixels: int) -> Image.Image:
    # Scaled down in the mode it is stored in (a JPEG while it is decoded),
    # then converted: never a second full-size copy.
    with default_storage.open(name, "rb") as stored, Image.open(stored) as image:
        image.draft("RGB", (pixels, pixels))
        picture = image if image.mode in ("RGB", "L") else image.convert("RGB")
        picture.load()  # while the file is open: thumbnail leaves a small image as it is
        picture.thumbnail((pixels, pixels))
    return picture if picture.mode == "RGB" else picture.convert("RGB")


def _jpeg(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return out.getvalue()


def _unmarked(name: str, pixels: int) -> bytes:
    return _jpeg(_screen_size(name, pixels))


def _marked(name: str, pixels: int, mark: str) -> bytes:
    picture = _screen_size(name, pixels)
    overlay = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width, height = picture.size
    font = _font(max(14, width // 9))
    box = draw.textbbox((0, 0), mark, font=font)
    text_w, text_h = box[2] - box[0], box[3] - box[1]
    for row in (0.2, 0.5, 0.8):
        x, y = (width - text_w) / 2, height * row - text_h / 2
        draw.rectangle((0, y - text_h * 0.35, width, y + text_h * 1.45), fill=(255, 255, 255, 90))
        draw.text((x, y - box[1]), mark, font=font, fill=(29, 154, 138, 150))
    return _jpeg(Image.alpha_composite(picture.convert("RGBA"), overlay).convert("RGB"))


def _stem(name: str) -> tuple[str, str]:
    folder, filename = posixpath.split(name)
    return posixpath.join(folder, SCREEN_FOLDER), filename.rsplit(".", 1)[0]


def screen_name(name: str, pixels: int, mark: str = "") -> str:
    """Where the screen-size image of the stored image `name` is kept: one
    per size and per mark (a preview's mark is in its own language)."""
    folder, stem = _stem(name)
    variant = f"{pixels}-{hashlib.sha256(mark.encode()).hexdigest()[:8]}" if mark else str(pixels)
    return f"{folder}/{stem}-{variant}.jpg"


def _read(name: str) -> ScreenImage:
    with default_storage.open(name, "rb") as stored:
        data = stored.read()
    return ScreenImage(data, hashlib.sha256(data).hexdigest()[:20])


def _stored(name: str, pixels: int, mark: str) -> ScreenImage:
    target = screen_name(name, pixels, mark)
    if default_storage.exists(target):
        return _read(target)
    with image_decodes():
        # Whoever held the slot before us may have made it.
        if default_storage.exists(target):
            return _read(target)
        data = _marked(name, pixels, mark) if mark else _unmarked(name, pixels)
        default_storage.save(target, ContentFile(data))
    if not default_storage.exists(name):
        # The original was deleted while this was made (the customer's data
        # deleted, a page drawn again): its screen image goes with it.
        default_storage.delete(target)
    return ScreenImage(data, hashlib.sha256(data).hexdigest()[:20])


def thumbnail(name: str, pixels: int) -> ScreenImage:
    """The stored image `name` as a JPEG, its long side at most `pixels`,
    unmarked: for the customer's own pages (the order's status page) and
    the admin."""
    return _stored(name, pixels, "")


def preview_image(name: str, pixels: int, *, mark: str = MARK) -> ScreenImage:
    """The stored image `name`, its long side at most `pixels`, with the
    word `mark` (PREVIEW, or the preview's own language's) across it in
    three translucent bands."""
    return _stored(name, pixels, mark or MARK)


def screen_images_delete(name: str) -> None:
    """Delete every screen-size image made from the stored image `name`
    (call it with the original's own deletion)."""
    folder, stem = _stem(name)
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for filename in files:
        if filename.startswith(f"{stem}-"):
            default_storage.delete(f"{folder}/{filename}")
