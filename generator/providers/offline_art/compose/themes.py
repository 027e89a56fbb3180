"""The themes the offline provider recognizes: the words that name each one,
the settings where its pages happen and the hero it suggests.

A place or an activity ("in space", "in a library", "knitting") makes most
pages of the book happen there; a creature ("dinosaurs", "owls") suggests a
hero and, when the theme names no place, the places it fits in."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    key: str
    words: str  # a regular expression, matched against the casefolded theme
    settings: tuple[str, ...]  # where the book's pages mostly happen
    hero: str | None = None  # the hero it suggests when the theme names none
    place: bool = True  # a place or activity, rather than a creature


THEMES: tuple[Theme, ...] = (
    # Places and activities.
    Theme(
        "space", r"\bspace|astronaut|planets?\b|galax|\bmoon\b|rockets?|aliens?\b|comets?\b|🚀|🪐", ("space",), "rocket"
    ),
    Theme(
        "ocean",
        r"ocean|\bseas?\b|underwater|mermaids?|sharks?|whales?|coral|aquarium|dolphins?|🌊",
        ("underwater", "waves"),
        "fish",
    ),
    Theme("beach", r"beach|seaside|seashells?|sandcastles?|🏖", ("beach", "waves")),
    Theme("pirates", r"pirates?|treasure|shipwreck|🏴‍☠️", ("beach", "underwater")),
    Theme("farm", r"\bfarms?|barns?\b|tractors?|\bcows?\b|\bpigs?\b|sheep|chickens?|🐄|🐷", ("farm",)),
    Theme("castle", r"castles?|knights?|kingdom|fairy ?tales?|palace|🏰", ("castle",), "princess"),
    Theme("trains", r"\btrains?\b|railway|railroad|choo.?choo|locomotive|🚂|🚆", ("train",)),
    Theme("jungle", r"jungle|rain ?forest|tropical|monkeys?|safari|parrots?|🐒", ("jungle",)),
    Theme("zoo", r"\bzoos?\b|lions?\b|giraffes?|elephants?|tigers?|🦁", ("jungle",)),
    Theme("knitting", r"knit|yarn|\bwool|crochet|sewing|grand(ma|mother|pa|father)|granny", ("knitting",), "cat"),
    Theme("library", r"librar|\bbooks?\b|reading|bookworm|bedtime stor", ("library",), "owl"),
    Theme("school", r"school|classroom|teacher|alphabet|\babc\b|homework", ("library", "sports"), "owl"),
    Theme("cooking", r"\bcook|kitchen|\bchefs?\b|recipe|soup", ("kitchen",), "bear"),
    Theme("bakery", r"bak(e|er|ery|ing)|cupcakes?|cookies?|bread|muffins?|🧁", ("kitchen",), "bear"),
    Theme("music", r"music|\bsing|songs?\b|\bband\b|drums?\b|guitars?|piano|danc|🎵|🎶", ("music",)),
    Theme("sports", r"sports?\b|soccer|football|\bballs?\b|\bteams?\b|olympic|basketball|⚽", ("sports",)),
    Theme(
        "bugs", r"\bbugs?\b|insects?|beetles?|ladybugs?|butterfl|\bbees?\b|caterpillars?|🐞|🦋", ("meadow", "jungle")
    ),
    Theme("garden", r"garden|flowers?|blossom|\bspring\b|🌷|🌻", ("meadow", "farm")),
    Theme("weather", r"weather|\brain\b|rainy|umbrellas?|puddles?|storms?|rainbows?|🌈", ("rainbow", "snow")),
    Theme("winter", r"snow|winter|\bice\b|frozen|\bcold\b|\bski|sled|❄", ("snow",)),
    Theme("holidays", r"holiday|christmas|xmas|santa|easter|halloween|hanukkah|new year|🎄", ("snow", "party")),
    Theme("birthday", r"birthday|part(y|ies)|celebrat|balloons?|presents?\b|\bgifts?\b|🎂|🎈", ("party",)),
    Theme("vehicles", r"vehicles?|\bcars?\b|trucks?|\bbus(es)?\b|racing|🚗|🚙|🏎", ("town",), "car"),
    Theme("construction", r"construct|diggers?|excavators?|bulldozers?|cranes?\b|builders?", ("town",), "car"),
    Theme("firefighters", r"fire ?(fighter|truck|engine|station)s?|fire(man|men)|police", ("town",), "car"),
    Theme("camping", r"\bcamp|tents?\b|campfire|hik(e|es|ing)\b|\bforests?\b|\bwoods\b|⛺", ("camp", "forest")),
    Theme("bedtime", r"\bnights?\b|goodnight|bedtime|sleep|dreams?\b|starry|🌙", ("night",)),
    Theme("city", r"\bcity|\btowns?\b|streets?\b|\bshops?\b|neighbo", ("town",)),
    Theme("picnic", r"picnic|🧺", ("picnic",)),
    # Creatures: a hero, and the places it fits when the theme names none.
    Theme(
        "dinosaurs",
        r"dino|t-?rex|triceratops|stegosaur|brontosaur|jurassic|🦖|🦕",
        ("jungle", "forest"),
        "dinosaur",
        False,
    ),
    Theme("dragons", r"dragons?|🐉|🐲", ("castle", "forest"), "dragon", False),
    Theme("unicorns", r"unicorns?|pon(y|ies)|🦄", ("rainbow", "meadow", "castle"), "unicorn", False),
    Theme("fairies", r"\bfair(y|ies)\b|magic|wands?\b|🧚", ("castle", "forest", "meadow"), "princess", False),
    Theme("princesses", r"princess|queens?\b|👸", ("castle", "party"), "princess", False),
    Theme("robots", r"robots?|🤖", ("town", "space"), "robot", False),
    Theme("owls", r"\bowls?\b|\bbirds?\b|🦉|🐦", ("forest", "night"), "owl", False),
    Theme(
        "pets",
        r"\bpets?\b|\bcats?\b|kitt(en|ens|y|ies)|\bdogs?\b|pupp(y|ies)|🐱|🐶",
        ("town", "meadow", "picnic"),
        None,
        False,
    ),
    Theme("bunnies", r"bunn(y|ies)|rabbits?|🐰", ("meadow", "forest"), "bunny", False),
    Theme("bears", r"\bbears?\b|teddy|teddies|🐻|🧸", ("forest", "picnic"), None, False),
)


def themes_in(theme: str) -> list[Theme]:
    """The recognized themes named in `theme`, in the order they appear in it."""
    lowered = theme.casefold()
    found = [(match.start(), i) for i, t in enumerate(THEMES) if (match := re.search(t.words, lowered))]
    return [THEMES[i] for _, i in sorted(found)]


def home_settings(found: list[Theme]) -> list[str]:
    """Where most pages happen: the places the theme names, else the places
    its creatures fit in."""
    chosen = [t for t in found if t.place] or found
    keys: list[str] = []
    for t in chosen:
        keys += [key for key in t.settings if key not in keys]
    return keys


def suggested_hero(found: list[Theme]) -> str | None:
    """The hero a creature in the theme suggests, else one its place suggests."""
    for group in ([t for t in found if not t.place], [t for t in found if t.place]):
        for t in group:
            if t.hero:
                return t.hero
    return None
