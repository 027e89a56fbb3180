"""Jobs: create, queue, claim, run, and take over after a crash.

A django-q2 task only says "there may be a job to run"; the job table says
which. A worker claims the oldest waiting job in a transaction, keeps a
heartbeat while it works, and a job whose heartbeat went stale (its worker
was killed) is claimed again by the next worker, which resumes from the pages
already stored. Attempts are counted here, since the ORM broker re-runs a
killed task without counting.
"""

import json
import logging
import os
import resource
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from generator import shutdown
from generator.models import Job, JobStatus, Page, WorkerHeartbeat
from generator.processes import process_alive
from generator.providers import CallsStopped
from orders import services as order_services
from orders.models import Order, OrderStatus

logger = logging.getLogger(__name__)

TASK_RUN_NEXT = "generator.tasks.job_run_next"


class JobCancelled(Exception):
    """The job stopped being ours (cancelled, refunded, or taken over)."""


class JobError(Exception):
    """A rule of the factory refused the operation."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# Queueing ------------------------------------------------------------------


def job_create(*, order: Order) -> Job:
    """Called inside the payment's transaction; the task is queued after commit."""
    job, created = Job.objects.get_or_create(order=order, defaults={"queued_at": timezone.now()})
    if created:
        transaction.on_commit(tasks_enqueue)
    return job


def tasks_enqueue(count: int = 1) -> None:
    from django_q.tasks import async_task

    for _ in range(count):
        async_task(TASK_RUN_NEXT, group="books", q_options={"task_name": "run next book"})


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)


def jobs_claimable():
    """Jobs waiting, and jobs whose worker is gone: stale heartbeat, or
    released by jobs_orphans_release."""
    return Job.objects.filter(
        Q(status=JobStatus.QUEUED)
        | Q(status=JobStatus.RUNNING, heartbeat_at__lt=_stale_before())
        | Q(status=JobStatus.RUNNING, heartbeat_at__isnull=True)
    )


def jobs_orphans_release() -> int:
    """Release running jobs whose worker process on this host is dead, so
    they are taken over at once instead of after JOB_STALE_SECONDS. Workers
    on other hosts are judged by their heartbeat alone."""
    host = socket.gethostname()
    released = 0
    running = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__isnull=False, worker__startswith=f"{host}:")
    for job_id, worker in running.values_list("pk", "worker"):
        pid = worker.rsplit(":", 1)[1]
        if pid.isdigit() and not process_alive(int(pid)):
            released += Job.objects.filter(pk=job_id, worker=worker, status=JobStatus.RUNNING).update(heartbeat_at=None)
    return released


def job_claim_next(*, worker: str) -> Job | None:
    """Take the oldest waiting job (or one whose worker died), or None."""
    while True:
        with transaction.atomic():
            job = (
                jobs_claimable()
                .select_for_update(skip_locked=True)
                .select_related("order")
                .order_by("queued_at", "id")
                .first()
            )
            if job is None:
                return None
            taken_over = job.status == JobStatus.RUNNING
            if taken_over and job.attempts >= settings.JOB_MAX_ATTEMPTS:
                reason = f"The worker stopped (killed or out of memory) during each of {job.attempts} attempts."
                _job_fail(job, reason)
                continue
            now = timezone.now()
            job.status = JobStatus.RUNNING
            job.attempts += 1
            job.worker = worker
            job.heartbeat_at = now
            job.started_at = job.started_at or now
            job.finished_at = None
            job.save(update_fields=["status", "attempts", "worker", "heartbeat_at", "started_at", "finished_at"])
            order = Order.objects.select_for_update().get(pk=job.order_id)
            if order.status == OrderStatus.QUEUED:
                order_services.order_transition(order, OrderStatus.GENERATING)
            job.order = order
            if taken_over:
                logger.warning("job %s: taken over from a dead worker, attempt %s", job.pk, job.attempts)
            return job


def job_requeue(*, job: Job, reason: str = "") -> None:
    """Put a failed or interrupted job back in line; it resumes from its pages."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status == JobStatus.CANCELLED:
            return
        order = Order.objects.select_for_update().get(pk=job.order_id)
        job.status = JobStatus.QUEUED
        job.heartbeat_at = None
        job.error = reason or job.error
        job.save(update_fields=["status", "heartbeat_at", "error"])
        order_services.order_transition(order, OrderStatus.QUEUED)
        transaction.on_commit(tasks_enqueue)


def job_interrupted_requeue(*, job: Job, worker: str) -> bool:
    """The worker stopped this job because it is shutting down (a deploy):
    back in line at once, heartbeat cleared, and the attempt given back.

    A shutdown is not the job's fault: counting it would fail a long book
    after JOB_MAX_ATTEMPTS deploys. A crash (a killed worker) still counts,
    since the job itself may be what kills its worker. False if the job was
    no longer this worker's (cancelled or taken over meanwhile)."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.RUNNING or locked.worker != worker:
            return False
        Job.objects.filter(pk=job.pk).update(attempts=Greatest(F("attempts") - 1, 0))
        job_requeue(job=locked, reason="")
    logger.info("job %s: back in the queue, its worker is shutting down", job.pk)
    return True


