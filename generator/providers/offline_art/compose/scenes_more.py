"""The drawings of the themed settings: rooms (library, knitting corner,
kitchen, music room) and outdoor places (farm, railway, jungle, sports
field). Registered with their theme words and sentences in `scenes.SETTINGS`.

Toddlers get a few big things; tweens get more of them and small patterns
(wallpaper, floorboards, net and book details)."""

from generator.providers.offline_art import palette as pal
from generator.providers.offline_art import props
from generator.providers.offline_art import props_more as more
from generator.providers.offline_art.compose.stage import LEFT, RIGHT, Stage
from generator.providers.offline_art.geometry import circle

FLOOR = 760.0


def _room(stage: Stage, wall: tuple[int, int, int], floor: tuple[int, int, int]) -> None:
    """A wall and a floor; tweens get a dotted wallpaper and floorboards."""
    stage.sky(wall)
    if stage.detail >= 2:
        for row, y in enumerate(range(110, int(FLOOR) - 40, 110)):
            for x in range(int(LEFT) + 50 + 55 * (row % 2), int(RIGHT) - 20, 110):
                stage.sketch.fill(circle(x, y, 11), pal.light(wall, 0.6), 0.5)
    stage.flat(FLOOR, floor)
    if stage.detail >= 2:
        for x in range(80, 1000, 140):
            stage.sketch.line([(x, FLOOR + 8), (x - 60, 980)], 0.5)


def _hero(stage: Stage, scale: float = 0.9) -> tuple[float, float, float]:
    x, y, h = stage.hero_spot(ground=890)
    stage.draw_hero(x, y, h * scale, pose=stage.pose())
    return x, y, h


def _beside(stage: Stage, prop: props.Prop | None, width: float, height: float, y: float = 935) -> None:
    x = stage.free_x(width)
    if x is not None and prop is not None:
        stage.put(prop, x, y, height, stage.rng.random() < 0.5)


def library(stage: Stage, variant: str) -> None:
    _room(stage, (236, 226, 250), (214, 178, 140))
    shelves = stage.count(2, 3, 4)
    for i in range(shelves):
        x = LEFT + 110 + (RIGHT - LEFT - 220) * i / max(1, shelves - 1)
        stage.put(more.bookshelf, x, FLOOR + 10, stage.count(420, 400, 380), i % 2 == 1)
    if variant == "lamp" or stage.detail >= 2:
        stage.put(more.floor_lamp, stage.rng.choice((LEFT + 60, RIGHT - 60)), FLOOR + 120, stage.count(300, 280, 260))
    _hero(stage)
    if variant == "rug" or stage.detail >= 1:
        _beside(stage, more.rug, 220, stage.count(200, 180, 160), 960)
    props_here = {"stack": more.book_stack, "reading": more.open_book}.get(variant, more.book_stack)
    for _ in range(stage.count(1, 2, 3)):
        _beside(stage, props_here, 130, stage.count(150, 120, 100))


def knitting(stage: Stage, variant: str) -> None:
    _room(stage, (255, 230, 214), (200, 160, 130))
    stage.put(more.window, stage.rng.uniform(420, 580), 520, stage.count(320, 300, 280))
    chair_h = stage.count(250, 230, 210)
    half = 84 * chair_h / 100 + 10
    chair_x = stage.rng.choice((LEFT + half, RIGHT - half))
    stage.put(more.armchair, chair_x, FLOOR + 100, chair_h, chair_x > 500)
    stage.taken.append((chair_x - 40, chair_x + 40))
    x, y, h = stage.hero_spot(ground=890)
    x = 1000 - chair_x
    stage.draw_hero(x, y, h * 0.85, pose=stage.pose())
    _beside(stage, more.yarn_basket, 150, stage.count(170, 140, 120))
    balls = stage.count(1, 2, 3) + (1 if variant == "yarn" else 0)
    for _ in range(balls):
        _beside(stage, more.yarn_ball, 110, stage.count(120, 90, 75))
    if variant in ("needles", "scarf"):
        _beside(stage, more.knitting, 150, stage.count(170, 140, 120))
    if stage.detail >= 1:
        stage.foreground((more.rug,), 1, (150, 170))


