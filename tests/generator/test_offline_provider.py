"""The offline provider draws real coloring pages: repeatable per order, black
line art on white, a colored version with the same outlines, and drawings that
change with the age group."""

import io
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from generator.providers.base import Appearance, Brief, Usage
from generator.providers.offline import OfflineProvider
from generator.providers.offline_art import palette as pal
from generator.providers.offline_art.characters import CHARACTERS
from generator.providers.offline_art.child import is_child
from generator.providers.offline_art.compose.heroes import FALLBACK_HEROES
from generator.providers.offline_art.compose.plan import book_plan, page_shapes
from generator.providers.offline_art.compose.scenes import SETTINGS
from generator.providers.offline_art.compose.stage import Stage
from generator.providers.offline_art.compose.themes import THEMES

SIZE = 384


def brief(**fields) -> Brief:
    values = {
        "theme": "dinosaurs having a picnic",
        "child_name": "Mia",
        "age_group": "kids",
        "seed": "6f1c2a9e-order-token",
        "size": SIZE,
    }
    values.update(fields)
    return Brief(**values)


def line_art(b: Brief, index: int = 0) -> Image.Image:
    return Image.open(io.BytesIO(OfflineProvider().draw_line_art(b, "scene", index)))


def colored(b: Brief, index: int = 0) -> Image.Image:
    return Image.open(io.BytesIO(OfflineProvider().color_page(b, "scene", index, b"")))


def caption(scene: str) -> str:
    """A scene's words, lowercased: "One day, the kitten ..." -> "one day, the kitten ..."."""
    return scene.casefold()


def dark_runs(image: Image.Image) -> list[int]:
    """Lengths of the horizontal runs of dark pixels, row by row."""
    pixels = image.convert("L").tobytes()
    width = image.width
    runs, length = [], 0
    for i, value in enumerate(pixels):
        if value < 128:
            length += 1
        if (value >= 128 or (i + 1) % width == 0) and length:
            runs.append(length)
            length = 0
    return runs


def test_the_same_order_gets_the_same_bytes():
    b = brief()
    provider = OfflineProvider()

    assert provider.plan_scenes(b, 12) == provider.plan_scenes(b, 12)
    assert provider.draw_line_art(b, "scene", 3) == provider.draw_line_art(b, "scene", 3)
    assert provider.color_page(b, "scene", 3, b"") == provider.color_page(b, "scene", 3, b"")


def test_pages_of_a_book_and_books_of_two_orders_differ():
    provider = OfflineProvider()
    book = [provider.draw_line_art(brief(), "scene", i) for i in range(12)]
    other_order = provider.draw_line_art(brief(seed="another-order-token"), "scene", 0)

    assert len(set(book)) == 12
    assert other_order != book[0]
    # Not just different bytes: the drawings themselves differ a lot.
    first, second = line_art(brief(), 0), line_art(brief(), 1)
    changed = sum(abs(a - b) > 128 for a, b in zip(first.tobytes(), second.tobytes(), strict=True))
    assert changed > 0.03 * SIZE * SIZE