def job_retry(*, job: Job) -> bool:
    """Staff retry of a failed job: a fresh set of attempts, same pages."""
    if job.status != JobStatus.FAILED:
        return False
    Job.objects.filter(pk=job.pk).update(attempts=0, queued_at=timezone.now())
    job_requeue(job=job, reason="")
    return True


def _job_fail(job: Job, reason: str) -> None:
    """With the job's row locked: failed for good. The customer's calm note
    goes into the outbox with the failure (once, however many times staff
    retry); staff get the reason after commit."""
    from orders import emails
    from orders.models import EmailKind

    job.status = JobStatus.FAILED
    job.error = reason
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    order = Order.objects.select_for_update().get(pk=job.order_id)
    if OrderStatus.FAILED in order_services.ORDER_TRANSITIONS[order.status]:
        order_services.order_transition(order, OrderStatus.FAILED, problem=reason)
    emails.email_queue(order=order, kind=EmailKind.DELAYED)
    logger.error("job %s failed for good: %s", job.pk, reason)
    transaction.on_commit(lambda: emails.job_failed_notify(order_id=order.pk, reason=reason))


def job_cancel(*, order: Order, reason: str) -> bool:
    """Stop an order's job (refund, cancellation). A running job's watcher
    (Heartbeat) sees it within JOB_WATCH_SECONDS: no new image call is made
    after that, and only the calls then in flight are paid for."""
    updated = Job.objects.filter(order=order, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        status=JobStatus.CANCELLED, error=reason, finished_at=timezone.now()
    )
    return bool(updated)


