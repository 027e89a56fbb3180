"""The book's PDF, rendered by WeasyPrint from templates/book/book.html.

WeasyPrint may read only the images prepared for this book: every other URL
(a hostile name smuggling `<img src="file:///etc/passwd">`, a web address) is
refused by the fetcher.
"""

import tempfile
from pathlib import Path

from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from generator.models import Job


class RenderError(Exception):
    pass


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class BookFetcher(URLFetcher):
        """Serves files from one folder and nothing else."""

        def __init__(self, root: Path) -> None:
            super().__init__(allowed_protocols={"file"})
            self.root = root.resolve()
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = Path(url.removeprefix("file://")).resolve()
            if not url.startswith("file://") or not path.is_relative_to(self.root) or not path.is_file():
                self.refused.append(url)
                raise ValueError(f"not one of the book's images: {url}")
            mime = "image/jpeg" if path.suffix == ".jpg" else "image/png"
            return URLFetcherResponse(url, path.open("rb"), {"Content-Type": mime})

    return BookFetcher


def book_render(*, job: Job) -> bytes:
    import weasyprint

    order = job.order
    with tempfile.TemporaryDirectory(prefix="book-") as folder:
        root = Path(folder)
        pages = []
        for page in job.pages.order_by("index"):
            files = {}
            for kind in ("colored", "line_art"):
                stored = getattr(page, kind)
                target = root / f"{page.index:02d}-{kind}{Path(stored.name).suffix}"
                with default_storage.open(stored.name, "rb") as source, target.open("wb") as out:
                    out.write(source.read())
                files[kind] = target.as_uri()
            pages.append({"scene": page.scene, **files})
        html = render_to_string(
            "book/book.html", {"order": order, "pages": pages, "cover": pages[0]["colored"] if pages else ""}
        )
        fetcher = _fetcher_class()(root)
        try:
            return weasyprint.HTML(string=html, base_url=str(root), url_fetcher=fetcher).write_pdf()
        except weasyprint.urls.FatalURLFetchingError as exc:  # a BaseException: never let it reach the worker
            raise RenderError(f"PDF rendering stopped: {exc}") from None
