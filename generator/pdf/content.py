"""What a book shows, as plain data: the renderer's input."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SceneSource:
    caption: str
    colored: str  # storage names
    line_art: str


@dataclass(frozen=True)
class BookContent:
    """Everything a book shows, as plain data."""

    title: str
    child_name: str
    paper_size: str
    scenes: list[SceneSource] = field(default_factory=list)
    # The cover's own picture (a storage name); without one, the cover shows
    # scene 1's colored picture.
    cover: str = ""
    # The message printed under "This book belongs to": at most a few lines
    # joined by newlines, untrusted text like the name.
    dedication: str = ""
    # The language of the book's own words and captions ("en" or "fr").
    language: str = "en"
