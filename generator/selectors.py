"""Reads of the factory: where a job stands in the queue, when it should be
ready, and the queue dashboard's figures (admin page and
`manage.py queue_status`)."""

import math
import statistics
from pathlib import Path

from django.conf import settings
from django.db.models import F, Max
from django.utils import timezone

from generator import capacity
from generator.costs import dollars
from generator.health import HEARTBEAT_FRESH_SECONDS, gemini_status, quota_pause
from generator.models import Job, JobKind, JobStatus, WorkerHeartbeat

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


# Until books have been made, the estimate uses these: seconds of wall time
# per image and seconds to render the PDF (24 x 7 + 12 = 180 s a book).
DEFAULT_IMAGE_SECONDS = 7.0
DEFAULT_RENDER_SECONDS = 12.0
# Never promise less than this while work remains: never "0 min left".
MIN_ETA_SECONDS = 5


def _recent_books(recent: int) -> list[Job]:
    return list(
        Job.objects.filter(
            kind=JobKind.BOOK, status=JobStatus.DONE, started_at__isnull=False, finished_at__isnull=False
        ).order_by("-finished_at")[:recent]
    )


def book_cost_average(*, recent: int = 20) -> dict | None:
    """What Gemini billed for a book, on average over the last `recent`
    books it made (a book bought from a preview includes the preview's
    images), and how many of their answers were estimated; None before any."""
    books = [job for job in _recent_books(recent) if job.provider == "gemini"]
    if not books:
        return None
    micros = round(sum(job.cost_micros for job in books) / len(books))
    return {
        "micros": micros,
        "label": dollars(micros),
        "books": len(books),
        "estimated": sum(job.cost_estimated for job in books),
    }


def _concurrency(jobs: list[Job]) -> float:
    """How many books were made at once: the time spent making them, summed,
    over the time during which at least one was being made (1.0 when they
    ran one after another), between 1 and BOOK_WORKERS."""
    spans = sorted((job.started_at, job.finished_at) for job in jobs)
    busy = sum((end - start).total_seconds() for start, end in spans)
    covered, edge = 0.0, None
    for start, end in spans:
        start = max(start, edge) if edge else start
        if end > start:
            covered += (end - start).total_seconds()
        edge = max(end, edge) if edge else end
    measured = busy / covered if covered > 0 else 1.0
    return min(max(1.0, measured), max(1, settings.BOOK_WORKERS))


def book_timings(*, recent: int = 20) -> dict:
    """What recent books took, learned from the last `recent` finished books:
    - image_seconds: wall time of drawing (the book's time less its render)
      per image stored, the median over those books; a book drawing several
      images at once shows it here, as a shorter time per image;
    - render_seconds: the median time to render the PDF (Job.render_seconds);
    - concurrency: how many books were made at once (_concurrency);
    - book_seconds: a whole book, images_total x image_seconds + render.
    The defaults above until a book has been made."""
    jobs = _recent_books(recent)
    per_image, renders = [], []
    for job in jobs:
        render = job.render_seconds or 0.0
        drawing = job.duration_seconds - render
        images = job.images_done or job.images_total
        if drawing > 0 and images:
            per_image.append(drawing / images)
        if job.render_seconds is not None:
            renders.append(job.render_seconds)
    image_seconds = statistics.median(per_image) if per_image else DEFAULT_IMAGE_SECONDS
    render_seconds = statistics.median(renders) if renders else DEFAULT_RENDER_SECONDS
    return {
        "image_seconds": image_seconds,
        "render_seconds": render_seconds,
        "concurrency": _concurrency(jobs) if jobs else 1.0,
        "book_seconds": settings.BOOK_SCENES * 2 * image_seconds + render_seconds,
    }


def _work_left(job: Job, timings: dict) -> float:
    """Seconds of work a running book still needs: its images left, then its
    render (none once its PDF is stored)."""
    images_left = max(0, job.images_total - job.images_done)
    render = 0.0 if job.pdf else timings["render_seconds"]
    return images_left * timings["image_seconds"] + render


