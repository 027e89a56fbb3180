"""The dashboard's advice on BOOK_WORKERS quotes what `make bench-load`
measured (generator/capacity.py), whatever those figures are."""

import pytest

from generator import capacity, selectors

pytestmark = pytest.mark.django_db


def test_advice_quotes_the_measured_figures_and_stops_at_what_was_measured(settings):
    best = capacity.most_that_fit(512)
    assert best is not None and best.oom_kills == 0
    settings.BOOK_WORKERS, settings.HOST_MEMORY_MB = 1, 512
    text = selectors._recommendation(6, 300, 140, 90, 512)
    assert "Raise BOOK_WORKERS (now 1) to" in text
    assert f"peaked at {best.peak_mb} MB" in text
    assert f"{best.fifth_over_alone:.1f}x one book's time" in text
    assert "peaks at 140 MB" in text
    settings.BOOK_WORKERS = best.book_workers
    text = selectors._recommendation(6, 300, 140, 90, 512)
    assert "add a worker host" in text
    # A host smaller than the bench's: no measured figure to quote.
    settings.BOOK_WORKERS = 1
    assert capacity.most_that_fit(256) is None
    assert "add a worker host" in selectors._recommendation(6, 300, 140, 90, 256)
