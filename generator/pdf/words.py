"""The book's own words (cover, dedication, pages, closing page), in the
book's language: translated with the factory's catalogue
(generator/locale/), whatever language the worker's thread speaks.

They live here rather than in templates/book/book.html so that they land in
the factory's own catalogue; the template prints them as text (autoescaped),
like every other value it is given."""

from django.utils import translation
from django.utils.translation import npgettext, pgettext

FALLBACK = "en"


def book_language(language: str) -> str:
    """`language` when the shop speaks it, else English."""
    from django.conf import settings

    return language if language in dict(settings.LANGUAGES) else FALLBACK


def book_words(language: str, *, title: str, child_name: str, scene_count: int) -> dict:
    """Every word the book prints around the customer's texts, in `language`."""
    with translation.override(book_language(language)):
        # "for Mia" on the cover, split around the name (printed in its own color).
        for_name = pgettext("book", "for %(name)s") % {"name": "\0"}
        for_before, _, for_after = for_name.partition("\0")
        if child_name:
            document_title = pgettext("book", "%(title)s for %(name)s: a coloring book") % {
                "title": title,
                "name": child_name,
            }
            made = pgettext("book", "Made especially for %(name)s") % {"name": child_name}
        else:
            document_title = pgettext("book", "%(title)s: a coloring book") % {"title": title}
            made = ""
        count = {"count": scene_count}
        description = npgettext(
            "book",
            "A coloring book with %(count)d picture to color.",
            "A coloring book with %(count)d pictures to color.",
            scene_count,
        )
        pictures = npgettext("book", "%(count)d picture to color", "%(count)d pictures to color", scene_count)
        return {
            "lang": translation.get_language(),
            "document_title": document_title,
            "description": description % count,
            "kicker": pgettext("book", "A coloring book"),
            "for_before": for_before,
            "for_after": for_after,
            "for_line": f"{for_before}{child_name}{for_after}",
            "pictures": pictures % count,
            "dedication_head": pgettext("book", "This book belongs to"),
            "hint": pgettext("book", "Color it like this, or pick your very own colors!"),
            "signature": pgettext("book", "Colored by"),
            "closing_head": pgettext("book", "This is me!"),
            "portrait_label": pgettext("book", "Draw yourself here!"),
            "made": made,
            # The pill above each colored picture, "Picture 3 of 12": a
            # pattern the renderer fills in for each scene.
            "pill": pgettext("book", "Picture %(number)d of %(count)d"),
        }


def scene_pill(words: dict, number: int, scene_count: int) -> str:
    return words["pill"] % {"number": number, "count": scene_count}
