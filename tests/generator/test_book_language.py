"""A book in its order's language: the book's own words (generator/pdf/words.py,
generator/locale/), the offline provider's captions, Gemini's captions."""

import io
import json
import re
import string

import pytest
from django.utils import translation
from pypdf import PdfReader

from generator import books
from generator.models import Job, Page
from generator.pdf import fitting
from generator.pdf.layout import COLORED_HEAD, COLORED_PILL, DEDICATION_HEAD, PAPERS, Layout
from generator.providers.base import Brief
from generator.providers.offline import OfflineProvider
from generator.providers.offline_art.characters import CHARACTERS
from generator.providers.offline_art.compose.plan import book_plan, cover_shapes, page_shapes
from generator.providers.offline_art.compose.sentences import SENTENCES, fill_sentence_fr
from generator.providers.offline_art.compose.sentences_fr import SENTENCES_FR
from generator.tasks import job_run_next
from tests.fakes.gemini import PLAN

PAGES = 1 + 1 + 2 * 12 + 1
LETTER = (612, 792)
DEDICATION = 1
# What the English book prints around the customer's texts: none of it may
# be left in a French book.
ENGLISH_WORDS = (
    "coloring book",
    "pictures to color",
    "for Léa",
    "This book belongs",
    "Picture ",
    " of 12",
    "Color it like this",
    "Colored by",
    "This is me",
    "Draw yourself",
    "Made especially",
    "One day",
    "At the end of the day",
    " the ",
    " with ",
)


def _read(job: Job) -> PdfReader:
    with job.pdf.open("rb") as stored:
        return PdfReader(io.BytesIO(stored.read()))


def _text(reader: PdfReader, index: int) -> str:
    return " ".join(reader.pages[index].extract_text().split())


def _made(paid_order, **fields) -> Job:
    order = paid_order(**fields)
    assert job_run_next() == f"job {order.job.pk}"
    job = Job.objects.get(order=order)
    assert job.pdf, job.error
    return job


def _size(box) -> tuple[float, float]:
    return round(float(box.width), 2), round(float(box.height), 2)


# The book's own words -----------------------------------------------------------


def test_a_french_book_prints_its_words_and_captions_in_french(paid_order):
    job = _made(paid_order, language="fr", child_name="Léa")
    reader = _read(job)

    assert len(reader.pages) == PAGES
    assert {_size(page.mediabox) for page in reader.pages} == {LETTER}
    cover = _text(reader, 0)
    assert "UN LIVRE À COLORIER" in cover.upper()
    assert "pour Léa" in cover
    assert "12 dessins à colorier" in cover
    assert "Ce livre appartient à Léa" in _text(reader, DEDICATION)
    captions = [page.scene for page in job.pages.order_by("index")]
    assert captions[0].startswith("Un jour, ")
    assert captions[-1].startswith("À la fin de la journée, ")
    for number, caption in enumerate(captions, start=1):
        colored, coloring = _text(reader, 2 * number), _text(reader, 2 * number + 1)
        assert f"Dessin {number} sur 12" in colored
        assert caption in colored
        assert "Colorie-le comme ça, ou choisis tes propres couleurs !" in colored
        assert "Colorié par" in coloring
    closing = _text(reader, PAGES - 1)
    assert "C’est moi !" in closing
    assert "Dessine-toi ici !" in closing
    assert "Fait tout spécialement pour Léa" in closing
    assert reader.metadata.title == "Dinosaurs having a picnic pour Léa\u00a0: un livre à colorier"
    everything = " ".join(_text(reader, index) for index in range(PAGES))
    left = [words for words in ENGLISH_WORDS if words in everything]
    assert not left, left


