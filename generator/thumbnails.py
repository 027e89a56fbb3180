"""Stored images at screen size, as JPEG: unmarked (the customer's own
pages, the admin's thumbnails), or marked PREVIEW for a free preview. The
full-size image stays in storage for the book."""

import io
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

MARK = "PREVIEW"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(Path(settings.BASE_DIR) / "static" / "fonts" / "Quicksand-Bold.ttf"), size)
    except OSError:
        return ImageFont.load_default()


def _screen_size(name: str, pixels: int) -> Image.Image:
    with default_storage.open(name, "rb") as stored, Image.open(stored) as image:
        image.draft("RGB", (pixels, pixels))
        picture = image.convert("RGB")
    picture.thumbnail((pixels, pixels))
    return picture


def thumbnail(name: str, pixels: int) -> bytes:
    """The stored image `name` as a JPEG, its long side at most `pixels`,
    unmarked: for the customer's own pages (the order's status page)."""
    out = io.BytesIO()
    _screen_size(name, pixels).save(out, "JPEG", quality=80)
    return out.getvalue()


def preview_image(name: str, pixels: int, *, mark: str = MARK) -> bytes:
    """The stored image `name`, its long side at most `pixels`, with the
    word `mark` (PREVIEW, or the preview's own language's) across it in
    three translucent bands."""
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
    marked = Image.alpha_composite(picture.convert("RGBA"), overlay).convert("RGB")
    out = io.BytesIO()
    marked.save(out, "JPEG", quality=80)
    return out.getvalue()
