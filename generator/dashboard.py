"""The queue dashboard's figures (admin page and `manage.py queue_status`)."""

import math
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from generator.models import Job, JobStatus, WorkerHeartbeat
from orders import selectors

# The seed's threshold: from this many books waiting, customers wait long
# enough that the shop should make more books at once.
BUSY_QUEUE = 5


def _process_rss_mb() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def queue_dashboard() -> dict:
    now = timezone.now()
    average = selectors.book_seconds_average()
    running = [
        {
            "job": job,
            "order": job.order,
            "images_done": job.images_done,
            "images_total": job.images_total,
            "percent": round(100 * job.images_done / job.images_total),
            "running_seconds": round((now - job.started_at).total_seconds()) if job.started_at else None,
            "attempt": job.attempts,
            "worker": job.worker,
        }
        for job in Job.objects.filter(status=JobStatus.RUNNING).select_related("order").order_by("started_at")
    ]
    waiting_jobs = list(Job.objects.filter(status=JobStatus.QUEUED).select_related("order").order_by("queued_at", "id"))
    last_eta = None
    if waiting_jobs:
        last = waiting_jobs[-1]
        last_eta = selectors.eta_seconds(last, len(waiting_jobs), average)
    beats = [
        {"worker": beat.worker, "seconds_ago": round((now - beat.beat_at).total_seconds())}
        for beat in WorkerHeartbeat.objects.order_by("-beat_at")[:10]
    ]
    from generator.health import HEARTBEAT_FRESH_SECONDS

    worker_ok = bool(beats) and beats[0]["seconds_ago"] <= HEARTBEAT_FRESH_SECONDS
    recent = Job.objects.filter(status=JobStatus.DONE).order_by("-finished_at")[:20]
    book_mb = Job.objects.filter(pk__in=[job.pk for job in recent]).aggregate(peak=Max("peak_rss_mb"))["peak"]
    host_mb = settings.HOST_MEMORY_MB
    web_mb = _process_rss_mb()
    figures = {
        "running": running,
        "waiting": len(waiting_jobs),
        "waiting_jobs": waiting_jobs[:20],
        "average_book_seconds": round(average),
        "average_is_measured": Job.objects.filter(status=JobStatus.DONE).exists(),
        "last_in_line_eta_seconds": last_eta,
        "heartbeats": beats,
        "worker_ok": worker_ok,
        "failed": Job.objects.filter(status=JobStatus.FAILED).count(),
        "book_workers": settings.BOOK_WORKERS,
        "book_peak_mb": book_mb,
        "web_rss_mb": web_mb,
        "host_memory_mb": host_mb,
        "recommendation": None,
    }
    if len(waiting_jobs) >= BUSY_QUEUE:
        figures["recommendation"] = _recommendation(len(waiting_jobs), average, book_mb, web_mb, host_mb)
    return figures


def _recommendation(waiting: int, average: float, book_mb: int | None, web_mb: int | None, host_mb: int) -> str:
    workers = settings.BOOK_WORKERS
    wait_minutes = math.ceil(waiting * average / workers / 60)
    text = (
        f"{waiting} books are waiting: the last customer in line waits about {wait_minutes} min. "
        f"Raise BOOK_WORKERS (now {workers}) or move to a host with more memory."
    )
    if book_mb:
        web = web_mb or 0
        fits = max(1, (host_mb - web) // book_mb)
        text += (
            f" Measured: a worker making a book peaks at {book_mb} MB and this web process uses {web} MB, "
            f"so a {host_mb} MB host fits {fits} worker(s)"
        )
        needed = workers + 1
        text += (
            f"; {needed} workers need about {needed * book_mb + web} MB."
            if fits < needed
            else f": BOOK_WORKERS={min(fits, needed)} fits as it is."
        )
    return text
