"""The child the book is for, drawn beside the hero.

Like the characters, the child is drawn in local units with its feet at
(0, 0) and the top of its head about 95 units above; the stage scales and
places it next to the hero. Its look comes from the brief's `Appearance`:
the kind (a girl wears a dress, a boy a t-shirt and shorts, a child
overalls), the hair (color in the colored reference, style as its own
outline in the line art), the skin tone and glasses. Whatever the parent
left open is picked from the book's seed, so it is the same on every page.

Every shape of the child has `part="child"`, so tests and tools can tell
the child's shapes from the rest of the page.
"""

import math
from dataclasses import dataclass

from generator.providers.base import Appearance
from generator.providers.offline_art import palette as pal
from generator.providers.offline_art.characters import _cheek, _eye, _smile
from generator.providers.offline_art.compose.seeding import seeded_random
from generator.providers.offline_art.geometry import (
    BOLD,
    DETAIL,
    Color,
    Point,
    Shape,
    Sketch,
    arc,
    capsule,
    circle,
    ellipse,
    rounded_polygon,
    rounded_rect,
    scallop,
    smooth,
    star,
)

KINDS = ("girl", "boy", "child")
HAIR_STYLES = ("short", "long", "curly", "ponytail")
# The child's height next to the hero's (the height the scene asked for).
CHILD_RATIO = 0.68


@dataclass(frozen=True)
class ChildLook:
    """The child's look, fixed for the whole book."""

    kind: str
    hair_color: str
    hair_style: str
    skin_tone: str
    glasses: bool
    top: Color
    bottom: Color

    @property
    def skin(self) -> Color:
        return pal.SKIN_TONES[self.skin_tone]

    @property
    def hair(self) -> Color:
        return pal.HAIR_COLORS[self.hair_color]


def child_look(appearance: Appearance, seed: str) -> ChildLook:
    """The appearance with every open (or unknown) choice picked from the
    book's seed: the same child on every page."""
    rng = seeded_random(seed, "child")
    kind = appearance.kind if appearance.kind in KINDS else "child"
    # Each pick is drawn whether it is used or not, so one choice the parent
    # makes does not change the ones left to us.
    color = rng.choice(tuple(pal.HAIR_COLORS))
    style = rng.choice(HAIR_STYLES if kind == "child" else (("short",) * 2 + HAIR_STYLES[1:]))
    if kind == "boy" and style in ("long", "ponytail"):
        style = "short"
    if kind == "girl" and style == "short":
        style = "long"
    tone = rng.choice(tuple(pal.SKIN_TONES))
    top, bottom = rng.choice(pal.CLOTHES)
    return ChildLook(
        kind=kind,
        hair_color=appearance.hair_color if appearance.hair_color in pal.HAIR_COLORS else color,
        hair_style=appearance.hair_style if appearance.hair_style in HAIR_STYLES else style,
        skin_tone=appearance.skin_tone if appearance.skin_tone in pal.SKIN_TONES else tone,
        glasses=bool(appearance.glasses),
        top=top,
        bottom=bottom,
    )


# Drawing ---------------------------------------------------------------------

HEAD = (0.0, -74.0)
HEAD_R = 17.0


def _limb(s: Sketch, shoulder: Point, side: int, mode: str, look: ChildLook, sleeve: bool) -> None:
    """An arm (skin) with its hand; side +1 is the right arm. Sleeves are
    drawn later, over the body (see `_sleeve`)."""
    angle = {"down": 24, "wave": 140 if side > 0 else 24, "cheer": 135}[mode]
    a = math.radians(90 - angle * side)
    length = 21.0
    hand = (shoulder[0] + math.cos(a) * length, shoulder[1] + math.sin(a) * length)
    s.fill(capsule(shoulder, hand, 3.4, 3.6), look.skin)
    s.fill(circle(hand[0], hand[1], 4.2), look.skin)
    if sleeve:
        end = (shoulder[0] + math.cos(a) * 8, shoulder[1] + math.sin(a) * 8)
        s.fill(capsule(shoulder, end, 5.2, 5.0), look.top, DETAIL)


def _hair_back(s: Sketch, look: ChildLook) -> None:
    hx, hy = HEAD
    if look.hair_style == "long":
        s.fill(
            smooth([(hx - 20, hy - 6), (hx, hy - 23), (hx + 20, hy - 6), (hx + 23, hy + 27), (hx - 23, hy + 27)]),
            look.hair,
        )
    elif look.hair_style == "curly":
        s.fill(scallop(hx, hy - 2, 27, 25, 11, 0.3), look.hair)
    elif look.hair_style == "ponytail":
        tail = smooth(
            [
                (hx - 12, hy - 15),
                (hx - 27, hy - 20),
                (hx - 37, hy - 4),
                (hx - 33, hy + 16),
                (hx - 24, hy + 4),
                (hx - 17, hy - 6),
            ]
        )
        s.fill(tail, look.hair)


