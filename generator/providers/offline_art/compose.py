"""From an order to pages: who the hero is, where each page happens, what is
drawn there and the sentence that goes with it.

Everything is chosen by `random.Random` instances seeded from a SHA-256 of the
order's seed and theme (and the page index for a page), so the same order
always gets the same book, and two orders get different ones.
"""

import hashlib
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from generator.providers.offline_art import palette as pal
from generator.providers.offline_art import props
from generator.providers.offline_art.characters import CHARACTERS, Character, Look, Pose
from generator.providers.offline_art.geometry import Point, Shape, Sketch, Transform, arc, rounded_rect, smooth
from generator.providers.offline_art.render import FRAME, FRAME_RADIUS
from generator.text import text_line

BOOK_PAGES = 12
DETAIL = {"toddler": 0, "kids": 1, "tweens": 2}
# Main line width in page units (a page is 1000 units wide).
LINE = {0: 13.0, 1: 8.5, 2: 5.5}
HERO_HEIGHT = {0: 560.0, 1: 450.0, 2: 380.0}
LEFT, RIGHT = FRAME[0] + 10, FRAME[2] - 10


def _random(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


# Who the hero is. Creatures named in the theme win over places that suggest
# one (an "ocean" theme gets a fish unless it names another animal).
HERO_WORDS: tuple[tuple[str, str, bool], ...] = (
    ("dinosaur", r"dino|t-?rex|triceratops|stegosaur|brontosaur|jurassic|🦖|🦕", True),
    ("dragon", r"dragon|🐉|🐲", True),
    ("unicorn", r"unicorn|pon(y|ies)|horse|🦄|🐴", True),
    ("cat", r"\bcats?\b|kitt(en|ens|y|ies)|🐱|🐈", True),
    ("dog", r"\bdogs?\b|pupp(y|ies)|doggy|🐶|🐕", True),
    ("bunny", r"bunn(y|ies)|rabbits?|easter|🐰|🐇", True),
    ("teddy", r"teddy|teddies|\btoys?\b|🧸", True),
    ("bear", r"\bbears?\b|🐻", True),
    ("fish", r"\bfish|goldfish|🐟|🐠|🐡", True),
    ("rocket", r"rockets?|spaceships?|🚀", True),
    ("car", r"\bcars?\b|trucks?|\bbus\b|racing|race car|🚗|🏎|🚙", True),
    ("robot", r"robots?|🤖", True),
    ("princess", r"princess|queen|\bfair(y|ies)\b|👸|🧚", True),
    ("fish", r"ocean|\bseas?\b|underwater|mermaids?|sharks?|whales?|coral|aquarium|🌊", False),
    ("rocket", r"\bspace|astronaut|planets?|galax(y|ies)|🪐", False),
    ("princess", r"castles?|knights?|kingdom|fairy ?tale|🏰", False),
)
FALLBACK_HEROES = ("teddy", "bunny", "cat", "dog", "bear")


def hero_for(theme: str, seed: str) -> Character:
    lowered = theme.casefold()
    for strong in (True, False):
        found = [
            (match.start(), key)
            for key, pattern, is_strong in HERO_WORDS
            if is_strong == strong and (match := re.search(pattern, lowered))
        ]
        if found:
            return CHARACTERS[min(found)[1]]
    return CHARACTERS[_random(seed, theme, "hero").choice(FALLBACK_HEROES)]


@dataclass(frozen=True)
class Setting:
    key: str
    words: str  # theme words that make this setting come up more often
    variants: dict[str, tuple[str, str]]  # variant -> two sentence templates
    draw: Callable[["Stage", str], None]


@dataclass(frozen=True)
class PagePlan:
    setting: str
    variant: str
    sentence: str


@dataclass(frozen=True)
class BookPlan:
    hero: Character
    look: Look
    pages: tuple[PagePlan, ...]


class Stage:
    """One page being drawn: the sketch, its random choices and the hero."""

    def __init__(self, plan: BookPlan, page: PagePlan, rng: random.Random, detail: int) -> None:
        self.s = Sketch()
        self.rng = rng
        self.detail = detail
        self.plan = plan
        self.page = page
        self.hero = plan.hero
        self.taken: list[tuple[float, float]] = []  # x ranges the foreground must keep clear
        self.hero_box: tuple[float, float, float, float] = (500, 500, 500, 500)
        self.spots: list[tuple[float, float, float]] = []  # things in the sky: x, y, radius
        self.hero_drawn = False

    # Layers.

    def sky(self, color: tuple[int, int, int]) -> None:
        self.s.fill(rounded_rect(*FRAME, FRAME_RADIUS), color, 0)

    def ground(self, y: float, color: tuple[int, int, int], amp: float = 28.0) -> list[Point]:
        """A hill band across the page whose top wanders around y; returns its top curve."""
        xs = (-80.0, 170.0, 420.0, 660.0, 900.0, 1080.0)
        top = smooth([(x, y + self.rng.uniform(-amp, amp)) for x in xs], closed=False)
        self.s.fill([*top, (1080, 1080), (-80, 1080)], color)
        return top

    def flat(self, y: float, color: tuple[int, int, int]) -> None:
        self.s.fill([(-80, y), (1080, y), (1080, 1080), (-80, 1080)], color)

    def put(self, prop: props.Prop, x: float, y: float, height: float, flip: bool = False, angle: float = 0) -> None:
        props.put(self.s, prop, self.rng, self.detail, x, y, height, flip, angle)

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
        self.hero.draw(local, self.plan.look, pose, self.detail)
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
        # Keep the whole hero inside the frame, with a little air around it.
        x = min(max(x, LEFT + 25 + half_w), RIGHT - 25 - half_w)
        cy = min(y - height_l * scale / 2, RIGHT - 25 - half_h)
        centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
        centred = Transform(-centre[0], -centre[1], 1.0).shapes(local.shapes)
        shapes = Transform(x, cy, scale, flip, angle).shapes(centred)
        self.s.extend(shapes)
        self._box_of(shapes)
        self.taken.append((x - half_w - 20, x + half_w + 20))

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


# The settings. Each draws back to front: sky, far things, the hero, then the foreground.


def _meadow(st: Stage, variant: str) -> None:
    st.sky(pal.SKY)
    st.sun()
    st.ground(600, pal.GRASS_FAR, 36)
    for _ in range(st.count(0, 1, 2)):
        x = st.rng.uniform(120, 880)
        st.put(props.tree, x, 640, st.rng.uniform(150, 200))
    st.ground(730, pal.GRASS, 24)
    x, y, h = st.hero_spot()
    st.draw_hero(x, y, h, pose=st.pose())
    st.clouds(st.count(1, 2, 3))
    if variant == "kite":
        spot = st.sky_spot(130, 170, 300)
        if spot:
            kx, ky = spot
            st.put(props.kite, kx, ky + 50, 170)
            hx0, hy0, hx1, _ = st.hero_box
            hand = (hx1 - 40 if kx > x else hx0 + 40, y - h * 0.45)
            st.s.line(smooth([(kx, ky - 20), ((kx + hand[0]) / 2, (ky + hand[1]) / 2 + 40), hand], closed=False), 0.5)
    if variant == "butterflies":
        for _ in range(st.count(1, 2, 3)):
            spot = st.sky_spot(90, 330, 560)
            if spot:
                st.put(props.butterfly, spot[0], spot[1] + 40, st.count(120, 95, 80), st.rng.random() < 0.5)
    flowers = st.count(2, 4, 6) + (2 if variant == "flowers" else 0)
    st.foreground((props.flower, props.tulip, props.flower), flowers, (130, 190))
    if st.detail >= 2:
        st.foreground((props.grass_tuft,), 3, (40, 55))


def _picnic(st: Stage, variant: str) -> None:
    st.sky(pal.SKY)
    st.sun()
    st.clouds(st.count(1, 2, 2))
    st.ground(620, pal.GRASS_FAR, 30)
    tree_x = st.rng.choice((200.0, 800.0))
    st.put(props.tree, tree_x, 740, st.count(380, 360, 340), tree_x > 500)
    st.ground(750, pal.GRASS, 18)
    hero_x = 1000 - tree_x + st.rng.uniform(-60, 20) * (1 if tree_x < 500 else -1)
    _, y, h = st.hero_spot(ground=850)
    st.draw_hero(hero_x, y, h * 0.9, pose=st.pose())
    st.taken.clear()
    blanket_w = st.count(330, 300, 280)
    hx0, _, hx1, _ = st.hero_box
    room_left = hx0 - LEFT > RIGHT - hx1
    blanket_x = hx0 - blanket_w / 2 + 60 if room_left else hx1 + blanket_w / 2 - 60
    blanket_x = min(max(blanket_x, LEFT + 20 + blanket_w / 2), RIGHT - 20 - blanket_w / 2)
    st.put(props.picnic, blanket_x, 935, blanket_w)
    if variant == "basket":
        st.put(props.basket, blanket_x + st.rng.uniform(-40, 40), 915, st.count(170, 140, 120))
    else:
        for dx in (-70, 10, 80)[: st.count(2, 3, 3)]:
            st.put(props.apple, blanket_x + dx, 920 + st.rng.uniform(-10, 10), st.count(90, 70, 60))
    st.taken.append((blanket_x - blanket_w / 2 - 20, blanket_x + blanket_w / 2 + 20))
    st.foreground((props.flower, props.tulip), st.count(0, 1, 2), (110, 150))


def _beach(st: Stage, variant: str) -> None:
    st.sky(pal.SKY)
    st.sun()
    st.clouds(st.count(1, 2, 3), 110, 260)
    _sea(st, 540)
    if variant == "sailboat" or st.detail >= 2:
        st.put(props.sailboat, st.rng.uniform(250, 750), 560, st.count(190, 150, 120), st.rng.random() < 0.5)
    st.ground(700, pal.SAND, 20)
    palm_x = st.rng.choice((150.0, 850.0))
    if st.detail >= 1 or variant != "sandcastle":
        st.put(props.palm, palm_x, 790, 420, palm_x > 500)
    x, y, h = st.hero_spot()
    st.draw_hero(x, y, h, pose=st.pose())
    if variant == "sandcastle":
        cx = st.free_x(220)
        if cx is not None:
            st.put(props.sandcastle, cx, 925, st.count(230, 200, 180))
    things = (props.shell, props.starfish) if variant == "shells" else (props.bucket, props.shell, props.starfish)
    st.foreground(things, st.count(1, 2, 4) + (1 if variant == "shells" else 0), (80, 120))


def _sea(st: Stage, y: float) -> None:
    """The sea up to a wavy horizon at y, with a second row of waves."""
    for top, color in ((y, pal.SEA), (y + 60, pal.SEA_LIGHT)):
        edge: list[Point] = []
        step = 1040 / 13
        for i in range(14):
            x0 = -20 + i * step
            edge.extend(_wave(x0, top, step))
        st.s.fill([*edge, (1060, 1080), (-60, 1080)], color, 0.8 if top == y else 0.6)


def _wave(x0: float, y: float, width: float) -> list[Point]:
    return arc(x0 + width / 2, y, width / 2, width * 0.16, 180, 360)


def _underwater(st: Stage, variant: str) -> None:
    st.sky(pal.WATER)
    st.ground(800, pal.SAND, 24)
    swimmer = st.hero.swims
    x, y, h = st.hero_spot(ground=890)
    # Seaweed and coral grow around the hero, not right behind it.
    weeds = st.count(2, 3, 4) + (2 if variant == "reef" else 0)
    slots = [90 + 820 * i / 9 for i in range(10)]
    free = [sx for sx in slots if abs(sx - x) > h * 0.55]
    st.rng.shuffle(free)
    for i, wx in enumerate(sorted(free[:weeds])):
        prop = props.coral if variant == "reef" and i % 2 else props.seaweed
        st.put(prop, wx + st.rng.uniform(-25, 25), 830 + st.rng.uniform(-10, 20), st.rng.uniform(180, 300))
    if swimmer:
        st.draw_hero(x, st.rng.uniform(640, 720), h, pose=st.pose(), angle=st.rng.uniform(-8, 8))
    else:
        st.draw_hero(x, y, h, pose=st.pose(helmet=True))
    st.taken.append((x - 60, x + 60))
    if variant == "jellyfish":
        for _ in range(st.count(1, 2, 3)):
            size = st.count(220, 170, 140)
            spot = st.sky_spot(size * 0.8, 110, 520)
            if spot:
                st.put(props.jellyfish, spot[0], spot[1] + size * 0.45, size)
    else:
        for _ in range(st.count(1, 2, 3)):
            spot = st.sky_spot(st.count(130, 100, 85), 120, 560)
            if spot:
                st.put(props.little_fish, spot[0], spot[1] + 40, st.count(130, 100, 85), st.rng.random() < 0.5)
    if variant == "treasure":
        cx = st.free_x(200)
        if cx is not None:
            st.put(props.chest, cx, 925, st.count(190, 160, 140))
    for _ in range(st.count(3, 4, 5) + (4 if variant == "bubbles" else 0)):
        spot = st.sky_spot(50, 100, 600)
        if spot:
            size = st.rng.uniform(26, 50) if st.detail else st.rng.uniform(45, 60)
            st.put(props.bubble, spot[0], spot[1] + size / 2, size)
    things = (props.starfish, props.shell, props.rock)
    st.foreground(things, st.count(1, 2, 3) + (2 if variant == "shells" else 0), (60, 100))


def _waves(st: Stage, variant: str) -> None:
    st.sky(pal.SKY)
    _sea(st, 600)
    if variant == "boat":
        boat_x = st.rng.choice((260.0, 740.0))
        st.put(props.sailboat, boat_x, 680, st.count(300, 260, 230), boat_x > 500)
        x = 1000 - boat_x
    else:
        x = st.rng.uniform(380, 620)
    st.draw_hero(
        x, st.rng.uniform(600, 660), HERO_HEIGHT[st.detail] * 0.8, pose=st.pose(), angle=st.rng.uniform(-25, -10)
    )
    # Splashes: a front row of waves in front of the jumper.
    edge: list[Point] = []
    step = 1040 / 9
    for i in range(10):
        edge.extend(_wave(-20 + i * step, 800, step))
    st.s.fill([*edge, (1060, 1080), (-60, 1080)], pal.SEA, 0.8)
    st.sun()
    st.clouds(st.count(1, 2, 3), 110, 280)
    for _ in range(st.count(2, 4, 6)):
        spot = st.sky_spot(40, 560, 760)
        if spot:
            st.put(props.bubble, spot[0], spot[1], st.rng.uniform(24, 40))


def _night(st: Stage, variant: str) -> None:
    st.sky(pal.NIGHT)
    moon_size = st.count(200, 170, 150) * (1.25 if variant == "moon" else 1.0)
    mx = st.rng.choice((200.0, 800.0))
    st.put(props.moon, mx, 120 + moon_size, moon_size, mx > 500)
    st.spots.append((mx, 120 + moon_size / 2, moon_size / 2))
    st.ground(640, pal.dark(pal.GRASS_FAR, 0.2), 40)
    if variant == "house" or st.detail >= 2:
        hx = 1000 - mx + st.rng.uniform(-60, 60)
        house_h = st.count(280, 240, 210)
        st.put(props.lit_house, hx, 700, house_h)
        st.spots.append((hx, 700 - house_h / 2, house_h * 0.6))
    st.ground(760, pal.dark(pal.GRASS, 0.15), 22)
    x, y, h = st.hero_spot()
    st.draw_hero(x, y, h, pose=st.pose())
    count = st.count(4, 8, 14) + (4 if variant == "stars" else 0)
    area = (LEFT + 40, 90, RIGHT - 40, 520)
    for _ in range(count):
        spot = st.sky_spot(st.count(70, 50, 40), area[1], area[3])
        if spot:
            size = st.count(70, 50, 40) * st.rng.uniform(0.75, 1.1)
            st.put(props.twinkle, spot[0], spot[1] + size / 2, size)
    if st.detail >= 1:
        st.foreground((props.bush, props.grass_tuft), st.count(0, 2, 3), (60, 90))


def _space(st: Stage, variant: str) -> None:
    st.sky(pal.SPACE)
    flies = st.hero.flies
    planets = st.count(1, 2, 3) + (1 if variant == "planets" else 0)
    ground = variant == "moonwalk" or not flies
    if ground:
        st.ground(780, (214, 216, 230), 30)
        for _ in range(st.count(2, 3, 4)):
            cx = st.rng.uniform(120, 880)
            st.put(props.crater, cx, 850 + st.rng.uniform(-20, 60), st.rng.uniform(110, 170))
    if flies:
        x = st.rng.uniform(420, 580)
        y = st.rng.uniform(720, 780) if not ground else 700
        st.draw_hero(
            x, y, HERO_HEIGHT[st.detail], pose=st.pose(), angle=st.rng.uniform(15, 35) * st.rng.choice((-1, 1))
        )
    else:
        x, y, h = st.hero_spot(ground=880)
        st.draw_hero(x, y, h, pose=st.pose(helmet=True))
    for _ in range(planets):
        size = st.rng.uniform(150, 230) if st.detail < 2 else st.rng.uniform(110, 180)
        spot = st.sky_spot(size, 110, 520 if ground else 700)
        if spot:
            st.put(props.planet, spot[0], spot[1] + size * 0.5, size, st.rng.random() < 0.5)
    count = st.count(4, 8, 14) + (5 if variant == "stars" else 0)
    for _ in range(count):
        spot = st.sky_spot(st.count(70, 50, 40), 90, 620 if ground else 880)
        if spot:
            size = st.count(70, 50, 40) * st.rng.uniform(0.75, 1.1)
            st.put(props.twinkle, spot[0], spot[1] + size / 2, size)


def _launch(st: Stage, variant: str) -> None:
    st.sky(pal.SKY)
    st.ground(700, pal.GRASS_FAR, 40)
    if variant == "town":
        for _ in range(st.count(2, 3, 4)):
            hx = st.rng.uniform(120, 880)
            st.put(props.house, hx, 800, st.rng.uniform(170, 220))
    st.ground(820, pal.GRASS, 20)
    x = st.rng.uniform(380, 620)
    st.draw_hero(x, st.rng.uniform(600, 680), HERO_HEIGHT[st.detail], pose=st.pose(), angle=st.rng.uniform(-25, 25))
    st.sun()
    st.clouds(st.count(2, 3, 4), 110, 520)
    if variant == "rainbow":
        st.foreground((props.tree, props.bush), st.count(1, 2, 3), (120, 170))


def _forest(st: Stage, variant: str) -> None:
    st.sky(pal.SKY)
    st.sun()
    st.clouds(st.count(1, 1, 2), 110, 240)
    st.ground(610, pal.GRASS_FAR, 30)
    for i in range(st.count(3, 5, 7)):
        x = 80 + 840 * (i + st.rng.uniform(0.2, 0.8)) / st.count(3, 5, 7)
        st.put(props.pine, x, 680 + st.rng.uniform(-10, 20), st.rng.uniform(200, 270))
    st.ground(740, pal.GRASS, 20)
    for x in (LEFT + 30, RIGHT - 30):
        st.put(props.tree, x + st.rng.uniform(-20, 20), 800, st.rng.uniform(330, 400))
    x, y, h = st.hero_spot()
    st.draw_hero(x, y, h, pose=st.pose())
    if variant == "mushrooms":
        st.foreground((props.mushroom,), st.count(2, 3, 4), (90, 140))
    st.foreground((props.bush, props.flower, props.mushroom), st.count(1, 2, 3), (80, 120))


def _town(st: Stage, variant: str) -> None:
    st.sky(pal.SKY)
    st.sun()
    st.clouds(st.count(1, 2, 3), 110, 250)
    st.ground(600, pal.GRASS_FAR, 20)
    houses = st.count(2, 3, 4)
    for i in range(houses):
        x = 100 + 800 * (i + 0.5) / houses + st.rng.uniform(-30, 30)
        st.put(props.house, x, 740, st.rng.uniform(250, 300) * (1.15 if st.detail == 0 else 1))
    if st.detail >= 1:
        for i in range(houses - 1):
            x = 100 + 800 * (i + 1) / houses
            st.put(props.bush, x, 745, 90)
    st.flat(740, pal.GRASS)
    st.s.fill([(-80, 800), (1080, 800), (1080, 960), (-80, 960)], pal.ROAD)
    if st.detail >= 1:
        props.road_stripes(st.s, 880, st.detail)
    x, y, h = st.hero_spot(ground=905 if st.hero.key == "car" else 880)
    st.draw_hero(x, y, h, pose=st.pose())


def _castle(st: Stage, variant: str) -> None:
    st.sky(pal.SKY)
    if variant == "flags" and st.detail >= 1:
        props.bunting(st.s, [(LEFT, 130), (500, 230), (RIGHT, 130)], st.detail, st.rng)
        st.spots += [(x, 170, 90) for x in range(100, 1000, 120)]
    else:
        st.sun()
    st.ground(640, pal.GRASS_FAR, 26)
    cx = st.rng.choice((320.0, 680.0)) if variant == "flags" else st.rng.uniform(440, 560)
    st.put(props.castle, cx, 700, st.count(300, 270, 250))
    st.ground(760, pal.GRASS, 18)
    x = (1000 - cx) if variant == "flags" else st.rng.choice((230.0, 770.0))
    _, y, h = st.hero_spot()
    st.draw_hero(x, y, h * 0.95, pose=st.pose())
    st.clouds(st.count(1, 2, 3), 110, 330)
    st.foreground((props.flower, props.tulip, props.bush), st.count(1, 3, 4), (90, 140))


def _party(st: Stage, variant: str) -> None:
    st.sky(pal.SKY)
    st.ground(700, pal.GRASS, 24)
    sag = st.rng.uniform(200, 250)
    props.bunting(st.s, [(LEFT, 90), (500, sag), (RIGHT, 90)], st.detail, st.rng)
    st.spots += [(bx, 90 + (sag - 90) * (1 - ((bx - 500) / 460) ** 2) + 20, 50) for bx in range(80, 1000, 70)]
    x, y, h = st.hero_spot()
    st.draw_hero(x, y, h * 0.95, pose=st.pose())
    if variant == "balloons":
        count = st.count(3, 4, 6)
        hx0, _, hx1, _ = st.hero_box
        bx = hx1 - 20 if x < 500 else hx0 + 20
        for i in range(count):
            fan = (i - (count - 1) / 2) * 12 + st.rng.uniform(-3, 3)
            st.put(props.balloon, bx, y - h * 0.4, st.rng.uniform(260, 320), i % 2 == 1, angle=fan)
    else:
        for _ in range(st.count(2, 3, 5)):
            spot = st.sky_spot(110, 330, 440)
            if spot:
                st.put(props.balloon, spot[0], spot[1] + 150, 230, st.rng.random() < 0.5)
    if variant == "cake" or st.detail >= 2:
        cx = st.free_x(240)
        if cx is not None:
            st.put(props.cake, cx, 930, st.count(230, 200, 180))
    st.foreground((props.gift,), st.count(1, 2, 3) + (1 if variant == "gifts" else 0), (90, 150))


def _rainbow(st: Stage, variant: str) -> None:
    st.sky(pal.SKY)
    width = st.count(760, 700, 680)
    rx = st.rng.uniform(440, 560)
    st.put(props.rainbow, rx, 640, width / 2)
    for side in (-1, 1):
        st.put(props.cloud, rx + side * width * 0.48, 680, 200)
    st.spots += [(rx, 420, width * 0.3), (rx - width / 2.6, 520, width * 0.2), (rx + width / 2.6, 520, width * 0.2)]
    if variant == "puddles" and st.detail >= 1:
        spot = st.sky_spot(180, 120, 220)
        if spot:
            st.put(props.rain_cloud, spot[0], spot[1] + 120, 170)
    st.ground(690, pal.GRASS, 20)
    x, y, h = st.hero_spot()
    st.draw_hero(x, y, h, pose=st.pose())
    if variant == "puddles":
        for _ in range(st.count(1, 2, 3)):
            px = st.free_x(230)
            if px is not None:
                st.put(props.puddle, px, 935, 220)
    st.foreground((props.flower, props.tulip), st.count(1, 2, 4), (90, 140))


def _snow(st: Stage, variant: str) -> None:
    st.sky(pal.ICE)
    st.clouds(st.count(1, 2, 2), 110, 230)
    if st.detail >= 1:
        st.put(props.mountain, st.rng.uniform(300, 700), 620, 300)
    st.ground(620, pal.SNOW, 30)
    for _ in range(st.count(1, 3, 4)):
        st.put(props.snowy_pine, st.rng.uniform(100, 900), 690, st.rng.uniform(180, 240))
    st.ground(760, pal.SNOW, 20)
    x, y, h = st.hero_spot()
    st.draw_hero(x, y, h, pose=st.pose())
    if variant == "snowman":
        sx = st.free_x(180)
        if sx is not None:
            st.put(props.snowman, sx, 930, st.count(320, 280, 250))
    for _ in range(st.count(3, 6, 10) + (4 if variant == "snowflakes" else 0)):
        spot = st.sky_spot(st.count(70, 55, 45), 100, 300)
        if spot:
            size = st.count(70, 55, 45)
            st.put(props.snowflake, spot[0], spot[1] + size / 2, size)


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "meadow",
            r"meadow|\bfarm|garden|flowers?|\bspring|\bfield|\bpark\b|butterfl",
            {
                "flowers": (
                    "{hero} picks flowers with {pal} in a sunny meadow",
                    "{hero} and {pal} smell the flowers on a warm spring day",
                ),
                "butterflies": (
                    "{hero} chases butterflies with {pal} across the meadow",
                    "{hero} says hello to the butterflies on the hill",
                ),
                "kite": (
                    "{hero} flies a kite with {pal} on a windy hill",
                    "{hero} and {pal} watch a kite dance in the sky",
                ),
            },
            _meadow,
        ),
        Setting(
            "picnic",
            r"picnic|lunch|\bfood|snack|sandwich|apples?\b",
            {
                "basket": (
                    "{hero} shares a picnic basket with {pal} under a shady tree",
                    "{hero} unpacks a yummy picnic with {pal}",
                ),
                "apples": (
                    "{hero} and {pal} munch on apples at a picnic",
                    "{hero} sets out a picnic blanket for {pal}",
                ),
            },
            _picnic,
        ),
        Setting(
            "beach",
            r"beach|summer|\bsand|seaside|holiday|vacation|\bsurf|\bshells?\b",
            {
                "sandcastle": (
                    "{hero} builds a sandcastle with {pal} at the beach",
                    "{hero} and {pal} make the tallest sandcastle ever",
                ),
                "sailboat": (
                    "{hero} waves at a sailboat from the sunny beach",
                    "{hero} and {pal} watch the boats sail by",
                ),
                "shells": (
                    "{hero} collects seashells with {pal} by the sea",
                    "{hero} finds a starfish on the sand with {pal}",
                ),
            },
            _beach,
        ),
        Setting(
            "underwater",
            r"ocean|\bseas?\b|underwater|fish|mermaid|shark|whale|coral|reef|diving|submarine",
            {
                "reef": (
                    "{hero} explores a colorful coral reef with {pal}",
                    "{hero} {moves} through the swaying seaweed",
                ),
                "treasure": (
                    "{hero} finds a treasure chest at the bottom of the sea",
                    "{hero} and {pal} open a sunken treasure chest",
                ),
                "jellyfish": (
                    "{hero} makes friends with a jolly jellyfish",
                    "{hero} and {pal} wave to the jellyfish",
                ),
                "bubbles": (
                    "{hero} blows bubbles with {pal} under the sea",
                    "{hero} plays hide and seek with {pal} under the sea",
                ),
                "shells": (
                    "{hero} finds starfish and shells on the sea floor",
                    "{hero} and {pal} count the shells on the sandy sea floor",
                ),
            },
            _underwater,
        ),
        Setting(
            "waves",
            r"ocean|\bseas?\b|waves?|dolphin|boat|sail",
            {
                "jump": ("{hero} leaps over the sparkling waves", "{hero} splashes in the waves with {pal}"),
                "boat": ("{hero} {moves} beside {pals} little sailboat", "{hero} races a sailboat with {pal}"),
            },
            _waves,
        ),
        Setting(
            "night",
            r"night|sleep|dream|bedtime|\bmoon|\bstars?\b|\bowls?\b",
            {
                "moon": (
                    "{hero} says goodnight to the moon with {pal}",
                    "{hero} and {pal} watch the moon rise over the hills",
                ),
                "stars": ("{hero} counts the stars with {pal}", "{hero} makes a wish on a twinkling star"),
                "house": (
                    "{hero} {moves} home with {pal} under the starry sky",
                    "{hero} visits {pals} cozy house at night",
                ),
            },
            _night,
        ),
        Setting(
            "space",
            r"space|planets?|astronaut|rocket|galax|alien|\bmoon|comet|🚀|🪐",
            {
                "planets": ("{hero} zooms past the planets with {pal}", "{hero} visits a ringed planet with {pal}"),
                "moonwalk": (
                    "{hero} bounces across the moon with {pal}",
                    "{hero} and {pal} explore the craters of the moon",
                ),
                "stars": ("{hero} makes a wish among the stars", "{hero} and {pal} float among the stars"),
            },
            _space,
        ),
        Setting(
            "launch",
            r"rocket|launch|\bfly|flying|\bsky\b",
            {
                "hills": ("{hero} blasts off over the green hills", "{hero} takes {pal} up into the sky"),
                "town": ("{hero} {moves} high above the town", "{hero} waves to {pal} from above the rooftops"),
                "rainbow": ("{hero} {moves} through the fluffy clouds", "{hero} and {pal} race the clouds"),
            },
            _launch,
        ),
        Setting(
            "forest",
            r"forest|\bwoods?\b|\bcamp|jungle|\btrees?\b|mushroom|\bhik",
            {
                "mushrooms": (
                    "{hero} finds spotty mushrooms in the forest with {pal}",
                    "{hero} and {pal} count mushrooms under the tall trees",
                ),
                "trees": ("{hero} goes for a walk in the woods with {pal}", "{hero} explores the forest with {pal}"),
            },
            _forest,
        ),
        Setting(
            "town",
            r"\bcity|\btown|street|\broads?\b|\bcars?\b|truck|\bbus\b|\bshop|\bhouses?\b",
            {
                "houses": ("{hero} visits {pals} house in town", "{hero} says hello to the neighbors with {pal}"),
                "road": ("{hero} explores the town with {pal}", "{hero} goes down the busy street with {pal}"),
            },
            _town,
        ),
        Setting(
            "castle",
            r"castle|princess|knight|\bking|queen|fair(y|ies)|magic",
            {
                "castle": (
                    "{hero} visits a fairy-tale castle with {pal}",
                    "{hero} and {pal} find a castle on the hill",
                ),
                "flags": ("{hero} joins a royal parade with {pal}", "{hero} waves hello from the castle garden"),
            },
            _castle,
        ),
        Setting(
            "party",
            r"part(y|ies)|birthday|celebrat|balloons?|\bcakes?\b|presents?\b|\bgifts?\b",
            {
                "balloons": ("{hero} holds a bunch of balloons at {pals} party", "{hero} brings balloons for {pal}"),
                "cake": ("{hero} brings a birthday cake for {pal}", "{hero} and {pal} share a yummy cake"),
                "gifts": ("{hero} opens presents with {pal}", "{hero} wraps a surprise present for {pal}"),
            },
            _party,
        ),
        Setting(
            "rainbow",
            r"\brain|weather|umbrella|puddle|\bcolou?rs?\b",
            {
                "rainbow": (
                    "{hero} spots a rainbow after the rain with {pal}",
                    "{hero} and {pal} follow the rainbow",
                ),
                "puddles": ("{hero} splashes in puddles with {pal}", "{hero} and {pal} jump in the rain puddles"),
            },
            _rainbow,
        ),
        Setting(
            "snow",
            r"snow|winter|christmas|\bice\b|frozen|\bcold\b|\bski",
            {
                "snowman": ("{hero} builds a snowman with {pal}", "{hero} and {pal} give the snowman a scarf"),
                "snowflakes": ("{hero} catches snowflakes with {pal}", "{hero} plays in the snow with {pal}"),
            },
            _snow,
        ),
    )
}

