"""The book's hero: one friendly character per book, drawn in local units.

Every builder draws facing right with its feet (or its lowest point) at
(0, 0) and its top about 100 units above; the page places, scales and mirrors
it. `detail` is 0 for toddlers (a few big shapes), 1 for kids, 2 for tweens
(patterns, accessories, small features).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from generator.providers.offline_art import palette as pal
from generator.providers.offline_art.geometry import (
    BOLD,
    DETAIL,
    INK,
    WHITE,
    Color,
    Point,
    Sketch,
    arc,
    capsule,
    circle,
    clip_above,
    clip_band,
    ellipse,
    ellipse_below,
    ellipse_slice,
    offset_stroke,
    rounded_polygon,
    rounded_rect,
    scallop,
    smooth,
    star,
    taper,
)


@dataclass(frozen=True)
class Look:
    """A character's colors, fixed for the whole book."""

    main: Color
    accent: Color
    extra: Color


@dataclass(frozen=True)
class Pose:
    arms: str = "down"  # down, wave, cheer
    happy: bool = False  # open mouth
    helmet: bool = False  # a space or diving bubble around the head


@dataclass(frozen=True)
class Character:
    key: str
    noun: str  # "little dinosaur", used in scene sentences
    looks: tuple[Look, ...]
    draw: Callable[[Sketch, Look, Pose, int], None]
    flies: bool = False  # drawn in the air rather than standing
    swims: bool = False


def _eye(sketch: Sketch, x: float, y: float, r: float, *, lashes: bool = False) -> None:
    sketch.fill(ellipse(x, y, r * 0.78, r), INK, 0)
    sketch.fill(circle(x + r * 0.28, y - r * 0.38, r * 0.3), WHITE, 0)
    if lashes:
        for dx, dy in ((-0.2, -1.0), (0.45, -0.95)):
            sketch.line([(x + r * dx, y + r * dy), (x + r * (dx * 1.8), y + r * (dy * 1.55))], DETAIL * 0.8)


def _smile(sketch: Sketch, x: float, y: float, w: float, happy: bool) -> None:
    if happy:
        sketch.fill(arc(x, y - w * 0.1, w, w * 0.85, 0, 180), (240, 110, 120), DETAIL)
    else:
        sketch.line(arc(x, y - w * 0.5, w, w * 0.7, 25, 155), DETAIL)


def _cheek(sketch: Sketch, x: float, y: float, r: float, detail: int) -> None:
    if detail >= 1:
        sketch.fill(ellipse(x, y, r, r * 0.65), pal.CHEEK, DETAIL * 0.8)


def _arm(
    sketch: Sketch,
    shoulder: Point,
    side: int,
    mode: str,
    length: float,
    r: float,
    color: Color,
    paw: Color | None,
    raised: float = 145,
) -> None:
    """side = +1 for the near (right) arm, -1 for the far one; `raised` is the
    angle from straight down of a waving or cheering arm."""
    angle = {"down": 28, "wave": raised if side > 0 else 30, "cheer": raised - 5}[mode]
    a = math.radians(90 - angle * side)
    hand = (shoulder[0] + math.cos(a) * length, shoulder[1] + math.sin(a) * length)
    sketch.fill(capsule(shoulder, hand, r, r * 1.1), color)
    if paw is not None:
        sketch.fill(circle(hand[0], hand[1], r * 1.15), paw)


def _helmet(sketch: Sketch, cx: float, cy: float, r: float) -> None:
    sketch.fill(circle(cx, cy, r), None)
    sketch.line(arc(cx, cy, r * 0.78, r * 0.78, 200, 245), DETAIL)


# The cuddly ones: cat, dog, bunny, bear and the friendly fallback.


