"""Colors of the colored reference: soft, bright, picture-book colors."""

from generator.providers.offline_art.geometry import Color


def mix(a: Color, b: Color, t: float) -> Color:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def light(color: Color, t: float = 0.45) -> Color:
    return mix(color, (255, 255, 255), t)


def dark(color: Color, t: float = 0.2) -> Color:
    return mix(color, (40, 30, 60), t)


WHITE: Color = (255, 255, 255)
SKY = (190, 228, 250)
SKY_EVENING = (255, 214, 186)
NIGHT = (58, 70, 140)
SPACE = (44, 48, 110)
WATER = (126, 206, 238)
DEEP = (92, 170, 226)
SUN = (255, 214, 84)
SUN_RAY = (255, 190, 70)
MOON = (255, 240, 170)
STAR = (255, 226, 96)
CLOUD = (255, 255, 255)
GRASS = (136, 208, 112)
GRASS_FAR = (182, 228, 140)
GRASS_NEAR = (110, 190, 98)
LEAF = (96, 186, 106)
LEAF_LIGHT = (150, 214, 120)
PINE = (74, 160, 112)
TRUNK = (176, 124, 84)
SAND = (248, 224, 164)
SAND_DARK = (232, 196, 130)
SEA = (96, 180, 232)
SEA_LIGHT = (150, 210, 245)
ROCK = (176, 180, 196)
SNOW = (246, 250, 255)
ICE = (214, 236, 252)
ROAD = (168, 168, 184)
ROAD_LINE = (255, 244, 200)
WALL = (255, 236, 196)
WOOD = (214, 160, 110)
ROOF = (236, 112, 104)
WINDOW = (200, 236, 255)
WINDOW_LIT = (255, 236, 140)
MOUNTAIN = (160, 170, 214)
MOUNTAIN_FAR = (196, 202, 236)
SKIN = (255, 216, 184)
PINK = (255, 170, 196)
CHEEK = (255, 160, 170)
ORANGE = (255, 168, 82)
FLAME = (255, 142, 72)
FLAME_CORE = (255, 226, 110)
GREY = (188, 196, 210)
TIRE = (84, 88, 104)

# Bright, friendly colors for flowers, balloons, gifts, flags.
BRIGHT: tuple[Color, ...] = (
    (255, 122, 122),
    (255, 176, 72),
    (255, 220, 90),
    (140, 214, 120),
    (110, 196, 240),
    (170, 150, 240),
    (255, 150, 206),
    (96, 214, 200),
)
RAINBOW: tuple[Color, ...] = (
    (255, 120, 120),
    (255, 178, 90),
    (255, 230, 110),
    (140, 214, 120),
    (120, 184, 245),
    (176, 148, 236),
)

# The child's skin tones, "1" (light) to "5" (deep), and hair colors. Black
# hair is a soft charcoal, not ink, so the lines drawn on it stay visible.
SKIN_TONES: dict[str, Color] = {
    "1": (255, 224, 200),
    "2": (242, 196, 156),
    "3": (212, 158, 112),
    "4": (164, 108, 70),
    "5": (116, 74, 50),
}
HAIR_COLORS: dict[str, Color] = {
    "black": (74, 66, 80),
    "brown": (150, 98, 60),
    "blonde": (250, 212, 112),
    "red": (218, 96, 50),
}
# The child's clothes: one pair (top, bottom) per book, picked from the seed.
CLOTHES: tuple[tuple[Color, Color], ...] = (
    ((255, 150, 170), (120, 170, 240)),
    ((120, 200, 240), (255, 196, 90)),
    ((170, 150, 240), (255, 170, 120)),
    ((255, 196, 90), (120, 200, 160)),
    ((140, 214, 120), (176, 148, 236)),
)
SHOE = (236, 100, 96)
