"""Reads of the factory: where a job stands in the queue, when it should be
ready, and the queue dashboard's figures (admin page and
`manage.py queue_status`)."""

import math
from pathlib import Path

from django.conf import settings
from django.db.models import F, Max
from django.utils import timezone

from generator.health import HEARTBEAT_FRESH_SECONDS
from generator.models import Job, JobStatus, WorkerHeartbeat

# Until books have been made, the ETA uses this (seconds per book).
DEFAULT_BOOK_SECONDS = 180

# From this many books waiting, customers wait long enough that the shop
# should make more books at once (or add a host).
BUSY_QUEUE = 5


def book_seconds_average(*, recent: int = 20) -> float:
    durations = (
        Job.objects.filter(status=JobStatus.DONE, started_at__isnull=False, finished_at__isnull=False)
        .order_by("-finished_at")
        .annotate(seconds=F("finished_at") - F("started_at"))
        .values_list("seconds", flat=True)[:recent]
    )
    values = [duration.total_seconds() for duration in durations]
    return sum(values) / len(values) if values else DEFAULT_BOOK_SECONDS


def queue_position(job: Job) -> int:
    """1 for the next job to start, 0 when not waiting."""
    if job.status != JobStatus.QUEUED:
        return 0
    ahead = Job.objects.filter(status=JobStatus.QUEUED, queued_at__lte=job.queued_at).exclude(
        queued_at=job.queued_at, id__gte=job.pk
    )
    return ahead.count() + 1


def eta_seconds(job: Job, position: int, average: float) -> int | None:
    if job.status == JobStatus.RUNNING:
        return int(average * (1 - job.images_done / job.images_total) + 5)
    if job.status != JobStatus.QUEUED:
        return None
    workers = max(1, settings.BOOK_WORKERS)
    running = list(Job.objects.filter(status=JobStatus.RUNNING).values_list("images_done", flat=True))
    # The soonest free worker, then one book per worker for each job ahead.
    free_in = 0.0
    if len(running) >= workers:
        free_in = min(average * (1 - done / (settings.BOOK_SCENES * 2)) for done in running)
    rounds = (position - 1) // workers
    return int(free_in + rounds * average + average)


def job_progress(job: Job) -> dict:
    """Where a job stands, for a client's status page: its place in line (0
    when not waiting), images stored out of the total, seconds until ready
    (None when not waiting or running), and whether its PDF is stored."""
    position = queue_position(job)
    return {
        "queue_position": position,
        "images_done": job.images_done,
        "images_total": job.images_total,
        "eta_seconds": eta_seconds(job, position, book_seconds_average()),
        "pdf_ready": book_pdf(job) is not None,
    }


def book_pdf(job: Job | None) -> tuple[str, int] | None:
    """The stored PDF of a finished book, as (storage name, size in bytes;
    0 when not recorded), or None while there is none."""
    if job is None or job.status != JobStatus.DONE or not job.pdf:
        return None
    return job.pdf.name, job.pdf_bytes


PREVIEW_STATUS = {
    JobStatus.QUEUED: "queued",
    JobStatus.RUNNING: "drawing",
    JobStatus.DONE: "ready",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "failed",
}


def preview_progress(job: Job) -> dict:
    """A preview's state for its page: "queued", "drawing", "ready" or
    "failed", and the storage names of what it shows so far (the cover's
    picture, the scene's colored reference and coloring page), with the
    scene's caption."""
    page = job.pages.filter(index=job.preview_scene % settings.BOOK_SCENES).first()
    return {
        "status": PREVIEW_STATUS[job.status],
        "cover": job.cover.name if job.cover else "",
        "caption": page.scene if page else "",
        "colored": page.colored.name if page and page.colored else "",
        "line_art": page.line_art.name if page and page.line_art else "",
    }


def queue_snapshot() -> dict:
    waiting = list(Job.objects.filter(status=JobStatus.QUEUED).order_by("queued_at", "id").values_list("pk", flat=True))
    running = list(Job.objects.filter(status=JobStatus.RUNNING).values_list("pk", flat=True))
    return {"queue_size": len(waiting) + len(running), "current_jobs": running, "jobs_waiting": waiting}


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
    average = book_seconds_average()
    running = [
        {
            "job": job,
            "images_done": job.images_done,
            "images_total": job.images_total,
            "percent": round(100 * job.images_done / job.images_total),
            "running_seconds": round((now - job.started_at).total_seconds()) if job.started_at else None,
            "attempt": job.attempts,
            "worker": job.worker,
        }
        for job in Job.objects.filter(status=JobStatus.RUNNING).order_by("started_at")
    ]
    waiting_jobs = list(Job.objects.filter(status=JobStatus.QUEUED).order_by("queued_at", "id"))
    last_eta = None
    if waiting_jobs:
        last = waiting_jobs[-1]
        last_eta = eta_seconds(last, len(waiting_jobs), average)
    beats = [
        {"worker": beat.worker, "seconds_ago": round((now - beat.beat_at).total_seconds())}
        for beat in WorkerHeartbeat.objects.order_by("-beat_at")[:10]
    ]
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
