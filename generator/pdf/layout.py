"""Papers, variants and where things go on the book's pages, in inches."""

from dataclasses import dataclass

VARIANTS = ("home", "print")
# Most home printers cannot print the outer quarter inch; half an inch keeps
# every line on the paper and looks like a deliberate frame.
MARGIN_IN = 0.5
# The print-shop variant: a standard 1/8 in bleed, crop marks in it.
BLEED = "0.125in"


@dataclass(frozen=True)
class Paper:
    css: str
    width_in: float
    height_in: float


PAPERS = {"letter": Paper("letter", 8.5, 11.0), "a4": Paper("A4", 210 / 25.4, 297 / 25.4)}

# The pages' bands, top to bottom, in inches. Everything is placed from these
# and from the images' printed sizes, so no page can overflow onto another.
COVER_PADDING = (0.3, 0.35)  # inside the cover's dashed frame (vertical, horizontal)
COVER_KICKER = 0.35
COVER_TITLE = 2.5
COVER_FOR_LINE = 0.6
COVER_FOOT = 0.6
COLORED_HEAD = 1.35
COLORED_PILL = 0.35
COLORED_FOOT = 0.45
COLORING_HEAD = 0.45
COLORING_FOOT = 0.45
# The dedication page (inside the cover's padding): its heading, the name (or
# lines to write it on), a row of dots, then the message's card; the group is
# centered above the foot.
DEDICATION_HEAD = 0.8
DEDICATION_NAME = 1.3
DEDICATION_RULE = 0.5
DEDICATION_FOOT = 0.6
DEDICATION_CARD_PADDING = (0.25, 0.4)  # inside the message's card (vertical, horizontal)
DEDICATION_QUOTE = 0.35  # the card's opening quote mark
FRAME_BORDER = 5 / 72  # the colored pictures' 5 pt frame


@dataclass(frozen=True)
class Layout:
    """Where things go on a page of this paper, content box only (inside the margins)."""

    paper: Paper

    @property
    def width(self) -> float:
        return round(self.paper.width_in - 2 * MARGIN_IN, 3)

    @property
    def height(self) -> float:
        return round(self.paper.height_in - 2 * MARGIN_IN, 3)

    @property
    def cover_inner(self) -> tuple[float, float]:
        return self.width - 2 * COVER_PADDING[1], self.height - 2 * COVER_PADDING[0]

    @property
    def cover_art_band(self) -> tuple[float, float]:
        """(top, height) of the cover picture's band, inside the cover's padding."""
        top = COVER_KICKER + COVER_TITLE
        return top, self.cover_inner[1] - top - COVER_FOOT

    @property
    def cover_box(self) -> tuple[float, float]:
        return self.cover_inner[0] - 0.3 - 2 * FRAME_BORDER, self.cover_art_band[1] - 0.2 - 2 * FRAME_BORDER

    @property
    def dedication_group(self) -> float:
        """Height the dedication's group (heading to message card) may take."""
        return self.cover_inner[1] - 2 * DEDICATION_FOOT

    @property
    def dedication_message_box(self) -> tuple[float, float]:
        """Width and height of the message's text inside its card."""
        return (
            self.cover_inner[0] - 0.8 - 2 * DEDICATION_CARD_PADDING[1],
            self.dedication_group
            - DEDICATION_HEAD
            - DEDICATION_NAME
            - DEDICATION_RULE
            - DEDICATION_QUOTE
            - 2 * DEDICATION_CARD_PADDING[0],
        )

    @property
    def colored_band(self) -> tuple[float, float]:
        return COLORED_HEAD, self.height - COLORED_HEAD - COLORED_FOOT

    @property
    def colored_box(self) -> tuple[float, float]:
        return self.width - 0.4 - 2 * FRAME_BORDER, self.colored_band[1] - 0.3 - 2 * FRAME_BORDER

    @property
    def line_art_band(self) -> tuple[float, float]:
        return COLORING_HEAD, self.height - COLORING_HEAD - COLORING_FOOT

    @property
    def line_art_box(self) -> tuple[float, float]:
        return self.width, self.line_art_band[1] - 0.3


def centered(band: tuple[float, float], size: tuple[float, float], border: float = 0) -> dict:
    """Top (inches) and size of a picture centered vertically in a band (top, height)."""
    return {
        "top": round(band[0] + (band[1] - size[1] - 2 * border) / 2, 3),
        "width": size[0],
        "height": size[1],
    }
