"""The queue's mechanics: claim, requeue, fail, and take over after a crash.

A django-q2 task only says "there may be a job to run"; the job table says
which. A worker claims the oldest waiting job in a transaction, keeps a
heartbeat while it works (generator/heartbeat.py), and a job whose
heartbeat went stale (its worker was killed) is claimed again by the next
worker, which resumes from the pages already stored. Attempts are counted
here, since the ORM broker re-runs a killed task without counting.
Each change is told through generator.signals.
"""

import logging
import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from generator import geministate, signals
from generator.models import Job, JobKind, JobStatus, Page, WorkerHeartbeat
from generator.processes import process_alive

logger = logging.getLogger(__name__)

TASK_RUN_NEXT = "generator.tasks.job_run_next"


def worker_host() -> str:
    """This host's name in worker names: WORKER_HOST, else the machine's."""
    return settings.WORKER_HOST or socket.gethostname()


def worker_name(lane: str = "") -> str:
    """Who runs a job: `host:pid`, and `host:pid:lane` for a lane of the
    worker process (generator/lanes.py), so that a job taken over from one
    lane is no longer its, even by another lane of the same process."""
    name = f"{worker_host()}:{os.getpid()}"
    return f"{name}:{lane}" if lane else name


def worker_process(worker: str) -> str:
    """The process (`host:pid`) of a worker name."""
    return ":".join(worker.split(":")[:2])


def tasks_enqueue(count: int = 1) -> None:
    """Tell the worker there may be a book to make: the task wakes the
    book lanes of the worker process that runs it (they also look every
    BOOK_POLL_SECONDS, so a lost task only delays a book by that)."""
    from django_q.tasks import async_task

    for _ in range(count):
        async_task(TASK_RUN_NEXT, group="books", q_options={"task_name": "run next book"})


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)


def jobs_claimable(kind: str = JobKind.BOOK):
    """Jobs of a kind waiting, and those whose worker is gone: stale
    heartbeat, or released by jobs_orphans_release."""
    return Job.objects.filter(kind=kind).filter(
        Q(status=JobStatus.QUEUED, not_before__isnull=True)
        | Q(status=JobStatus.QUEUED, not_before__lte=timezone.now())
        | Q(status=JobStatus.RUNNING, heartbeat_at__lt=_stale_before())
        | Q(status=JobStatus.RUNNING, heartbeat_at__isnull=True)
    )


def jobs_orphans_release() -> int:
    """Release running jobs whose worker process on this host is dead, so
    they are taken over at once instead of after JOB_STALE_SECONDS. Workers
    on other hosts are judged by their heartbeat alone."""
    host = worker_host()
    released = 0
    running = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__isnull=False, worker__startswith=f"{host}:")
    for job_id, worker in running.values_list("pk", "worker"):
        pid = worker.split(":")[1]
        if pid.isdigit() and not process_alive(int(pid)):
            released += Job.objects.filter(pk=job_id, worker=worker, status=JobStatus.RUNNING).update(heartbeat_at=None)
    return released


class _Unchanged(Exception):
    """Rolls back a change whose job turned out to be no longer in the
    state it needed (with what the receivers wrote)."""


def job_claim_next(*, worker: str, kind: str = JobKind.BOOK) -> Job | None:
    """Take the oldest waiting job of a kind (or one whose worker died), or
    None. Books and previews have lanes of their own (generator/lanes.py).
    None while a per-day Gemini quota is spent (generator/geministate.py):
    every job would only wait for the quota's reset, holding a lane."""
    if settings.IMAGE_PROVIDER == "gemini" and geministate.pause_current():
        return None
    while True:
        exhausted = None
        with transaction.atomic():
            job = jobs_claimable(kind).select_for_update(skip_locked=True).order_by("queued_at", "id").first()
            if job is None:
                return None
            taken_over = job.status == JobStatus.RUNNING
            if taken_over and job.attempts >= settings.JOB_MAX_ATTEMPTS:
                exhausted = job
            else:
                now = timezone.now()
                job.status = JobStatus.RUNNING
                job.attempts += 1
                job.worker = worker
                job.heartbeat_at = now
                job.started_at = job.started_at or now
                job.finished_at = None
                job.save(update_fields=["status", "attempts", "worker", "heartbeat_at", "started_at", "finished_at"])
                # The one signal sent with the job's row locked: its receivers
                # must not wait on a lock (see orders/receivers.py).
                signals.job_started.send(sender=Job, job=job, attempt=job.attempts)
        if exhausted is None:
            if taken_over:
                logger.warning("job %s: taken over from a dead worker, attempt %s", job.pk, job.attempts)
            return job
        reason = f"The worker stopped (killed or out of memory) during each of {exhausted.attempts} attempts."
        job_fail(exhausted, reason, worker=exhausted.worker)


