"""The book plan: the hero and its look, and for each page the setting, the
variant drawn there and its sentence; and the shapes of one page, drawn
from that plan."""

import random
import re
from dataclasses import dataclass

from generator.providers.base import Appearance
from generator.providers.offline_art.characters import Character, Look
from generator.providers.offline_art.child import child_on_page, child_pages
from generator.providers.offline_art.compose.heroes import hero_for
from generator.providers.offline_art.compose.scenes import SETTINGS
from generator.providers.offline_art.compose.seeding import seeded_random
from generator.providers.offline_art.compose.sentences import fill_sentence, fill_sentence_fr
from generator.providers.offline_art.compose.sentences_fr import (
    FIRST_OPENER_FR,
    LAST_OPENER_FR,
    OPENERS_FR,
    SENTENCES_FR,
)
from generator.providers.offline_art.compose.stage import DETAIL, LINE, Stage
from generator.providers.offline_art.compose.themes import home_settings, suggested_hero, theme_words, themes_in
from generator.providers.offline_art.geometry import Shape
from generator.text import text_line

BOOK_PAGES = 12


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


LAND = ("meadow", "picnic", "beach", "night", "forest", "town", "castle", "party", "rainbow", "snow")
WHERE_HEROES_GO = {
    "fish": ("underwater", "waves"),
    "rocket": ("space", "launch", "night"),
}


def book_plan(
    *, theme: str, child_name: str, seed: str, count: int, language: str = "en", captions: str | None = None
) -> BookPlan:
    """The whole book's plan; page i's plan never depends on `count`. The
    book is in `language` ("en" or "fr"): a French book's theme may be in
    French ("des licornes": a unicorn), and its sentences are in French
    (`captions`, when given, is the sentences' language instead). An English
    theme draws the same pictures in both languages."""
    theme = text_line(theme, 200) or "coloring fun"
    name = text_line(child_name, 60)
    words = theme_words(theme, language)
    found = themes_in(words)
    hero = hero_for(theme, seed, suggested_hero(found), words)
    rng = seeded_random(seed, theme, "book")
    look = hero.looks[rng.randrange(len(hero.looks))]
    home = home_settings(found)
    allowed = WHERE_HEROES_GO.get(hero.key, LAND)
    if hero.key in WHERE_HEROES_GO:
        home = [key for key in home if key in allowed]
    if home:
        setting_keys = _home_sequence(rng, allowed, home, max(count, BOOK_PAGES))
    else:
        setting_keys = _settings_sequence(rng, allowed, _favored(words, hero, allowed), max(count, BOOK_PAGES))
    language = captions or language
    openers = _openers(seed, theme, language)

    used: set[tuple[str, str, int]] = set()
    pages = []
    for index, wanted in enumerate(setting_keys[:count]):
        # A place whose sentences are all used gives its turn to the next one
        # that has some left, so no two pages of a book say the same thing.
        candidates = [wanted, *(key for key in setting_keys if key != wanted)]
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
        if language == "fr":
            sentence = fill_sentence_fr(SENTENCES_FR[setting_key][variant][template], hero, name)
        else:
            sentence = fill_sentence(setting.variants[variant][template], hero, name)
        pages.append(PagePlan(setting_key, variant, _caption(openers, index, sentence, language)))
    return BookPlan(hero, look, tuple(pages))


def _favored(theme: str, hero: Character, allowed: tuple[str, ...]) -> list[str]:
    """For a theme none of the known themes matches: settings whose words it uses."""
    lowered = theme.casefold()
    favored = [key for key, s in SETTINGS.items() if re.search(s.words, lowered)]
    if hero.key not in WHERE_HEROES_GO:
        # A land hero may still visit the sea or space when the theme says so.
        return [key for key in favored if key in allowed or key in ("underwater", "space")]
    return [key for key in favored if key in allowed]


