"""Shapes to pixels.

Both pictures come from one shape list. The ink (every outline, with what is
in front hiding what is behind) is drawn once at SUPERSAMPLE times the size
and scaled down, which gives smooth antialiased lines; Pillow's own drawing is
not antialiased. The colored reference fills the same shapes at the target
size and lays that same ink on top, so its outlines match the line art's
pixel for pixel and the fills' rough edges stay hidden under the lines.
"""

import io

from PIL import Image, ImageDraw, ImageOps

from generator.providers.offline_art.geometry import INK, WHITE, Point, Shape, arc, rounded_rect

SUPERSAMPLE = 3
BAND_ROWS = 256  # target rows drawn at a time: 2048 px wide x 3 x 768 rows = 4.7 MB
PAGE = 1000.0
# The drawing sits inside a rounded frame, clear of the paper's edge.
FRAME = (34.0, 34.0, 966.0, 966.0)
FRAME_RADIUS = 34.0


def frame_outline() -> list[Point]:
    return rounded_rect(*FRAME, FRAME_RADIUS)


def _outside_frame(scale: float) -> list[list[Point]]:
    """The margin around the frame as simple polygons (no holes): four bands
    and four corner pieces."""
    x0, y0, x1, y1 = (v * scale for v in FRAME)
    r = FRAME_RADIUS * scale
    end = PAGE * scale
    pieces = [
        [(0, 0), (end, 0), (end, y0), (0, y0)],
        [(0, y1), (end, y1), (end, end), (0, end)],
        [(0, 0), (x0, 0), (x0, end), (0, end)],
        [(x1, 0), (end, 0), (end, end), (x1, end)],
    ]
    corners = [
        ((x0, y0), (x0 + r, y0 + r), 180, 270),
        ((x1, y0), (x1 - r, y0 + r), 270, 360),
        ((x1, y1), (x1 - r, y1 - r), 0, 90),
        ((x0, y1), (x0 + r, y1 - r), 90, 180),
    ]

    for corner, (cx, cy), a0, a1 in corners:
        pieces.append([corner, *arc(cx, cy, r, r, a0, a1)])
    return pieces


def _stroke(draw: ImageDraw.ImageDraw, points: list[Point], width: int, closed: bool) -> None:
    if len(points) < 2:
        return
    # A closed outline goes two points past its start, so the seam gets a round joint too.
    path = [*points, points[0], points[1]] if closed else points
    draw.line(path, fill=255, width=width, joint="curve")
    if not closed and width > 2:
        r = width / 2
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)


def ink_mask(shapes: list[Shape], size: int, line: float) -> Image.Image:
    """Where the ink goes, 255 = black, at `size` pixels; `line` is the main
    line width in page units.

    The supersampled drawing is made one band of rows at a time, so that only
    a band (not a whole page at SUPERSAMPLE times the size) is ever in memory.
    """
    big = size * SUPERSAMPLE
    scale = big / PAGE
    strokes = []
    for shape in shapes:
        points = [(x * scale, y * scale) for x, y in shape.points]
        width = max(SUPERSAMPLE, round(line * shape.weight * scale)) if shape.weight > 0 else 0
        ys = [p[1] for p in points]
        strokes.append((shape, points, width, min(ys) - width, max(ys) + width))
    margin = _outside_frame(scale)
    frame = [(x * scale, y * scale) for x, y in frame_outline()]
    frame_width = max(SUPERSAMPLE, round(line * scale))

    mask = Image.new("L", (size, size), 0)
    for top in range(0, size, BAND_ROWS):
        rows = min(BAND_ROWS, size - top)
        y0, y1 = top * SUPERSAMPLE, (top + rows) * SUPERSAMPLE
        band = Image.new("L", (big, y1 - y0), 0)
        draw = ImageDraw.Draw(band)
        for shape, points, width, low, high in strokes:
            if high < y0 or low > y1:
                continue
            moved = [(x, y - y0) for x, y in points]
            if shape.closed and shape.fill is not None and len(moved) > 2:
                draw.polygon(moved, fill=255 if shape.fill == INK else 0)
            if width:
                _stroke(draw, moved, width, shape.closed)
        for piece in margin:
            draw.polygon([(x, y - y0) for x, y in piece], fill=0)
        _stroke(draw, [(x, y - y0) for x, y in frame], frame_width, True)
        del draw
        mask.paste(band.reduce(SUPERSAMPLE), (0, top))
    return mask


def color_fills(shapes: list[Shape], size: int) -> Image.Image:
    scale = size / PAGE
    image = Image.new("RGB", (size, size), WHITE)
    draw = ImageDraw.Draw(image)
    for shape in shapes:
        if shape.closed and shape.fill is not None and len(shape.points) > 2:
            draw.polygon([(x * scale, y * scale) for x, y in shape.points], fill=shape.fill)
    for piece in _outside_frame(scale):
        draw.polygon(piece, fill=WHITE)
    return image


def line_art_png(shapes: list[Shape], size: int, line: float) -> bytes:
    art = ImageOps.invert(ink_mask(shapes, size, line))
    buffer = io.BytesIO()
    art.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def ink_from_line_art(data: bytes, size: int) -> Image.Image | None:
    """The ink mask back from a page's line art (line_art_png's PNG, which is
    lossless): decoding it is ten times quicker than drawing the strokes
    again. None when `data` is not such a picture."""
    try:
        with Image.open(io.BytesIO(data)) as art:
            if art.format != "PNG" or art.mode != "L" or art.size != (size, size):
                return None
            return ImageOps.invert(art)
    except OSError:
        return None


def colored_jpeg(shapes: list[Shape], size: int, line: float, ink: Image.Image | None = None) -> bytes:
    """The colored reference: the shapes' fills under the same ink as the
    line art (`ink`, when the line art's own mask is at hand)."""
    image = color_fills(shapes, size)
    image.paste(INK, mask=ink if ink is not None else ink_mask(shapes, size, line))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, optimize=True)
    return buffer.getvalue()