def pages_regenerate(*, job: Job, page_ids: list[int]) -> int:
    """Staff found bad pages: drop their images and the PDF, and queue the job
    to draw just those again, rebuild the book and deliver it again."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in (JobStatus.DONE, JobStatus.FAILED):
            raise JobError(f"Job {job.pk} is {job.status}; wait until it is done or failed.")
        pages = list(Page.objects.filter(job=job, pk__in=page_ids))
        for page in pages:
            for kind in ("line_art", "colored"):
                field = getattr(page, kind)
                if field:
                    field.delete(save=False)
            page.error = ""
            page.save(update_fields=["line_art", "colored", "error"])
        if job.pdf:
            job.pdf.delete(save=False)
        job.redeliver = job.status == JobStatus.DONE
        job.attempts = 0
        job.queued_at = timezone.now()
        job.save(update_fields=["pdf", "redeliver", "attempts", "queued_at"])
        job_progress(job.pk)
    job_requeue(job=job, reason="")
    return len(pages)


def print_pdf_request(*, job: Job) -> None:
    """Staff asked for the print-shop PDF: the worker makes it (WeasyPrint
    stays out of the web process)."""
    from django_q.tasks import async_task

    if job.status != JobStatus.DONE:
        raise JobError("The book is not finished yet.")
    Job.objects.filter(pk=job.pk).update(print_pdf_requested_at=timezone.now())
    transaction.on_commit(lambda: async_task("generator.tasks.print_pdf_make", job.pk, group="print"))


def print_pdf_make(*, job: Job) -> None:
    from django.core.files.base import ContentFile

    from generator.pdf import book_render

    pdf = book_render(job=job, variant="print")
    if job.print_pdf:
        job.print_pdf.delete(save=False)
    job.print_pdf.save(f"coloring-book-{job.order.token}-print.pdf", ContentFile(pdf), save=False)
    Job.objects.filter(pk=job.pk).update(print_pdf=job.print_pdf.name, print_pdf_requested_at=None)


def delivery_resend(*, job: Job) -> None:
    """Staff asked for the delivery again: one more email in the outbox,
    which the worker sends with the stored PDF."""
    from orders import emails

    if job.status != JobStatus.DONE or not job.pdf:
        raise JobError("There is no finished book to send yet.")
    emails.delivery_resend(order=job.order)


# Running -------------------------------------------------------------------


class Heartbeat:
    """Watches a running job from a thread, and stops it within a second when
    it is no longer wanted.

    Every JOB_WATCH_SECONDS it reads the job's status (one primary-key
    lookup): cancelled, refunded or taken over, the job is no longer its
    worker's. Every JOB_HEARTBEAT_SECONDS it refreshes the heartbeat that
    tells other workers this one is alive. Every WATCH_TICK it looks at the
    worker's shutdown event (generator.shutdown). Whatever the cause, it sets
    `stop`: the pipeline submits no new image call and the provider makes no
    new HTTP call once it is set (see providers.Usage), and `check` raises.
    `interrupted` tells a shutdown (the job goes back to the queue) from a
    job that is no longer ours (it just stops).
    """

    WATCH_TICK = 0.25

    def __init__(self, job: Job, worker: str) -> None:
        self.job_id = job.pk
        self.worker = worker
        self.stop = threading.Event()
        self.interrupted = False
        self.reason = ""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job.pk}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _stop(self, reason: str, *, interrupted: bool = False) -> None:
        if not self.stop.is_set():
            self.reason, self.interrupted = reason, interrupted
            self.stop.set()

    def beat(self) -> None:
        now = timezone.now()
        updated = Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING, worker=self.worker).update(
            heartbeat_at=now
        )
        WorkerHeartbeat.objects.update_or_create(worker=self.worker, defaults={"beat_at": now})
        if not updated:
            self._stop(f"job {self.job_id} is no longer run by {self.worker}")

    def watch(self) -> None:
        row = Job.objects.filter(pk=self.job_id).values_list("status", "worker").first()
        if row is None or row != (JobStatus.RUNNING, self.worker):
            status = row[0] if row else "gone"
            self._stop(f"job {self.job_id} is {status}, no longer run by {self.worker}")

    def _run(self) -> None:
        clock = time.monotonic
        next_watch = clock() + settings.JOB_WATCH_SECONDS
        next_beat = clock() + settings.JOB_HEARTBEAT_SECONDS
        try:
            while not self._done.wait(min(self.WATCH_TICK, settings.JOB_WATCH_SECONDS)):
                if shutdown.requested():
                    self._stop("the worker is shutting down", interrupted=True)
                try:
                    if clock() >= next_watch:
                        next_watch = clock() + settings.JOB_WATCH_SECONDS
                        self.watch()
                    if clock() >= next_beat:
                        next_beat = clock() + settings.JOB_HEARTBEAT_SECONDS
                        self.beat()
                except Exception:
                    logger.exception("watching job %s failed", self.job_id)
        finally:
            connection.close()

    def check(self) -> None:
        if self.stop.is_set():
            raise JobCancelled(self.reason)


def _log_event(event: str, job: Job, **fields) -> None:
    """One structured line per job start and end, with the queue around it."""
    logger.info(json.dumps({"event": event, "job": job.pk, "order": job.order_id, **fields, **queue_snapshot()}))


def queue_snapshot() -> dict:
    waiting = list(Job.objects.filter(status=JobStatus.QUEUED).order_by("queued_at", "id").values_list("pk", flat=True))
    running = list(Job.objects.filter(status=JobStatus.RUNNING).values_list("pk", flat=True))
    return {"queue_size": len(waiting) + len(running), "current_jobs": running, "jobs_waiting": waiting}


def job_run(*, job: Job, worker: str) -> None:
    """Make the book of a claimed job: pages, PDF, delivery. Any failure puts
    the job back in line while attempts remain; a permanent one fails it."""
    from generator import pipeline

    _log_event("job_started", job, attempt=job.attempts)
    outcome = "done"
    heartbeat = Heartbeat(job, worker)
    try:
        with heartbeat:
            pipeline.book_make(job=job, check=heartbeat.check, stop=heartbeat.stop)
    except (JobCancelled, CallsStopped) as exc:
        if heartbeat.interrupted and job_interrupted_requeue(job=job, worker=worker):
            outcome = "interrupted: the worker is shutting down; back in the queue"
        else:
            outcome = f"stopped: {heartbeat.reason or exc}"
    except Exception as exc:
        permanent = getattr(exc, "permanent", False)
        reason = f"{type(exc).__name__}: {exc}"
        logger.exception("job %s attempt %s failed", job.pk, job.attempts)
        job.refresh_from_db()
        if permanent or job.attempts >= settings.JOB_MAX_ATTEMPTS:
            with transaction.atomic():
                _job_fail(Job.objects.select_for_update().get(pk=job.pk), reason)
            outcome = f"failed: {reason}"
        else:
            job_requeue(job=job, reason=reason)
            outcome = f"requeued: {reason}"
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    Job.objects.filter(pk=job.pk).update(peak_rss_mb=peak_rss_mb)
    _log_event("job_ended", job, outcome=outcome, peak_rss_mb=peak_rss_mb)


def job_progress(job_id: int) -> None:
    """Recount the images stored for a job (what the status page shows)."""
    counts = Page.objects.filter(job_id=job_id).aggregate(
        line_art=Count("pk", filter=~Q(line_art="")), colored=Count("pk", filter=~Q(colored=""))
    )
    Job.objects.filter(pk=job_id).update(images_done=counts["line_art"] + counts["colored"])


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