LAND = ("meadow", "picnic", "beach", "night", "forest", "town", "castle", "party", "rainbow", "snow")
WHERE_HEROES_GO = {
    "fish": ("underwater", "waves"),
    "rocket": ("space", "launch", "night"),
}
MOVES = {"fish": "swims", "rocket": "flies", "car": "drives", "dragon": "flies"}


def book_plan(*, theme: str, child_name: str, seed: str, count: int) -> BookPlan:
    """The whole book's plan; page i's plan never depends on `count`."""
    theme = text_line(theme, 200) or "coloring fun"
    name = text_line(child_name, 60)
    hero = hero_for(theme, seed)
    rng = _random(seed, theme, "book")
    look = hero.looks[rng.randrange(len(hero.looks))]
    allowed = WHERE_HEROES_GO.get(hero.key, LAND)
    lowered = theme.casefold()
    favored = [key for key, s in SETTINGS.items() if re.search(s.words, lowered)]
    if hero.key not in WHERE_HEROES_GO:
        # A land hero may still visit the sea or space when the theme says so.
        favored = [key for key in favored if key in allowed or key in ("underwater", "space")]
    else:
        favored = [key for key in favored if key in allowed]
    settings = _settings_sequence(rng, allowed, favored, max(count, BOOK_PAGES))

    used: set[tuple[str, str, int]] = set()
    pages = []
    for wanted in settings[:count]:
        # A place whose sentences are all used gives its turn to the next one
        # that has some left, so no two pages of a book say the same thing.
        candidates = [wanted, *(key for key in settings if key != wanted)]
        setting_key = next((key for key in candidates if _unused(key, used)), None)
        if setting_key is None:
            used.clear()
            setting_key = wanted
        setting = SETTINGS[setting_key]
        options = _unused(setting_key, used)
        # Prefer a variant not drawn yet, so repeated settings look different.
        fresh = [o for o in options if all((setting_key, o[0], t) not in used for t in (0, 1))]
        variant, template = rng.choice(fresh or options)
        used.add((setting_key, variant, template))
        sentence = _sentence(setting.variants[variant][template], hero, name)
        pages.append(PagePlan(setting_key, variant, f"{theme}: {sentence}."))
    return BookPlan(hero, look, tuple(pages))


