"""More scenery props for the themed settings (library, knitting corner,
kitchen, farm, railway, jungle, music room, sports field), drawn like the ones
in `props`: local units, standing on (0, 0), about 100 units tall, outlined
closed shapes that can be colored; `detail` adds small features for older
children."""

import math
import random

from generator.providers.offline_art import palette as pal
from generator.providers.offline_art.geometry import (
    DETAIL,
    WHITE,
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

# Indoors.


def bookshelf(s: Sketch, rng: random.Random, detail: int) -> None:
    """A shelf 80 units wide full of books; more, thinner books for older children."""
    s.fill(rounded_rect(-40, -100, 40, 0, 3), pal.WOOD)
    shelves = (-100, -52, 0) if detail == 0 else (-100, -67, -34, 0)
    per_shelf = (3, 5, 7)[detail]
    for top, bottom in zip(shelves, shelves[1:], strict=False):
        s.fill(rounded_rect(-34, top + 6, 34, bottom - 2, 1.5), pal.dark(pal.WOOD, 0.25), DETAIL)
        x = -32.0
        width = 64 / per_shelf
        for i in range(per_shelf):
            h = (bottom - top - 10) * rng.uniform(0.7, 0.95)
            tilt = detail >= 2 and i == per_shelf - 1
            book = [
                (x, bottom - 2),
                (x + width - 1.5, bottom - 2),
                (x + width - 1.5, bottom - 2 - h),
                (x, bottom - 2 - h),
            ]
            if tilt:
                book = [
                    (x + 3, bottom - 2),
                    (x + width + 1, bottom - 2),
                    (x + width - 3, bottom - 2 - h),
                    (x - 1, bottom - 1 - h),
                ]
            s.fill(book, rng.choice(pal.BRIGHT), DETAIL)
            if detail >= 2:
                s.line([(x + 1.5, bottom - 2 - h * 0.7), (x + width - 3, bottom - 2 - h * 0.7)], DETAIL * 0.6)
            x += width


def book_stack(s: Sketch, rng: random.Random, detail: int) -> None:
    y = 0.0
    for _ in range(3 if detail < 2 else 4):
        w = rng.uniform(38, 48)
        dx = rng.uniform(-5, 5)
        s.fill(rounded_rect(dx - w, y - 22, dx + w, y, 3), rng.choice(pal.BRIGHT))
        if detail >= 1:
            s.fill(rounded_rect(dx + w - 10, y - 19, dx + w - 3, y - 3, 1.5), WHITE, DETAIL * 0.7)
        y -= 22


def open_book(s: Sketch, rng: random.Random, detail: int) -> None:
    cover = rng.choice(pal.BRIGHT)
    s.fill(rounded_polygon([(-50, -8), (0, 0), (50, -8), (50, -62), (0, -54), (-50, -62)], 0.05), cover)
    for side in (-1, 1):
        s.fill(
            smooth([(0, -6), (side * 22, -16), (side * 46, -12), (side * 46, -62), (side * 22, -66), (0, -56)]), WHITE
        )
        if detail >= 1:
            for y in (-50, -40, -30)[: detail + 1]:
                s.line([(side * 10, y), (side * 38, y - 3)], DETAIL * 0.6)


def floor_lamp(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(ellipse(0, -3, 22, 6), pal.TIRE)
    s.fill(rounded_rect(-3, -78, 3, -4, 2), pal.GREY)
    s.fill(rounded_polygon([(-22, -76), (22, -76), (14, -104), (-14, -104)], 0.1), rng.choice(pal.BRIGHT))


def window(s: Sketch, rng: random.Random, detail: int) -> None:
    """A window 100 units tall with a view of the sky; curtains for older children."""
    s.fill(rounded_rect(-40, -100, 40, 0, 4), pal.WOOD)
    s.fill(rounded_rect(-33, -93, 33, -7, 3), pal.SKY)
    s.line([(0, -93), (0, -7)], 0.8)
    s.line([(-33, -50), (33, -50)], 0.8)
    if detail >= 1:
        s.fill(scallop(-14, -74, 12, 6, 5, 0.3), WHITE, DETAIL)
    if detail >= 2:
        curtain = rng.choice(pal.BRIGHT)
        for side in (-1, 1):
            s.fill(
                smooth([(side * 44, -104), (side * 28, -104), (side * 34, -50), (side * 26, -4), (side * 46, -4)]),
                curtain,
                DETAIL,
            )


def armchair(s: Sketch, rng: random.Random, detail: int) -> None:
    """A cosy armchair 140 units wide."""
    color = rng.choice(((236, 120, 120), (120, 170, 230), (170, 140, 220), (120, 190, 150)))
    s.fill(rounded_rect(-52, -100, 52, -30, 18), color)
    s.fill(rounded_rect(-58, -44, 58, -16, 8), pal.light(color, 0.25))
    for side in (-1, 1):
        s.fill(rounded_rect(side * 70 - 14, -66, side * 70 + 14, -14, 10), color)
        s.fill(rounded_rect(side * 62 - 4, -16, side * 62 + 4, 0, 2), pal.WOOD)
    if detail >= 1:
        s.fill(rounded_rect(-30, -86, 30, -46, 10), pal.light(color, 0.45), DETAIL)
    if detail >= 2:
        for x in (-20, 0, 20):
            s.fill(circle(x, -66, 3), pal.dark(color, 0.2), DETAIL * 0.6)


def yarn_ball(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(pal.BRIGHT)
    s.line(smooth([(30, -30), (50, -12), (70, -4), (96, -2)], closed=False), DETAIL)
    s.fill(circle(0, -40, 40), color)
    lines = (2, 4, 6)[detail]
    for i in range(lines):
        a = -60 + 120 * i / max(1, lines - 1)
        s.line(arc(0, -40, 34, 34 * abs(math.cos(math.radians(a))) + 6, 200, 340, a * 0.5), DETAIL * 0.7)


def knitting(s: Sketch, rng: random.Random, detail: int) -> None:
    """Two needles through a piece of knitting, with its ball of yarn."""
    color = rng.choice(pal.BRIGHT)
    s.fill(rounded_rect(-30, -64, 30, -16, 6), color)
    if detail >= 1:
        for y in (-50, -40, -30, -22)[: 2 + detail]:
            s.line([(-24, y), (24, y)], DETAIL * 0.6)
    for y0, y1 in ((-70, -60), (-60, -70)):
        s.fill(capsule((-54, y0), (54, y1), 3), pal.GREY)
    for x, y in ((-54, -70), (54, -70)):
        s.fill(circle(x, y, 6), pal.SUN)
    s.fill(circle(0, -8, 8), color, DETAIL)


def yarn_basket(s: Sketch, rng: random.Random, detail: int) -> None:
    for x, y, r in ((-22, -50, 20), (18, -54, 22), (0, -62, 18))[: 2 + min(detail, 1)]:
        s.fill(circle(x, y, r), rng.choice(pal.BRIGHT))
        if detail >= 1:
            s.line(arc(x, y, r * 0.7, r * 0.5, 200, 340, 25), DETAIL * 0.6)
    s.fill(rounded_polygon([(-45, -46), (45, -46), (34, 0), (-34, 0)], 0.1), pal.WOOD)
    if detail >= 1:
        for x in (-22, 0, 22):
            s.line([(x, -44), (x * 0.8, -2)], DETAIL * 0.6)


def rug(s: Sketch, rng: random.Random, detail: int) -> None:
    """A round rug 200 units wide, seen from the side."""
    color = rng.choice(pal.BRIGHT)
    s.fill(ellipse(0, -20, 100, 20), color)
    if detail >= 1:
        s.fill(ellipse(0, -20, 70, 13), pal.light(color, 0.4), DETAIL)
    if detail >= 2:
        s.fill(ellipse(0, -20, 38, 7), color, DETAIL)


def table(s: Sketch, rng: random.Random, detail: int) -> None:
    """A table 160 units wide and 100 tall."""
    s.fill(rounded_rect(-70, -60, -60, 0, 2), pal.dark(pal.WOOD, 0.1))
    s.fill(rounded_rect(60, -60, 70, 0, 2), pal.dark(pal.WOOD, 0.1))
    cloth = rng.choice(((255, 170, 170), (170, 210, 255), WHITE))
    s.fill(rounded_rect(-80, -70, 80, -56, 3), pal.WOOD)
    if detail >= 1:
        s.fill(
            [(-80, -70), (80, -70), (80, -50), *arc(40, -50, 40, 10, 0, 180), *arc(-40, -50, 40, 10, 0, 180)],
            cloth,
            DETAIL,
        )


def pot(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(((240, 110, 110), (110, 176, 240), (255, 176, 72)))
    for side in (-1, 1):
        s.fill(rounded_rect(side * 50 - 10, -46, side * 50 + 10, -38, 3), pal.TIRE)
    s.fill(rounded_rect(-44, -56, 44, 0, 8), color)
    s.fill([*arc(0, -58, 46, 14, 180, 360)], pal.light(color, 0.3))
    s.fill(circle(0, -76, 6), pal.TIRE)
    if detail >= 1:
        for x in (-16, 8):
            s.line(smooth([(x, -84), (x + 6, -92), (x - 2, -100)], closed=False), DETAIL)


def cupcake(s: Sketch, rng: random.Random, detail: int) -> None:
    frosting = rng.choice(((255, 190, 210), (255, 240, 200), (200, 230, 255), (200, 240, 200)))
    s.fill(rounded_polygon([(-32, -46), (32, -46), (24, 0), (-24, 0)], 0.1), rng.choice(pal.BRIGHT))
    if detail >= 1:
        for x in (-14, 0, 14):
            s.line([(x * 1.3, -44), (x, -2)], DETAIL * 0.6)
    s.fill(scallop(0, -58, 36, 20, 6, 0.25), frosting)
    s.fill(circle(0, -84, 8), (240, 90, 100))


def oven(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(rounded_rect(-50, -100, 50, 0, 4), pal.GREY)
    s.fill(rounded_rect(-38, -62, 38, -10, 5), pal.TIRE)
    s.fill(rounded_rect(-30, -54, 30, -18, 4), pal.WINDOW_LIT)
    for x in (-30, -10, 10, 30)[: 2 + detail]:
        s.fill(circle(x, -82, 5), pal.light(pal.GREY, 0.5), DETAIL)


def bread(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(smooth([(-50, 0), (-52, -26), (-30, -44), (0, -48), (30, -44), (52, -26), (50, 0)]), (236, 180, 110))
    if detail >= 1:
        for x in (-22, 0, 22):
            s.line(arc(x, -30, 8, 8, 200, 340), DETAIL * 0.7)


# Outdoors.


def barn(s: Sketch, rng: random.Random, detail: int) -> None:
    red = rng.choice(((230, 96, 96), (236, 120, 90)))
    s.fill(rounded_polygon([(-50, 0), (-50, -60), (-30, -88), (30, -88), (50, -60), (50, 0)], 0.04), red)
    s.fill(
        rounded_polygon(
            [(-56, -58), (-32, -94), (32, -94), (56, -58), (48, -58), (28, -86), (-28, -86), (-48, -58)], 0.05
        ),
        WHITE,
    )
    s.fill(rounded_rect(-20, -44, 20, 0, 2), pal.light(red, 0.3))
    s.line([(-20, -44), (20, 0)], 0.8)
    s.line([(20, -44), (-20, 0)], 0.8)
    if detail >= 1:
        s.fill(rounded_rect(-10, -74, 10, -58, 2), pal.WINDOW_LIT, DETAIL)
    if detail >= 2:
        for x in (-36, 36):
            s.fill(rounded_rect(x - 6, -40, x + 6, -28, 1.5), pal.WINDOW, DETAIL * 0.7)


def fence(s: Sketch, rng: random.Random, detail: int) -> None:
    """A fence 200 units wide and 60 tall."""
    s.fill(rounded_rect(-100, -44, 100, -36, 2), pal.WOOD)
    s.fill(rounded_rect(-100, -22, 100, -14, 2), pal.WOOD)
    for i in range(5):
        x = -90 + 45 * i
        s.fill(
            rounded_polygon([(x - 7, 0), (x - 7, -52), (x, -60), (x + 7, -52), (x + 7, 0)], 0.1),
            pal.light(pal.WOOD, 0.2),
        )


def haystack(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(smooth([(-60, 0), (-56, -40), (-30, -72), (0, -80), (30, -72), (56, -40), (60, 0)]), (250, 214, 110))
    if detail >= 1:
        for x in (-34, -12, 12, 34)[: 2 + detail]:
            s.line(smooth([(x, -8), (x * 1.1, -36), (x * 0.8, -62)], closed=False), DETAIL * 0.6)


def engine(s: Sketch, rng: random.Random, detail: int) -> None:
    """A little steam engine 160 units long, facing right."""
    body = rng.choice(((240, 104, 104), (110, 176, 240), (120, 200, 140)))
    s.fill(rounded_rect(-80, -100, -20, -30, 5), body)
    s.fill(rounded_rect(-70, -90, -32, -62, 4), pal.WINDOW)
    s.fill(rounded_rect(-90, -108, -12, -98, 4), pal.light(body, 0.3))
    s.fill(rounded_rect(-20, -72, 66, -30, 18), body)
    s.fill(rounded_polygon([(30, -72), (52, -72), (58, -106), (24, -106)], 0.12), pal.TIRE)
    s.fill(rounded_polygon([(66, -40), (66, -26), (84, -18)], 0.15), pal.GREY)
    for x, r in ((-56, 20), (10, 15), (46, 15)):
        s.fill(circle(x, -20, r), pal.TIRE)
        s.fill(circle(x, -20, r * 0.45), pal.SUN, DETAIL)
    if detail >= 1:
        s.fill(circle(-4, -76, 6), pal.SUN, DETAIL)
        s.line([(-40, -20), (46, -20)], DETAIL * 1.2)


def carriage(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(pal.BRIGHT)
    s.fill(rounded_rect(-60, -86, 60, -26, 6), color)
    windows = (1, 2, 3)[detail]
    width = 100 / windows
    for i in range(windows):
        x0 = -50 + i * width
        s.fill(rounded_rect(x0 + 4, -76, x0 + width - 4, -50, 4), pal.WINDOW, DETAIL)
    for x in (-36, 36):
        s.fill(circle(x, -16, 15), pal.TIRE)
        s.fill(circle(x, -16, 6), pal.GREY, DETAIL)


def big_leaf(s: Sketch, rng: random.Random, detail: int) -> None:
    """A big jungle leaf on a stem, 100 units tall."""
    color = rng.choice((pal.LEAF, pal.PINE, pal.GRASS_NEAR))
    s.line(smooth([(0, 0), (2, -20), (0, -40)], closed=False), 0.9)
    s.fill(smooth([(0, -36), (-32, -52), (-36, -80), (-6, -104), (0, -100), (6, -104), (36, -80), (32, -52)]), color)
    s.line(smooth([(0, -38), (0, -70), (0, -98)], closed=False), DETAIL * 0.8)
    if detail >= 1:
        for y in (-56, -72, -86)[: detail + 1]:
            for side in (-1, 1):
                s.line([(0, y + 6), (side * 22, y - 6)], DETAIL * 0.6)


def drum(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(pal.BRIGHT)
    s.fill(rounded_rect(-46, -66, 46, -6, 4), color)
    s.fill(ellipse(0, -66, 46, 14), WHITE)
    if detail >= 1:
        for i in range(5):
            x = -40 + 20 * i
            s.line([(x, -60), (x + 10, -10)], DETAIL * 0.7)
    for side in (-1, 1):
        s.fill(capsule((side * 12, -80), (side * 40, -100), 3), pal.WOOD)
        s.fill(circle(side * 42, -101, 5), pal.light(pal.WOOD, 0.3))


def note(s: Sketch, rng: random.Random, detail: int) -> None:
    """A music note 100 units tall."""
    color = rng.choice(pal.BRIGHT)
    s.fill(ellipse(-12, -18, 20, 14, -20), color)
    s.fill(rounded_rect(2, -96, 10, -20, 3), color)
    s.fill(smooth([(6, -96), (34, -80), (30, -56), (22, -74), (8, -78)]), color)


def guitar(s: Sketch, rng: random.Random, detail: int) -> None:
    color = rng.choice(((255, 176, 72), (240, 110, 110), (170, 150, 240)))
    body = [(0, 0), (22, -6), (27, -26), (16, -44), (18, -58), (10, -70), (-10, -70), (-18, -58), (-16, -44)]
    s.fill(smooth([*body, (-27, -26), (-22, -6)]), color)
    s.fill(circle(0, -40, 8), pal.TIRE, DETAIL)
    s.fill(rounded_rect(-4.5, -96, 4.5, -30, 2), pal.WOOD)
    s.fill(rounded_rect(-8, -106, 8, -92, 3), pal.dark(pal.WOOD, 0.2))
    s.fill(rounded_rect(-12, -20, 12, -14, 2), pal.dark(color, 0.3), DETAIL)
    if detail >= 1:
        for dx in (-2, 2):
            s.line([(dx, -94), (dx, -17)], DETAIL * 0.5)


def goal(s: Sketch, rng: random.Random, detail: int) -> None:
    """A football goal 200 units wide and 100 tall, with its net."""
    net_lines = (2, 4, 7)[detail]
    for i in range(1, net_lines + 1):
        x = -92 + 184 * i / (net_lines + 1)
        s.line([(x, -92), (x, 0)], DETAIL * 0.5)
    for i in range(1, max(2, net_lines // 2 + 1)):
        y = -92 * i / max(2, net_lines // 2 + 1)
        s.line([(-92, y), (92, y)], DETAIL * 0.5)
    s.fill([(-100, 0), (-100, -100), (100, -100), (100, 0), (92, 0), (92, -92), (-92, -92), (-92, 0)], WHITE)


def ball(s: Sketch, rng: random.Random, detail: int) -> None:
    s.fill(circle(0, -50, 50), WHITE)
    s.fill(rounded_polygon([(0, -66), (15, -55), (10, -38), (-10, -38), (-15, -55)], 0.1), pal.TIRE)
    if detail >= 1:
        for a in (-90, -18, 54, 126, 198):
            r = math.radians(a)
            s.line([(math.cos(r) * 17, -51 + math.sin(r) * 17), (math.cos(r) * 44, -50 + math.sin(r) * 44)], DETAIL)


def comet(s: Sketch, rng: random.Random, detail: int) -> None:
    """A shooting star with a tail, 100 units wide, flying up to the right."""
    tail = rng.choice(pal.BRIGHT)
    s.fill(smooth([(10, -52), (-50, -20), (-46, -10), (-54, -2), (14, -40)]), pal.light(tail, 0.3))
    if detail >= 1:
        s.fill(smooth([(12, -48), (-30, -16), (-26, -12), (14, -42)]), tail, DETAIL)
    s.fill(star(22, -50, 28, 13, angle=-60), pal.STAR)


def toy_rocket(s: Sketch, rng: random.Random, detail: int) -> None:
    """A small rocket standing on its fins, 100 units tall."""
    body = rng.choice(((250, 250, 255), (130, 190, 245)))
    red = (240, 100, 100)
    for side in (-1, 1):
        s.fill(rounded_polygon([(side * 14, -40), (side * 30, -6), (side * 30, 4), (side * 14, -10)], 0.1), red)
    s.fill(smooth([(0, -100), (14, -78), (16, -30), (12, -4), (-12, -4), (-16, -30), (-14, -78)]), body)
    s.fill(circle(0, -58, 8), pal.WINDOW)
    if detail >= 1:
        s.fill(rounded_rect(-15, -26, 15, -18, 2), red, DETAIL)


def tent(s: Sketch, rng: random.Random, detail: int) -> None:
    """A tent 160 units wide, its door open."""
    color = rng.choice(((255, 150, 90), (120, 190, 150), (110, 170, 230), (240, 110, 110)))
    s.fill(rounded_polygon([(-80, 0), (0, -100), (80, 0)], 0.06), color)
    s.fill(rounded_polygon([(-26, 0), (0, -64), (26, 0)], 0.08), pal.dark(color, 0.45))
    s.fill(rounded_polygon([(0, -64), (10, 0), (34, 0)], 0.08), pal.light(color, 0.35))
    s.line([(0, -100), (0, -116)], 0.8)
    if detail >= 1:
        s.fill(rounded_polygon([(0, -116), (18, -111), (0, -105)], 0.1), rng.choice(pal.BRIGHT), DETAIL)
    if detail >= 2:
        for x in (-50, 50):
            s.line([(x, -36), (x * 1.3, 0)], DETAIL * 0.6)


def campfire(s: Sketch, rng: random.Random, detail: int) -> None:
    """Crossed logs with a flame, 100 units tall."""
    s.fill(smooth([(0, -100), (26, -62), (30, -30), (0, -16), (-30, -30), (-26, -62), (-10, -50)]), pal.FLAME)
    s.fill(smooth([(0, -70), (14, -44), (0, -26), (-14, -44)]), pal.FLAME_CORE)
    for a, b in (((-46, -4), (40, -24)), ((46, -4), (-40, -24))):
        s.fill(capsule(a, b, 8), pal.TRUNK)
    if detail >= 1:
        for x in (-60, 60):
            s.fill(ellipse(x, -8, 14, 9), pal.ROCK, DETAIL)