def kitchen(stage: Stage, variant: str) -> None:
    _room(stage, (214, 240, 236), (236, 214, 190))
    oven_h = stage.count(300, 270, 250)
    oven_x = stage.rng.choice((LEFT + oven_h / 2 + 10, RIGHT - oven_h / 2 - 10))
    stage.put(more.oven, oven_x, FLOOR + 20, oven_h)
    if stage.detail >= 1:
        stage.put(more.window, 1000 - oven_x, 430, 220)
    # The hero stands behind the table, the food in front of it.
    table_h = stage.count(230, 210, 190)
    table_x = 1000 - oven_x + (120 if oven_x > 500 else -120)
    _, y, h = stage.hero_spot(ground=880)
    stage.draw_hero(table_x, y - 20, h * 0.85, pose=stage.pose())
    stage.put(more.table, table_x, 975, table_h)
    on_table = {"pot": more.pot, "cupcakes": more.cupcake, "bread": more.bread, "cake": props.cake}[variant]
    top = 975 - 0.7 * table_h
    for dx in (0,) if stage.detail == 0 else (-70, 70):
        stage.put(on_table, table_x + dx, top, stage.count(140, 100, 85))
    if stage.detail >= 2:
        stage.put(more.cupcake, oven_x, FLOOR + 20 - oven_h, 70)


def music(stage: Stage, variant: str) -> None:
    _room(stage, (250, 236, 214), (190, 150, 200))
    if stage.detail >= 1:
        wx = stage.rng.choice((LEFT + 120, RIGHT - 120))
        stage.put(more.window, wx, 470, 230)
        stage.spots.append((wx, 355, 110))
    for _ in range(stage.count(2, 4, 6) + (2 if variant == "notes" else 0)):
        spot = stage.sky_spot(90, 100, 450)
        if spot:
            stage.put(more.note, spot[0], spot[1] + 45, stage.count(110, 90, 75), stage.rng.random() < 0.3)
    _hero(stage)
    main = {"drum": more.drum, "guitar": more.guitar, "notes": more.drum, "band": more.guitar}[variant]
    _beside(stage, main, 200, stage.count(230, 200, 180))
    if variant == "band" or stage.detail >= 2:
        _beside(stage, more.drum, 160, 150)


def farm(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    stage.sun()
    stage.clouds(stage.count(1, 2, 3), 110, 260)
    stage.ground(600, pal.GRASS_FAR, 26)
    barn_x = stage.rng.choice((260.0, 740.0))
    stage.put(more.barn, barn_x, 700, stage.count(330, 300, 280))
    if stage.detail >= 1:
        stage.put(props.tree, 1000 - barn_x, 660, 230)
    stage.ground(720, pal.GRASS, 18)
    for i in range(stage.count(0, 3, 5)):
        stage.put(more.fence, 100 + 200 * i, 770, 100)
    x, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h * 0.9, pose=stage.pose())
    if variant == "hay":
        _beside(stage, more.haystack, 200, stage.count(200, 170, 150))
    if variant == "apples":
        stage.foreground((props.apple,), stage.count(2, 3, 4), (70, 90))
    if variant == "garden":
        stage.foreground((props.tulip, props.flower), stage.count(2, 3, 5), (100, 140))
    stage.foreground((props.grass_tuft, props.flower), stage.count(0, 1, 3), (50, 80))


def train(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    stage.sun()
    stage.clouds(stage.count(1, 2, 3), 110, 260)
    stage.ground(520, pal.GRASS_FAR, 40)
    if stage.detail >= 1:
        stage.put(props.mountain, stage.rng.uniform(200, 800), 560, 240)
    stage.ground(600, pal.GRASS, 16)
    stage.sketch.fill([(-80, 690), (1080, 690), (1080, 706), (-80, 706)], pal.WOOD)
    if stage.detail >= 1:
        for x in range(40, 1000, 60 if stage.detail == 2 else 90):
            stage.sketch.fill([(x, 700), (x + 16, 700), (x + 12, 718), (x - 4, 718)], pal.dark(pal.WOOD, 0.2), 0.5)
    size = stage.count(240, 190, 170)
    x, y, h = stage.hero_spot()
    # The engine on the side away from the hero, its cars trailing behind it.
    left = x > 500
    engine_x = LEFT + size * 0.9 if left else RIGHT - size * 0.9
    step = size * 1.2 * (1 if left else -1)
    cars = stage.count(1, 2, 3) + (1 if variant == "long" else 0)
    for i in range(cars):
        stage.put(more.carriage, engine_x + step * (1.05 + i), 702, size * 0.75)
    stage.put(more.engine, engine_x, 702, size, left)
    stage.flat(760, pal.GRASS_NEAR)
    stage.draw_hero(x, y, h * 0.75, pose=stage.pose())
    stage.foreground((props.flower, props.tulip, props.bush), stage.count(1, 2, 4), (90, 130))


def jungle(stage: Stage, variant: str) -> None:
    stage.sky((200, 236, 214))
    stage.ground(600, pal.GRASS_FAR, 36)
    for x in (LEFT + 40, RIGHT - 40, *((300.0, 700.0) if stage.detail >= 1 else ())):
        stage.put(props.palm, x + stage.rng.uniform(-20, 20), 700, stage.rng.uniform(300, 380), x > 500)
    stage.ground(730, pal.GRASS, 24)
    x, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h, pose=stage.pose())
    if variant == "butterflies":
        for _ in range(stage.count(1, 2, 3)):
            spot = stage.sky_spot(90, 330, 560)
            if spot:
                stage.put(props.butterfly, spot[0], spot[1] + 40, stage.count(120, 95, 80))
    leaves = stage.count(2, 4, 6) + (2 if variant == "leaves" else 0)
    stage.foreground(
        (more.big_leaf, props.bush) if variant != "flowers" else (more.big_leaf, props.flower), leaves, (140, 200)
    )


