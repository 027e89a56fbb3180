"""The offline provider: procedural drawings made locally with Pillow.

Each scene is a list of shapes chosen from the order's seed; the line art
draws their outlines on white and the colored reference fills the same shapes
before drawing the same outlines, so the two always match.
"""

import hashlib
import io
import random
import time

from django.conf import settings
from PIL import Image, ImageDraw

from generator.providers.base import Brief, ImageProvider

SCENE_PATTERNS = [
    "{who} wake up to a sunny morning of {theme}",
    "{who} go exploring: {theme}",
    "A picnic on the hill with {theme}",
    "{who} build a little house for {theme}",
    "A rainy afternoon with {theme}",
    "{who} find a hidden garden full of {theme}",
    "A parade through town: {theme}",
    "Splashing by the lake with {theme}",
    "{who} fly a kite above {theme}",
    "A starry night and {theme}",
    "A birthday party for {theme}",
    "Sweet dreams after a day of {theme}",
]

PALETTE = [
    (255, 179, 71),
    (119, 221, 119),
    (174, 198, 255),
    (255, 150, 170),
    (253, 253, 150),
    (203, 153, 201),
    (130, 200, 230),
    (255, 105, 97),
    (150, 111, 51),
    (170, 240, 209),
]

LINE_WIDTH = {"toddler": 0.012, "kids": 0.008, "tweens": 0.005}
SHAPE_COUNT = {"toddler": (3, 4), "kids": (5, 7), "tweens": (8, 11)}


def _rng(brief: Brief, index: int) -> random.Random:
    digest = hashlib.sha256(f"{brief.seed}:{brief.theme}:{index}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _scene_shapes(brief: Brief, index: int) -> list[tuple]:
    """Shapes in drawing order: (kind, box or points, color)."""
    rng = _rng(brief, index)
    s = brief.size
    shapes: list[tuple] = [("rect", (0, int(s * 0.68), s, s), (140, 210, 120))]  # ground
    sun_r = s * rng.uniform(0.07, 0.1)
    cx, cy = s * rng.uniform(0.15, 0.85), s * rng.uniform(0.12, 0.22)
    shapes.append(("ellipse", (cx - sun_r, cy - sun_r, cx + sun_r, cy + sun_r), (255, 220, 90)))
    low, high = SHAPE_COUNT.get(brief.age_group, SHAPE_COUNT["kids"])
    for _ in range(rng.randint(low, high)):
        kind = rng.choice(["house", "tree", "flower", "balloon", "cloud"])
        x = s * rng.uniform(0.1, 0.9)
        base = s * rng.uniform(0.7, 0.9)
        w = s * rng.uniform(0.1, 0.2)
        color = rng.choice(PALETTE)
        if kind == "house":
            shapes.append(("rect", (x - w / 2, base - w, x + w / 2, base), color))
            shapes.append(
                ("polygon", [(x - w * 0.65, base - w), (x, base - w * 1.6), (x + w * 0.65, base - w)], (205, 92, 92))
            )
            shapes.append(("rect", (x - w * 0.12, base - w * 0.45, x + w * 0.12, base), (150, 111, 51)))
        elif kind == "tree":
            shapes.append(("rect", (x - w * 0.1, base - w * 1.2, x + w * 0.1, base), (150, 111, 51)))
            shapes.append(("ellipse", (x - w * 0.6, base - w * 2.2, x + w * 0.6, base - w * 1.0), (90, 180, 90)))
        elif kind == "flower":
            r = w * 0.25
            shapes.append(("line", [(x, base), (x, base - w)], (60, 150, 60)))
            for dx, dy in ((-r, 0), (r, 0), (0, -r), (0, r)):
                shapes.append(("ellipse", (x + dx - r, base - w + dy - r, x + dx + r, base - w + dy + r), color))
            shapes.append(
                ("ellipse", (x - r * 0.6, base - w - r * 0.6, x + r * 0.6, base - w + r * 0.6), (255, 220, 90))
            )
        elif kind == "balloon":
            y = s * rng.uniform(0.25, 0.5)
            shapes.append(("line", [(x, y + w * 0.6), (x, y + w * 1.6)], (80, 80, 80)))
            shapes.append(("ellipse", (x - w * 0.4, y - w * 0.6, x + w * 0.4, y + w * 0.6), color))
        else:
            y = s * rng.uniform(0.08, 0.3)
            for dx in (-0.4, 0, 0.4):
                shapes.append(
                    ("ellipse", (x + w * dx - w * 0.4, y - w * 0.3, x + w * dx + w * 0.4, y + w * 0.3), (245, 245, 255))
                )
    return shapes


def _render(brief: Brief, index: int, colored: bool) -> bytes:
    s = brief.size
    image = Image.new("RGB" if colored else "L", (s, s), "white")
    draw = ImageDraw.Draw(image)
    width = max(2, int(s * LINE_WIDTH.get(brief.age_group, 0.008)))
    black = (0, 0, 0) if colored else 0
    for kind, geometry, color in _scene_shapes(brief, index):
        fill = color if colored else None
        if kind == "rect":
            draw.rectangle(geometry, fill=fill, outline=black, width=width)
        elif kind == "ellipse":
            draw.ellipse(geometry, fill=fill, outline=black, width=width)
        elif kind == "polygon":
            draw.polygon(geometry, fill=fill, outline=black, width=width)
        elif kind == "line":
            draw.line(geometry, fill=black, width=width)
    buffer = io.BytesIO()
    if colored:
        image.save(buffer, "JPEG", quality=88)
    else:
        image.convert("1", dither=Image.Dither.NONE).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


class OfflineProvider(ImageProvider):
    name = "offline"

    def _call(self) -> None:
        self.usage.count()
        if settings.OFFLINE_IMAGE_LATENCY > 0:
            time.sleep(settings.OFFLINE_IMAGE_LATENCY)

    def plan_scenes(self, brief: Brief, count: int) -> list[str]:
        who = f"{brief.child_name} and friends" if brief.child_name else "Little friends"
        scenes = [pattern.format(who=who, theme=brief.theme) for pattern in SCENE_PATTERNS]
        return [scene[:1].upper() + scene[1:] for scene in scenes[:count]]

    def draw_line_art(self, brief: Brief, scene: str, index: int) -> bytes:
        self._call()
        return _render(brief, index, colored=False)

    def color_page(self, brief: Brief, scene: str, index: int, line_art: bytes) -> bytes:
        self._call()
        return _render(brief, index, colored=True)