def _home_sequence(rng: random.Random, allowed: tuple[str, ...], home: list[str], count: int) -> list[str]:
    """The theme's own places take three pages of every four (the cover is the
    first place it names); other places take the fourth, for a change of air."""
    others = [key for key in allowed if key not in home]
    rng.shuffle(others)
    picks: list[str] = []
    home_i = other_i = 0
    for i in range(count):
        if others and i % 4 == 3:
            picks.append(others[other_i % len(others)])
            other_i += 1
        else:
            picks.append(home[home_i % len(home)])
            home_i += 1
    return picks


# How the pages of the little story begin: the first and the last page always
# the same, the ones in between in a seeded order ("" starts with the hero).
FIRST_OPENER = "One day, "
LAST_OPENER = "At the end of the day, "
OPENERS = (
    "Then ",
    "Next, ",
    "Later, ",
    "Soon ",
    "After that, ",
    "Meanwhile, ",
    "Just then, ",
    "Before long, ",
    "The next morning, ",
    "In the afternoon, ",
    "",
    "",
)


def _openers(seed: str, theme: str, language: str = "en") -> list[str]:
    # The positions are shuffled, so a French book's story begins its pages
    # as the same book's English story does.
    order = list(range(len(OPENERS)))
    seeded_random(seed, theme, "story").shuffle(order)
    words = OPENERS_FR if language == "fr" else OPENERS
    return [words[position] for position in order]


def _caption(openers: list[str], index: int, sentence: str, language: str = "en") -> str:
    if index == 0:
        opener = FIRST_OPENER_FR if language == "fr" else FIRST_OPENER
    elif index == BOOK_PAGES - 1:
        opener = LAST_OPENER_FR if language == "fr" else LAST_OPENER
    else:
        opener = openers[(index - 1) % len(openers)]
    text = f"{opener}{sentence}."
    return text[0].upper() + text[1:]


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


def page_shapes(
    *,
    theme: str,
    child_name: str,
    seed: str,
    age_group: str,
    index: int,
    appearance: Appearance | None = None,
    language: str = "en",
) -> tuple[list[Shape], float]:
    """The shapes of page `index` and its main line width (page units). The
    pages the child is on follow the English captions, in every language."""
    plan = book_plan(theme=theme, child_name=child_name, seed=seed, count=index + 1, language=language, captions="en")
    page = plan.pages[index]
    detail = DETAIL.get(age_group, 1)
    rng = seeded_random(seed, text_line(theme, 200), age_group, index, "page")
    captions = [p.sentence.rsplit(": ", 1)[-1] for p in plan.pages]
    child = None
    if child_pages(captions, text_line(child_name, 60))[index]:
        child = child_on_page(appearance or Appearance(), seed, index, page.setting, detail)
    stage = Stage(plan.hero, plan.look, rng, detail, child)
    SETTINGS[page.setting].draw(stage, page.variant)
    return stage.sketch.shapes, LINE[detail]


def cover_shapes(
    *,
    theme: str,
    child_name: str,
    seed: str,
    age_group: str,
    appearance: Appearance | None = None,
    language: str = "en",
) -> tuple[list[Shape], float]:
    """The cover's picture: the hero and the child in the book's main place
    (page 1's), drawn as a variant of it that no page of the book shows when
    the place has one, and always with its own arrangement."""
    plan = book_plan(theme=theme, child_name=child_name, seed=seed, count=BOOK_PAGES, language=language)
    setting_key = plan.pages[0].setting
    setting = SETTINGS[setting_key]
    shown = {page.variant for page in plan.pages if page.setting == setting_key}
    variants = sorted(setting.variants)
    rng = seeded_random(seed, text_line(theme, 200), age_group, "cover")
    variant = rng.choice([v for v in variants if v not in shown] or variants)
    detail = DETAIL.get(age_group, 1)
    child = child_on_page(appearance or Appearance(), seed, BOOK_PAGES, setting_key, detail)
    stage = Stage(plan.hero, plan.look, rng, detail, child)
    setting.draw(stage, variant)
    return stage.sketch.shapes, LINE[detail]
