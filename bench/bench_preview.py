"""The free preview, measured in a fresh process, side by side.

1. Time to ready: a preview (the cover and one scene: three image calls)
   with the offline provider waiting OFFLINE_IMAGE_LATENCY (1 s) per call.
   Target: under 3 s.
2. What previews cost a paid book: the same book made alone, and made while
   visitors keep asking for previews (one after another on the preview
   lane, in the same process, as a worker runs them). Target: the book is
   delayed by at most one preview's time.

One child process with its own SQLite database and media folder.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, threading, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
from generator import lanes, pipeline, queue, services
from generator.models import Job

BRIEF = dict(theme="dinosaurs in space", child_name="Mia", age_group="kids", paper_size="letter")

def preview_time():
    job = services.preview_create(**BRIEF)
    started = time.perf_counter()
    assert lanes.preview_run_next() == f"preview {job.pk}"
    job.refresh_from_db()
    assert job.status == "done", job.error
    return time.perf_counter() - started

def book_time(with_previews):
    job = services.job_create(**BRIEF)
    claimed = queue.job_claim_next(worker="bench:1")
    stop, made = threading.Event(), []
    def lane():
        while not stop.is_set():
            services.preview_create(**BRIEF)
            made.append(preview_time_only())
        connection.close()
    def preview_time_only():
        started = time.perf_counter()
        lanes.preview_run_next()
        return time.perf_counter() - started
    thread = threading.Thread(target=lane, daemon=True)
    started = time.perf_counter()
    if with_previews:
        thread.start()
    pipeline.job_run(job=claimed, worker="bench:1")
    wall = time.perf_counter() - started
    stop.set()
    if with_previews:
        thread.join()
    claimed.refresh_from_db()
    assert claimed.status == "done", claimed.error
    return wall, made

ready = [preview_time() for _ in range(3)]
alone, _ = book_time(False)
busy, made = book_time(True)
print(json.dumps({"ready": ready, "alone": alone, "busy": busy, "previews": made}))
"""


def run() -> None:
    latency = os.environ.get("BENCH_LATENCY", "1")
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as folder:
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}},
            "DJANGO_SETTINGS_MODULE": "bookshop.settings",
            "DEBUG": "1",
            "VAR_DIR": folder,
            "IMAGE_PROVIDER": "offline",
            "OFFLINE_IMAGE_LATENCY": latency,
            "BOOK_IMAGE_SIZE": os.environ.get("BENCH_TIMING_SIZE", "1024"),
            "LOG_LEVEL": "WARNING",
        }
        result = subprocess.run(
            [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    ready = figures["ready"]
    print(f"preview (cover and one scene: 3 image calls), offline provider, {latency} s per call")
    slowest = max(ready)
    print(
        f"  time to ready, 3 runs      {', '.join(f'{t:.1f}' for t in ready)} s  "
        f"(target < 3 s: {'ok' if slowest < 3 else 'MISSED'})"
    )
    alone, busy, made = figures["alone"], figures["busy"], figures["previews"]
    one_preview = max(made) if made else slowest
    delay = busy - alone
    print("a paid book, alone and while previews are asked for one after another")
    print(f"  book alone                 {alone:5.1f} s")
    beside = f"book beside {len(made):2d} previews"
    print(f"  {beside:<26} {busy:5.1f} s  (delay {delay:+.1f} s; one preview {one_preview:.1f} s)")
    print(f"  target: delayed by at most one preview: {'ok' if delay <= one_preview else 'MISSED'}")
