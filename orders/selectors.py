"""Reads: what the status page, status.json and the dashboard show."""

from django.conf import settings
from django.db.models import F

from generator.models import Job, JobStatus
from orders.links import download_path
from orders.models import Order, OrderStatus

# Until books have been made, the ETA uses this (seconds per book).
DEFAULT_BOOK_SECONDS = 180


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


def order_status(order: Order) -> dict:
    job = Job.objects.filter(order=order).first()
    data = {
        "status": order.status,
        "queue_position": 0,
        "pages_done": 0,
        "pages_total": settings.BOOK_SCENES * 2,
        "eta_seconds": None,
        "download_url": None,
    }
    if job is not None:
        position = queue_position(job)
        data["queue_position"] = position
        data["pages_done"] = job.images_done
        data["eta_seconds"] = eta_seconds(job, position, book_seconds_average())
    if order.status == OrderStatus.DELIVERED and job is not None and job.pdf:
        data["download_url"] = download_path(order)
    return data