def test_the_book_speaks_its_jobs_language_whatever_the_thread_speaks(paid_order):
    english = _made(paid_order)
    french = _made(paid_order, language="fr", child_name="Léa")

    with translation.override("fr"):
        reader = PdfReader(io.BytesIO(books.book_render(job=english)))
    # English words, and the page's sizes written as CSS reads them (French
    # would write 7,5in).
    assert {_size(page.mediabox) for page in reader.pages} == {LETTER}
    assert "This book belongs to Mia" in _text(reader, DEDICATION)
    assert "Picture 1 of 12" in _text(reader, 2)
    assert "Dessin" not in _text(reader, 2)
    assert translation.get_language() == "en"

    with translation.override("en"):
        reader = PdfReader(io.BytesIO(books.book_render(job=french)))
    assert "Ce livre appartient à Léa" in _text(reader, DEDICATION)
    assert "Dessin 1 sur 12" in _text(reader, 2)


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_french_book_words_fit_their_bands(paper):
    from generator.pdf.words import book_words

    layout = Layout(PAPERS[paper])
    words = book_words("fr", title="Licornes", child_name="Léa", scene_count=12)
    heading = fitting.fit_text(
        words["dedication_head"],
        font_file="CherryBomb-Regular.otf",
        sizes=(40, 36, 32, 28),
        width_in=layout.cover_inner[0] - 0.2,
        height_in=DEDICATION_HEAD,
        line_height=1.08,
    )
    assert heading.lines == ["Ce livre appartient à"] and heading.size >= 36
    # The one-line texts of the pages' feet fit the page's width at their size.
    for text, size in ((words["hint"], 12), (f"{words['signature']} ", 11), (words["pictures"], 11)):
        assert fitting._width(text, "Quicksand-Bold.ttf") * size < layout.width * 72 * 0.9, text


# The offline provider's captions -----------------------------------------------------


def test_the_french_catalogue_has_every_sentence_of_the_english_one():
    assert {key: set(variants) for key, variants in SENTENCES_FR.items()} == {
        key: set(variants) for key, variants in SENTENCES.items()
    }
    fields = {"hero", "pal", "de_pal", "moves"}
    for setting, variants in SENTENCES_FR.items():
        for variant, templates in variants.items():
            for template in templates:
                used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
                assert used <= fields, (setting, variant, template)
                assert template.startswith("{hero} "), template  # the hero is the subject
                assert "'" not in template, template  # French apostrophes are ’
                assert not re.search(r"\b(the|with|and|of)\b", template), template


def test_french_captions_elide_and_agree():
    unicorn, bear, fish = CHARACTERS["unicorn"], CHARACTERS["bear"], CHARACTERS["fish"]

    assert fill_sentence_fr("{hero} va voir la maison {de_pal} en ville", bear, "Emma") == (
        "l’ourson va voir la maison d’Emma en ville"
    )
    assert fill_sentence_fr("{hero} va voir la maison {de_pal} en ville", bear, "Hugo").endswith("d’Hugo en ville")
    assert fill_sentence_fr("{hero} va voir la maison {de_pal} en ville", bear, "Léa").endswith("de Léa en ville")
    assert fill_sentence_fr("{hero} va voir la maison {de_pal} en ville", bear, "").endswith("d’un ami en ville")
    assert fill_sentence_fr("{hero} devient [ami|amie] avec une méduse", unicorn, "") == (
        "la licorne devient amie avec une méduse"
    )
    assert fill_sentence_fr("{hero} devient [ami|amie] avec une méduse", fish, "") == (
        "le petit poisson devient ami avec une méduse"
    )
    assert fill_sentence_fr("{hero} {moves} avec {pal}", fish, "") == "le petit poisson nage avec un ami"


def test_the_offline_provider_tells_the_same_story_in_french_and_english_as_before():
    def brief(language: str) -> Brief:
        return Brief(
            theme="dinosaurs having a picnic", child_name="Mia", age_group="kids", seed="a", size=256, language=language
        )

    english = OfflineProvider().plan_scenes(brief("en"), 12)
    french = OfflineProvider().plan_scenes(brief("fr"), 12)

    # English books are as they were: the same seed, the same captions.
    assert english == OfflineProvider().plan_scenes(brief("en"), 12)
    assert english[:4] == [
        "One day, the little dinosaur shares a picnic basket with Mia under a shady tree.",
        "Meanwhile, the little dinosaur and Mia munch on apples at a picnic.",
        "Just then, the little dinosaur and Mia picnic under the big tree.",
        "The little dinosaur plays in the snow with Mia.",
    ]
    assert english[-1] == "At the end of the day, the little dinosaur and Mia knock on the castle door."
    # The French book's page for page.
    assert french[:4] == [
        "Un jour, le petit dinosaure partage un panier de pique-nique avec Mia à l’ombre d’un arbre.",
        "Pendant ce temps, le petit dinosaure et Mia croquent des pommes pendant le pique-nique.",
        "Tout à coup, le petit dinosaure et Mia pique-niquent sous le grand arbre.",
        "Le petit dinosaure joue dans la neige avec Mia.",
    ]
    assert french[-1] == "À la fin de la journée, le petit dinosaure et Mia frappent à la porte du château."


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_every_french_caption_fits_its_band(paper):
    """Whatever the hero, the places and the name, a French caption fits the
    colored page's caption band at one of its sizes, never cut off."""
    layout = Layout(PAPERS[paper])
    width_in, height_in = layout.width - 0.6, COLORED_HEAD - COLORED_PILL - 0.1
    themes = ("dinosaurs", "unicorns in space", "ocean", "a little owl in the library", "cars", "princess castle")
    for theme in themes:
        for seed in ("s1", "s2", "s3"):
            plan = book_plan(theme=theme, child_name="Marie-Charlotte", seed=seed, count=12, language="fr")
            for page in plan.pages:
                fitted = fitting.fit_text(
                    page.sentence,
                    font_file="Quicksand-Bold.ttf",
                    sizes=(21, 19, 17, 15, 13, 12, 11),
                    width_in=width_in,
                    height_in=height_in,
                    line_height=1.2,
                )
                assert len(fitted.lines) * fitted.size * 1.2 <= height_in * 72, page.sentence
                widest = max(fitting._width(line, "Quicksand-Bold.ttf") * fitted.size for line in fitted.lines)
                assert widest <= width_in * 72, page.sentence
                assert fitted.size >= 13, page.sentence