def sports(stage: Stage, variant: str) -> None:
    stage.sky(pal.SKY)
    stage.sun()
    stage.clouds(stage.count(1, 2, 3), 110, 260)
    stage.flat(620, pal.GRASS)
    if stage.detail >= 1:
        for y in (700, 820):
            stage.sketch.fill([(-80, y - 30), (1080, y - 30), (1080, y), (-80, y)], pal.GRASS_NEAR, 0.4)
    goal_h = stage.count(220, 210, 190)
    goal_x = stage.rng.choice((LEFT + goal_h + 20, RIGHT - goal_h - 20))
    stage.put(more.goal, goal_x, 720, goal_h)
    x = 1000 - goal_x
    _, y, h = stage.hero_spot()
    stage.draw_hero(x, y, h * 0.9, pose=stage.pose())
    ball_h = stage.count(130, 100, 85)
    if variant == "kick":
        hx0, _, hx1, _ = stage.hero_box
        bx = hx0 - ball_h * 0.6 if goal_x < 500 else hx1 + ball_h * 0.6
        stage.put(more.ball, bx, y, ball_h)
    else:
        spot = stage.sky_spot(ball_h, 200, 450)
        if spot:
            stage.put(more.ball, spot[0], spot[1] + ball_h / 2, ball_h)
    if stage.detail >= 2:
        props.bunting(stage.sketch, [(LEFT, 90), (500, 170), (RIGHT, 90)], stage.detail, stage.rng)


def camp(stage: Stage, variant: str) -> None:
    evening = variant == "stars"
    stage.sky(pal.NIGHT if evening else pal.SKY_EVENING if variant == "campfire" else pal.SKY)
    if not evening:
        stage.sun()
    stage.ground(600, pal.dark(pal.GRASS_FAR, 0.2) if evening else pal.GRASS_FAR, 30)
    for i in range(stage.count(2, 4, 6)):
        x = 80 + 840 * (i + stage.rng.uniform(0.2, 0.8)) / stage.count(2, 4, 6)
        stage.put(props.pine, x, 660 + stage.rng.uniform(-10, 20), stage.rng.uniform(180, 240))
    stage.ground(730, pal.dark(pal.GRASS, 0.15) if evening else pal.GRASS, 20)
    tent_h = stage.count(300, 270, 250)
    tent_x = stage.rng.choice((LEFT + tent_h * 0.8 + 10, RIGHT - tent_h * 0.8 - 10))
    stage.put(more.tent, tent_x, 820, tent_h, tent_x > 500)
    stage.taken.append((tent_x - 60, tent_x + 60))
    x, y, h = stage.hero_spot()
    x = 1000 - tent_x + stage.rng.uniform(-40, 40)
    stage.draw_hero(x, y, h * 0.85, pose=stage.pose())
    fire_h = stage.count(170, 150, 130)
    if variant in ("campfire", "stars"):
        # Between the tent and the hero, in front of both.
        hx0, _, hx1, _ = stage.hero_box
        edge = hx0 if tent_x < x else hx1
        stage.put(more.campfire, (edge + tent_x) / 2, 950, fire_h)
    else:
        _beside(stage, more.campfire, 170, fire_h)
    if evening:
        for _ in range(stage.count(4, 8, 12)):
            spot = stage.sky_spot(stage.count(70, 50, 40), 90, 450)
            if spot:
                size = stage.count(70, 50, 40)
                stage.put(props.twinkle, spot[0], spot[1] + size / 2, size)
    else:
        stage.clouds(stage.count(1, 2, 2), 110, 250)
    if stage.detail >= 1:
        stage.foreground((props.mushroom, props.grass_tuft, props.bush), stage.count(0, 1, 3), (60, 90))