def _critter(species: str) -> Callable[[Sketch, Look, Pose, int], None]:
    def draw(s: Sketch, look: Look, pose: Pose, detail: int) -> None:
        main, tummy, ear_in = look.main, pal.light(look.main, 0.55), pal.PINK
        hx, hy = 0.0, -66.0
        # Tail, behind everything.
        if species == "cat":
            spine = smooth([(14, -14), (30, -20), (36, -40), (30, -56), (38, -64)], closed=False)
            s.fill(offset_stroke(spine, taper(len(spine), 4.5, 3.5)), main)
        elif species == "dog":
            s.fill(capsule((14, -20), (30, -42), 4.5, 3), main)
        elif species == "bunny":
            s.fill(scallop(20, -16, 9, 9, 7, 0.22), WHITE)
        else:
            s.fill(circle(20, -16, 6.5), main)
        # Ears that go behind the head.
        if species == "cat":
            for side in (-1, 1):
                outer = [(hx + side * 27, hy - 4), (hx + side * 24, hy - 38), (hx + side * 6, hy - 22)]
                s.fill(rounded_polygon(outer, 0.22), main)
                inner = [(hx + side * 23, hy - 10), (hx + side * 22.5, hy - 31), (hx + side * 11, hy - 21)]
                s.fill(rounded_polygon(inner, 0.25), ear_in, DETAIL)
        elif species == "bunny":
            for side in (-1, 1):
                ex, ey = hx + side * 11, hy - 38
                s.fill(ellipse(ex, ey, 8.5, 24, side * 10), main)
                s.fill(ellipse(ex + side * 0.5, ey + 2, 4.2, 16, side * 10), ear_in, DETAIL)
        elif species in ("bear", "teddy"):
            for side in (-1, 1):
                s.fill(circle(hx + side * 21, hy - 20, 10), main)
                s.fill(circle(hx + side * 21, hy - 20, 5.5), tummy, DETAIL)
        # Body, arms, feet.
        far_arm = "cheer" if pose.arms == "cheer" else "down"
        _arm(s, (-14, -38), -1, far_arm, 17, 5.2, main, None)
        s.fill(ellipse(0, -24, 21, 22.5), main)
        s.fill(ellipse(0, -20, 13, 14.5), tummy, DETAIL if detail else BOLD)
        for side in (-1, 1):
            s.fill(ellipse(side * 10, -4, 10.5, 6.5), main)
            if detail >= 1:
                for toe in (-3.2, 3.2):
                    s.line([(side * 10 + toe, -2), (side * 10 + toe, -6)], DETAIL * 0.8)
        _arm(s, (14, -38), 1, pose.arms, 17, 5.2, main, None)
        if species == "teddy" and detail >= 1:
            s.fill(circle(0, -22, 3.5), pal.PINK, DETAIL)  # a heart-ish button
        # Head.
        head_r = {"cat": (30, 25), "dog": (29, 25.5), "bunny": (26, 24), "bear": (29, 26), "teddy": (29, 26)}[species]
        s.fill(ellipse(hx, hy, *head_r), main)
        if species == "dog" and detail >= 2:
            s.fill(ellipse(hx - 11, hy - 3, 9, 8.5, -10), look.accent, DETAIL)
        if species in ("dog", "bear", "teddy"):
            s.fill(ellipse(hx, hy + 10, 12.5, 9), tummy, DETAIL)
        eye_r = 6.2 if detail == 0 else 5.4
        for side in (-1, 1):
            _eye(s, hx + side * 11, hy - 2, eye_r, lashes=detail >= 2 and species in ("cat", "bunny"))
        if species in ("cat", "bunny"):
            nose = rounded_polygon([(hx - 3.5, hy + 5), (hx + 3.5, hy + 5), (hx, hy + 9)], 0.3)
            s.fill(nose, pal.PINK, DETAIL)
            mouth_y = hy + 9
        else:
            s.fill(ellipse(hx, hy + 6, 5, 3.4), INK, 0)
            mouth_y = hy + 10
        if pose.happy:
            s.fill(arc(hx, mouth_y + 1, 5.5, 5, 0, 180), (240, 110, 120), DETAIL)
        else:
            s.line(arc(hx - 3, mouth_y, 3, 3, 0, 160), DETAIL)
            s.line(arc(hx + 3, mouth_y, 3, 3, 20, 180), DETAIL)
        for side in (-1, 1):
            _cheek(s, hx + side * 19, hy + 7, 4.5, detail)
        if species == "dog":
            for side in (-1, 1):
                ear = smooth(
                    [
                        (hx + side * 18, hy - 22),
                        (hx + side * 34, hy - 16),
                        (hx + side * 36, hy + 6),
                        (hx + side * 27, hy + 4),
                    ]
                )
                s.fill(ear, look.accent)
        if species == "cat" and detail >= 1:
            for side in (-1, 1):
                for dy in (-1.5, 3.5):
                    s.line([(hx + side * 24, hy + 6 + dy * 0.4), (hx + side * 37, hy + 4 + dy)], DETAIL * 0.7)
        if species == "cat" and detail >= 2:
            for dx in (-6, 0, 6):
                s.line([(hx + dx, hy - 24.5), (hx + dx * 0.8, hy - 17)], DETAIL * 0.8)
        if detail >= 2 and species in ("bunny", "bear", "teddy", "cat"):
            # A bow tie, a second color to enjoy.
            for side in (-1, 1):
                wing = [(0, -42.5), (side * 10, -48), (side * 10, -37)]
                s.fill(rounded_polygon(wing, 0.25), look.accent, DETAIL)
            s.fill(circle(0, -42.5, 3.2), look.accent, DETAIL)
        if pose.helmet:
            top = {"bunny": 64, "cat": 40}.get(species, 32)
            _helmet(s, hx, hy - top / 2 + 12, top / 2 + 30)

    return draw


