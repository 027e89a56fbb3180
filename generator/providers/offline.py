"""The offline provider: picture-book pages drawn locally with Pillow.

A real provider behind the same interface as Gemini, used whenever there is no
API key: the book's hero comes from the theme (a dinosaur for "dinosaurs
having a picnic"), each of the twelve pages puts it somewhere else (a meadow,
the beach, a starry night...) and the scene sentence says what happens there.
Everything follows from the order's seed, so the same order always gets the
same book, byte for byte. The drawing code lives in `offline_art/`.

Each page is a list of shapes: the line art draws their outlines on white,
the colored reference fills the same shapes and lays the same outlines on
top, so the two always match.
"""

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from generator.providers.base import Brief, ImageProvider
from generator.providers.offline_art import render
from generator.providers.offline_art.compose.plan import book_plan, cover_shapes, page_shapes
from generator.providers.offline_art.geometry import Shape


class _Drawer:
    """One drawing thread per process.

    Drawing is CPU work that holds the GIL, so threads would not draw any
    faster; but every thread that allocates pixels gets its own malloc arena,
    which keeps its ~35 MB peak after the page is done (measured: +215 MB with
    six threads against +40 MB with one). So callers hand the drawing to one
    thread and wait, while the simulated latency still overlaps. The thread is
    made lazily, and made anew in a forked child (django-q2 forks its
    workers), where the parent's thread does not exist.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def run(self, fn: Callable[[], bytes]) -> bytes:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="offline-drawing")
            future = self._pool.submit(fn)
        return future.result()


_drawer = _Drawer()
os.register_at_fork(after_in_child=_drawer._reset)


class OfflineProvider(ImageProvider):
    name = "offline"

    def _call(self) -> None:
        self.usage.count()
        if settings.OFFLINE_IMAGE_LATENCY > 0:
            time.sleep(settings.OFFLINE_IMAGE_LATENCY)

    def plan_scenes(self, brief: Brief, count: int) -> list[str]:
        plan = book_plan(
            theme=brief.theme, child_name=brief.child_name, seed=brief.seed, count=count, language=brief.language
        )
        return [page.sentence for page in plan.pages]

    def draw_line_art(self, brief: Brief, scene: str, index: int) -> bytes:
        self._call()
        return _drawer.run(lambda: render.line_art_png(*_page(brief, index, brief.size)))

    def draw_cover(self, brief: Brief) -> bytes:
        self._call()

        def draw() -> bytes:
            shapes, line = cover_shapes(
                theme=brief.theme,
                child_name=brief.child_name,
                seed=brief.seed,
                age_group=brief.age_group,
                appearance=brief.appearance,
                language=brief.language,
            )
            return render.colored_jpeg(shapes, brief.size, line)

        return _drawer.run(draw)

    def color_page(self, brief: Brief, scene: str, index: int, line_art: bytes) -> bytes:
        # The shapes are drawn again from the book's seed (their fills), and
        # the outlines are the line art's own pixels when it is this
        # provider's PNG: the same ink, without drawing every stroke again.
        self._call()

        def draw() -> bytes:
            ink = render.ink_from_line_art(line_art, brief.size)
            return render.colored_jpeg(*_page(brief, index, brief.size), ink=ink)

        return _drawer.run(draw)


def _page(brief: Brief, index: int, size: int) -> tuple[list[Shape], int, float]:
    shapes, line = page_shapes(
        theme=brief.theme,
        child_name=brief.child_name,
        seed=brief.seed,
        age_group=brief.age_group,
        index=index,
        appearance=brief.appearance,
        language=brief.language,
    )
    return shapes, size, line
