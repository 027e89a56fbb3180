"""The scene drawings, one function per setting (meadow, beach, space...),
and the registry of settings: the theme words that favour each one, its
variants with their sentences, and its drawing."""

from collections.abc import Callable
from dataclasses import dataclass

from generator.providers.offline_art import palette as pal
from generator.providers.offline_art import props
from generator.providers.offline_art import props_more as more
from generator.providers.offline_art.compose import scenes_more as themed
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


def _meadow(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    stage.sun()
    stage.ground(600, pal.GRASS_FAR, 36)
    for _ in range(stage.count(0, 1, 2)):
        x = stage.rng.uniform(120, 880)
        stage.put(props.tree, x, 640, stage.rng.uniform(150, 200))
    stage.ground(730, pal.GRASS, 24)
    x, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h, pose=stage.pose())
    stage.clouds(stage.count(1, 2, 3))
    if variant == "kite":
        spot = stage.sky_spot(130, 170, 300)
        if spot:
            kx, ky = spot
            stage.put(props.kite, kx, ky + 50, 170)
            hx0, hy0, hx1, _ = stage.hero_box
            hand = (hx1 - 40 if kx > x else hx0 + 40, y - h * 0.45)
            stage.sketch.line(
                smooth([(kx, ky - 20), ((kx + hand[0]) / 2, (ky + hand[1]) / 2 + 40), hand], closed=False), 0.5
            )
    if variant == "butterflies":
        for _ in range(stage.count(1, 2, 3)):
            spot = stage.sky_spot(90, 330, 560)
            if spot:
                stage.put(props.butterfly, spot[0], spot[1] + 40, stage.count(120, 95, 80), stage.rng.random() < 0.5)
    flowers = stage.count(2, 4, 6) + (2 if variant == "flowers" else 0)
    stage.foreground((props.flower, props.tulip, props.flower), flowers, (130, 190))
    if stage.detail >= 2:
        stage.foreground((props.grass_tuft,), 3, (40, 55))