# Reptiles: a long-necked dinosaur, and a dragon with wings and horns.


def _saurian(dragon: bool) -> Callable[[Sketch, Look, Pose, int], None]:
    def draw(s: Sketch, look: Look, pose: Pose, detail: int) -> None:
        main, belly, plates = look.main, pal.light(look.main, 0.55), look.accent
        far_leg = pal.dark(main, 0.12)
        # Tail.
        spine = smooth([(-24, -38), (-44, -26), (-58, -24), (-68, -34)], closed=False)
        s.fill(offset_stroke(spine, taper(len(spine), 14, 3, 0.8)), main)
        if dragon:
            tip = (-68, -36)
            s.fill(
                rounded_polygon([(tip[0] + 2, tip[1] + 4), (tip[0] - 8, tip[1] - 12), (tip[0] + 10, tip[1] - 8)], 0.2),
                plates,
            )
            wing = _bat_wing((-4, -58), (-22, -104), (-58, -86), 3)
            s.fill(wing, pal.light(plates, 0.25))
            if detail >= 1:
                for p in _bat_wing_ribs((-4, -58), (-22, -104), (-58, -86), 3):
                    s.line([(-6, -62), p], DETAIL * 0.8)
        # Plates along the back.
        count = 3 if detail == 0 else 5
        for i in range(count):
            t = (i + 0.5) / count
            a = math.radians(200 + 130 * t)
            bx, by = 0 + 31 * math.cos(a), -38 + 23 * math.sin(a)
            nx, ny = math.cos(a), math.sin(a)
            size = 8.5 if detail == 0 else 6.5
            tip = (bx + nx * size * 1.5, by + ny * size * 1.5)
            side = (-ny * size, nx * size)
            s.fill(rounded_polygon([(bx + side[0], by + side[1]), tip, (bx - side[0], by - side[1])], 0.22), plates)
        # Far legs, neck, body, near legs.
        for x in (-16, 16):
            s.fill(rounded_rect(x - 6, -30, x + 7, 0, 6), far_leg)
        neck_len = 30 if dragon else 38
        spine = smooth([(18, -46), (28, -60), (34, -46 - neck_len)], closed=False)
        s.fill(offset_stroke(spine, taper(len(spine), 12, 9)), main)
        s.fill(ellipse(0, -38, 34, 25), main)
        s.fill(ellipse_below(0, -38, 34, 25, -30), belly, DETAIL)
        if dragon and detail >= 1:
            for x in (-16, -6, 4, 14):
                top = -38 + 25 * math.sqrt(max(0, 1 - (x / 34) ** 2))
                s.line([(x, -29.5), (x, top - 1)], DETAIL * 0.7)
        if detail >= 1 and not dragon:
            for x, y, r in ((-14, -50, 5), (-2, -54, 4), (-20, -40, 3.5), (8, -50, 3))[: 2 + detail]:
                s.fill(circle(x, y, r), pal.dark(main, 0.18), DETAIL)
        for x in (-22, 10):
            s.fill(rounded_rect(x - 7, -26, x + 7, 0, 6.5), main)
            if detail >= 1:
                for toe in (-3.5, 0, 3.5):
                    s.fill(arc(x + toe, 0, 2.2, 2.2, 180, 360), WHITE, DETAIL * 0.7)
        hx, hy = 40, -46 - neck_len - 4
        if dragon:
            for dx in (-8, 2):
                s.fill(
                    rounded_polygon([(hx + dx - 4, hy - 8), (hx + dx - 6, hy - 22), (hx + dx + 4, hy - 10)], 0.2),
                    plates,
                )
        s.fill(ellipse(hx, hy, 18, 14, 8), main)
        _eye(s, hx + 4, hy - 3, 5 if detail else 5.6)
        s.fill(circle(hx + 15, hy + 1, 1.3), INK, 0)
        _smile(s, hx + 7, hy + 7, 5.5, pose.happy)
        _cheek(s, hx - 5, hy + 6, 3.8, detail)
        if pose.helmet:
            _helmet(s, hx, hy, 26)

    return draw


