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


# A French book's theme may be written in French: its words, and the English
# words the patterns above know them by ("des licornes" is about unicorns).
# Only French books read them, so an English book's theme is matched as before.
FRENCH_WORDS: tuple[tuple[str, str], ...] = (
    (r"\bdinosaures?\b", "dinosaurs"),
    (r"\blicornes?\b|\bponeys?\b", "unicorns"),
    (r"\bchat(on)?s?\b|\bminous?\b", "cats kittens"),
    (r"\bchiens?\b|\bchiots?\b", "dogs puppies"),
    (r"\blapins?\b|\bpâques\b", "bunnies"),
    (r"\bnounours\b|\bpeluches?\b|\bjouets?\b", "teddy toys"),
    (r"\bours(ons?)?\b", "bears"),
    (r"\bpoissons?\b", "fish"),
    (r"\bfusées?\b|\bvaisseaux?\b", "rockets"),
    (r"\bvoitures?\b|\bcamions?\b|\bbus\b", "cars trucks"),
    (r"\bchouettes?\b|\bhiboux?\b|\boiseaux?\b", "owls birds"),
    (r"\bprincesses?\b|\breines?\b|\bfées?\b", "princess fairies"),
    (r"\bchevaliers?\b|\bchâteaux?\b|\broyaume\b", "castles knights"),
    (r"\bespace\b|\bplanètes?\b|\bastronautes?\b|\bgalaxies?\b|\blune\b", "space planets"),
    (r"\bmers?\b|\bocéans?\b|\bsous-marin|\bsirènes?\b|\brequins?\b|\bbaleines?\b|\bdauphins?\b", "ocean sea"),
    (r"\bplages?\b|\bcoquillages?\b", "beach seashells"),
    (r"\bpirates?\b|\btrésors?\b", "pirates treasure"),
    (r"\bfermes?\b|\btracteurs?\b|\bvaches?\b|\bcochons?\b|\bmoutons?\b|\bpoules?\b", "farm"),
    (r"\btrains?\b|\blocomotives?\b", "trains"),
    (r"\bjungle\b|\bsinges?\b|\bperroquets?\b|\blions?\b|\bgirafes?\b|\béléphants?\b|\bzoo\b", "jungle zoo"),
    (r"\btricot|\blaine\b|\bcouture\b|\bmamie\b|\bpapi\b|\bgrand-m[èe]re\b|\bgrand-p[èe]re\b", "knitting grandma"),
    (r"\bbibliothèques?\b|\blivres?\b|\blecture\b|\bhistoires?\b", "library books"),
    (r"\bécole\b|\bclasse\b|\bmaîtresse\b|\balphabet\b", "school"),
    (r"\bcuisine\b|\bcuisiner\b|\bchefs?\b|\bsoupe\b", "cooking kitchen"),
    (r"\bgâteaux?\b|\bpâtisserie\b|\bbiscuits?\b|\bpain\b|\bboulangerie\b", "baking cupcakes"),
    (r"\bmusique\b|\bchansons?\b|\bchanter\b|\bdanse\b|\bguitare\b|\bpiano\b|\btambours?\b", "music"),
    (r"\bsports?\b|\bfoot(ball)?\b|\bballons? de foot\b|\bbasket\b", "sports soccer"),
    (r"\binsectes?\b|\bcoccinelles?\b|\bpapillons?\b|\babeilles?\b|\bchenilles?\b", "bugs butterflies"),
    (r"\bjardins?\b|\bfleurs?\b|\bprintemps\b", "garden flowers"),
    (r"\bpluie\b|\bflaques?\b|\barc-en-ciel\b|\bparapluies?\b|\borages?\b|\bmétéo\b", "rain rainbows"),
    (r"\bneige\b|\bhiver\b|\bluge\b|\bski\b", "snow winter"),
    (r"\bnoël\b|\bpère noël\b|\bhalloween\b|\bvacances\b", "holidays christmas"),
    (r"\banniversaire\b|\bfêtes?\b|\bcadeaux?\b|\bballons?\b", "birthday party"),
    (r"\bpompiers?\b|\bpolice\b", "firefighters"),
    (r"\bchantiers?\b|\bpelleteuses?\b|\bgrues?\b|\bbulldozers?\b", "construction diggers"),
    (r"\bcamping\b|\btentes?\b|\bforêts?\b|\bbois\b|\brandonnées?\b", "camping forest"),
    (r"\bnuit\b|\bbonne nuit\b|\bdodo\b|\bdormir\b|\brêves?\b|\bétoiles?\b", "night bedtime stars"),
    (r"\bvilles?\b|\brues?\b|\bmagasins?\b|\bvoisins?\b", "city town"),
    (r"\bpique-niques?\b", "picnic"),
    (r"\bdragons?\b", "dragons"),
    (r"\brobots?\b", "robots"),
    (r"\bmagie\b|\bmagiques?\b|\bbaguettes?\b", "magic"),
)


def theme_words(theme: str, language: str = "en") -> str:
    """What a theme is matched against: the theme itself, with a French
    book's French words followed by their English ones, where they stand."""
    if language != "fr":
        return theme
    words = theme.casefold()
    for pattern, english in FRENCH_WORDS:
        words = re.sub(pattern, lambda match, english=english: f"{match[0]} {english}", words)
    return words
