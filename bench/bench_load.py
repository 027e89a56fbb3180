"""Books per hour on one 512 MB host with BOOK_WORKERS 1, 2 and 3, side by side
(`make bench-load`; a few minutes, so `make bench` leaves it out).

The whole container (`bin/start`: migrations, the web server and the worker) runs
in a memory cgroup limited to 512 MB, in production settings, with the Gemini
provider: the real google-genai SDK talks to the fake Gemini server
(tests/fakes/gemini.py), which answers each call after 20 to 45 s, as Google
does, divided by SCALE (printed), with 1536x2048 PNGs of 4 MB. Five orders
are paid in the same second; the run ends when the fifth is delivered.

For each BOOK_WORKERS: books delivered, when the fifth was delivered, books
per hour at the bench's scale, one book's own time (the median of the five,
claimed to stored PDF), the fifth's delivery as a multiple of the time of one
book made alone (the median book with BOOK_WORKERS=1; goal: at most 2x with
three), the cgroup's peak memory as the kernel counts it (memory.peak, page
cache included), the peak of anonymous memory, and OOM kills (must be 0).

What the scale does not shrink: decoding a 2048-pixel image and rendering the
PDF take the CPU the same time at any scale, so at /20 they weigh much more
than with real latencies, and the ratios here are the worst case:
`BENCH_LOAD_SCALE=5 BENCH_LOAD_WORKERS=1,3 make bench-load` is closer to
real calls (and four times longer).
"""

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_container import BOOKS, IMAGE_BYTES, LIMIT_MB, MemoryCgroup, container_run  # noqa: E402
from tests.fakes.gemini import FakeGemini  # noqa: E402
from tests.fakes.stripe import FakeStripe  # noqa: E402

# Google's image calls take 20 to 45 s; the bench divides by this.
SCALE = float(os.environ.get("BENCH_LOAD_SCALE", "20"))
REAL_LATENCY = (20.0, 45.0)
# BOOK_WORKERS measured, in order (the first is the "alone" reference: 1).
WORKERS = tuple(int(n) for n in os.environ.get("BENCH_LOAD_WORKERS", "1,2,3").split(","))


def run() -> None:
    why_not = MemoryCgroup.available()
    if why_not:
        print(f"skipped: {why_not}")
        return
    low, high = (seconds / SCALE for seconds in REAL_LATENCY)
    gemini = FakeGemini().start()
    gemini.latency, gemini.latency_max = low, high
    gemini.image_long_side = 2048
    gemini.image_bytes = IMAGE_BYTES
    stripe = FakeStripe().start()
    print(
        f"{BOOKS} orders paid in the same second; the container (web + worker) in a {LIMIT_MB} MB memory cgroup;"
        f" Gemini provider, fake server answering in {REAL_LATENCY[0]:.0f}-{REAL_LATENCY[1]:.0f} s / {SCALE:g}"
        f" = {low:.2f}-{high:.2f} s a call, 1536x2048 PNGs of {IMAGE_BYTES / 1e6:.0f} MB"
    )
    print(
        f"{'BOOK_WORKERS':>12} {'delivered':>9} {'5th done':>8} {'books/h':>7} {'1 book':>7}"
        f" {'5th/alone':>9} {'peak':>7} {'anon':>7} {'OOM':>4}"
    )
    alone = None
    try:
        for workers in WORKERS:
            r = container_run(workers, gemini, stripe, previews=0)
            book = statistics.median(r["book_seconds"]) if r.get("book_seconds") else float("nan")
            if alone is None:
                alone = book  # BOOK_WORKERS=1: each book made alone
            per_hour = r["delivered"] / r["seconds"] * 3600
            print(
                f"{workers:>12} {r['delivered']:>7}/{BOOKS} {r['seconds']:>7.0f}s {per_hour:>7.0f}"
                f" {book:>6.0f}s {r['seconds'] / alone:>8.1f}x {r['peak_mb']:>4.0f} MB"
                f" {r['anon_peak_mb']:>4.0f} MB {r['oom_kills']:>4}",
                flush=True,
            )
    finally:
        gemini.stop()
        stripe.stop()
    print(
        f"books/h at the bench's scale (x{SCALE:g} latencies); '5th/alone': the fifth delivery over one book made"
        " alone (BOOK_WORKERS=1); peak: memory.peak of the cgroup; anon: anonymous memory, sampled every 0.1 s"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookshop.settings")
    run()