def _bat_wing(root: Point, top: Point, tip: Point, scallops: int) -> list[Point]:
    """A dragon's wing: a curved leading edge, then a scalloped trailing edge back to the root."""
    lead = smooth([root, ((root[0] + top[0]) / 2 + 3, (root[1] + top[1]) / 2), top, tip], closed=False)
    edge: list[Point] = []
    joints = [tip, *_bat_wing_ribs(root, top, tip, scallops), root]
    for a, b in zip(joints, joints[1:], strict=False):
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        # Each scallop bows in, toward the top of the wing.
        inward = (mid[0] + (top[0] - mid[0]) * 0.22, mid[1] + (top[1] - mid[1]) * 0.22)
        edge.extend(smooth([a, inward, b], closed=False)[1:])
    return lead + edge[:-1]


def _bat_wing_ribs(root: Point, top: Point, tip: Point, scallops: int) -> list[Point]:
    """Where the scallops meet, from the tip back toward the root."""
    points = []
    for i in range(1, scallops):
        t = i / scallops
        x = tip[0] + (root[0] - tip[0]) * t
        y = tip[1] + (root[1] - tip[1]) * t
        points.append((x - 6 * math.sin(math.pi * t), y + 12 * math.sin(math.pi * t)))
    return points


def _unicorn(s: Sketch, look: Look, pose: Pose, detail: int) -> None:
    main, far = look.main, pal.dark(look.main, 0.1)
    manes = pal.RAINBOW if detail >= 1 else (look.accent, look.extra)
    hoof = pal.light(look.accent, 0.2)
    # Tail: soft locks of mane colors.
    for i, color in enumerate(manes[:3] if detail else manes[:2]):
        y = -50 + i * 6
        spine = smooth([(-26, y), (-40, y + 2), (-46, y + 16), (-40, y + 28)], closed=False)
        s.fill(offset_stroke(spine, taper(len(spine), 6, 2)), color)
    for x in (-15, 19):
        s.fill(rounded_rect(x - 6.5, -36, x + 6.5, -2, 6), far)
        s.fill(rounded_rect(x - 7, -8, x + 7, 0, 3), hoof, DETAIL)
    hx, hy = 34, -80
    # Mane locks behind the neck: only their outer halves show.
    count = 3 if detail == 0 else 5
    for i in range(count):
        t = i / max(1, count - 1)
        x, y = hx - 17 - 12 * t, hy - 2 + 30 * t
        s.fill(circle(x, y, 9.5 if detail == 0 else 8.5), manes[i % len(manes)])
    neck = smooth([(12, -42), (22, -60), (30, -78)], closed=False)
    s.fill(offset_stroke(neck, taper(len(neck), 12, 10), round_end=False), main)
    s.fill(ellipse(0, -42, 31, 19), main)
    for x in (-21, 11):
        s.fill(rounded_rect(x - 7, -34, x + 7, -2, 6), main)
        s.fill(rounded_rect(x - 7.5, -8, x + 7.5, 0, 3), hoof, DETAIL)
    s.fill(rounded_polygon([(hx - 9, hy - 8), (hx - 12, hy - 25), (hx - 1, hy - 13)], 0.25), main)
    horn = [(hx - 2, hy - 13), (hx + 5, hy - 40), (hx + 7, hy - 12)]
    s.fill(rounded_polygon(horn, 0.12), pal.STAR)
    if detail >= 1:
        for t in (0.3, 0.55):
            y = hy - 13 - 27 * t
            s.line([(hx - 1.5 + 6.5 * t, y + 2), (hx + 7 - 2 * t, y - 1.5)], DETAIL * 0.7)
    s.fill(ellipse(hx, hy, 18, 15, 12), main)
    s.fill(ellipse(hx + 13, hy + 8, 11, 8.5, 18), pal.light(look.accent, 0.7))
    s.fill(circle(hx + 17, hy + 6, 1.4), INK, 0)
    _eye(s, hx + 2, hy - 2, 5.2, lashes=detail >= 1)
    s.line(arc(hx + 11, hy + 9, 4.5, 3, 30, 150), DETAIL)
    _cheek(s, hx - 5, hy + 6, 3.8, detail)
    s.fill(scallop(hx - 4, hy - 13, 8, 6, 4, 0.25), manes[0], DETAIL)
    if pose.helmet:
        _helmet(s, hx + 2, hy - 4, 30)