def _hair_front(s: Sketch, look: ChildLook, detail: int) -> None:
    hx, hy = HEAD
    r = HEAD_R + 1.5
    top = arc(hx, hy, r, r, 180, 360)  # from the left ear over the top to the right ear
    if look.hair_style == "short":
        fringe = []
        teeth = 6
        for i in range(teeth + 1):
            x = hx + r - 2 * r * i / teeth
            fringe.append((x, hy - (5 if i % 2 else 10)))
        s.fill(top + fringe, look.hair)
        if detail >= 1:
            s.fill(
                smooth([(hx + 2, hy - r + 1), (hx + 6, hy - r - 7), (hx + 10, hy - r - 4), (hx + 7, hy - r + 1.5)]),
                look.hair,
                DETAIL,
            )
    elif look.hair_style == "curly":
        bumps = []
        for i in range(5):
            x0 = hx + r - 2 * r * i / 5
            bumps.extend(arc(x0 - r / 5, hy - 8, r / 5, 5, 0, 180))
        s.fill(top + bumps, look.hair)
    elif look.hair_style == "long":
        waves = []
        for i in range(4):
            x0 = hx + r - 2 * r * i / 4
            waves.extend(arc(x0 - r / 4, hy - 7, r / 4, 6, 0, 180))
        s.fill(top + waves, look.hair)
    else:  # ponytail: hair swept back from a side parting
        sweep = smooth([(hx + r, hy - 4), (hx + 8, hy - 9), (hx - 6, hy - 12), (hx - r, hy - 6)], closed=False)
        s.fill(top + sweep, look.hair)


def _clothes(s: Sketch, look: ChildLook, detail: int) -> None:
    if look.kind == "girl":
        dress = rounded_polygon([(-9, -58), (9, -58), (13, -44), (23, -17), (-23, -17), (-13, -44)], 0.12)
        s.fill(dress, look.top)
        s.fill(rounded_rect(-12.5, -44, 12.5, -39.5, 2), look.bottom, DETAIL)
        if detail >= 1:
            for x in (-11, 0, 11):
                s.fill(circle(x, -26, 2.6), look.bottom, DETAIL * 0.8)
    elif look.kind == "boy":
        s.fill(rounded_rect(-12, -58, 12, -33, 5), look.top)
        shorts = rounded_polygon(
            [(-12.5, -37), (12.5, -37), (13.5, -20), (1.5, -20), (0, -27), (-1.5, -20), (-13.5, -20)], 0.12
        )
        s.fill(shorts, look.bottom)
        if detail >= 1:
            s.fill(star(0, -47, 5, 2.5), pal.STAR, DETAIL * 0.8)
    else:
        s.fill(rounded_rect(-12, -58, 12, -36, 5), look.top)
        trousers = rounded_polygon(
            [(-12.5, -40), (12.5, -40), (12.5, -8), (2, -8), (0, -22), (-2, -8), (-12.5, -8)], 0.1
        )
        s.fill(trousers, look.bottom)
        s.fill(rounded_rect(-8, -52, 8, -38, 2), look.bottom)
        for side in (-1, 1):
            s.line([(side * 7, -51), (side * 9.5, -57.5)], BOLD * 0.8)
            if detail >= 1:
                s.fill(circle(side * 5.5, -49, 1.6), pal.STAR, DETAIL * 0.6)
        if detail >= 1:
            s.fill(rounded_rect(-4, -46, 4, -40.5, 1.5), pal.light(look.bottom, 0.35), DETAIL * 0.8)


def _glasses(s: Sketch) -> None:
    hx, hy = HEAD
    for side in (-1, 1):
        s.fill(circle(hx + side * 6.5, hy + 1, 5.4), None, DETAIL)
        s.line([(hx + side * 11.9, hy), (hx + side * 16.5, hy - 2)], DETAIL * 0.8)
    s.line(arc(hx, hy + 1.5, 1.8, 1.6, 200, 340), DETAIL * 0.8)