def _unused(setting_key: str, used: set[tuple[str, str, int]]) -> list[tuple[str, int]]:
    variants = SETTINGS[setting_key].variants
    return [(v, t) for v in variants for t in (0, 1) if (setting_key, v, t) not in used]


def _settings_sequence(rng: random.Random, allowed: tuple[str, ...], favored: list[str], count: int) -> list[str]:
    """Favored settings take every other page (page one included: it is the
    cover); the others take turns in between so the book shows many places."""
    others = [key for key in allowed if key not in favored]
    rng.shuffle(others)
    rng.shuffle(favored)
    # One favored place comes back every third page; two or more, every other page.
    every = 1 if not others else (3 if len(favored) == 1 else 2)
    picks: list[str] = []
    fav_i = other_i = 0
    for i in range(count):
        if favored and i % every == 0:
            picks.append(favored[fav_i % len(favored)])
            fav_i += 1
        else:
            picks.append(others[other_i % len(others)])
            other_i += 1
    return picks


def _sentence(template: str, hero: Character, name: str) -> str:
    pal_name = name or "a friend"
    pals = f"{name}'s" if name else "a friend's"
    text = template.format(hero=f"the {hero.noun}", pal=pal_name, pals=pals, moves=MOVES.get(hero.key, "walks"))
    return text


def page_shapes(*, theme: str, child_name: str, seed: str, age_group: str, index: int) -> tuple[list[Shape], float]:
    """The shapes of page `index` and its main line width (page units)."""
    plan = book_plan(theme=theme, child_name=child_name, seed=seed, count=index + 1)
    page = plan.pages[index]
    detail = DETAIL.get(age_group, 1)
    rng = _random(seed, text_line(theme, 200), age_group, index, "page")
    stage = Stage(plan, page, rng, detail)
    SETTINGS[page.setting].draw(stage, page.variant)
    return stage.s.shapes, LINE[detail]
