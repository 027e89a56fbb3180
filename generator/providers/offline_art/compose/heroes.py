"""Which character is a book's hero: one named in the theme, else one a
place in the theme suggests, else a seeded pick among a few friendly ones."""

import re

from generator.providers.offline_art.characters import CHARACTERS, Character
from generator.providers.offline_art.compose.seeding import seeded_random

# Who the hero is. Creatures named in the theme win over places that suggest
# one (an "ocean" theme gets a fish unless it names another animal).
HERO_WORDS: tuple[tuple[str, str, bool], ...] = (
    ("dinosaur", r"dino|t-?rex|triceratops|stegosaur|brontosaur|jurassic|🦖|🦕", True),
    ("dragon", r"dragon|🐉|🐲", True),
    ("unicorn", r"unicorn|pon(y|ies)|horse|🦄|🐴", True),
    ("cat", r"\bcats?\b|kitt(en|ens|y|ies)|🐱|🐈", True),
    ("dog", r"\bdogs?\b|pupp(y|ies)|doggy|🐶|🐕", True),
    ("bunny", r"bunn(y|ies)|rabbits?|easter|🐰|🐇", True),
    ("teddy", r"teddy|teddies|\btoys?\b|🧸", True),
    ("bear", r"\bbears?\b|🐻", True),
    ("fish", r"\bfish|goldfish|🐟|🐠|🐡", True),
    ("rocket", r"rockets?|spaceships?|🚀", True),
    ("car", r"\bcars?\b|trucks?|\bbus\b|racing|race car|🚗|🏎|🚙", True),
    ("robot", r"robots?|🤖", True),
    ("princess", r"princess|queen|\bfair(y|ies)\b|👸|🧚", True),
    ("owl", r"\bowls?\b|\bbirds?\b|🦉|🐦", True),
    ("fish", r"ocean|\bseas?\b|underwater|mermaids?|sharks?|whales?|coral|aquarium|🌊", False),
    ("rocket", r"\bspace|astronaut|planets?|galax(y|ies)|🪐", False),
    ("princess", r"castles?|knights?|kingdom|fairy ?tale|🏰", False),
)
FALLBACK_HEROES = ("teddy", "bunny", "cat", "dog", "bear")


def hero_for(theme: str, seed: str, suggested: str | None = None, words: str | None = None) -> Character:
    """The creature the theme names, else the `suggested` one (from the
    recognized themes), else one its place suggests, else a seeded pick.
    `words` is what the theme is matched against (themes.theme_words) when
    not the theme itself."""
    lowered = (theme if words is None else words).casefold()
    for strong in (True, False):
        if not strong and suggested:
            return CHARACTERS[suggested]
        found = [
            (match.start(), key)
            for key, pattern, is_strong in HERO_WORDS
            if is_strong == strong and (match := re.search(pattern, lowered))
        ]
        if found:
            return CHARACTERS[min(found)[1]]
    return CHARACTERS[seeded_random(seed, theme, "hero").choice(FALLBACK_HEROES)]
