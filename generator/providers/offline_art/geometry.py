"""Shapes and the curves they are made of.

A drawing is a list of `Shape`s in painting order (back to front) in page
units: the page is 1000 x 1000 whatever its size in pixels. A shape with a fill
hides what is behind it, in the line art too, so overlapping things read as
in front of each other.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Color = tuple[int, int, int]

INK: Color = (0, 0, 0)
WHITE: Color = (255, 255, 255)

# Weights of an outline, in units of the page's line width.
BOLD = 1.0
DETAIL = 0.6


@dataclass(frozen=True, slots=True)
class Shape:
    """A closed region (filled with `fill`, or see-through when None) or an
    open stroke (`closed=False`, never filled). `weight` 0 means no outline.
    `part` names what the shape belongs to when that matters ("child")."""

    points: tuple[Point, ...]
    fill: Color | None = None
    closed: bool = True
    weight: float = BOLD
    part: str = ""


def ellipse(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0, start: float = 0.0) -> list[Point]:
    """Points around an ellipse turned by `angle` degrees, dense enough to look round."""
    n = _samples(math.pi * (rx + ry))
    return _arc_points(cx, cy, rx, ry, angle, start, start + 360.0, n, endpoint=False)


def circle(cx: float, cy: float, r: float) -> list[Point]:
    return ellipse(cx, cy, r, r)


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, angle: float = 0.0) -> list[Point]:
    """Points along an elliptic arc from a0 to a1 degrees (0 = right, 90 = down)."""
    n = _samples(math.radians(abs(a1 - a0)) * (rx + ry) / 2)
    return _arc_points(cx, cy, rx, ry, angle, a0, a1, n, endpoint=True)


def _samples(length: float) -> int:
    return max(28, min(200, int(length / 1.2)))


def _arc_points(
    cx: float, cy: float, rx: float, ry: float, angle: float, a0: float, a1: float, n: int, *, endpoint: bool
) -> list[Point]:
    turn = math.radians(angle)
    cos_t, sin_t = math.cos(turn), math.sin(turn)
    steps = n - 1 if endpoint else n
    points = []
    for i in range(n):
        a = math.radians(a0 + (a1 - a0) * i / steps)
        x, y = rx * math.cos(a), ry * math.sin(a)
        points.append((cx + x * cos_t - y * sin_t, cy + x * sin_t + y * cos_t))
    return points


def rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float) -> list[Point]:
    r = max(0.0, min(r, (x1 - x0) / 2, (y1 - y0) / 2))
    if r == 0:
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return (
        arc(x1 - r, y0 + r, r, r, -90, 0)
        + arc(x1 - r, y1 - r, r, r, 0, 90)
        + arc(x0 + r, y1 - r, r, r, 90, 180)
        + arc(x0 + r, y0 + r, r, r, 180, 270)
    )


def smooth(points: Sequence[Point], *, closed: bool = True, density: float = 2.5) -> list[Point]:
    """A Catmull-Rom curve through `points`: organic shapes from a few anchors."""
    count = len(points)
    if count < 3:
        return list(points)
    out: list[Point] = []
    segments = count if closed else count - 1
    for i in range(segments):
        p0 = points[(i - 1) % count] if closed or i > 0 else points[0]
        p1 = points[i]
        p2 = points[(i + 1) % count]
        p3 = points[(i + 2) % count] if closed or i + 2 < count else points[-1]
        steps = max(3, min(40, int(math.dist(p1, p2) / density)))
        for s in range(steps):
            t = s / steps
            t2, t3 = t * t, t * t * t
            out.append(
                (
                    0.5
                    * (
                        2 * p1[0]
                        + (-p0[0] + p2[0]) * t
                        + (2 * p0[0] - 5 * p1[0] + 4 * p2[0] - p3[0]) * t2
                        + (-p0[0] + 3 * p1[0] - 3 * p2[0] + p3[0]) * t3
                    ),
                    0.5
                    * (
                        2 * p1[1]
                        + (-p0[1] + p2[1]) * t
                        + (2 * p0[1] - 5 * p1[1] + 4 * p2[1] - p3[1]) * t2
                        + (-p0[1] + 3 * p1[1] - 3 * p2[1] + p3[1]) * t3
                    ),
                )
            )
    if not closed:
        out.append(points[-1])
    return out


def scallop(
    cx: float, cy: float, rx: float, ry: float, bumps: int, depth: float = 0.2, start: float = -90
) -> list[Point]:
    """A bumpy round outline (clouds, bushes, tree tops): `bumps` circle arcs
    whose centres sit on an ellipse, each meeting the next in a small notch."""
    centres = []
    radii = []
    for i in range(bumps):
        a = math.radians(start + 360 * (i + 0.5) / bumps)
        centres.append((cx + rx * (1 - depth) * math.cos(a), cy + ry * (1 - depth) * math.sin(a)))
    for i in range(bumps):
        gap = max(math.dist(centres[i], centres[i - 1]), math.dist(centres[i], centres[(i + 1) % bumps]))
        radii.append(max(gap * 0.62, min(rx, ry) * depth * 1.2))
    notches = [_outer_crossing(centres[i - 1], radii[i - 1], centres[i], radii[i], (cx, cy)) for i in range(bumps)]
    points: list[Point] = []
    for i in range(bumps):
        (bx, by), r = centres[i], radii[i]
        a0 = math.degrees(math.atan2(notches[i][1] - by, notches[i][0] - bx))
        a1 = math.degrees(math.atan2(notches[(i + 1) % bumps][1] - by, notches[(i + 1) % bumps][0] - bx))
        while a1 <= a0:
            a1 += 360
        points.extend(arc(bx, by, r, r, a0, a1)[:-1])
    return points


def _outer_crossing(c0: Point, r0: float, c1: Point, r1: float, centre: Point) -> Point:
    """Where two overlapping circles cross, on the side away from `centre`."""
    d = math.dist(c0, c1) or 1e-6
    a = (r0 * r0 - r1 * r1 + d * d) / (2 * d)
    h = math.sqrt(max(0.0, r0 * r0 - a * a))
    mx, my = c0[0] + a * (c1[0] - c0[0]) / d, c0[1] + a * (c1[1] - c0[1]) / d
    ox, oy = -(c1[1] - c0[1]) / d * h, (c1[0] - c0[0]) / d * h
    p, q = (mx + ox, my + oy), (mx - ox, my - oy)
    return p if math.dist(p, centre) > math.dist(q, centre) else q


def capsule(p0: Point, p1: Point, r0: float, r1: float | None = None) -> list[Point]:
    """A rounded stick from p0 to p1 (arms, legs, stems), r0/r1 thick at each end."""
    r1 = r0 if r1 is None else r1
    angle = math.degrees(math.atan2(p1[1] - p0[1], p1[0] - p0[0]))
    return arc(p1[0], p1[1], r1, r1, angle - 90, angle + 90) + arc(p0[0], p0[1], r0, r0, angle + 90, angle + 270)


def ellipse_slice(cx: float, cy: float, rx: float, ry: float, x0: float, x1: float) -> list[Point]:
    """The part of an upright ellipse between x0 and x1 (stripes, bellies)."""
    x0, x1 = max(x0, cx - rx * 0.999), min(x1, cx + rx * 0.999)
    n = max(6, int((x1 - x0) / 2))
    xs = [x0 + (x1 - x0) * i / n for i in range(n + 1)]

    def half(x: float) -> float:
        return ry * math.sqrt(max(0.0, 1 - ((x - cx) / rx) ** 2))

    return [(x, cy - half(x)) for x in xs] + [(x, cy + half(x)) for x in reversed(xs)]


def ellipse_below(cx: float, cy: float, rx: float, ry: float, y0: float) -> list[Point]:
    """The part of an upright ellipse below the line y = y0."""
    return [(y, x) for x, y in ellipse_slice(cy, cx, ry, rx, y0, cy + ry)]


def star(cx: float, cy: float, r_out: float, r_in: float, tips: int = 5, angle: float = -90) -> list[Point]:
    """A star with softly rounded tips."""
    anchors = []
    for i in range(tips * 2):
        r = r_out if i % 2 == 0 else r_in
        a = math.radians(angle + 180 * i / tips)
        anchors.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return _round_corners(anchors, 0.18)


def _round_corners(points: Sequence[Point], amount: float) -> list[Point]:
    """Cuts each corner with a small quadratic curve so tips aren't needle-sharp."""
    out: list[Point] = []
    count = len(points)
    for i in range(count):
        prev, here, nxt = points[i - 1], points[i], points[(i + 1) % count]
        a = _lerp(here, prev, amount)
        b = _lerp(here, nxt, amount)
        for s in range(6):
            t = s / 5
            out.append(
                (
                    (1 - t) ** 2 * a[0] + 2 * (1 - t) * t * here[0] + t * t * b[0],
                    (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * here[1] + t * t * b[1],
                )
            )
    return out


def rounded_polygon(points: Sequence[Point], amount: float = 0.2) -> list[Point]:
    return _round_corners(points, amount)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def band(lower: Sequence[Point], upper: Sequence[Point]) -> list[Point]:
    """The closed region between two curves drawn in the same direction."""
    return list(lower) + list(reversed(upper))


def crescent(cx: float, cy: float, r: float, cut: float = 0.55) -> list[Point]:
    """A crescent moon opening to the right."""
    inner_cx = cx + r * cut
    inner_r = r * 0.9
    # Where the two circles cross.
    d = inner_cx - cx
    x = (d * d + r * r - inner_r * inner_r) / (2 * d)
    y = math.sqrt(max(0.0, r * r - x * x))
    a_out = math.degrees(math.atan2(y, x))
    a_in = math.degrees(math.atan2(y, x - d))
    outer = arc(cx, cy, r, r, a_out, 360 - a_out)
    inner = arc(inner_cx, cy, inner_r, inner_r, 360 - a_in, a_in)
    return outer + inner


def offset_stroke(spine: Sequence[Point], widths: Sequence[float], *, round_end: bool = True) -> list[Point]:
    """A closed tapering shape around a curve (tails, necks, seaweed): `widths`
    gives the half-width at each point of `spine`; the far end is rounded."""
    left, right = [], []
    count = len(spine)
    normals = []
    for i, (x, y) in enumerate(spine):
        ax, ay = spine[max(0, i - 1)]
        bx, by = spine[min(count - 1, i + 1)]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length
        normals.append((nx, ny))
        w = widths[i]
        left.append((x + nx * w, y + ny * w))
        right.append((x - nx * w, y - ny * w))
    cap: list[Point] = []
    if round_end and widths[-1] > 0:
        ex, ey = spine[-1]
        nx, ny = normals[-1]
        a = math.degrees(math.atan2(ny, nx))
        cap = arc(ex, ey, widths[-1], widths[-1], a, a - 180)[1:-1]
    return left + cap + list(reversed(right))


def taper(count: int, start: float, end: float, power: float = 1.0) -> list[float]:
    return [start + (end - start) * (i / max(1, count - 1)) ** power for i in range(count)]


def clip_above(points: Sequence[Point], y_cut: float) -> list[Point]:
    """The part of a closed outline above the line y = y_cut (a rocket's nose, a bush)."""
    return _clip_y(points, y_cut, keep_above=True)


def clip_band(points: Sequence[Point], y0: float, y1: float) -> list[Point]:
    """The part of a closed outline between y0 (top) and y1 (bottom)."""
    return _clip_y(_clip_y(points, y0, keep_above=False), y1, keep_above=True)


def _clip_y(points: Sequence[Point], y_cut: float, *, keep_above: bool) -> list[Point]:
    """Sutherland-Hodgman against one horizontal line."""

    def inside(p: Point) -> bool:
        return p[1] <= y_cut if keep_above else p[1] >= y_cut

    out: list[Point] = []
    for i, cur in enumerate(points):
        prev = points[i - 1]
        if inside(cur):
            if not inside(prev):
                out.append(_cross_y(prev, cur, y_cut))
            out.append(cur)
        elif inside(prev):
            out.append(_cross_y(prev, cur, y_cut))
    return out


def _cross_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / ((b[1] - a[1]) or 1e-9)
    return (a[0] + (b[0] - a[0]) * t, y)


class Transform:
    """Local drawing coordinates to page coordinates: scale, mirror, move."""

    def __init__(self, x: float, y: float, scale: float, flip: bool = False, angle: float = 0.0) -> None:
        self.x, self.y, self.scale, self.flip = x, y, scale, flip
        self.cos, self.sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def point(self, p: Point) -> Point:
        px = -p[0] if self.flip else p[0]
        rx = px * self.cos - p[1] * self.sin
        ry = px * self.sin + p[1] * self.cos
        return (self.x + rx * self.scale, self.y + ry * self.scale)

    def shapes(self, shapes: Iterable[Shape]) -> list[Shape]:
        return [Shape(tuple(self.point(p) for p in s.points), s.fill, s.closed, s.weight, s.part) for s in shapes]


class Sketch:
    """Collects shapes in painting order."""

    def __init__(self) -> None:
        self.shapes: list[Shape] = []

    def fill(self, points: Sequence[Point], color: Color | None, weight: float = BOLD) -> None:
        self.shapes.append(Shape(tuple(points), color, True, weight))

    def line(self, points: Sequence[Point], weight: float = DETAIL) -> None:
        self.shapes.append(Shape(tuple(points), None, False, weight))

    def extend(self, shapes: Iterable[Shape]) -> None:
        self.shapes.extend(shapes)
