"""What one host can do, as `make bench-load` (bench/bench_load.py) measured
it: the one place the dashboard's advice (generator/selectors.py) takes its
figures from. Copied from the bench's table (README, Measured); run the bench
again and copy its rows here when the pipeline or the host changes.

The bench: the whole container (web + worker) in a 512 MB memory cgroup,
the Gemini provider answering in 20 to 45 s a call (scaled down by
BENCH_SCALE), 1536x2048 images, five orders paid in the same second.
"""

from dataclasses import dataclass

BENCH_HOST_MB = 512
BENCH_SCALE = 20


@dataclass(frozen=True)
class Measured:
    book_workers: int
    peak_mb: int  # the cgroup's memory.peak: web, worker and page cache
    oom_kills: int
    fifth_over_alone: float  # the fifth of five orders delivered, over one book alone
    books_per_hour: int  # at the bench's scale (latencies / BENCH_SCALE)


MEASURED: tuple[Measured, ...] = (
    Measured(book_workers=1, peak_mb=341, oom_kills=0, fifth_over_alone=5.0, books_per_hour=235),
    Measured(book_workers=2, peak_mb=370, oom_kills=0, fifth_over_alone=3.6, books_per_hour=332),
    Measured(book_workers=3, peak_mb=382, oom_kills=0, fifth_over_alone=2.9, books_per_hour=409),
)


def measured(book_workers: int) -> Measured | None:
    return next((row for row in MEASURED if row.book_workers == book_workers), None)


def most_that_fit(host_mb: int) -> Measured | None:
    """The most books at once measured to run on a host of `host_mb` with no
    process killed for memory; None for a host smaller than the bench's."""
    if host_mb < BENCH_HOST_MB:
        return None
    return max((row for row in MEASURED if row.oom_kills == 0), key=lambda row: row.book_workers, default=None)