def _fish(s: Sketch, look: Look, pose: Pose, detail: int) -> None:
    cx, cy, rx, ry = 0.0, -50.0, 34.0, 25.0
    main, fin = look.main, look.accent
    s.fill(rounded_polygon([(-26, -50), (-52, -74), (-46, -50), (-52, -26)], 0.18), fin)
    s.fill(rounded_polygon([(-16, -70), (4, -86), (14, -72)], 0.25), fin)
    s.fill(rounded_polygon([(-8, -30), (6, -16), (10, -30)], 0.25), fin)
    s.fill(ellipse(cx, cy, rx, ry), main)
    if detail >= 1:
        for x0 in (-16, 2)[:detail]:
            s.fill(ellipse_slice(cx, cy, rx, ry, x0, x0 + 7), look.extra, DETAIL)
    if detail >= 2:
        for x, y in ((-22, -52), (-10, -60), (-10, -44), (8, -40)):
            s.line(arc(x, y, 4, 4, -60, 60), DETAIL * 0.7)
    s.fill(rounded_polygon([(-4, -46), (-18, -40), (-6, -34)], 0.3), fin, DETAIL)
    _eye(s, 18, -56, 6 if detail == 0 else 5.2)
    _smile(s, 24, -41, 5, pose.happy)
    _cheek(s, 13, -44, 3.5, detail)


def _rocket(s: Sketch, look: Look, pose: Pose, detail: int) -> None:
    main, trim = look.main, look.accent
    s.fill(scallop(0, -10, 10, 16, 6, 0.2), pal.FLAME)
    s.fill(scallop(0, -12, 5.5, 10, 5, 0.2), pal.FLAME_CORE, DETAIL)
    for side in (-1, 1):
        s.fill(rounded_polygon([(side * 12, -52), (side * 30, -24), (side * 26, -16), (side * 12, -24)], 0.2), trim)
    body = smooth(
        [(0, -104), (13, -86), (18, -60), (15, -30), (10, -20), (-10, -20), (-15, -30), (-18, -60), (-13, -86)]
    )
    s.fill(body, main)
    s.fill(clip_above(body, -84), trim)
    if detail >= 1:
        s.fill(clip_band(body, -40, -33), trim, DETAIL)
    s.fill(rounded_rect(-10, -23, 10, -16, 3), pal.GREY)
    s.fill(circle(0, -62, 11), pal.GREY)
    s.fill(circle(0, -62, 8), pal.WINDOW, DETAIL)
    _eye(s, -3, -63, 2.6)
    _eye(s, 3.5, -63, 2.6)
    s.line(arc(0.5, -60.5, 2.5, 2, 20, 160), DETAIL * 0.8)
    s.fill(rounded_rect(-1.8, -44, 1.8, -24, 1.8), trim, DETAIL)
    if detail >= 2:
        for y in (-75, -49):
            for side in (-1, 1):
                s.fill(circle(side * 12, y, 1.3), pal.GREY, DETAIL * 0.6)


