"""The URL fetcher WeasyPrint renders the book with: it may read only the
files in the folders it is given (the images prepared for this book and the
fonts shipped in static/fonts).

Every other URL (a hostile name smuggling `<img src="file:///etc/passwd">`, a
web address) is refused, and with fail_on_errors set a refused or failed
fetch stops the render.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

MIME_TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


def fetcher_class():
    """The fetcher class. WeasyPrint is imported when this is called (by a
    render), not when this module is."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class BookFetcher(URLFetcher):
        """Serves files from a few folders and nothing else. Any other URL is
        refused, and since fail_on_errors is set, stops the render."""

        def __init__(self, roots: list[Path]) -> None:
            super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
            self.roots = [root.resolve() for root in roots]
            self.fetched: list[str] = []
            self.refused: list[str] = []

        def _path(self, url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                return None
            path = Path(unquote(parts.path)).resolve()
            if path.suffix not in MIME_TYPES or not path.is_file():
                return None
            if not any(path.is_relative_to(root) for root in self.roots):
                return None
            return path

        def fetch(self, url, headers=None):
            path = self._path(url)
            if path is None:
                self.refused.append(url)
                raise ValueError(f"not one of the book's files: {url[:200]}")
            self.fetched.append(url)
            return URLFetcherResponse(path.as_uri(), path.open("rb"), {"Content-Type": MIME_TYPES[path.suffix]})

    return BookFetcher
