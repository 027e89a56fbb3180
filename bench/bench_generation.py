"""One book's generation, measured in fresh processes side by side.

1. Wall time of a whole book (pages, PDF, delivery) with the offline provider
   waiting OFFLINE_IMAGE_LATENCY seconds per image call, first with
   GENERATION_CONCURRENCY=1 and then with the default: the ratio is what
   pipelining buys. Target: at least 4x.
2. Peak resident memory of the process that generates and renders a book of
   2048-pixel images: the figure that decides how many books fit in 512 MB.
   Target: at most 160 MB (the first version of the shop, which decoded
   every image at once, measured 400 MB a generation).

Each run is a child process with its own SQLite database and media folder, so
one run's memory never shows in another's.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, time
import django
django.setup()
from generator.memory import malloc_tune
if os.environ.get("BENCH_ARENAS") != "default":
    malloc_tune()  # as every worker process does when it starts
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.conf import settings
from orders import services
from generator import tasks
from generator.models import Job

order = services.order_create(email="bench@example.com", theme="dinosaurs having a picnic",
                              child_name="Mia", age_group="kids", paper_size="letter")
services.order_fulfill(token=order.token, amount_cents=order.amount_cents, currency=order.currency)
def high_water_kb():
    # This process's own peak. Not ru_maxrss: Linux carries that across fork
    # and exec, so a child would report the bench's own size.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
baseline = high_water_kb()
started = time.perf_counter()
tasks.job_run_next()
wall = time.perf_counter() - started
job = Job.objects.get()
assert job.status == "done", job.error
print(json.dumps({
    "wall_s": wall,
    "render_s": job.render_seconds,
    "pdf_mb": job.pdf_bytes / 1e6,
    "calls": job.api_calls,
    "baseline_mb": baseline / 1024,
    "peak_mb": high_water_kb() / 1024,
    "concurrency": settings.GENERATION_CONCURRENCY,
}))
"""


def book_run(**env: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-book-") as folder:
        child_env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}},
            "DJANGO_SETTINGS_MODULE": "bookshop.settings",
            "VAR_DIR": folder,
            "IMAGE_PROVIDER": "offline",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        result = subprocess.run(
            [sys.executable, "-c", CHILD], cwd=ROOT, env=child_env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-3000:])
        return json.loads(result.stdout.strip().splitlines()[-1])


def run() -> None:
    latency = os.environ.get("BENCH_LATENCY", "1")
    size = os.environ.get("BENCH_TIMING_SIZE", "1024")
    print(f"book wall time, offline provider, {latency} s per image call, {size}-pixel images")
    serial = book_run(GENERATION_CONCURRENCY="1", OFFLINE_IMAGE_LATENCY=latency, BOOK_IMAGE_SIZE=size)
    default = book_run(OFFLINE_IMAGE_LATENCY=latency, BOOK_IMAGE_SIZE=size)
    for label, figures in (("concurrency 1", serial), (f"concurrency {default['concurrency']} (default)", default)):
        calls, render = figures["calls"], figures["render_s"]
        print(f"  {label:<26} {figures['wall_s']:6.1f} s  ({calls} calls, PDF render {render:.1f} s)")
    ratio = serial["wall_s"] / default["wall_s"]
    print(f"  speed-up                   {ratio:6.1f}x  (target >= 4x: {'ok' if ratio >= 4 else 'MISSED'})")

    print("peak memory of the process that generates and renders, 2048-pixel images, no latency")
    glibc_default = book_run(BOOK_IMAGE_SIZE="2048", OFFLINE_IMAGE_LATENCY="0", BENCH_ARENAS="default")
    big = book_run(BOOK_IMAGE_SIZE="2048", OFFLINE_IMAGE_LATENCY="0")
    print(f"  with glibc's default malloc arenas {glibc_default['peak_mb']:6.0f} MB (for comparison)")
    print(f"  after Django setup and migrate {big['baseline_mb']:6.0f} MB")
    print(
        f"  peak during the book           {big['peak_mb']:6.0f} MB  "
        f"(target <= 160 MB: {'ok' if big['peak_mb'] <= 160 else 'MISSED'})"
    )
    print(f"  book: {big['wall_s']:.1f} s, PDF {big['pdf_mb']:.1f} MB rendered in {big['render_s']:.1f} s")