def _car(s: Sketch, look: Look, pose: Pose, detail: int) -> None:
    main = look.main
    cabin = smooth([(-30, -36), (-22, -60), (12, -60), (30, -36)], closed=False)
    s.fill(cabin + [(30, -30), (-30, -30)], pal.light(main, 0.15))
    s.fill(rounded_rect(-50, -40, 50, -12, 10), main)
    s.fill(rounded_polygon([(-25, -40), (-19, -55), (-5, -55), (-5, -40)], 0.15), pal.WINDOW, DETAIL)
    s.fill(rounded_polygon([(1, -40), (1, -55), (10, -55), (24, -40)], 0.15), pal.WINDOW, DETAIL)
    _eye(s, 8, -47, 3.6)
    _eye(s, 16.5, -46, 3.6)
    s.fill(ellipse(44, -30, 4.5, 5.5), pal.SUN, DETAIL)
    s.fill(rounded_rect(-53, -22, -44, -16, 3), pal.GREY, DETAIL)
    s.line(arc(38, -24, 7, 5, 30, 150), DETAIL)
    if detail >= 1:
        s.line([(-3, -38), (-3, -16)], DETAIL * 0.8)
        s.fill(rounded_rect(-14, -32, -8, -29.5, 1.2), pal.GREY, DETAIL * 0.6)
    if detail >= 2:
        s.fill(star(-28, -26, 6, 3), look.accent, DETAIL * 0.7)
    for x in (-28, 28):
        s.fill(circle(x, -11, 11.5), pal.TIRE)
        s.fill(circle(x, -11, 5.5), pal.GREY, DETAIL)
        if detail >= 2:
            s.fill(circle(x, -11, 1.8), pal.TIRE, DETAIL * 0.6)


def _robot(s: Sketch, look: Look, pose: Pose, detail: int) -> None:
    main, trim = look.main, look.accent
    far = "cheer" if pose.arms == "cheer" else "down"
    _arm(s, (-20, -56), -1, far, 18, 4.2, pal.GREY, trim)
    for x in (-10, 10):
        s.fill(rounded_rect(x - 5, -26, x + 5, -6, 2), pal.GREY)
        s.fill(rounded_rect(x - 9, -8, x + 7 if x < 0 else x + 9, 0, 3.5), trim)
    s.fill(rounded_rect(-22, -64, 22, -22, 8), main)
    s.fill(rounded_rect(-13, -57, 13, -38, 4), pal.light(main, 0.6), DETAIL)
    buttons = ((-6, -47.5), (0, -47.5), (6, -47.5)) if detail else ((-4, -47.5), (4, -47.5))
    for (x, y), color in zip(buttons, pal.BRIGHT[::2], strict=False):
        s.fill(circle(x, y, 2.6), color, DETAIL)
    _arm(s, (20, -56), 1, pose.arms, 18, 4.2, pal.GREY, trim)
    s.fill(rounded_rect(-6, -70, 6, -62, 2), pal.GREY)
    s.line([(0, -100), (0, -110)], DETAIL)
    s.fill(circle(0, -112, 4.5), trim)
    for side in (-1, 1):
        s.fill(rounded_rect(side * 24 - 4, -92, side * 24 + 4, -78, 3), trim)
    s.fill(rounded_rect(-22, -102, 22, -68, 9), main)
    for side in (-1, 1):
        s.fill(circle(side * 9, -88, 6.5), WHITE, DETAIL)
        s.fill(circle(side * 9 + 1, -88, 3.2), INK, 0)
        s.fill(circle(side * 9 + 2, -89.5, 1), WHITE, 0)
    if pose.happy:
        s.fill(arc(0, -78, 7, 5, 0, 180), (240, 110, 120), DETAIL)
    else:
        s.fill(rounded_rect(-8, -80, 8, -74, 3), WHITE, DETAIL)
        if detail >= 1:
            for x in (-3, 3):
                s.line([(x, -80), (x, -74)], DETAIL * 0.6)
    _cheek(s, -16, -77, 3, detail)
    _cheek(s, 16, -77, 3, detail)
    if pose.helmet:
        _helmet(s, 0, -88, 34)


