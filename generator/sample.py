"""A sample book's content from the offline provider, with no order, no
database and no network: for `manage.py make_sample` and the benchmark."""

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from generator.imagetypes import image_type
from generator.pdf.content import BookContent, SceneSource
from generator.providers import Appearance, Brief
from generator.providers.offline import OfflineProvider
from generator.text import book_title

SAMPLE_THEME = "dinosaurs having a picnic"
SAMPLE_NAME = "Mia"


def sample_content_make(
    *,
    storage: Storage,
    theme: str = SAMPLE_THEME,
    child_name: str = SAMPLE_NAME,
    paper_size: str = "letter",
    age_group: str = "kids",
    size: int = 2048,
    seed: str = "sample-book",
    dedication: str = "",
    appearance: Appearance | None = None,
) -> BookContent:
    """Draws the cover's picture and the 24 images into `storage` and returns
    what a book shows."""
    brief = Brief(
        theme=theme,
        child_name=child_name,
        age_group=age_group,
        seed=seed,
        size=size,
        appearance=appearance or Appearance(),
    )
    provider = OfflineProvider()
    captions = provider.plan_scenes(brief, settings.BOOK_SCENES)

    def draw(index: int) -> SceneSource:
        line_art = provider.draw_line_art(brief, captions[index], index)
        colored = provider.color_page(brief, captions[index], index, line_art)
        names = {}
        for kind, data in (("line_art", line_art), ("colored", colored)):
            name = f"sample/{seed}/{index + 1:02d}-{kind}.{image_type(data).extension}"
            if storage.exists(name):
                storage.delete(name)
            names[kind] = storage.save(name, ContentFile(data))
        return SceneSource(caption=captions[index], colored=names["colored"], line_art=names["line_art"])

    def save(name: str, data: bytes) -> str:
        if storage.exists(name):
            storage.delete(name)
        return storage.save(name, ContentFile(data))

    with ThreadPoolExecutor(max_workers=4) as pool:
        cover = pool.submit(provider.draw_cover, brief)
        scenes = list(pool.map(draw, range(len(captions))))
        cover_name = save(f"sample/{seed}/00-cover.jpg", cover.result())
    return BookContent(
        title=book_title(theme),
        child_name=child_name,
        paper_size=paper_size,
        scenes=scenes,
        dedication=dedication,
        cover=cover_name,
    )
