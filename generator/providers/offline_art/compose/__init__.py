"""From an order to pages: who the hero is, where each page happens, what is
drawn there and the sentence that goes with it.

Every choice comes from `random.Random` instances seeded from a SHA-256 of the
order's seed and theme (and the page index for a page), so the same order
always gets the same book, and two orders get different ones.

- seeding: `seeded_random`, the seeded random generators all choices come from.
- heroes: which character is the hero of a theme (HERO_WORDS, FALLBACK_HEROES, hero_for).
- stage: the drawing stage (`Stage`), its placement helpers and page constants (DETAIL, LINE, HERO_HEIGHT).
- sentences: the caption templates of each setting and variant, and how they are filled in.
- themes: the recognized themes (space, knitting, owls...), the hero each suggests and
  the settings most of its pages happen in.
- scenes: the scene drawings (meadow, beach, space...) and the `Setting` registry.
- scenes_more: the drawings of the themed settings (library, knitting corner, kitchen,
  music room, farm, train, jungle, sports field).
- plan: the book plan (BookPlan, PagePlan, book_plan) and the shapes of one page (page_shapes).
"""