def _princess(s: Sketch, look: Look, pose: Pose, detail: int) -> None:
    hair, dress = look.accent, look.main
    hx, hy = 0.0, -76.0
    s.fill(smooth([(hx - 22, hy - 6), (hx, hy - 26), (hx + 22, hy - 6), (hx + 24, hy + 24), (hx - 24, hy + 24)]), hair)
    far = "cheer" if pose.arms == "cheer" else "down"
    _arm(s, (-9, -52), -1, far, 20, 3.8, pal.SKIN, None, raised=110)
    hem = 4 if detail == 0 else 6
    left = smooth([(-8, -46), (-18, -26), (-30, -2)], closed=False)
    scallops: list[Point] = []
    for i in range(hem):
        x0 = -30 + 60 * i / hem
        scallops.extend(arc(x0 + 30 / hem, -2, 30 / hem, 4, 180, 0))
    right = [(-x, y) for x, y in reversed(left)]
    s.fill(left + scallops + right, dress)
    s.fill(rounded_rect(-9, -58, 9, -42, 4), dress)
    s.fill(rounded_rect(-10, -46, 10, -41, 2), look.extra, DETAIL)
    if detail >= 1:
        for x in (-12, 0, 12):
            s.fill(star(x, -18, 3.4, 1.7), look.extra, DETAIL * 0.6)
    for side in (-1, 1):
        s.fill(circle(side * 9, -56, 5), pal.light(dress, 0.3), DETAIL)
    _arm(s, (9, -52), 1, pose.arms, 20, 3.8, pal.SKIN, None, raised=110)
    s.fill(rounded_rect(-3.5, -62, 3.5, -56, 2), pal.SKIN, DETAIL)
    s.fill(circle(hx, hy, 19), pal.SKIN)
    bangs = arc(hx, hy, 19.5, 19.5, 180, 360)
    waves = []
    for i in range(4):
        x0 = hx + 19.5 - 39 * i / 4
        waves.extend(arc(x0 - 39 / 8, hy - 6, 39 / 8, 6, 0, 180))
    s.fill(bangs + waves, hair)
    crown = [
        (-11, hy - 17),
        (-12, hy - 31),
        (-5.5, hy - 24),
        (0, hy - 34),
        (5.5, hy - 24),
        (12, hy - 31),
        (11, hy - 17),
    ]
    s.fill(rounded_polygon(crown, 0.12), pal.STAR)
    if detail >= 1:
        s.fill(circle(0, hy - 22, 2.2), pal.PINK, DETAIL * 0.6)
    for side in (-1, 1):
        _eye(s, hx + side * 7, hy + 3, 4.2, lashes=detail >= 1)
    _smile(s, hx, hy + 11, 4.5, pose.happy)
    _cheek(s, hx - 12, hy + 9, 3.2, detail)
    _cheek(s, hx + 12, hy + 9, 3.2, detail)
    if pose.helmet:
        _helmet(s, hx, hy - 6, 34)


def _look(main: Color, accent: Color, extra: Color) -> Look:
    return Look(main, accent, extra)