def draw_child(look: ChildLook, *, arms: str, happy: bool, helmet: bool, detail: int) -> list[Shape]:
    """The child's shapes in local units, feet at (0, 0), facing the reader."""
    s = Sketch()
    hx, hy = HEAD
    _hair_back(s, look)
    # Legs and shoes, arms: behind the clothes.
    leg_top = -30 if look.kind == "child" else -24
    for side in (-1, 1):
        s.fill(capsule((side * 5.5, leg_top), (side * 5.5, -6), 3.6), look.skin)
        s.fill(ellipse(side * 7.5, -3.8, 7.5, 4.4), pal.SHOE)
    for side in (-1, 1):
        mode = arms if side > 0 or arms == "cheer" else "down"
        _limb(s, (side * 10, -53), side, mode, look, sleeve=False)
    _clothes(s, look, detail)
    for side in (-1, 1):
        mode = arms if side > 0 or arms == "cheer" else "down"
        a = math.radians(90 - {"down": 24, "wave": 140 if side > 0 else 24, "cheer": 135}[mode] * side)
        end = (side * 10 + math.cos(a) * 7, -53 + math.sin(a) * 7)
        s.fill(capsule((side * 10, -53), end, 5.2, 5.0), look.top, DETAIL)
    # Neck, ears, head, hair, face.
    s.fill(rounded_rect(-3.5, -60, 3.5, -55, 1.5), look.skin, DETAIL)
    if look.hair_style in ("short", "ponytail"):
        for side in (-1, 1):
            s.fill(circle(hx + side * HEAD_R, hy + 1, 4), look.skin, DETAIL)
    s.fill(circle(hx, hy, HEAD_R), look.skin)
    _hair_front(s, look, detail)
    if look.hair_style == "ponytail":
        s.fill(circle(hx - 15, hy - 12, 3.6), look.bottom, DETAIL)
    for side in (-1, 1):
        _eye(s, hx + side * 6.5, hy + 1, 3.5 if detail else 3.9)
    _smile(s, hx, hy + 8.5, 4.2, happy)
    for side in (-1, 1):
        _cheek(s, hx + side * 11.5, hy + 6.5, 2.8, detail)
    if look.glasses:
        _glasses(s)
    if helmet:
        s.fill(circle(hx, hy - 3, 32), None)
        s.line(arc(hx, hy - 3, 26, 26, 200, 245), DETAIL)
    return [tag(shape) for shape in s.shapes]


CHILD = "child"


def tag(shape: Shape) -> Shape:
    return Shape(shape.points, shape.fill, shape.closed, shape.weight, CHILD)


def is_child(shape: Shape) -> bool:
    return shape.part == CHILD


# Placing the child beside the hero ---------------------------------------------

# Where the child stands when the hero is off the ground (flying, jumping,
# swimming): feet y by setting. In the waves the child wades: the front row
# of waves, drawn after, hides its legs.
GROUND = {"waves": 835.0, "launch": 915.0, "space": 880.0, "underwater": 895.0}
GAP = 12.0


@dataclass(frozen=True)
class ChildOnPage:
    """The child on one page: its look and pose, and where it stands when
    the hero does not."""

    look: ChildLook
    arms: str
    happy: bool
    helmet: bool
    ground: float
    detail: int

    def shapes(self) -> list[Shape]:
        return draw_child(self.look, arms=self.arms, happy=self.happy, helmet=self.helmet, detail=self.detail)


@dataclass(frozen=True)
class Beside:
    hero_x: float  # where the hero's box is centred now
    shrink: float  # how much the hero is scaled down to make room
    x: float  # the child's centre
    height: float  # the child's height (page units)
    side: int  # +1: the child is right of the hero


def fit_beside(x: float, half_w: float, hero_height: float, aspect: float, side: int, lo: float, hi: float) -> Beside:
    """Room for the child next to a hero `2 * half_w` wide centred at x,
    between lo and hi, on `side` (the side the hero faces: +1 is right), the
    two shrunk together when the pair is too wide for the page."""
    child_h = CHILD_RATIO * hero_height
    child_w = child_h * aspect
    # The hero gives up room first (down to 60 % of its size), so the child
    # never ends up tiny next to a wide hero; then both shrink together.
    shrink = min(1.0, (hi - lo - GAP - child_w) / (2 * half_w))
    if shrink < 0.6:
        both = (hi - lo - GAP) / (2 * half_w + child_w)
        shrink, child_w, child_h = both, child_w * both, child_h * both
    half_w *= shrink
    if side > 0:
        x = max(lo + half_w, min(x, hi - child_w - GAP - half_w))
    else:
        x = min(hi - half_w, max(x, lo + child_w + GAP + half_w))
    return Beside(x, shrink, x + side * (half_w + GAP + child_w / 2), child_h, side)


def names_the_child(caption: str, name: str) -> bool:
    """Whether a page's caption (without the theme in front) is about the
    child: its name, or "a friend" when the brief has none."""
    return (name or "a friend").casefold() in caption.casefold()


def child_pages(captions: list[str], name: str) -> list[bool]:
    """Which pages show the child: the first one (the cover), every page whose
    caption names the child, and every other page of the rest, so the hero
    still has a few pages of its own."""
    shown, others = [], 0
    for index, caption in enumerate(captions):
        if index == 0 or names_the_child(caption, name):
            shown.append(True)
        else:
            shown.append(others % 2 == 1)
            others += 1
    return shown


def child_on_page(appearance: Appearance, seed: str, index: int, setting: str, detail: int) -> ChildOnPage:
    rng = seeded_random(seed, index, "child")
    return ChildOnPage(
        look=child_look(appearance, seed),
        arms=rng.choice(("down", "wave", "wave", "cheer")),
        happy=rng.random() < 0.6,
        helmet=setting in ("space", "underwater"),
        ground=GROUND.get(setting, 900.0),
        detail=detail,
    )
