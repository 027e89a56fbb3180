"""The sentence catalogue: two caption templates for each variant of each
setting, and how a template is filled in with the hero and the child's name,
in English or (with sentences_fr's catalogue) in French."""

import re

from generator.providers.offline_art.characters import Character
from generator.providers.offline_art.compose.sentences_fr import HEROES_FR, MOVES_FR

# Setting -> variant -> two templates. {hero} is the hero ("the little
# dinosaur"), {pal} the child ("Mia", else "a friend"), {pals} its possessive
# and {moves} how the hero gets about.
SENTENCES: dict[str, dict[str, tuple[str, str]]] = {
    "meadow": {
        "flowers": (
            "{hero} picks flowers with {pal} in a sunny meadow",
            "{hero} and {pal} smell the flowers on a warm spring day",
        ),
        "butterflies": (
            "{hero} chases butterflies with {pal} across the meadow",
            "{hero} says hello to the butterflies on the hill",
        ),
        "kite": (
            "{hero} flies a kite with {pal} on a windy hill",
            "{hero} and {pal} watch a kite dance in the sky",
        ),
        "grass": ("{hero} rolls down a grassy hill with {pal}", "{hero} and {pal} lie in the soft grass"),
    },
    "picnic": {
        "basket": (
            "{hero} shares a picnic basket with {pal} under a shady tree",
            "{hero} unpacks a yummy picnic with {pal}",
        ),
        "apples": (
            "{hero} and {pal} munch on apples at a picnic",
            "{hero} sets out a picnic blanket for {pal}",
        ),
        "lunch": ("{hero} and {pal} eat lunch on the grass", "{hero} shares a snack with {pal} on the blanket"),
        "shade": ("{hero} rests in the shade after the picnic", "{hero} and {pal} picnic under the big tree"),
    },
    "beach": {
        "sandcastle": (
            "{hero} builds a sandcastle with {pal} at the beach",
            "{hero} and {pal} make the tallest sandcastle ever",
        ),
        "sailboat": (
            "{hero} waves at a sailboat from the sunny beach",
            "{hero} and {pal} watch the boats sail by",
        ),
        "shells": (
            "{hero} collects seashells with {pal} by the sea",
            "{hero} finds a starfish on the sand with {pal}",
        ),
        "sand": ("{hero} and {pal} play in the warm sand", "{hero} {moves} along the beach with {pal}"),
    },
    "underwater": {
        "reef": (
            "{hero} explores a colorful coral reef with {pal}",
            "{hero} {moves} through the swaying seaweed",
        ),
        "treasure": (
            "{hero} finds a treasure chest at the bottom of the sea",
            "{hero} and {pal} open a sunken treasure chest",
        ),
        "jellyfish": (
            "{hero} makes friends with a jolly jellyfish",
            "{hero} and {pal} wave to the jellyfish",
        ),
        "bubbles": (
            "{hero} blows bubbles with {pal} under the sea",
            "{hero} plays hide and seek with {pal} under the sea",
        ),
        "shells": (
            "{hero} finds starfish and shells on the sea floor",
            "{hero} and {pal} count the shells on the sandy sea floor",
        ),
    },
    "waves": {
        "jump": ("{hero} leaps over the sparkling waves", "{hero} splashes in the waves with {pal}"),
        "boat": ("{hero} {moves} beside {pals} little sailboat", "{hero} races a sailboat with {pal}"),
        "splash": ("{hero} and {pal} ride the big waves", "{hero} plays in the sea spray with {pal}"),
    },
    "night": {
        "moon": (
            "{hero} says goodnight to the moon with {pal}",
            "{hero} and {pal} watch the moon rise over the hills",
        ),
        "stars": ("{hero} counts the stars with {pal}", "{hero} makes a wish on a twinkling star"),
        "house": (
            "{hero} {moves} home with {pal} under the starry sky",
            "{hero} visits {pals} cozy house at night",
        ),
        "hills": ("{hero} and {pal} listen to the quiet night", "{hero} says goodnight to the sleepy hills"),
    },
    "space": {
        "planets": ("{hero} zooms past the planets with {pal}", "{hero} visits a ringed planet with {pal}"),
        "moonwalk": (
            "{hero} bounces across the moon with {pal}",
            "{hero} and {pal} explore the craters of the moon",
        ),
        "stars": ("{hero} makes a wish among the stars", "{hero} and {pal} float among the stars"),
        "comet": ("{hero} waves at a shooting comet with {pal}", "{hero} and {pal} race a comet across the sky"),
        "rocket": ("{hero} rides in a little rocket with {pal}", "{hero} and {pal} land their rocket on the moon"),
    },
    "launch": {
        "hills": ("{hero} blasts off over the green hills", "{hero} takes {pal} up into the sky"),
        "town": ("{hero} {moves} high above the town", "{hero} waves to {pal} from above the rooftops"),
        "rainbow": ("{hero} {moves} through the fluffy clouds", "{hero} and {pal} race the clouds"),
    },
    "forest": {
        "mushrooms": (
            "{hero} finds spotty mushrooms in the forest with {pal}",
            "{hero} and {pal} count mushrooms under the tall trees",
        ),
        "trees": ("{hero} goes for a walk in the woods with {pal}", "{hero} explores the forest with {pal}"),
        "path": ("{hero} and {pal} follow a forest path", "{hero} listens to the birds in the forest"),
        "pines": ("{hero} and {pal} find the tallest tree", "{hero} plays hide and seek among the trees"),
    },
    "town": {
        "houses": ("{hero} visits {pals} house in town", "{hero} says hello to the neighbors with {pal}"),
        "road": ("{hero} explores the town with {pal}", "{hero} goes down the busy street with {pal}"),
        "walk": ("{hero} and {pal} take a walk in town", "{hero} counts the houses on the street with {pal}"),
        "errands": ("{hero} goes shopping in town with {pal}", "{hero} and {pal} cross the street carefully"),
    },
    "castle": {
        "castle": (
            "{hero} visits a fairy-tale castle with {pal}",
            "{hero} and {pal} find a castle on the hill",
        ),
        "flags": ("{hero} joins a royal parade with {pal}", "{hero} waves hello from the castle garden"),
        "hill": ("{hero} climbs the hill to the castle with {pal}", "{hero} and {pal} pick flowers by the castle"),
        "towers": ("{hero} waves up at the castle towers", "{hero} and {pal} knock on the castle door"),
    },
    "party": {
        "balloons": ("{hero} holds a bunch of balloons at {pals} party", "{hero} brings balloons for {pal}"),
        "cake": ("{hero} brings a birthday cake for {pal}", "{hero} and {pal} share a yummy cake"),
        "gifts": ("{hero} opens presents with {pal}", "{hero} wraps a surprise present for {pal}"),
        "games": ("{hero} plays party games with {pal}", "{hero} and {pal} dance at the party"),
    },
    "rainbow": {
        "rainbow": (
            "{hero} spots a rainbow after the rain with {pal}",
            "{hero} and {pal} follow the rainbow",
        ),
        "puddles": ("{hero} splashes in puddles with {pal}", "{hero} and {pal} jump in the rain puddles"),
        "sky": ("{hero} and {pal} look up at the rainbow", "{hero} waves goodbye to the rain clouds"),
        "colors": (
            "{hero} counts the colors of the rainbow with {pal}",
            "{hero} and {pal} enjoy the sun after the rain",
        ),
    },
    "snow": {
        "snowman": ("{hero} builds a snowman with {pal}", "{hero} and {pal} give the snowman a scarf"),
        "snowflakes": ("{hero} catches snowflakes with {pal}", "{hero} plays in the snow with {pal}"),
        "winter": ("{hero} and {pal} play on a snowy day", "{hero} leaves footprints in the fresh snow"),
        "pines": (
            "{hero} and {pal} look at the snowy mountains",
            "{hero} {moves} past the snowy pine trees with {pal}",
        ),
    },
    "library": {
        "shelves": ("{hero} looks for a story on the tall shelves", "{hero} and {pal} tiptoe between the bookshelves"),
        "reading": ("{hero} reads a picture book with {pal}", "{hero} turns the pages of a big book for {pal}"),
        "stack": ("{hero} carries a pile of books for {pal}", "{hero} and {pal} build a tower of books"),
        "lamp": ("{hero} reads by the lamp with {pal}", "{hero} and {pal} whisper in the quiet library"),
    },
    "knitting": {
        "yarn": ("{hero} rolls a ball of yarn to {pal}", "{hero} and {pal} pick the brightest yarn"),
        "needles": ("{hero} learns to knit with {pal}", "{hero} counts the stitches with {pal}"),
        "scarf": ("{hero} knits a long striped scarf for {pal}", "{hero} and {pal} knit by the window"),
        "armchair": ("{hero} rests by the cosy armchair with {pal}", "{hero} and {pal} untangle the yarn"),
    },
    "kitchen": {
        "pot": ("{hero} stirs a pot of soup with {pal}", "{hero} and {pal} cook a yummy lunch"),
        "cupcakes": ("{hero} bakes cupcakes with {pal}", "{hero} and {pal} put cherries on the cupcakes"),
        "bread": ("{hero} bakes a loaf of bread with {pal}", "{hero} and {pal} smell the fresh bread"),
        "cake": ("{hero} frosts a big cake with {pal}", "{hero} and {pal} light the candles on the cake"),
    },
    "music": {
        "drum": ("{hero} plays the drum with {pal}", "{hero} and {pal} tap out a happy beat"),
        "guitar": ("{hero} strums a guitar for {pal}", "{hero} and {pal} sing a silly song"),
        "notes": ("{hero} watches the music notes float by", "{hero} and {pal} dance to the music"),
        "band": ("{hero} starts a band with {pal}", "{hero} and {pal} give a little concert"),
    },
    "farm": {
        "barn": ("{hero} visits the big red barn with {pal}", "{hero} and {pal} open the barn doors"),
        "hay": ("{hero} jumps in the hay with {pal}", "{hero} and {pal} rest by a haystack"),
        "apples": ("{hero} picks apples on the farm with {pal}", "{hero} and {pal} fill a basket with apples"),
        "garden": ("{hero} waters the farm garden with {pal}", "{hero} and {pal} walk along the farm fence"),
    },
    "train": {
        "ride": ("{hero} waves at the little train with {pal}", "{hero} and {pal} hear the train go choo-choo"),
        "long": ("{hero} counts the train cars with {pal}", "{hero} and {pal} watch a long train roll by"),
        "station": ("{hero} waits for the train with {pal}", "{hero} and {pal} wave to the engine driver"),
        "hills": ("{hero} watches the train climb the hills", "{hero} and {pal} follow the tracks to the mountains"),
    },
    "jungle": {
        "leaves": ("{hero} peeks through the jungle leaves", "{hero} and {pal} explore the green jungle"),
        "butterflies": ("{hero} spots jungle butterflies with {pal}", "{hero} and {pal} follow a butterfly"),
        "flowers": ("{hero} finds giant jungle flowers with {pal}", "{hero} and {pal} rest under the palm trees"),
        "vines": ("{hero} swings past the palm trees", "{hero} and {pal} listen to the jungle sounds"),
    },
    "camp": {
        "tent": ("{hero} puts up a tent with {pal}", "{hero} and {pal} peek out of the tent"),
        "campfire": ("{hero} sits by the campfire with {pal}", "{hero} and {pal} toast marshmallows"),
        "stars": ("{hero} and {pal} watch the stars from the camp", "{hero} tells stories under the stars"),
        "hike": ("{hero} and {pal} come back from a hike", "{hero} gathers sticks for the campfire"),
    },
    "sports": {
        "kick": ("{hero} kicks the ball with {pal}", "{hero} and {pal} practise their kicks"),
        "catch": ("{hero} catches the ball from {pal}", "{hero} and {pal} throw the ball high"),
        "goal": ("{hero} scores a goal with {pal}", "{hero} and {pal} cheer for the goal"),
        "match": ("{hero} plays a match with {pal}", "{hero} and {pal} run across the field"),
    },
}