def eta_seconds(job: Job, position: int, timings: dict | None = None) -> int | None:
    """Seconds until the book is ready, from what recent books took
    (book_timings), or None when no work remains (done, failed, cancelled).

    Running: images left x seconds per image, plus the render if the PDF is
    not made yet. Queued: the work ahead of it (what the running books still
    need, and a whole book for each book ahead in line) shared by the books
    made at once (measured concurrency), then its own whole book. Either way
    after the wait for a per-day Gemini quota's reset, if the shop is paused
    for one (nothing is drawn before it). Never less than MIN_ETA_SECONDS
    while work remains."""
    timings = timings or book_timings()
    if job.status in (JobStatus.RUNNING, JobStatus.QUEUED) and (pause := quota_pause()) is not None:
        paused = pause.seconds_left()
    else:
        paused = 0.0
    if job.status == JobStatus.RUNNING:
        seconds = paused + _work_left(job, timings)
    elif job.status == JobStatus.QUEUED:
        running = Job.objects.filter(status=JobStatus.RUNNING, kind=JobKind.BOOK).exclude(pk=job.pk)
        ahead = sum(_work_left(other, timings) for other in running)
        ahead += max(0, position - 1) * timings["book_seconds"]
        seconds = paused + ahead / timings["concurrency"] + timings["book_seconds"]
    else:
        return None
    return max(MIN_ETA_SECONDS, round(seconds))


def job_progress(job: Job) -> dict:
    """Where a job stands, for a client's status page: its place in line (0
    when not waiting), images stored out of the total, seconds until ready
    (None when not waiting or running), and whether its PDF is stored."""
    position = queue_position(job)
    return {
        "queue_position": position,
        "images_done": job.images_done,
        "images_total": job.images_total,
        "eta_seconds": eta_seconds(job, position),
        "pdf_ready": book_pdf(job) is not None,
    }


def pages_drawn(job: Job) -> list[tuple[int, str]]:
    """The colored pages stored so far, as (page number from 1, storage
    name), in book order."""
    pages = job.pages.exclude(colored="").order_by("index").values_list("index", "colored")
    return [(index + 1, name) for index, name in pages]


def page_drawn(job: Job, number: int) -> str | None:
    """The storage name of page `number`'s colored image, None until stored."""
    return dict(pages_drawn(job)).get(number)


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
        last_eta = eta_seconds(last, len(waiting_jobs))
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
        "gemini": gemini_status(),
        "book_cost": book_cost_average(),
    }
    # While a per-day quota pauses the shop, more workers would not help: the
    # Gemini alert says when books resume.
    paused = figures["gemini"] is not None and figures["gemini"]["paused"] is not None
    if len(waiting_jobs) >= BUSY_QUEUE and not paused:
        figures["recommendation"] = _recommendation(len(waiting_jobs), average, book_mb, web_mb, host_mb)
    return figures


def _recommendation(waiting: int, average: float, book_mb: int | None, web_mb: int | None, host_mb: int) -> str:
    """What to do about a long queue, quoting what the load bench measured
    (generator/capacity.py) and what this shop measures (the worker's peak)."""
    workers = settings.BOOK_WORKERS
    wait_minutes = math.ceil(waiting * average / workers / 60)
    text = f"{waiting} books are waiting: the last customer in line waits about {wait_minutes} min. "
    best = capacity.most_that_fit(host_mb)
    if best is not None and workers < best.book_workers:
        now, then = capacity.measured(workers), best
        text += (
            f"Raise BOOK_WORKERS (now {workers}) to {then.book_workers}: measured on a {capacity.BENCH_HOST_MB} MB host"
            f" (make bench-load), {then.book_workers} books at once peaked at {then.peak_mb} MB with no process"
            f" killed, and five orders paid at once were all delivered in {then.fifth_over_alone:.1f}x one book's"
            " time"
        )
        text += f" (against {now.fifth_over_alone:.1f}x with {workers})." if now else "."
    else:
        text += (
            f"Raise BOOK_WORKERS (now {workers}) only on a host with more memory, or add a worker host"
            f" (each with its own BOOK_WORKERS): more than {best.book_workers if best else 1} book(s) at once on a"
            f" {capacity.BENCH_HOST_MB} MB host is not measured (make bench-load)."
        )
    if book_mb:
        text += (
            f" Measured here: the worker process making {workers} book(s) at once peaks at {book_mb} MB,"
            f" this web process uses {web_mb or 0} MB, of {host_mb} MB."
        )
    return text
