"""The drawing stage: one page's sketch, its seeded random choices, the
hero, and the helpers that place things on the page without overlaps."""

import math
import random

from generator.providers.offline_art import props
from generator.providers.offline_art.characters import Character, Look, Pose
from generator.providers.offline_art.child import Beside, ChildOnPage, fit_beside
from generator.providers.offline_art.geometry import Point, Shape, Sketch, Transform, rounded_rect, smooth
from generator.providers.offline_art.render import FRAME, FRAME_RADIUS

# Detail level of the drawings for each age group.
DETAIL = {"toddler": 0, "kids": 1, "tweens": 2}
# Main line width in page units (a page is 1000 units wide), by detail level.
LINE = {0: 13.0, 1: 8.5, 2: 5.5}
# The hero's usual height in page units, by detail level.
HERO_HEIGHT = {0: 560.0, 1: 450.0, 2: 380.0}
# The left and right edges of the drawing area inside the frame.
LEFT, RIGHT = FRAME[0] + 10, FRAME[2] - 10


class Stage:
    """One page being drawn: the sketch, its random choices and the hero."""

    def __init__(
        self, hero: Character, look: Look, rng: random.Random, detail: int, child: ChildOnPage | None = None
    ) -> None:
        self.sketch = Sketch()
        self.child = child  # drawn beside the hero, when the page has the child
        self.rng = rng
        self.detail = detail
        self.hero = hero
        self.look = look
        self.taken: list[tuple[float, float]] = []  # x ranges the foreground must keep clear
        self.hero_box: tuple[float, float, float, float] = (500, 500, 500, 500)
        self.spots: list[tuple[float, float, float]] = []  # things in the sky: x, y, radius
        self.hero_drawn = False

    # Layers.

    def sky(self, color: tuple[int, int, int]) -> None:
        self.sketch.fill(rounded_rect(*FRAME, FRAME_RADIUS), color, 0)

    def ground(self, y: float, color: tuple[int, int, int], amp: float = 28.0) -> list[Point]:
        """A hill band across the page whose top wanders around y; returns its top curve."""
        xs = (-80.0, 170.0, 420.0, 660.0, 900.0, 1080.0)
        top = smooth([(x, y + self.rng.uniform(-amp, amp)) for x in xs], closed=False)
        self.sketch.fill([*top, (1080, 1080), (-80, 1080)], color)
        return top

    def flat(self, y: float, color: tuple[int, int, int]) -> None:
        self.sketch.fill([(-80, y), (1080, y), (1080, 1080), (-80, 1080)], color)

    def put(self, prop: props.Prop, x: float, y: float, height: float, flip: bool = False, angle: float = 0) -> None:
        props.put(self.sketch, prop, self.rng, self.detail, x, y, height, flip, angle)

    def count(self, toddler: int, kids: int, tweens: int) -> int:
        return (toddler, kids, tweens)[self.detail]

    # Placement.

    def free_x(self, width: float, lo: float = LEFT + 40, hi: float = RIGHT - 40) -> float | None:
        """A spot for something `width` wide that keeps clear of the hero and earlier things."""
        for _ in range(30):
            x = self.rng.uniform(lo + width / 2, hi - width / 2)
            if all(x + width / 2 < a or x - width / 2 > b for a, b in self.taken):
                self.taken.append((x - width / 2, x + width / 2))
                return x
        return None

    def sky_spot(self, width: float, y0: float, y1: float) -> Point | None:
        """The centre of a free spot `width` across in the sky, clear of the
        hero and of what is already there."""
        hx0, hy0, hx1, _ = self.hero_box
        r = width / 2
        for _ in range(40):
            x = self.rng.uniform(LEFT + r + 10, RIGHT - r - 10)
            y = self.rng.uniform(max(y0, FRAME[1] + r + 10), y1)
            clear_hero = x + r < hx0 or x - r > hx1 or y + r < hy0
            if clear_hero and all(math.dist((x, y), (px, py)) > r + pr + 6 for px, py, pr in self.spots):
                self.spots.append((x, y, r))
                return (x, y)
        return None

    def hero_spot(self, *, ground: float = 872.0, scale: float = 1.0) -> tuple[float, float, float]:
        """Where the hero stands on this page: x, feet y and height."""
        height = HERO_HEIGHT[self.detail] * scale * self.rng.uniform(0.9, 1.06)
        x = self.rng.choice((0.33, 0.5, 0.67)) * 1000 + self.rng.uniform(-40, 40)
        return x, ground + self.rng.uniform(-14, 10), height

    def draw_hero(self, x: float, y: float, height: float, *, pose: Pose, flip: bool | None = None, angle: float = 0):
        """Draws the hero with the bottom centre of its box at (x, y), `height`
        tall at most (and not too wide), turned by `angle` about its centre,
        and keeps the foreground clear of it."""
        local = Sketch()
        self.hero.draw(local, self.look, pose, self.detail)
        xs = [p[0] for shape in local.shapes for p in shape.points]
        ys = [p[1] for shape in local.shapes for p in shape.points]
        width_l, height_l = max(xs) - min(xs), max(ys) - min(ys)
        if self.hero.swims:
            height *= 0.85
        scale = min(height / height_l, min(620.0, height * 1.3) / width_l)
        if flip is None:
            flip = x > 540 if self.rng.random() < 0.8 else x <= 460
        turn = math.radians(abs(angle))
        half_w = (width_l * math.cos(turn) + height_l * math.sin(turn)) * scale / 2
        half_h = (height_l * math.cos(turn) + width_l * math.sin(turn)) * scale / 2
        beside = None
        if self.child is not None:
            # Make room for the child: the hero moves over (and shrinks if it must).
            beside, child_shapes = self._child_room(x, half_w, height, -1 if flip else 1)
            x, scale, half_w, half_h = (
                beside.hero_x,
                scale * beside.shrink,
                half_w * beside.shrink,
                half_h * beside.shrink,
            )
        # Keep the whole hero inside the frame, with a little air around it.
        x = min(max(x, LEFT + 25 + half_w), RIGHT - 25 - half_w)
        cy = min(y - height_l * scale / 2, RIGHT - 25 - half_h)
        centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
        centred = Transform(-centre[0], -centre[1], 1.0).shapes(local.shapes)
        shapes = Transform(x, cy, scale, flip, angle).shapes(centred)
        self.sketch.extend(shapes)
        self._box_of(shapes)
        self.taken.append((x - half_w - 20, x + half_w + 20))
        if beside is not None:
            grounded = angle == 0 and y >= 780
            self._draw_child(beside, child_shapes, y + 6 if grounded else self.child.ground)

    def _child_room(self, x: float, half_w: float, height: float, side: int) -> tuple[Beside, list[Shape]]:
        local = self.child.shapes()
        xs = [p[0] for shape in local for p in shape.points]
        ys = [p[1] for shape in local for p in shape.points]
        aspect = (max(xs) - min(xs)) / (max(ys) - min(ys))
        return fit_beside(x, half_w, height, aspect, side, LEFT + 25, RIGHT - 25), local

    def _draw_child(self, beside: Beside, local: list[Shape], feet: float) -> None:
        """The child with its feet at `feet`, centred at beside.x, in front of the hero."""
        xs = [p[0] for shape in local for p in shape.points]
        ys = [p[1] for shape in local for p in shape.points]
        scale = beside.height / (max(ys) - min(ys))
        feet = min(max(feet, FRAME[1] + 30 + beside.height), FRAME[3] - 20)
        centre_x = (min(xs) + max(xs)) / 2
        self.sketch.extend(Transform(beside.x - centre_x * scale, feet - max(ys) * scale, scale).shapes(local))
        half_w = (max(xs) - min(xs)) * scale / 2
        self.taken.append((beside.x - half_w - 15, beside.x + half_w + 15))
        r = max(half_w, beside.height / 4)
        self.spots += [(beside.x, feet - beside.height + r, r), (beside.x, feet - r, r)]

    def _box_of(self, shapes: list[Shape]) -> None:
        xs = [p[0] for shape in shapes for p in shape.points]
        ys = [p[1] for shape in shapes for p in shape.points]
        self.hero_box = (min(xs) - 30, min(ys) - 30, max(xs) + 30, max(ys) + 30)
        self.hero_drawn = True

    def pose(self, *, helmet: bool = False) -> Pose:
        arms = self.rng.choice(("down", "wave", "wave", "cheer"))
        return Pose(arms=arms, happy=self.rng.random() < 0.5, helmet=helmet)

    # Common pieces.

    def sun(self, *, face: bool | None = None) -> None:
        size = (240.0, 200.0, 170.0)[self.detail]
        corners = (LEFT + size / 2 + 30, RIGHT - size / 2 - 30)
        x = self.rng.choice(corners)
        if self.hero_drawn:
            # Away from a hero who is up in the sky.
            hero_x = (self.hero_box[0] + self.hero_box[2]) / 2
            x = max(corners, key=lambda c: abs(c - hero_x))
        y = FRAME[1] + size / 2 + 30 + self.rng.uniform(0, 30)
        smiling = self.detail == 0 if face is None else face
        self.put(props.smiling_sun if smiling else props.sun, x, y + size / 2, size)
        self.spots.append((x, y, size / 2))

    def clouds(self, count: int, y0: float = 120, y1: float = 330) -> None:
        for _ in range(count):
            width = self.rng.uniform(150, 210) if self.detail < 2 else self.rng.uniform(120, 180)
            spot = self.sky_spot(width, y0, y1)
            if spot:
                self.put(props.cloud, spot[0], spot[1] + width * 0.3, width)

    def foreground(self, choices: tuple[props.Prop, ...], count: int, height: tuple[float, float]) -> None:
        """Small things along the bottom of the page, clear of the hero's feet."""
        grow = (1.3, 1.0, 0.9)[self.detail]
        for _ in range(count):
            h = self.rng.uniform(*height) * grow
            x = self.free_x(h)
            if x is not None:
                self.put(self.rng.choice(choices), x, 930 + self.rng.uniform(-10, 6), h)
