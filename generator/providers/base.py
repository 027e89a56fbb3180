"""What every image provider offers, and the errors it may raise."""

import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Appearance:
    """How the child drawn in the book looks. `kind` is "child", "girl" or
    "boy"; hair color ("black", "brown", "blonde", "red"), hair style
    ("short", "long", "curly", "ponytail") and skin tone ("1" light to "5"
    deep) are "" when the parent left them to us: the provider then picks
    one from the book's seed, the same on every page."""

    kind: str = "child"
    hair_color: str = ""
    hair_style: str = ""
    skin_tone: str = ""
    glasses: bool = False


@dataclass(frozen=True)
class Brief:
    """What a book is about. `seed` (the job's token) makes a provider's
    choices repeatable for the same book."""

    theme: str
    child_name: str
    age_group: str
    seed: str
    size: int
    appearance: Appearance = field(default_factory=Appearance)
    # The language captions are written in ("en" or "fr").
    language: str = "en"


class ProviderError(Exception):
    """A call failed. The message is for staff (admin, logs), never shown to
    customers. `permanent` errors are not worth another attempt of the job."""

    permanent = False


class ImageRefused(ProviderError):
    """A safety filter withheld the image, even for a softer prompt. Asking
    again with the same scene gets the same answer: the pipeline replaces
    a page's scene instead (`ImageProvider.replace_scene`), and fails the
    job only when that is not possible (a cover, a replacement refused too)."""

    permanent = True


class ScenesRefused(ProviderError):
    """The text model would not plan the book (a safety block on the theme or
    the name). The same brief would be blocked again: only staff, changing
    it with the customer, can get this book made."""

    permanent = True


class QuotaPaused(ProviderError):
    """A per-day quota ran out: no call is made until the quota's reset
    (generator/geministate.py). Not the job's fault: it goes back to the
    queue without counting an attempt, and waits there for the reset."""


class CallsStopped(Exception):
    """No more calls for this job: it was cancelled, refunded, taken over, or
    its worker is shutting down. Not a ProviderError: nothing failed."""


@dataclass
class Usage:
    """API calls made for one job, retries included: what a book cost.

    Every provider counts each HTTP call here just before making it, so this
    is also where calls stop: once `stop` is set, `count` raises CallsStopped
    and no further call, first try or retry, is made (or paid for). Calls
    already under way finish; the job stores what they return.

    What the answers cost is added here too (`bill`), in millionths of a US
    dollar: from the tokens Google counted in each answer, or, for an answer
    that says nothing of its tokens, an estimate (`estimated` counts those)."""

    calls: int = 0
    retries: int = 0
    cost_micros: int = 0
    estimated: int = 0
    stop: threading.Event | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, *, retry: bool = False) -> None:
        if self.stopped():
            raise CallsStopped("the job's calls were stopped")
        with self._lock:
            self.calls += 1
            if retry:
                self.retries += 1

    def bill(self, micros: int, *, estimated: bool = False) -> None:
        with self._lock:
            self.cost_micros += micros
            if estimated:
                self.estimated += 1

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def pause(self, seconds: float) -> None:
        """Sleep (a retry's backoff), waking at once when calls are stopped."""
        if self.stop is None:
            time.sleep(seconds)
        elif self.stop.wait(seconds):
            raise CallsStopped("the job's calls were stopped")


class ImageProvider(ABC):
    """Plans scenes and draws them. Methods are called from several threads
    at once (GENERATION_CONCURRENCY) and must be thread-safe; they return
    encoded image bytes (PNG or JPEG) and keep nothing."""

    name: str
    # Whether line art is drawn after the cover, with the cover's picture as
    # its reference (`reference_keep`): the pipeline then holds line art
    # until the cover is there (or failed).
    draws_from_cover = False

    def __init__(self, usage: Usage | None = None) -> None:
        self.usage = usage or Usage()

    def reference_keep(self, brief: Brief, image: bytes) -> None:  # noqa: B027 - most providers need none
        """The book's cover picture, to draw the later line art from."""

    @abstractmethod
    def plan_scenes(self, brief: Brief, count: int) -> list[str]:
        """`count` one-sentence scene descriptions for the book."""

    @abstractmethod
    def draw_line_art(self, brief: Brief, scene: str, index: int) -> bytes:
        """Black outlines on white, closed shapes to color, no shading."""

    @abstractmethod
    def draw_cover(self, brief: Brief) -> bytes:
        """The cover's colored picture: the hero and the child in the
        book's world, not one of the scenes."""

    @abstractmethod
    def color_page(self, brief: Brief, scene: str, index: int, line_art: bytes) -> bytes:
        """The same drawing, colored: the reference for the coloring page."""

    def replace_scene(self, brief: Brief, scenes: list[str], blocked: str, index: int) -> str:
        """One new scene for page `index`, whose scene `blocked` was refused
        (ImageRefused): the same story and child, different from `blocked`
        and from `scenes`, the book's other scenes. Only providers that may
        refuse an image need it; without it the refusal stands."""
        raise ImageRefused(f"the {self.name} provider cannot write another scene")