def _picnic(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    stage.sun()
    stage.clouds(stage.count(1, 2, 2))
    stage.ground(620, pal.GRASS_FAR, 30)
    tree_x = stage.rng.choice((200.0, 800.0))
    stage.put(props.tree, tree_x, 740, stage.count(380, 360, 340), tree_x > 500)
    stage.ground(750, pal.GRASS, 18)
    hero_x = 1000 - tree_x + stage.rng.uniform(-60, 20) * (1 if tree_x < 500 else -1)
    _, y, h = stage.hero_spot(ground=850)
    stage.draw_hero(hero_x, y, h * 0.9, pose=stage.pose())
    stage.taken.clear()
    blanket_w = stage.count(330, 300, 280)
    hx0, _, hx1, _ = stage.hero_box
    room_left = hx0 - LEFT > RIGHT - hx1
    blanket_x = hx0 - blanket_w / 2 + 60 if room_left else hx1 + blanket_w / 2 - 60
    blanket_x = min(max(blanket_x, LEFT + 20 + blanket_w / 2), RIGHT - 20 - blanket_w / 2)
    stage.put(props.picnic, blanket_x, 935, blanket_w)
    if variant == "basket":
        stage.put(props.basket, blanket_x + stage.rng.uniform(-40, 40), 915, stage.count(170, 140, 120))
    else:
        for dx in (-70, 10, 80)[: stage.count(2, 3, 3)]:
            stage.put(props.apple, blanket_x + dx, 920 + stage.rng.uniform(-10, 10), stage.count(90, 70, 60))
    stage.taken.append((blanket_x - blanket_w / 2 - 20, blanket_x + blanket_w / 2 + 20))
    stage.foreground((props.flower, props.tulip), stage.count(0, 1, 2), (110, 150))


def _beach(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    stage.sun()
    stage.clouds(stage.count(1, 2, 3), 110, 260)
    _sea(stage, 540)
    if variant == "sailboat" or stage.detail >= 2:
        stage.put(
            props.sailboat, stage.rng.uniform(250, 750), 560, stage.count(190, 150, 120), stage.rng.random() < 0.5
        )
    stage.ground(700, pal.SAND, 20)
    palm_x = stage.rng.choice((150.0, 850.0))
    if stage.detail >= 1 or variant != "sandcastle":
        stage.put(props.palm, palm_x, 790, 420, palm_x > 500)
    x, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h, pose=stage.pose())
    if variant == "sandcastle":
        cx = stage.free_x(220)
        if cx is not None:
            stage.put(props.sandcastle, cx, 925, stage.count(230, 200, 180))
    things = (props.shell, props.starfish) if variant == "shells" else (props.bucket, props.shell, props.starfish)
    stage.foreground(things, stage.count(1, 2, 4) + (1 if variant == "shells" else 0), (80, 120))


def _sea(stage: Stage, y: float) -> None:
    """The sea up to a wavy horizon at y, with a second row of waves."""
    for top, color in ((y, pal.SEA), (y + 60, pal.SEA_LIGHT)):
        edge: list[Point] = []
        step = 1040 / 13
        for i in range(14):
            x0 = -20 + i * step
            edge.extend(_wave(x0, top, step))
        stage.sketch.fill([*edge, (1060, 1080), (-60, 1080)], color, 0.8 if top == y else 0.6)


def _wave(x0: float, y: float, width: float) -> list[Point]:
    return arc(x0 + width / 2, y, width / 2, width * 0.16, 180, 360)


def _underwater(stage: Stage, variant: str) -> None:
    stage.sky(pal.WATER)
    stage.ground(800, pal.SAND, 24)
    swimmer = stage.hero.swims
    x, y, h = stage.hero_spot(ground=890)
    # Seaweed and coral grow around the hero, not right behind it.
    weeds = stage.count(2, 3, 4) + (2 if variant == "reef" else 0)
    slots = [90 + 820 * i / 9 for i in range(10)]
    free = [sx for sx in slots if abs(sx - x) > h * 0.55]
    stage.rng.shuffle(free)
    for i, wx in enumerate(sorted(free[:weeds])):
        prop = props.coral if variant == "reef" and i % 2 else props.seaweed
        stage.put(prop, wx + stage.rng.uniform(-25, 25), 830 + stage.rng.uniform(-10, 20), stage.rng.uniform(180, 300))
    if swimmer:
        stage.draw_hero(x, stage.rng.uniform(640, 720), h, pose=stage.pose(), angle=stage.rng.uniform(-8, 8))
    else:
        stage.draw_hero(x, y, h, pose=stage.pose(helmet=True))
    stage.taken.append((x - 60, x + 60))
    if variant == "jellyfish":
        for _ in range(stage.count(1, 2, 3)):
            size = stage.count(220, 170, 140)
            spot = stage.sky_spot(size * 0.8, 110, 520)
            if spot:
                stage.put(props.jellyfish, spot[0], spot[1] + size * 0.45, size)
    else:
        for _ in range(stage.count(1, 2, 3)):
            spot = stage.sky_spot(stage.count(130, 100, 85), 120, 560)
            if spot:
                stage.put(props.little_fish, spot[0], spot[1] + 40, stage.count(130, 100, 85), stage.rng.random() < 0.5)
    if variant == "treasure":
        cx = stage.free_x(200)
        if cx is not None:
            stage.put(props.chest, cx, 925, stage.count(190, 160, 140))
    for _ in range(stage.count(3, 4, 5) + (4 if variant == "bubbles" else 0)):
        spot = stage.sky_spot(50, 100, 600)
        if spot:
            size = stage.rng.uniform(26, 50) if stage.detail else stage.rng.uniform(45, 60)
            stage.put(props.bubble, spot[0], spot[1] + size / 2, size)
    things = (props.starfish, props.shell, props.rock)
    stage.foreground(things, stage.count(1, 2, 3) + (2 if variant == "shells" else 0), (60, 100))


def _waves(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    _sea(stage, 600)
    if variant == "boat":
        boat_x = stage.rng.choice((260.0, 740.0))
        stage.put(props.sailboat, boat_x, 680, stage.count(300, 260, 230), boat_x > 500)
        x = 1000 - boat_x
    else:
        x = stage.rng.uniform(380, 620)
    stage.draw_hero(
        x,
        stage.rng.uniform(600, 660),
        HERO_HEIGHT[stage.detail] * 0.8,
        pose=stage.pose(),
        angle=stage.rng.uniform(-25, -10),
    )
    # Splashes: a front row of waves in front of the jumper.
    edge: list[Point] = []
    step = 1040 / 9
    for i in range(10):
        edge.extend(_wave(-20 + i * step, 800, step))
    stage.sketch.fill([*edge, (1060, 1080), (-60, 1080)], pal.SEA, 0.8)
    stage.sun()
    stage.clouds(stage.count(1, 2, 3), 110, 280)
    for _ in range(stage.count(2, 4, 6)):
        spot = stage.sky_spot(40, 560, 760)
        if spot:
            stage.put(props.bubble, spot[0], spot[1], stage.rng.uniform(24, 40))


def _night(stage: Stage, variant: str) -> None:
    stage.sky(pal.NIGHT)
    moon_size = stage.count(200, 170, 150) * (1.25 if variant == "moon" else 1.0)
    mx = stage.rng.choice((200.0, 800.0))
    stage.put(props.moon, mx, 120 + moon_size, moon_size, mx > 500)
    stage.spots.append((mx, 120 + moon_size / 2, moon_size / 2))
    stage.ground(640, pal.dark(pal.GRASS_FAR, 0.2), 40)
    if variant == "house" or stage.detail >= 2:
        hx = 1000 - mx + stage.rng.uniform(-60, 60)
        house_h = stage.count(280, 240, 210)
        stage.put(props.lit_house, hx, 700, house_h)
        stage.spots.append((hx, 700 - house_h / 2, house_h * 0.6))
    stage.ground(760, pal.dark(pal.GRASS, 0.15), 22)
    x, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h, pose=stage.pose())
    count = stage.count(4, 8, 14) + (4 if variant == "stars" else 0)
    area = (LEFT + 40, 90, RIGHT - 40, 520)
    for _ in range(count):
        spot = stage.sky_spot(stage.count(70, 50, 40), area[1], area[3])
        if spot:
            size = stage.count(70, 50, 40) * stage.rng.uniform(0.75, 1.1)
            stage.put(props.twinkle, spot[0], spot[1] + size / 2, size)
    if stage.detail >= 1:
        stage.foreground((props.bush, props.grass_tuft), stage.count(0, 2, 3), (60, 90))


def _space(stage: Stage, variant: str) -> None:
    stage.sky(pal.SPACE)
    flies = stage.hero.flies
    planets = stage.count(1, 2, 3) + (1 if variant == "planets" else 0)
    ground = variant == "moonwalk" or not flies
    if ground:
        stage.ground(780, (214, 216, 230), 30)
        for _ in range(stage.count(2, 3, 4)):
            cx = stage.rng.uniform(120, 880)
            stage.put(props.crater, cx, 850 + stage.rng.uniform(-20, 60), stage.rng.uniform(110, 170))
    if flies:
        x = stage.rng.uniform(420, 580)
        y = stage.rng.uniform(720, 780) if not ground else 700
        stage.draw_hero(
            x,
            y,
            HERO_HEIGHT[stage.detail],
            pose=stage.pose(),
            angle=stage.rng.uniform(15, 35) * stage.rng.choice((-1, 1)),
        )
    else:
        x, y, h = stage.hero_spot(ground=880)
        stage.draw_hero(x, y, h, pose=stage.pose(helmet=True))
    for _ in range(planets):
        size = stage.rng.uniform(150, 230) if stage.detail < 2 else stage.rng.uniform(110, 180)
        spot = stage.sky_spot(size, 110, 520 if ground else 700)
        if spot:
            stage.put(props.planet, spot[0], spot[1] + size * 0.5, size, stage.rng.random() < 0.5)
    _space_extra(stage, variant)
    count = stage.count(4, 8, 14) + (5 if variant == "stars" else 0)
    for _ in range(count):
        spot = stage.sky_spot(stage.count(70, 50, 40), 90, 620 if ground else 880)
        if spot:
            size = stage.count(70, 50, 40) * stage.rng.uniform(0.75, 1.1)
            stage.put(props.twinkle, spot[0], spot[1] + size / 2, size)


def _space_extra(stage: Stage, variant: str) -> None:
    """A comet streaking by, or a little rocket for a hero who is not one."""
    if variant == "comet":
        size = stage.count(230, 190, 160)
        spot = stage.sky_spot(size, 110, 420)
        if spot:
            stage.put(more.comet, spot[0], spot[1] + size / 2, size)
    if variant == "rocket" and stage.hero.key != "rocket":
        size = stage.count(240, 210, 190)
        spot = stage.sky_spot(size * 0.6, 140, 480)
        if spot:
            stage.put(more.toy_rocket, spot[0], spot[1] + size / 2, size, angle=stage.rng.uniform(15, 35))


def _launch(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    stage.ground(700, pal.GRASS_FAR, 40)
    if variant == "town":
        for _ in range(stage.count(2, 3, 4)):
            hx = stage.rng.uniform(120, 880)
            stage.put(props.house, hx, 800, stage.rng.uniform(170, 220))
    stage.ground(820, pal.GRASS, 20)
    x = stage.rng.uniform(380, 620)
    stage.draw_hero(
        x, stage.rng.uniform(600, 680), HERO_HEIGHT[stage.detail], pose=stage.pose(), angle=stage.rng.uniform(-25, 25)
    )
    stage.sun()
    stage.clouds(stage.count(2, 3, 4), 110, 520)
    if variant == "rainbow":
        stage.foreground((props.tree, props.bush), stage.count(1, 2, 3), (120, 170))


def _forest(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    stage.sun()
    stage.clouds(stage.count(1, 1, 2), 110, 240)
    stage.ground(610, pal.GRASS_FAR, 30)
    for i in range(stage.count(3, 5, 7)):
        x = 80 + 840 * (i + stage.rng.uniform(0.2, 0.8)) / stage.count(3, 5, 7)
        stage.put(props.pine, x, 680 + stage.rng.uniform(-10, 20), stage.rng.uniform(200, 270))
    stage.ground(740, pal.GRASS, 20)
    for x in (LEFT + 30, RIGHT - 30):
        stage.put(props.tree, x + stage.rng.uniform(-20, 20), 800, stage.rng.uniform(330, 400))
    x, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h, pose=stage.pose())
    if variant == "mushrooms":
        stage.foreground((props.mushroom,), stage.count(2, 3, 4), (90, 140))
    stage.foreground((props.bush, props.flower, props.mushroom), stage.count(1, 2, 3), (80, 120))


def _town(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    stage.sun()
    stage.clouds(stage.count(1, 2, 3), 110, 250)
    stage.ground(600, pal.GRASS_FAR, 20)
    houses = stage.count(2, 3, 4)
    for i in range(houses):
        x = 100 + 800 * (i + 0.5) / houses + stage.rng.uniform(-30, 30)
        stage.put(props.house, x, 740, stage.rng.uniform(250, 300) * (1.15 if stage.detail == 0 else 1))
    if stage.detail >= 1:
        for i in range(houses - 1):
            x = 100 + 800 * (i + 1) / houses
            stage.put(props.bush, x, 745, 90)
    stage.flat(740, pal.GRASS)
    stage.sketch.fill([(-80, 800), (1080, 800), (1080, 960), (-80, 960)], pal.ROAD)
    if stage.detail >= 1:
        props.road_stripes(stage.sketch, 880, stage.detail)
    x, y, h = stage.hero_spot(ground=905 if stage.hero.key == "car" else 880)
    stage.draw_hero(x, y, h, pose=stage.pose())


def _castle(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    if variant == "flags" and stage.detail >= 1:
        props.bunting(stage.sketch, [(LEFT, 130), (500, 230), (RIGHT, 130)], stage.detail, stage.rng)
        stage.spots += [(x, 170, 90) for x in range(100, 1000, 120)]
    else:
        stage.sun()
    stage.ground(640, pal.GRASS_FAR, 26)
    cx = stage.rng.choice((320.0, 680.0)) if variant == "flags" else stage.rng.uniform(440, 560)
    stage.put(props.castle, cx, 700, stage.count(300, 270, 250))
    stage.ground(760, pal.GRASS, 18)
    x = (1000 - cx) if variant == "flags" else stage.rng.choice((230.0, 770.0))
    _, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h * 0.95, pose=stage.pose())
    stage.clouds(stage.count(1, 2, 3), 110, 330)
    stage.foreground((props.flower, props.tulip, props.bush), stage.count(1, 3, 4), (90, 140))


def _party(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    stage.ground(700, pal.GRASS, 24)
    sag = stage.rng.uniform(200, 250)
    props.bunting(stage.sketch, [(LEFT, 90), (500, sag), (RIGHT, 90)], stage.detail, stage.rng)
    stage.spots += [(bx, 90 + (sag - 90) * (1 - ((bx - 500) / 460) ** 2) + 20, 50) for bx in range(80, 1000, 70)]
    x, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h * 0.95, pose=stage.pose())
    if variant == "balloons":
        count = stage.count(3, 4, 6)
        hx0, _, hx1, _ = stage.hero_box
        bx = hx1 - 20 if x < 500 else hx0 + 20
        for i in range(count):
            fan = (i - (count - 1) / 2) * 12 + stage.rng.uniform(-3, 3)
            stage.put(props.balloon, bx, y - h * 0.4, stage.rng.uniform(260, 320), i % 2 == 1, angle=fan)
    else:
        for _ in range(stage.count(2, 3, 5)):
            spot = stage.sky_spot(110, 330, 440)
            if spot:
                stage.put(props.balloon, spot[0], spot[1] + 150, 230, stage.rng.random() < 0.5)
    if variant == "cake" or stage.detail >= 2:
        cx = stage.free_x(240)
        if cx is not None:
            stage.put(props.cake, cx, 930, stage.count(230, 200, 180))
    stage.foreground((props.gift,), stage.count(1, 2, 3) + (1 if variant == "gifts" else 0), (90, 150))


def _rainbow(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    width = stage.count(760, 700, 680)
    rx = stage.rng.uniform(440, 560)
    stage.put(props.rainbow, rx, 640, width / 2)
    for side in (-1, 1):
        stage.put(props.cloud, rx + side * width * 0.48, 680, 200)
    stage.spots += [(rx, 420, width * 0.3), (rx - width / 2.6, 520, width * 0.2), (rx + width / 2.6, 520, width * 0.2)]
    if variant == "puddles" and stage.detail >= 1:
        spot = stage.sky_spot(180, 120, 220)
        if spot:
            stage.put(props.rain_cloud, spot[0], spot[1] + 120, 170)
    stage.ground(690, pal.GRASS, 20)
    x, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h, pose=stage.pose())
    if variant == "puddles":
        for _ in range(stage.count(1, 2, 3)):
            px = stage.free_x(230)
            if px is not None:
                stage.put(props.puddle, px, 935, 220)
    stage.foreground((props.flower, props.tulip), stage.count(1, 2, 4), (90, 140))


def _snow(stage: Stage, variant: str) -> None:
    stage.sky(pal.ICE)
    stage.clouds(stage.count(1, 2, 2), 110, 230)
    if stage.detail >= 1:
        stage.put(props.mountain, stage.rng.uniform(300, 700), 620, 300)
    stage.ground(620, pal.SNOW, 30)
    for _ in range(stage.count(1, 3, 4)):
        stage.put(props.snowy_pine, stage.rng.uniform(100, 900), 690, stage.rng.uniform(180, 240))
    stage.ground(760, pal.SNOW, 20)
    x, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h, pose=stage.pose())
    if variant == "snowman":
        sx = stage.free_x(180)
        if sx is not None:
            stage.put(props.snowman, sx, 930, stage.count(320, 280, 250))
    for _ in range(stage.count(3, 6, 10) + (4 if variant == "snowflakes" else 0)):
        spot = stage.sky_spot(stage.count(70, 55, 45), 100, 300)
        if spot:
            size = stage.count(70, 55, 45)
            stage.put(props.snowflake, spot[0], spot[1] + size / 2, size)


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
        Setting("library", r"librar|\bbooks?\b|reading|stor(y|ies)", SENTENCES["library"], themed.library),
        Setting(
            "knitting", r"knit|yarn|\bwool|crochet|sewing|grand(ma|mother|pa)", SENTENCES["knitting"], themed.knitting
        ),
        Setting(
            "kitchen", r"cook|bak(e|er|ing)|kitchen|chef|cupcake|cookie|bread", SENTENCES["kitchen"], themed.kitchen
        ),
        Setting("music", r"music|sing|song|\bband\b|drum|guitar|piano|danc", SENTENCES["music"], themed.music),
        Setting("farm", r"\bfarm|barn|tractor|\bcows?\b|pigs?\b|sheep|chick", SENTENCES["farm"], themed.farm),
        Setting("train", r"\btrains?\b|railway|railroad|choo.?choo|locomotive|🚂", SENTENCES["train"], themed.train),
        Setting("camp", r"\bcamp|tents?\b|campfire|marshmallow", SENTENCES["camp"], themed.camp),
        Setting(
            "jungle", r"jungle|rainforest|tropical|monkey|\bzoo\b|safari|parrot", SENTENCES["jungle"], themed.jungle
        ),
        Setting(
            "sports", r"sport|soccer|football|\bballs?\b|\bgames?\b|\bteam|\brace", SENTENCES["sports"], themed.sports
        ),
    )
}
