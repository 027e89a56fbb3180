"""Things in the scenery, each drawn in local units: standing on (0, 0),
about 100 units tall, like the characters. `put` places one on the page.

`rng` picks small variations (colors, counts); `detail` adds features for
older children.
"""

import math
import random
from collections.abc import Callable

from generator.providers.offline_art import palette as pal
from generator.providers.offline_art.geometry import (
    DETAIL,
    INK,
    WHITE,
    Point,
    Sketch,
    Transform,
    arc,
    band,
    capsule,
    circle,
    clip_above,
    crescent,
    ellipse,
    offset_stroke,
    rounded_polygon,
    rounded_rect,
    scallop,
    smooth,
    star,
    taper,
)

Prop = Callable[[Sketch, random.Random, int], None]


def put(
    s: Sketch,
    prop: Prop,
    rng: random.Random,
    detail: int,
    x: float,
    y: float,
    height: float,
    flip: bool = False,
    angle: float = 0.0,
) -> None:
    local = Sketch()
    prop(local, rng, detail)
    s.extend(Transform(x, y, height / 100, flip, angle).shapes(local.shapes))


def tree(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(capsule((0, -2), (0, -55), 9, 7) if detail == 0 else _trunk(), pal.TRUNK)
    top = scallop(0, -72, 40, 34, rng.choice((7, 8, 9)), 0.2)
    s.fill(top, rng.choice((pal.LEAF, pal.LEAF_LIGHT, pal.GRASS)))
    if detail >= 1 and rng.random() < 0.6:
        fruit = rng.choice(((255, 110, 110), (255, 170, 70), (255, 150, 200)))
        for x, y in ((-18, -72), (14, -86), (10, -60), (-6, -90))[: 2 + detail]:
            s.fill(circle(x, y, 4.2), fruit, DETAIL)


def _trunk() -> list[Point]:
    return smooth([(-9, 0), (-13, 2), (-7, -20), (-7, -50), (7, -50), (7, -20), (13, 2), (9, 0)])


def pine(s: Sketch, rng: random.Random, detail: int, snow: bool = False) -> None:
    s.fill(rounded_rect(-6, -22, 6, 0, 2), pal.TRUNK)
    color = rng.choice((pal.PINE, pal.LEAF))
    tiers = ((-18, 36), (-46, 30), (-72, 23)) if detail else ((-18, 38), (-52, 30))
    for base, half in tiers:
        tier = rounded_polygon([(-half, base), (0, base - 44), (half, base)], 0.12)
        s.fill(tier, color)
        if snow:
            cap = clip_above(tier, base - 30)
            if len(cap) > 2:
                s.fill(cap, pal.SNOW, DETAIL)


def snowy_pine(s: Sketch, rng: random.Random, detail: int) -> None:
    pine(s, rng, detail, snow=True)


def bush(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(clip_above(scallop(0, -10, 50, 40, 7, 0.2, start=-90), 0), rng.choice((pal.LEAF, pal.GRASS_NEAR)))
    if detail >= 1:
        berry = rng.choice(((255, 110, 110), (170, 150, 240)))
        for x, y in ((-20, -22), (12, -34), (26, -14))[: 1 + detail]:
            s.fill(circle(x, y, 4), berry, DETAIL)


def flower(s: Sketch, rng: random.Random, detail: int) -> None:
    petal_color = rng.choice(pal.BRIGHT)
    s.line(smooth([(0, 0), (3, -30), (0, -62)], closed=False), 0.9)
    s.fill(ellipse(10, -28, 11, 5, -30), pal.LEAF, DETAIL)
    if detail >= 1:
        s.fill(ellipse(-9, -40, 9, 4.5, 30), pal.LEAF, DETAIL)
    petals = 5 if detail < 2 else rng.choice((5, 6, 8))
    ring = 13
    for i in range(petals):
        a = math.radians(-90 + 360 * i / petals)
        s.fill(ellipse(math.cos(a) * ring, -75 + math.sin(a) * ring, 11, 8, math.degrees(a)), petal_color)
    s.fill(circle(0, -75, 9), pal.SUN)


def tulip(s: Sketch, rng: random.Random, detail: int) -> None:
    s.line([(0, 0), (0, -55)], 0.9)
    s.fill(ellipse(-9, -22, 11, 4.5, 60), pal.LEAF, DETAIL)
    cup = smooth([(-14, -72), (-14, -56), (0, -48), (14, -56), (14, -72), (7, -64), (0, -76), (-7, -64)])
    s.fill(cup, rng.choice(pal.BRIGHT[:3] + pal.BRIGHT[5:]))


def grass_tuft(s: Sketch, rng: random.Random, detail: int) -> None:
    for dx, h in ((-10, 60), (0, 100), (10, 70)):
        s.line(smooth([(dx * 0.5, 0), (dx * 0.8, -h * 0.5), (dx * 1.4, -h)], closed=False), DETAIL)


def house(s: Sketch, rng: random.Random, detail: int, lit: bool = False) -> None:
    wall = rng.choice((pal.WALL, (255, 214, 214), (214, 236, 255), (226, 246, 206)))
    roof = rng.choice((pal.ROOF, (150, 140, 230), (110, 180, 230)))
    s.fill(rounded_rect(18, -100, 32, -60, 2), pal.light(roof, 0.3))
    s.fill(rounded_rect(-40, -58, 40, 0, 3), wall)
    s.fill(rounded_polygon([(-52, -54), (0, -104), (52, -54)], 0.1), roof)
    s.fill(_door(-12, 10, -36), pal.WOOD)
    s.fill(circle(5, -17, 2), pal.SUN, DETAIL * 0.7)
    glass = pal.WINDOW_LIT if lit else pal.WINDOW
    s.fill(rounded_rect(16, -42, 32, -26, 2), glass)
    if detail >= 1:
        s.line([(24, -42), (24, -26)], DETAIL * 0.7)
        s.line([(16, -34), (32, -34)], DETAIL * 0.7)
        s.fill(circle(0, -72, 7), glass, DETAIL)
    if detail >= 2:
        s.fill(rounded_rect(-34, -44, -20, -28, 2), glass, DETAIL)
        s.fill(rounded_rect(14, -26, 34, -22, 1.5), (255, 150, 170), DETAIL * 0.7)


def _door(x0: float, x1: float, top: float) -> list[Point]:
    r = (x1 - x0) / 2
    return [(x0, 0), *arc(x0 + r, top + r, r, r, 180, 360), (x1, 0)]


def lit_house(s: Sketch, rng: random.Random, detail: int) -> None:
    house(s, rng, detail, lit=True)


def butterfly(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(pal.BRIGHT)
    for side in (-1, 1):
        s.fill(ellipse(side * 20, -62, 20, 16, side * -25), color)
        s.fill(ellipse(side * 15, -38, 13, 11, side * 25), pal.light(color, 0.35))
        if detail >= 1:
            s.fill(circle(side * 22, -64, 5.5), pal.SUN, DETAIL * 0.7)
    s.fill(capsule((0, -30), (0, -72), 4.5), pal.dark(color, 0.45))
    for side in (-1, 1):
        s.line(smooth([(side * 1, -72), (side * 6, -86), (side * 12, -92)], closed=False), DETAIL)


def sun(s: Sketch, rng: random.Random, detail: int, face: bool = False) -> None:
    """A sun 100 units wide, rays included, centred on (0, -50)."""
    rays = 8 if detail < 2 else 12
    for i in range(rays):
        a = math.radians(360 * i / rays + 11)
        tip = (math.cos(a) * 50, -50 + math.sin(a) * 50)
        base = [(math.cos(a + d) * 36, -50 + math.sin(a + d) * 36) for d in (-0.17, 0.17)]
        s.fill(rounded_polygon([base[0], tip, base[1]], 0.2), pal.SUN_RAY)
    s.fill(circle(0, -50, 31), pal.SUN)
    if face:
        for side in (-1, 1):
            s.line(arc(side * 11, -54, 5, 4, 200, 340), DETAIL)
        s.line(arc(0, -46, 11, 8, 30, 150), DETAIL)
        s.fill(ellipse(-19, -41, 4.5, 3), pal.CHEEK, DETAIL * 0.7)
        s.fill(ellipse(19, -41, 4.5, 3), pal.CHEEK, DETAIL * 0.7)


def smiling_sun(s: Sketch, rng: random.Random, detail: int) -> None:
    sun(s, rng, detail, face=True)


def cloud(s: Sketch, rng: random.Random, detail: int) -> None:
    """A cloud 100 units wide."""
    s.fill(scallop(0, -30, 50, 26, rng.choice((5, 6, 7)), 0.28), pal.CLOUD)


def rain_cloud(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(scallop(0, -60, 50, 26, 6, 0.28), (226, 232, 246))
    for x, y in ((-25, -18), (0, -6), (25, -18), (-12, 8), (14, 10))[: 3 + detail]:
        s.fill(_drop(x, y, 5), pal.SEA_LIGHT, DETAIL)


def _drop(x: float, y: float, r: float) -> list[Point]:
    return [(x, y - r * 2.4), *arc(x, y, r, r, -40, 220)]


def moon(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(crescent(0, -50, 48), pal.MOON)
    if detail >= 1:
        s.fill(circle(-22, -62, 5), pal.light(pal.MOON, 0.5), DETAIL * 0.6)
        s.fill(circle(-16, -30, 4), pal.light(pal.MOON, 0.5), DETAIL * 0.6)


def twinkle(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(star(0, -50, 50, 22), pal.STAR)


def planet(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(((255, 170, 120), (170, 150, 240), (120, 210, 200), (255, 150, 190)))
    ringed = rng.random() < 0.6
    ring_color = pal.light(rng.choice(pal.BRIGHT), 0.2)
    if ringed:
        s.fill(_ring(0, -50, 80, 22, back=True), ring_color)
    s.fill(circle(0, -50, 42), color)
    if detail >= 1:
        s.fill(_planet_band(-50, 42), pal.light(color, 0.4), DETAIL)
    if ringed:
        s.fill(_ring(0, -50, 80, 22, back=False), ring_color)
    elif detail >= 1:
        s.fill(circle(-14, -62, 7), pal.dark(color, 0.15), DETAIL)
        s.fill(circle(12, -40, 5), pal.dark(color, 0.15), DETAIL)


def _planet_band(cy: float, r: float) -> list[Point]:
    """A stripe across a planet, between two heights."""
    y0, y1 = cy + r * 0.12, cy + r * 0.42
    right = arc(0, cy, r, r, math.degrees(math.asin((y0 - cy) / r)), math.degrees(math.asin((y1 - cy) / r)))
    left = arc(0, cy, r, r, 180 - math.degrees(math.asin((y1 - cy) / r)), 180 - math.degrees(math.asin((y0 - cy) / r)))
    return right + left


def _ring(cx: float, cy: float, rx: float, ry: float, *, back: bool) -> list[Point]:
    width = 0.2
    if back:
        outer = arc(cx, cy, rx, ry, 180, 360)
        inner = arc(cx, cy, rx * (1 - width), ry * (1 - width), 180, 360)
    else:
        outer = arc(cx, cy, rx, ry, 0, 180)
        inner = arc(cx, cy, rx * (1 - width), ry * (1 - width), 0, 180)
    return band(outer, inner)


def crater(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(ellipse(0, -30, 50, 22), (206, 208, 224))
    s.fill(ellipse(0, -26, 38, 15), (180, 184, 204), DETAIL)


def palm(s: Sketch, rng: random.Random, detail: int) -> None:
    spine = smooth([(0, 0), (4, -30), (14, -62), (26, -86)], closed=False)
    s.fill(offset_stroke(spine, taper(len(spine), 8, 5.5)), pal.TRUNK)
    if detail >= 1:
        for t in (0.2, 0.4, 0.6):
            x, y = spine[int(t * (len(spine) - 1))]
            s.line([(x - 6, y + 1), (x + 6, y - 1)], DETAIL * 0.6)
    top = (26, -88)
    for angle in (200, 240, 290, 330, 10):
        a = math.radians(angle)
        tip = (top[0] + math.cos(a) * 50, top[1] + math.sin(a) * 30 + 14)
        mid = (top[0] + math.cos(a) * 26, top[1] + math.sin(a) * 22 - 6)
        s.fill(smooth([top, (mid[0], mid[1] - 7), tip, (mid[0], mid[1] + 5)]), pal.LEAF)
    for dx in (-5, 5):
        s.fill(circle(top[0] + dx, top[1] + 7, 5.5), (176, 120, 80), DETAIL)


def sailboat(s: Sketch, rng: random.Random, detail: int) -> None:
    sail = rng.choice(((255, 255, 255), (255, 214, 84), (255, 150, 170)))
    s.fill(rounded_polygon([(-2, -22), (-2, -100), (-40, -26)], 0.08), sail)
    s.fill(rounded_polygon([(4, -26), (4, -86), (34, -28)], 0.08), pal.light(sail, 0.3))
    s.fill(rounded_polygon([(-50, -22), (50, -22), (34, 0), (-34, 0)], 0.15), rng.choice((pal.ROOF, pal.WOOD)))
    if detail >= 1:
        s.fill(rounded_polygon([(2, -100), (2, -112), (18, -106)], 0.1), (255, 120, 120), DETAIL)


def sandcastle(s: Sketch, rng: random.Random, detail: int) -> None:
    sand = pal.SAND_DARK
    for x in (-30, 30):
        s.fill(_crenellated(x - 15, x + 15, -70, 0, 3), sand)
    s.fill(_crenellated(-20, 20, -50, 0, 3), pal.SAND)
    s.fill(_door(-7, 7, -22), pal.light(pal.TRUNK, 0.3), DETAIL)
    s.line([(30, -70), (30, -96)], DETAIL)
    s.fill(rounded_polygon([(30, -96), (48, -90), (30, -83)], 0.1), (255, 120, 120), DETAIL)


def _crenellated(x0: float, x1: float, top: float, bottom: float, teeth: int) -> list[Point]:
    width = (x1 - x0) / (teeth * 2 - 1)
    points = [(x0, bottom)]
    for i in range(teeth * 2 - 1):
        left = x0 + i * width
        y = top if i % 2 == 0 else top + width * 0.9
        points += [(left, y), (left + width, y)]
    points.append((x1, bottom))
    return rounded_polygon(points, 0.06)


def bucket(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(pal.BRIGHT)
    s.line(arc(0, -60, 24, 26, 190, 350), 0.8)
    s.fill(rounded_polygon([(-30, -66), (30, -66), (22, 0), (-22, 0)], 0.1), color)
    if detail >= 1:
        s.fill(rounded_rect(-29, -66, 29, -54, 3), pal.light(color, 0.4), DETAIL)


def shell(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(((255, 190, 200), (255, 214, 170), (240, 220, 255)))
    fan = [(0, 0), *arc(0, -10, 45, 55, 200, 340)]
    s.fill(rounded_polygon(fan, 0.05), color)
    s.fill(rounded_rect(-10, -8, 10, 4, 4), pal.light(color, 0.3), DETAIL)
    if detail >= 1:
        for a in (225, 250, 270, 290, 315):
            r = math.radians(a)
            s.line([(0, -4), (math.cos(r) * 38, -10 + math.sin(r) * 46)], DETAIL * 0.7)


def starfish(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(((255, 150, 110), (255, 200, 90), (255, 140, 170)))
    s.fill(star(0, -48, 50, 24, angle=-90 + rng.uniform(-12, 12)), color)
    if detail >= 1:
        for a in range(5):
            r = math.radians(-90 + 72 * a)
            s.fill(circle(math.cos(r) * 22, -48 + math.sin(r) * 22, 3), pal.light(color, 0.5), DETAIL * 0.6)


def seaweed(s: Sketch, rng: random.Random, detail: int) -> None:
    sway = rng.choice((-1, 1))
    color = rng.choice((pal.LEAF, pal.PINE, pal.GRASS))
    for dx, h in ((-10, 100), (12, 72)) if detail else ((0, 100),):
        spine = smooth(
            [(dx, 0), (dx + sway * 12, -h * 0.35), (dx - sway * 10, -h * 0.7), (dx + sway * 8, -h)], closed=False
        )
        s.fill(offset_stroke(spine, taper(len(spine), 11 if detail else 15, 4)), color)


def coral(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(((255, 140, 150), (255, 170, 100), (190, 150, 240)))
    outline = [
        (-12, 0),
        (-10, -28),
        (-30, -52),
        (-36, -72),
        (-24, -70),
        (-8, -50),
        (-8, -84),
        (2, -94),
        (9, -80),
        (8, -56),
        (24, -76),
        (36, -74),
        (30, -56),
        (12, -30),
        (12, 0),
    ]
    s.fill(smooth(outline), color)
    if detail >= 1:
        for x, y in ((-24, -62), (1, -80), (26, -68), (0, -30))[: 2 + detail]:
            s.fill(circle(x, y, 3), pal.light(color, 0.5), DETAIL * 0.6)


def rock(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(clip_above(smooth([(-50, 0), (-40, -36), (-6, -50), (30, -40), (50, 0), (0, 10)]), 0), pal.ROCK)


def bubble(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(circle(0, -50, 50), pal.light(pal.WATER, 0.6))
    s.line(arc(0, -50, 34, 34, 200, 250), DETAIL)


def chest(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(rounded_rect(-50, -48, 50, 0, 4), pal.WOOD)
    s.fill([(-50, -48), *arc(0, -48, 50, 30, 180, 360)], pal.dark(pal.WOOD, 0.1))
    s.fill(rounded_rect(-8, -56, 8, -36, 3), pal.SUN)
    if detail >= 1:
        s.fill(circle(0, -46, 2.5), INK, 0)
        for x in (-34, 34):
            s.fill(rounded_rect(x - 4, -76, x + 4, 0, 2), pal.SUN, DETAIL)
    if detail >= 2:
        for x, r in ((-18, 7), (-4, 8), (12, 6)):
            s.fill(circle(x, -52 - r, r), pal.STAR, DETAIL * 0.7)


def jellyfish(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(((255, 170, 220), (190, 170, 255), (150, 220, 255)))
    for x in (-18, -6, 6, 18)[: 2 + detail]:
        s.line(smooth([(x, -50), (x + 5, -32), (x - 5, -16), (x + 3, 0)], closed=False), DETAIL)
    s.fill([*arc(0, -50, 30, 40, 180, 360)], color)
    s.fill(circle(-9, -62, 3.5), INK, 0)
    s.fill(circle(9, -62, 3.5), INK, 0)
    s.line(arc(0, -58, 6, 4, 30, 150), DETAIL)


def little_fish(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(pal.BRIGHT)
    s.fill(rounded_polygon([(-30, -50), (-50, -66), (-50, -34)], 0.15), pal.light(color, 0.3))
    s.fill(ellipse(0, -50, 36, 22), color)
    s.fill(circle(18, -54, 4.5), INK, 0)
    s.fill(circle(19.5, -56, 1.4), WHITE, 0)


def mushroom(s: Sketch, rng: random.Random, detail: int) -> None:
    cap = rng.choice(((240, 100, 100), (255, 160, 80), (170, 140, 230)))
    s.fill(smooth([(-12, 0), (-16, -22), (-10, -46), (10, -46), (16, -22), (12, 0)]), pal.WALL)
    s.fill([*arc(0, -44, 46, 46, 180, 360), *arc(0, -44, 46, 8, 0, 180)], cap)
    for x, y, r in ((-20, -64, 7), (6, -76, 8), (24, -56, 6), (-2, -54, 5))[: 2 + detail]:
        s.fill(circle(x, y, r), WHITE, DETAIL)


def castle(s: Sketch, rng: random.Random, detail: int) -> None:
    wall = rng.choice(((226, 220, 246), (246, 226, 206), (214, 230, 246)))
    roof = rng.choice(((150, 140, 230), (236, 112, 150), (110, 180, 230)))
    flag = rng.choice(((255, 120, 120), (255, 214, 84)))
    for x in (-60, 60):
        s.line([(x, -126), (x, -150)], DETAIL)
        s.fill(rounded_polygon([(x, -150), (x + 20, -144), (x, -137)], 0.1), flag)
    s.fill(_crenellated(-44, 44, -90, 0, 5), wall)
    for x in (-60, 60):
        s.fill(rounded_rect(x - 18, -100, x + 18, 0, 2), wall)
        s.fill(rounded_polygon([(x - 24, -98), (x, -128), (x + 24, -98)], 0.1), roof)
        if detail >= 1:
            s.fill(_door(x - 5, x + 5, -80), pal.WINDOW, DETAIL)
    s.fill(_door(-16, 16, -52), pal.WOOD)
    if detail >= 1:
        s.line([(0, -52), (0, 0)], DETAIL * 0.7)
        for x in (-26, 26):
            s.fill(rounded_rect(x - 5, -74, x + 5, -60, 4), pal.WINDOW, DETAIL)
    if detail >= 2:
        for y in (-30, -14):
            for x in (-36, 28):
                s.fill(rounded_rect(x - 6, y - 4, x + 6, y + 4, 1.5), pal.light(wall, 0.5), DETAIL * 0.5)


def balloon(s: Sketch, rng: random.Random, detail: int) -> None:
    """A balloon whose string ends at (0, 0)."""
    color = rng.choice(pal.BRIGHT)
    sway = rng.uniform(-8, 8)
    s.line(smooth([(0, 0), (sway, -22), (-sway * 0.5, -40), (2, -56)], closed=False), DETAIL)
    s.fill(rounded_polygon([(2, -62), (7, -53), (-3, -53)], 0.2), color, DETAIL)
    s.fill(ellipse(2, -80, 17, 21), color)
    s.line(arc(2, -80, 11, 14, 200, 240), DETAIL * 0.7)


def gift(s: Sketch, rng: random.Random, detail: int) -> None:
    box = rng.choice(pal.BRIGHT)
    ribbon = rng.choice([c for c in pal.BRIGHT if c != box])
    s.fill(ellipse(-11, -72, 12, 8, -25), ribbon)
    s.fill(ellipse(11, -72, 12, 8, 25), ribbon)
    s.fill(rounded_rect(-36, -56, 36, 0, 3), box)
    s.fill(rounded_rect(-42, -66, 42, -52, 3), pal.light(box, 0.25))
    s.fill(rounded_rect(-7, -66, 7, 0, 1), ribbon, DETAIL)
    s.fill(circle(0, -68, 6), ribbon, DETAIL)
    if detail >= 2:
        for x, y in ((-22, -36), (22, -20), (-20, -12), (22, -42)):
            s.fill(circle(x, y, 3.5), WHITE, DETAIL * 0.6)


def cake(s: Sketch, rng: random.Random, detail: int) -> None:
    frosting = rng.choice(((255, 190, 210), (255, 240, 200), (200, 230, 255)))
    s.fill(rounded_polygon([(-55, 0), (55, 0), (52, 6), (-52, 6)], 0.2), WHITE)
    s.fill(rounded_rect(-46, -44, 46, 0, 5), (226, 170, 120))
    drips = [(-46, -44)]
    for i in range(6):
        x0 = -46 + i * 92 / 6
        drips += arc(x0 + 92 / 12, -40, 92 / 12, 9, 180, 0)
    drips += [(46, -44), (46, -50), (-46, -50)]
    s.fill(rounded_polygon(drips, 0.02), frosting)
    candles = 3 if detail else 1
    for i in range(candles):
        x = 0 if candles == 1 else -22 + 22 * i
        s.fill(rounded_rect(x - 4, -74, x + 4, -50, 2), pal.BRIGHT[(i * 3) % len(pal.BRIGHT)])
        s.fill(_drop(x, -82, 4.5), pal.FLAME_CORE)
    if detail >= 1:
        for x in (-30, -10, 10, 30):
            s.fill(circle(x, -22, 3.5), (255, 120, 130), DETAIL * 0.6)


def picnic(s: Sketch, rng: random.Random, detail: int) -> None:
    """A blanket seen in perspective, 200 units wide, with a basket on it."""
    checks = rng.choice(((255, 120, 120), (110, 176, 240), (255, 176, 72)))
    cells = 4 if detail == 0 else 6
    rows = 2 if detail == 0 else 3
    back, front = (-80, -40, 80, -40), (-100, 0, 100, 0)
    for r in range(rows):
        for c in range(cells):
            quad = []
            for dc, dr in ((0, 0), (1, 0), (1, 1), (0, 1)):
                t, u = (c + dc) / cells, (r + dr) / rows
                xb = back[0] + (back[2] - back[0]) * t
                xf = front[0] + (front[2] - front[0]) * t
                quad.append((xb + (xf - xb) * u, back[1] + (front[1] - back[1]) * u))
            s.fill(quad, checks if (r + c) % 2 == 0 else WHITE, DETAIL)
    s.line([(-80, -40), (80, -40), (100, 0), (-100, 0), (-80, -40)], 1.0)


def basket(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(band(arc(0, -42, 30, 34, 180, 360), arc(0, -42, 23, 27, 180, 360)), pal.WOOD)
    s.fill(rounded_polygon([(-40, -46), (40, -46), (30, 0), (-30, 0)], 0.1), pal.WOOD)
    s.fill(rounded_rect(-42, -50, 42, -40, 4), pal.light(pal.WOOD, 0.3))
    if detail >= 1:
        for x in (-20, 0, 20):
            s.line([(x, -40), (x * 0.8, 0)], DETAIL * 0.6)


def apple(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(((240, 90, 90), (150, 210, 100), (255, 200, 80)))
    s.line([(0, -70), (4, -86)], 0.8)
    s.fill(ellipse(12, -82, 11, 5, -25), pal.LEAF, DETAIL)
    s.fill(smooth([(0, -70), (22, -78), (38, -44), (18, 0), (0, -6), (-18, 0), (-38, -44), (-22, -78)]), color)


def rainbow(s: Sketch, rng: random.Random, detail: int) -> None:
    """Arcs 200 units wide, resting on y = 0."""
    colors = pal.RAINBOW if detail else pal.RAINBOW[::2]
    outer = 100.0
    width = 44.0 / len(colors)
    for i, color in enumerate(colors):
        r0 = outer - i * width
        s.fill(band(arc(0, 0, r0, r0, 180, 360), arc(0, 0, r0 - width, r0 - width, 180, 360)), color)


def puddle(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(smooth([(-50, -6), (-20, -14), (20, -12), (50, -4), (30, 6), (-30, 6)]), pal.SEA_LIGHT)


def snowman(s: Sketch, rng: random.Random, detail: int) -> None:
    scarf = rng.choice(((255, 120, 120), (110, 176, 240), (150, 210, 110)))
    for side in (-1, 1):
        s.line([(side * 14, -56), (side * 36, -70), (side * 40, -78)], 0.8)
    s.fill(circle(0, -24, 26), pal.SNOW)
    s.fill(circle(0, -62, 20), pal.SNOW)
    s.fill(rounded_rect(-18, -78, 18, -70, 3), scarf)
    s.fill(rounded_rect(4, -78, 12, -56, 3), scarf)
    s.fill(circle(0, -90, 15), pal.SNOW)
    s.fill(rounded_rect(-18, -106, 18, -101, 2), pal.TIRE)
    s.fill(rounded_rect(-12, -124, 12, -104, 3), pal.TIRE)
    for side in (-1, 1):
        s.fill(circle(side * 5.5, -93, 2.3), INK, 0)
    s.fill(rounded_polygon([(-1, -89), (-1, -85), (16, -86)], 0.2), pal.ORANGE, DETAIL)
    for y in (-56, -42, -26)[: 2 + detail // 2]:
        s.fill(circle(0, y, 3), pal.TIRE, DETAIL * 0.6)


def snowflake(s: Sketch, rng: random.Random, detail: int) -> None:
    for i in range(3):
        a = math.radians(90 + 60 * i)
        dx, dy = math.cos(a) * 40, math.sin(a) * 40
        s.line([(-dx, -50 - dy), (dx, -50 + dy)], DETAIL)


def mountain(s: Sketch, rng: random.Random, detail: int) -> None:
    peak = rounded_polygon([(-100, 0), (0, -100), (100, 0)], 0.08)
    s.fill(peak, pal.MOUNTAIN)
    cap = [(-30, -70), (-4, -98), (4, -98), (30, -70), (16, -76), (6, -66), (-6, -78), (-18, -68)]
    s.fill(rounded_polygon(cap, 0.15), pal.SNOW, DETAIL)


def kite(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(pal.BRIGHT)
    tail = smooth([(0, -40), (-8, -20), (6, -4), (-4, 12)], closed=False)
    s.line(tail, DETAIL)
    for i in (4, 10):
        x, y = tail[min(len(tail) - 1, i * len(tail) // 14)]
        s.fill(rounded_polygon([(x, y), (x - 8, y - 5), (x - 8, y + 5)], 0.2), pal.light(color, 0.3), DETAIL)
        s.fill(rounded_polygon([(x, y), (x + 8, y - 5), (x + 8, y + 5)], 0.2), pal.light(color, 0.3), DETAIL)
    s.fill(rounded_polygon([(0, -100), (26, -70), (0, -40), (-26, -70)], 0.08), color)
    s.line([(0, -100), (0, -40)], DETAIL * 0.7)
    s.line([(-26, -70), (26, -70)], DETAIL * 0.7)


def bunting(s: Sketch, points: list[Point], detail: int, rng: random.Random) -> None:
    """Little flags along a sagging string, in page units."""
    string = smooth(points, closed=False)
    s.line(string, 0.7)
    count = 6 if detail == 0 else 10
    colors = list(pal.BRIGHT)
    rng.shuffle(colors)
    for i in range(count):
        t = (i + 0.5) / count
        x, y = string[int(t * (len(string) - 1))]
        size = 26 if detail == 0 else 20
        s.fill(rounded_polygon([(x - size, y), (x + size, y), (x, y + size * 1.7)], 0.12), colors[i % len(colors)])


def road_stripes(s: Sketch, y: float, detail: int) -> None:
    x = 60.0
    while x < 940:
        s.fill(rounded_rect(x, y - 5, x + 60, y + 5, 5), pal.ROAD_LINE, 0.6)
        x += 110


def stars(s: Sketch, rng: random.Random, count: int, area: tuple[float, float, float, float], size: float) -> None:
    x0, y0, x1, y1 = area
    placed: list[Point] = []
    for _ in range(count * 8):
        if len(placed) >= count:
            break
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if all(math.dist((x, y), p) > size * 3.2 for p in placed):
            placed.append((x, y))
            r = size * rng.uniform(0.7, 1.1)
            s.fill(star(x, y, r, r * 0.45, angle=-90 + rng.uniform(-15, 15)), pal.STAR, 0.7)
