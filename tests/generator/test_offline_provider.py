"""The offline provider draws real coloring pages: repeatable per order, black
line art on white, a colored version with the same outlines, and drawings that
change with the age group."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from generator.providers.base import Brief, Usage
from generator.providers.offline import OfflineProvider
from generator.providers.offline_art.compose.heroes import FALLBACK_HEROES
from generator.providers.offline_art.compose.plan import book_plan

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
    """A scene without the theme in front of it: "theme: caption."."""
    return scene.rsplit(": ", 1)[1]


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
    assert all("dinosaurs having a picnic" in scene for scene in scenes)
    assert sum("Mia" in scene for scene in scenes) >= 6
    assert all(caption(scene).startswith("the little dinosaur ") for scene in scenes)
    # The picnic the theme asks for is on the cover and on every third page.
    assert all("picnic" in caption(scenes[i]) for i in (0, 3, 6, 9))


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
    assert all(caption(scene).startswith(f"the {chosen.noun} ") for scene in scenes)
    assert "{" not in "".join(scenes)
    assert art.size == paint.size == (SIZE, SIZE)
    # The child is the hero's friend in the captions; without a name, "a friend" is.
    if child_name:
        assert sum(child_name in caption(scene) for scene in scenes) >= 6
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
    # The cover shows the place the theme names, and it comes back often...
    assert places[0] == place
    assert places.count(place) >= 4
    # ...between visits to many other places.
    assert len(set(places)) >= 6


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
