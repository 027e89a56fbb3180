"""Random generators seeded from a book's seed (its job's token): the same parts give the same
choices."""

import hashlib
import random


def seeded_random(*parts: object) -> random.Random:
    """A `random.Random` seeded from a SHA-256 of `parts` (an order's seed,
    its theme, a page index...)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))