def job_requeue(
    *,
    job: Job,
    reason: str = "",
    worker: str | None = None,
    attempt_back: bool = False,
    not_before: datetime | None = None,
    storage_failures: int | None = None,
) -> bool:
    """Put a job back in line; it resumes from its stored pages. With
    `worker`, only while that worker still runs it; `attempt_back` gives
    back the attempt it was counting; `not_before` keeps it from being
    claimed until then (else it can be at once). False, with nothing
    changed, if the job was cancelled (or no longer that worker's)."""
    changes: dict = {"status": JobStatus.QUEUED, "heartbeat_at": None, "not_before": not_before}
    if storage_failures is not None:
        changes["storage_failures"] = storage_failures
    if reason:
        changes["error"] = reason
    if attempt_back:
        changes["attempts"] = Greatest(F("attempts") - 1, 0)
    jobs = Job.objects.filter(pk=job.pk).exclude(status=JobStatus.CANCELLED)
    if worker is not None:
        jobs = jobs.filter(status=JobStatus.RUNNING, worker=worker)
    try:
        with transaction.atomic():
            # Receivers lock their rows first, then the job's row is written.
            signals.job_requeued.send(sender=Job, job=job, reason=reason)
            if not jobs.update(**changes):
                raise _Unchanged
            if job.kind == JobKind.BOOK:  # the preview lane polls
                transaction.on_commit(tasks_enqueue)
    except _Unchanged:
        return False
    return True


def job_interrupted_requeue(*, job: Job, worker: str) -> bool:
    """The worker stopped this job because it is shutting down (a deploy):
    back in line at once, heartbeat cleared, and the attempt given back.

    A shutdown is not the job's fault: counting it would fail a long book
    after JOB_MAX_ATTEMPTS deploys. A crash (a killed worker) still counts,
    since the job itself may be what kills its worker. False if the job was
    no longer this worker's (cancelled or taken over meanwhile)."""
    if not job_requeue(job=job, worker=worker, attempt_back=True):
        return False
    logger.info("job %s: back in the queue, its worker is shutting down", job.pk)
    return True


def job_storage_requeue(*, job: Job, reason: str, worker: str) -> bool:
    """Storage refused to write while `worker` ran the job: the host's
    fault (a full disk fails every book alike), so the attempt is given
    back and the job waits before it is claimed again, twice as long each
    time (STORAGE_BACKOFF_SECONDS, up to STORAGE_BACKOFF_MAX_SECONDS),
    instead of burning its attempts back to back. After STORAGE_MAX_RETRIES
    such waits it fails for good, so that staff hear of it (and retry it
    once the storage is mended). False if the job was no longer that
    worker's."""
    failures = Job.objects.filter(pk=job.pk).values_list("storage_failures", flat=True).first() or 0
    if failures >= settings.STORAGE_MAX_RETRIES:
        return job_fail(job, f"Storage could not be written during {failures + 1} attempts: {reason}", worker=worker)
    wait = min(settings.STORAGE_BACKOFF_MAX_SECONDS, settings.STORAGE_BACKOFF_SECONDS * 2**failures)
    requeued = job_requeue(
        job=job,
        reason=f"{reason} (tried again in {wait:.0f} s)",
        worker=worker,
        attempt_back=True,
        not_before=timezone.now() + timedelta(seconds=wait),
        storage_failures=failures + 1,
    )
    if requeued:
        logger.warning("job %s: storage refused to write; tried again in %.0f s", job.pk, wait)
    return requeued


def job_fail(job: Job, reason: str, *, worker: str) -> bool:
    """Failed for good, while `worker` still runs it; whoever asked for the
    job hears it through job_failed, in the same transaction. False, with
    nothing changed, if the job was no longer that worker's (cancelled or
    taken over meanwhile)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            signals.job_failed.send(sender=Job, job=job, reason=reason)
            failed = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=worker).update(
                status=JobStatus.FAILED, error=reason, finished_at=now
            )
            if not failed:
                raise _Unchanged
    except _Unchanged:
        return False
    job.status, job.error, job.finished_at = JobStatus.FAILED, reason, now
    logger.error("job %s failed for good: %s", job.pk, reason)
    return True


def images_recount(job_id: int) -> int:
    """Count again the images stored for a job (its progress) and store the
    figure; returns it."""
    counts = Page.objects.filter(job_id=job_id).aggregate(
        line_art=Count("pk", filter=~Q(line_art="")), colored=Count("pk", filter=~Q(colored=""))
    )
    images = counts["line_art"] + counts["colored"]
    Job.objects.filter(pk=job_id).update(images_done=images)
    return images


# Sweeping ------------------------------------------------------------------

SWEEP_SCHEDULE = "sweep"


def sweep_schedule_remove() -> None:
    """The sweep used to be a django-q2 schedule, which waited in the queue
    behind books; the worker's housekeeping thread runs it now
    (bookshop/housekeeping.py). Drop the old schedule where it remains."""
    from django_q.models import Schedule

    Schedule.objects.filter(name=SWEEP_SCHEDULE).delete()


def jobs_sweep() -> dict:
    """Run every minute by each worker's housekeeping thread (never behind a
    book), and at each worker start: the safety net under the queue.

    Records that the worker is alive, releases jobs of dead workers, and
    queues a task for every job that can run but has none (a lost task, a
    dead worker). Idempotent: two sweeps at once only do it twice. Emails are
    not its business: the outbox retries them.
    """
    from django_q.brokers import get_broker

    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=worker_name(), defaults={"beat_at": now})
    # Each worker process beats under its own name; recycled ones stop.
    WorkerHeartbeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
    jobs_orphans_release()
    claimable = jobs_claimable().count()
    queued_tasks = get_broker().queue_size()
    missing = max(0, claimable - queued_tasks)
    if missing:
        tasks_enqueue(missing)
    return {"claimable": claimable, "tasks_queued": missing}