CHARACTERS: dict[str, Character] = {
    c.key: c
    for c in (
        Character(
            "dinosaur",
            "little dinosaur",
            (
                _look((134, 206, 120), (255, 176, 72), (110, 196, 240)),
                _look((120, 196, 226), (255, 150, 170), (255, 220, 90)),
                _look((186, 160, 240), (255, 214, 84), (140, 214, 120)),
            ),
            _saurian(False),
        ),
        Character(
            "dragon",
            "friendly dragon",
            (
                _look((120, 200, 150), (255, 150, 120), (255, 220, 90)),
                _look((176, 148, 236), (255, 190, 90), (120, 200, 240)),
                _look((255, 140, 130), (255, 214, 84), (150, 210, 120)),
            ),
            _saurian(True),
        ),
        Character(
            "cat",
            "kitten",
            (
                _look((255, 186, 112), (120, 190, 240), (255, 150, 180)),
                _look((196, 202, 220), (255, 120, 150), (255, 220, 90)),
            ),
            _critter("cat"),
        ),
        Character(
            "dog",
            "puppy",
            (
                _look((240, 206, 150), (190, 134, 96), (120, 190, 240)),
                _look((250, 240, 226), (176, 130, 100), (255, 120, 120)),
            ),
            _critter("dog"),
        ),
        Character(
            "bunny",
            "bunny",
            (
                _look((250, 248, 252), (120, 200, 240), (255, 220, 90)),
                _look((226, 210, 196), (255, 150, 200), (140, 214, 120)),
            ),
            _critter("bunny"),
        ),
        Character(
            "bear",
            "bear cub",
            (
                _look((204, 156, 114), (120, 196, 240), (255, 200, 90)),
                _look((180, 140, 110), (255, 120, 130), (140, 214, 120)),
            ),
            _critter("bear"),
        ),
        Character(
            "teddy",
            "teddy bear",
            (
                _look((220, 176, 128), (255, 120, 130), (120, 190, 240)),
                _look((236, 200, 150), (150, 130, 230), (255, 200, 90)),
            ),
            _critter("teddy"),
        ),
        Character(
            "unicorn",
            "unicorn",
            (
                _look((252, 248, 255), (255, 150, 206), (170, 150, 240)),
                _look((255, 236, 246), (150, 140, 240), (110, 196, 240)),
            ),
            _unicorn,
        ),
        Character(
            "fish",
            "little fish",
            (
                _look((255, 170, 90), (255, 214, 84), (255, 250, 240)),
                _look((120, 196, 240), (255, 170, 200), (255, 236, 130)),
                _look((255, 140, 160), (170, 150, 240), (255, 230, 120)),
            ),
            _fish,
            swims=True,
        ),
        Character(
            "rocket",
            "little rocket",
            (
                _look((250, 250, 255), (240, 100, 100), (120, 170, 240)),
                _look((130, 190, 245), (255, 200, 80), (240, 100, 100)),
            ),
            _rocket,
            flies=True,
        ),
        Character(
            "car",
            "little car",
            (
                _look((240, 104, 104), (255, 214, 84), (120, 180, 240)),
                _look((110, 176, 240), (255, 176, 72), (240, 104, 104)),
                _look((255, 200, 80), (120, 200, 140), (240, 104, 104)),
            ),
            _car,
        ),
        Character(
            "robot",
            "robot",
            (
                _look((150, 206, 236), (255, 140, 110), (255, 220, 90)),
                _look((176, 222, 190), (170, 150, 240), (255, 150, 190)),
            ),
            _robot,
        ),
        Character(
            "princess",
            "princess",
            (
                _look((236, 150, 210), (176, 118, 84), (255, 220, 120)),
                _look((170, 160, 240), (250, 210, 120), (255, 170, 200)),
                _look((120, 200, 220), (96, 70, 60), (255, 214, 84)),
            ),
            _princess,
        ),
    )
}


# An owl (for owls, birds and libraries), added after the others.


def _owl(s: Sketch, look: Look, pose: Pose, detail: int) -> None:
    main, belly = look.main, pal.light(look.main, 0.55)
    for side in (-1, 1):  # ear tufts
        s.fill(rounded_polygon([(side * 8, -84), (side * 30, -102), (side * 26, -74)], 0.2), main)
    s.fill(ellipse(0, -46, 31, 44), main)
    s.fill(ellipse(0, -36, 21, 28), belly, DETAIL if detail else BOLD)
    if detail >= 1:
        for y in (-44, -32, -20)[: detail + 1]:
            for x in (-8, 8):
                s.line(arc(x, y, 6, 4, 20, 160), DETAIL * 0.7)
    wing_up = {"down": 0, "wave": 1, "cheer": 2}[pose.arms]
    for side in (-1, 1):
        lift = wing_up if side > 0 or wing_up == 2 else 0
        angle = side * (15 + 55 * min(lift, 1))
        s.fill(ellipse(side * 30, -48 - 8 * min(lift, 1), 10, 25, angle), look.accent)
    for side in (-1, 1):  # eye discs, eyes, feet
        s.fill(circle(side * 13, -70, 13), WHITE)
        _eye(s, side * 13 + 2, -70, 6.5 if detail == 0 else 5.5)
        s.fill(ellipse(side * 10, -2, 9, 5), pal.ORANGE)
    s.fill(rounded_polygon([(-5, -62), (5, -62), (0, -50)], 0.25), pal.ORANGE)
    _cheek(s, -22, -58, 3.5, detail)
    _cheek(s, 22, -58, 3.5, detail)
    if detail >= 2:  # a little pair of reading glasses on the forehead
        s.line(arc(0, -86, 10, 4, 200, 340), DETAIL * 0.7)
    if pose.helmet:
        _helmet(s, 0, -62, 46)


CHARACTERS["owl"] = Character(
    "owl",
    "little owl",
    (
        _look((186, 150, 120), (150, 116, 90), (255, 214, 84)),
        _look((170, 160, 230), (120, 110, 200), (255, 190, 90)),
        _look((150, 200, 230), (100, 160, 210), (255, 150, 170)),
    ),
    _owl,
)
