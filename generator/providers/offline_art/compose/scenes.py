"""The scene drawings, one function per setting (meadow, beach, space...),
and the registry of settings: the theme words that favour each one, its
variants with their sentences, and its drawing."""

from collections.abc import Callable
from dataclasses import dataclass

from generator.providers.offline_art import palette as pal
from generator.providers.offline_art import props
from generator.providers.offline_art.compose.sentences import SENTENCES
from generator.providers.offline_art.compose.stage import HERO_HEIGHT, LEFT, RIGHT, Stage
from generator.providers.offline_art.geometry import Point, arc, smooth


@dataclass(frozen=True)
class Setting:
    key: str
    words: str  # theme words that make this setting come up more often
    variants: dict[str, tuple[str, str]]  # variant -> two sentence templates
    draw: Callable[[Stage, str], None]


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
        x,
        st.rng.uniform(600, 660),
        HERO_HEIGHT[st.detail] * 0.8,
        pose=st.pose(),
        angle=st.rng.uniform(-25, -10),
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
            x,
            y,
            HERO_HEIGHT[st.detail],
            pose=st.pose(),
            angle=st.rng.uniform(15, 35) * st.rng.choice((-1, 1)),
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
            "meadow", r"meadow|\bfarm|garden|flowers?|\bspring|\bfield|\bpark\b|butterfl", SENTENCES["meadow"], _meadow
        ),
        Setting("picnic", r"picnic|lunch|\bfood|snack|sandwich|apples?\b", SENTENCES["picnic"], _picnic),
        Setting(
            "beach", r"beach|summer|\bsand|seaside|holiday|vacation|\bsurf|\bshells?\b", SENTENCES["beach"], _beach
        ),
        Setting(
            "underwater",
            r"ocean|\bseas?\b|underwater|fish|mermaid|shark|whale|coral|reef|diving|submarine",
            SENTENCES["underwater"],
            _underwater,
        ),
        Setting("waves", r"ocean|\bseas?\b|waves?|dolphin|boat|sail", SENTENCES["waves"], _waves),
        Setting("night", r"night|sleep|dream|bedtime|\bmoon|\bstars?\b|\bowls?\b", SENTENCES["night"], _night),
        Setting("space", r"space|planets?|astronaut|rocket|galax|alien|\bmoon|comet|🚀|🪐", SENTENCES["space"], _space),
        Setting("launch", r"rocket|launch|\bfly|flying|\bsky\b", SENTENCES["launch"], _launch),
        Setting("forest", r"forest|\bwoods?\b|\bcamp|jungle|\btrees?\b|mushroom|\bhik", SENTENCES["forest"], _forest),
        Setting(
            "town",
            r"\bcity|\btown|street|\broads?\b|\bcars?\b|truck|\bbus\b|\bshop|\bhouses?\b",
            SENTENCES["town"],
            _town,
        ),
        Setting("castle", r"castle|princess|knight|\bking|queen|fair(y|ies)|magic", SENTENCES["castle"], _castle),
        Setting(
            "party",
            r"part(y|ies)|birthday|celebrat|balloons?|\bcakes?\b|presents?\b|\bgifts?\b",
            SENTENCES["party"],
            _party,
        ),
        Setting("rainbow", r"\brain|weather|umbrella|puddle|\bcolou?rs?\b", SENTENCES["rainbow"], _rainbow),
        Setting("snow", r"snow|winter|christmas|\bice\b|frozen|\bcold\b|\bski", SENTENCES["snow"], _snow),
    )
}