# Gemini --------------------------------------------------------------------------------


def test_gemini_plans_a_french_book_in_french_and_the_book_prints_its_captions(paid_order, fake_gemini):
    job = _made(paid_order, language="fr", child_name="Léa")

    [plan] = fake_gemini.calls(PLAN)
    assert "Write every scene in French" in plan.system
    assert json.loads(plan.prompt)["language"] == "French"
    captions = [page.scene for page in Page.objects.filter(job=job).order_by("index")]
    assert captions[0] == "Léa et ses amis se réveillent le matin : dinosaurs having a picnic"
    assert captions[9] == "Léa et ses amis regardent les étoiles : dinosaurs having a picnic"
    reader = _read(job)
    assert captions[0] in _text(reader, 2)
    assert "Dessin 1 sur 12" in _text(reader, 2)


def test_gemini_plans_an_english_book_as_before(paid_order, fake_gemini):
    job = _made(paid_order, child_name="Mia")

    [plan] = fake_gemini.calls(PLAN)
    assert "French" not in plan.system and "language" not in json.loads(plan.prompt)
    assert "You plan the pages of a children's coloring book." in plan.system
    assert (
        Page.objects.get(job=job, index=0).scene == "Mia and friends wake up in the morning: dinosaurs having a picnic"
    )


def test_a_french_theme_gets_its_hero_in_the_pictures_and_the_captions():
    theme, seed = "des licornes dans la forêt", "6f1c2a9e-order-token"

    french = book_plan(theme=theme, child_name="Léa", seed=seed, count=12, language="fr")
    english = book_plan(theme=theme, child_name="Léa", seed=seed, count=12)

    assert french.hero.key == "unicorn"
    assert french.pages[0].sentence.startswith("Un jour, la licorne ")
    assert "forest" in {page.setting for page in french.pages}
    # An English book reads its theme as before: no unicorn in these words.
    assert english.hero.key != "unicorn"
    # The French book's pictures draw the hero its captions name.
    drawn = page_shapes(theme=theme, child_name="Léa", seed=seed, age_group="kids", index=0, language="fr")
    plan_shapes = page_shapes(theme=theme, child_name="Léa", seed=seed, age_group="kids", index=0)
    assert drawn != plan_shapes


def test_an_english_theme_draws_the_same_pictures_in_both_languages():
    kwargs = {"theme": "dinosaurs having a picnic", "child_name": "", "seed": "s", "age_group": "kids"}

    for index in (0, 3, 11):
        assert page_shapes(**kwargs, index=index, language="fr") == page_shapes(**kwargs, index=index)
    assert cover_shapes(**kwargs, language="fr") == cover_shapes(**kwargs)


def test_a_french_scene_names_the_child_in_french_in_image_prompts():
    from generator.providers.gemini import color_prompt, line_art_prompt

    brief = Brief(theme="dinosaures", child_name="Léa", age_group="kids", seed="s", size=256, language="fr")
    scene = "Léa et ses amis regardent les étoiles"

    for prompt in (line_art_prompt(brief, scene), color_prompt(brief, scene)):
        assert "Léa" not in prompt
        assert "l’enfant et ses amis regardent les étoiles" in prompt