def test_line_art_is_black_lines_on_white():
    image = line_art(brief(), 2)

    assert image.format == "PNG"
    assert image.mode == "L"
    assert image.size == (SIZE, SIZE)
    histogram = image.histogram()
    white = sum(histogram[230:])
    black = sum(histogram[:40])
    grey = sum(histogram[60:200])
    assert white > 0.6 * SIZE * SIZE
    assert black > 0.02 * SIZE * SIZE
    # No shading or grey fills: only the antialiased edges of the lines are grey.
    assert grey < 0.06 * SIZE * SIZE
    # The page's edge stays white: the drawing sits inside its frame.
    for x, y in ((0, 0), (SIZE - 1, 0), (0, SIZE - 1), (SIZE - 1, SIZE - 1), (SIZE // 2, 2), (2, SIZE // 2)):
        assert image.getpixel((x, y)) > 250


def test_colored_page_has_the_same_outlines_and_real_colors():
    b = brief()
    art = line_art(b, 4)
    paint = colored(b, 4)

    assert paint.format == "JPEG"
    assert paint.mode == "RGB"
    assert paint.size == (SIZE, SIZE)
    lines = [i for i, value in enumerate(art.tobytes()) if value < 40]
    rgb = paint.tobytes()
    still_dark = sum(max(rgb[3 * i : 3 * i + 3]) < 110 for i in lines)
    assert still_dark > 0.97 * len(lines)
    pixels = len(rgb) // 3
    colorful = sum(max(rgb[3 * i : 3 * i + 3]) - min(rgb[3 * i : 3 * i + 3]) > 50 for i in range(pixels))
    assert colorful > 0.4 * pixels


def test_age_groups_change_line_weight_and_detail():
    def measure(age_group: str) -> tuple[float, float]:
        widths, runs_per_page = [], []
        for index in range(3):
            runs = dark_runs(line_art(brief(age_group=age_group), index))
            widths.append(sorted(runs)[len(runs) // 2])
            runs_per_page.append(len(runs))
        return sum(widths) / 3, sum(runs_per_page) / 3

    toddler, kids, tweens = measure("toddler"), measure("kids"), measure("tweens")

    # Lines get thinner with age...
    assert toddler[0] > kids[0] > tweens[0]
    # ...and pages get busier: more separate strokes across each row.
    assert tweens[1] > toddler[1]


def test_twelve_distinct_scenes_about_the_theme_and_the_child():
    scenes = OfflineProvider().plan_scenes(brief(), 12)

    assert len(scenes) == 12
    assert len(set(scenes)) == 12
    assert sum("Mia" in scene for scene in scenes) >= 6
    assert all("the little dinosaur " in caption(scene) for scene in scenes)
    # A little story: capitalized sentences, not the theme repeated in front of each.
    assert all(scene[0].isupper() and scene.endswith(".") for scene in scenes)
    assert not any(scene.startswith("dinosaurs having a picnic") for scene in scenes)
    assert scenes[0].startswith("One day, ")
    # The picnic the theme asks for is on the cover and on most pages.
    assert "picnic" in caption(scenes[0])
    assert sum("picnic" in caption(scene) for scene in scenes) >= 6


@pytest.mark.parametrize("theme", ["dinosaurs in space", "owls in a library", "grandma teaches knitting", "zzz blorp"])
def test_captions_begin_in_many_ways(theme):
    scenes = OfflineProvider().plan_scenes(brief(theme=theme), 12)
    openings = {scene.split()[0].strip(",") for scene in scenes}

    assert len(openings) >= 6
    assert "{" not in "".join(scenes)


def test_an_unknown_theme_still_reads_well():
    scenes = OfflineProvider().plan_scenes(brief(theme="zzz blorp", child_name=""), 12)

    assert len(set(scenes)) == 12
    # The theme's words are not pasted in where they would not make sense.
    assert not any("zzz" in scene or "blorp" in scene for scene in scenes)
    assert all(scene[0].isupper() and scene.endswith(".") and ".." not in scene for scene in scenes)


def test_scene_count_is_honoured_and_stable():
    provider = OfflineProvider()

    assert len(provider.plan_scenes(brief(), 5)) == 5
    assert provider.plan_scenes(brief(), 14)[:12] == provider.plan_scenes(brief(), 12)


@pytest.mark.parametrize(
    ("theme", "child_name", "hero"),
    [
        ("cats in space", "", "cat"),
        ("🦄🦄 and ✨ sparkles ✨", "Zoë", "unicorn"),
        ("a very long theme about " + "the biggest friendliest robots " * 3 + "ever", "", "robot"),
        ("under the sea", "Ana-María O'Brien", "fish"),
        ("trains", "", None),  # names no hero: one of the fallback heroes
        ("zzz blorp", "", None),
    ],
)
def test_odd_input_still_makes_a_book(theme, child_name, hero):
    b = brief(theme=theme[:120], child_name=child_name)
    provider = OfflineProvider()

    scenes = provider.plan_scenes(b, 12)
    art = Image.open(io.BytesIO(provider.draw_line_art(b, scenes[0], 0)))
    paint = Image.open(io.BytesIO(provider.color_page(b, scenes[0], 0, b"")))
    chosen = book_plan(theme=b.theme, child_name=b.child_name, seed=b.seed, count=12).hero

    assert len(set(scenes)) == 12
    if hero:
        assert chosen.key == hero
    else:
        assert chosen.key in FALLBACK_HEROES
    # Every caption is about the hero, by name ("the kitten ...").
    assert all(f"the {chosen.noun} " in caption(scene) for scene in scenes)
    assert "{" not in "".join(scenes)
    assert art.size == paint.size == (SIZE, SIZE)
    # The child is the hero's friend in the captions; without a name, "a friend" is.
    if child_name:
        assert sum(child_name in scene for scene in scenes) >= 6
        assert not any("a friend" in scene for scene in scenes)
    else:
        assert sum("a friend" in caption(scene) for scene in scenes) >= 6


@pytest.mark.parametrize(
    ("theme", "hero", "place"),
    [
        ("dinosaurs having a picnic", "dinosaur", "picnic"),
        ("puppies in the snow", "dog", "snow"),
        ("a princess castle", "princess", "castle"),
        ("teddy bears at a birthday party", "teddy", "party"),
    ],
)
def test_the_theme_chooses_the_hero_and_the_place_it_comes_back_to(theme, hero, place):
    plan = book_plan(theme=theme, child_name="", seed="6f1c2a9e-order-token", count=12)
    places = [page.setting for page in plan.pages]

    assert plan.hero.key == hero
    # The cover shows the place the theme names, and most pages happen there...
    assert places[0] == place
    assert places.count(place) >= 7
    # ...with a few visits to other places between them.
    assert len(set(places)) >= 3


@pytest.mark.parametrize(
    ("theme", "hero", "places"),
    [
        ("ocean friends", "fish", {"underwater", "waves"}),
        ("rockets to the moon", "rocket", {"space", "launch", "night"}),
    ],
)
def test_a_fish_stays_in_the_sea_and_a_rocket_in_the_sky(theme, hero, places):
    plan = book_plan(theme=theme, child_name="", seed="6f1c2a9e-order-token", count=12)
    visited = {page.setting for page in plan.pages}

    assert plan.hero.key == hero
    assert visited == places


def test_each_image_call_is_counted_once():
    usage = Usage()
    provider = OfflineProvider(usage=usage)
    b = brief()

    provider.plan_scenes(b, 12)
    art = provider.draw_line_art(b, "scene", 0)
    provider.color_page(b, "scene", 0, art)

    assert usage.calls == 2


def test_threads_get_the_same_pages_as_one_thread():
    provider = OfflineProvider()
    b = brief(age_group="tweens")
    alone = [provider.draw_line_art(b, "scene", i) for i in range(6)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(lambda i: provider.draw_line_art(b, "scene", i), range(6)))

    assert together == alone


# The child the book is for is drawn beside the hero.

CHILD_BOOKS = [
    ("dinosaurs in space", "Zoé", Appearance("girl", "red", "curly", "1", True)),
    ("ocean friends", "Sam", Appearance("boy", "black", "short", "5", False)),
    ("castle", "", Appearance("child", "blonde", "ponytail", "3", False)),
]


def child_shapes(theme: str, name: str, appearance: Appearance, index: int, age_group: str = "kids") -> list:
    shapes, _ = page_shapes(
        theme=theme,
        child_name=name,
        seed="6f1c2a9e-order-token",
        age_group=age_group,
        index=index,
        appearance=appearance,
    )
    return [shape for shape in shapes if is_child(shape)]


@pytest.mark.parametrize(("theme", "name", "appearance"), CHILD_BOOKS)
def test_the_child_is_drawn_on_most_pages_and_whenever_the_caption_names_it(theme, name, appearance):
    plan = book_plan(theme=theme, child_name=name, seed="6f1c2a9e-order-token", count=12)
    shown = []
    for index, page in enumerate(plan.pages):
        drawn = child_shapes(theme, name, appearance, index)
        shown.append(bool(drawn))
        if (name or "a friend") in caption(page.sentence):
            assert drawn, (index, page.sentence)
        for shape in drawn:  # on the page, inside the frame
            assert all(40 <= x <= 960 and 40 <= y <= 960 for x, y in shape.points), index
    assert sum(shown) >= 8, shown


def test_the_child_stands_beside_the_hero_not_on_it():
    theme, name, appearance = CHILD_BOOKS[0]
    plan = book_plan(theme=theme, child_name=name, seed="6f1c2a9e-order-token", count=12)
    beside = 0
    for index in range(12):
        shapes, _ = page_shapes(
            theme=theme,
            child_name=name,
            seed="6f1c2a9e-order-token",
            age_group="toddler",
            index=index,
            appearance=appearance,
        )
        child_xs = [x for s in shapes if is_child(s) for x, _ in s.points]
        hero_xs = [x for s in shapes if not is_child(s) and s.fill == plan.look.main for x, _ in s.points]
        if child_xs and hero_xs:
            beside += 1
            overlap = min(max(child_xs), max(hero_xs)) - max(min(child_xs), min(hero_xs))
            assert overlap < 0.1 * (max(child_xs) - min(child_xs)), index
    assert beside >= 8


def test_the_appearance_changes_the_child():
    theme = "dinosaurs having a picnic"
    girl = Appearance("girl", "red", "curly", "1", True)
    boy = Appearance("boy", "black", "short", "5", False)
    a, b = child_shapes(theme, "Mia", girl, 0), child_shapes(theme, "Mia", boy, 0)
    fills_a, fills_b = {s.fill for s in a}, {s.fill for s in b}
    assert pal.SKIN_TONES["1"] in fills_a and pal.SKIN_TONES["5"] not in fills_a
    assert pal.SKIN_TONES["5"] in fills_b and pal.HAIR_COLORS["black"] in fills_b
    assert pal.HAIR_COLORS["red"] in fills_a
    # Glasses add shapes; the hair styles are different outlines.
    no_glasses = child_shapes(theme, "Mia", Appearance("girl", "red", "curly", "1", False), 0)
    assert len(a) > len(no_glasses)
    outlines = {
        style: {s.points for s in child_shapes(theme, "Mia", Appearance("girl", "red", style, "1"), 0)}
        for style in ("short", "long", "curly", "ponytail")
    }
    for one in outlines:
        for other in outlines:
            if one != other:
                assert outlines[one] - outlines[other], (one, other)


def test_the_colored_page_shows_the_skin_tone_and_hair_and_the_same_child_on_every_page():
    def count(image: Image.Image, color: tuple[int, int, int]) -> int:
        rgb = image.convert("RGB")
        return sum(1 for p in rgb.get_flattened_data() if all(abs(c - k) <= 6 for c, k in zip(p, color, strict=True)))

    light = brief(appearance=Appearance("girl", "red", "long", "1", False))
    deep = brief(appearance=Appearance("girl", "black", "long", "5", False))
    page_light, page_deep = colored(light, 0), colored(deep, 0)
    assert count(page_light, pal.SKIN_TONES["1"]) > 30 and count(page_light, pal.HAIR_COLORS["red"]) > 30
    assert count(page_deep, pal.SKIN_TONES["5"]) > 30 and count(page_deep, pal.HAIR_COLORS["black"]) > 30
    assert count(page_light, pal.SKIN_TONES["5"]) * 10 < count(page_deep, pal.SKIN_TONES["5"])
    # Left open, the look is picked from the seed: the same on every page.
    open_choice = Appearance()
    looks = {frozenset(s.fill for s in child_shapes("dinosaurs", "Mia", open_choice, i)) for i in range(4)}
    skins = {fill for look in looks for fill in look if fill in pal.SKIN_TONES.values()}
    assert len(skins) == 1


# A theme -> the hero it gets (None: any) and the settings most of its pages happen in.
THEMED = [
    ("dinosaurs in space", "dinosaur", {"space"}),
    ("rockets to the moon", "rocket", {"space"}),
    ("ocean adventure", "fish", {"underwater", "waves"}),
    ("a day at the beach", None, {"beach", "waves"}),
    ("pirates and treasure", None, {"beach", "underwater"}),
    ("life on the farm", None, {"farm"}),
    ("knights and castles", "princess", {"castle"}),
    ("trains", None, {"train"}),
    ("jungle explorers", None, {"jungle"}),
    ("a trip to the zoo", None, {"jungle"}),
    ("grandma teaches knitting", "cat", {"knitting"}),
    ("owls in a library", "owl", {"library"}),
    ("back to school", "owl", {"library", "sports"}),
    ("cooking with dad", None, {"kitchen"}),
    ("the little bakery", None, {"kitchen"}),
    ("music and dancing", None, {"music"}),
    ("soccer stars", None, {"sports"}),
    ("bugs and beetles", None, {"meadow", "jungle"}),
    ("my garden", None, {"meadow", "farm"}),
    ("rainy weather", None, {"rainbow", "snow"}),
    ("winter fun", None, {"snow"}),
    ("holidays", None, {"snow", "party"}),
    ("birthday party", None, {"party"}),
    ("cars and trucks", "car", {"town"}),
    ("construction site", "car", {"town"}),
    ("brave firefighters", "car", {"town"}),
    ("camping in the woods", None, {"camp", "forest"}),
    ("bedtime", None, {"night"}),
    ("city life", None, {"town"}),
    ("dinosaurs", "dinosaur", {"jungle", "forest"}),
    ("dragons", "dragon", {"castle", "forest"}),
    ("unicorns", "unicorn", {"rainbow", "meadow", "castle"}),
    ("fairies", "princess", {"castle", "forest", "meadow"}),
    ("a princess", "princess", {"castle", "party"}),
    ("robots", "robot", {"town", "space"}),
    ("owls", "owl", {"forest", "night"}),
    ("bunnies", "bunny", {"meadow", "forest"}),
    ("kittens on the farm", "cat", {"farm"}),
    ("a dragon in the kitchen", "dragon", {"kitchen"}),
]


@pytest.mark.parametrize(("theme", "hero", "places"), THEMED)
def test_a_recognized_theme_gets_its_hero_and_most_pages_in_its_places(theme, hero, places):
    plan = book_plan(theme=theme, child_name="", seed="6f1c2a9e-order-token", count=12)
    settings = [page.setting for page in plan.pages]

    if hero:
        assert plan.hero.key == hero
    assert settings[0] in places
    assert sum(setting in places for setting in settings) >= 7
    assert len({page.sentence for page in plan.pages}) == 12


def test_at_least_thirty_themes_are_recognized():
    assert len(THEMES) >= 30
    assert len({frozenset(places) for _, _, places in THEMED}) >= 20
    for theme in THEMES:
        assert all(key in SETTINGS for key in theme.settings)
        assert theme.hero is None or theme.hero in CHARACTERS


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_every_setting_draws_every_variant_for_every_age_inside_the_page(setting):
    hero = CHARACTERS["owl"]
    for variant in SETTINGS[setting].variants:
        for detail in (0, 1, 2):
            stage = Stage(hero, hero.looks[0], random.Random(7), detail)
            SETTINGS[setting].draw(stage, variant)
            assert stage.hero_drawn
            # Nothing is lost far off the page (grounds and waves reach a little past its edges).
            for shape in stage.sketch.shapes:
                xs = [p[0] for p in shape.points]
                ys = [p[1] for p in shape.points]
                assert min(xs) >= -150 and max(xs) <= 1150 and min(ys) >= -10 and max(ys) <= 1150


@pytest.mark.parametrize("theme", ["owls in a library", "grandma teaches knitting", "trains", "dinosaurs in space"])
def test_toddler_pages_are_simpler_than_tweens_pages(theme):
    def shapes(age_group: str) -> list[int]:
        return [
            len(page_shapes(theme=theme, child_name="Mia", seed="s", age_group=age_group, index=i)[0]) for i in range(4)
        ]

    toddler, kids, tweens = shapes("toddler"), shapes("kids"), shapes("tweens")

    assert all(t < w for t, w in zip(toddler, tweens, strict=True))
    assert sum(toddler) < sum(kids) < sum(tweens)
    assert sum(tweens) > 1.5 * sum(toddler)


def test_the_cover_is_a_picture_of_its_own_in_the_books_main_place():
    from generator.providers.offline import OfflineProvider
    from generator.providers.offline_art.compose.plan import cover_shapes

    brief = Brief(theme="owls in a library", child_name="Sam", age_group="kids", seed="cover-seed", size=256)
    provider = OfflineProvider()
    cover = provider.draw_cover(brief)
    scenes = [provider.color_page(brief, "", index, b"") for index in range(12)]
    assert cover not in scenes
    plan = book_plan(theme=brief.theme, child_name=brief.child_name, seed=brief.seed, count=12)
    assert plan.pages[0].setting == "library"
    shapes, _ = cover_shapes(theme=brief.theme, child_name="Sam", seed=brief.seed, age_group="kids")
    assert any(is_child(shape) for shape in shapes)
    assert provider.draw_cover(brief) == cover  # the same brief, the same cover