MOVES = {"fish": "swims", "rocket": "flies", "car": "drives", "dragon": "flies", "owl": "flies"}


def fill_sentence(template: str, hero: Character, name: str) -> str:
    """`template` with the hero's noun, the child's `name` (or "a friend") and
    the hero's way of moving filled in."""
    pal_name = name or "a friend"
    pals = f"{name}'s" if name else "a friend's"
    text = template.format(hero=f"the {hero.noun}", pal=pal_name, pals=pals, moves=MOVES.get(hero.key, "walks"))
    return text


# French elides "de" before a vowel or a mute h: "d’Emma", "d’Hugo".
_ELIDES = set("aàâäeéèêëiîïoôöuùûüyhæœAÀÂÄEÉÈÊËIÎÏOÔÖUÙÛÜYHÆŒ")
_GENDERED = re.compile(r"\[([^|\]]*)\|([^\]]*)\]")


def fill_sentence_fr(template: str, hero: Character, name: str) -> str:
    """A French template (sentences_fr) filled in: the hero with its article,
    the child's `name` (or "un ami"), "de" before it elided as French writes
    it, the hero's way of moving, and words agreeing with the hero's gender."""
    noun, gender = HEROES_FR[hero.key]
    of = "d’" if (name or "un")[0] in _ELIDES else "de "
    de_pal = f"{of}{name or 'un ami'}"
    template = _GENDERED.sub(lambda match: match[2] if gender == "f" else match[1], template)
    return template.format(hero=noun, pal=name or "un ami", de_pal=de_pal, moves=MOVES_FR.get(hero.key, "se promène"))
