"""What the factory does for its clients and for staff: make a book from a
brief, stop it, resume it, retry it, draw chosen pages again, make the print-shop PDF.

The queue's mechanics (claiming, requeueing, failing, sweeping) are in
generator/queue.py, the making of a claimed book in generator/pipeline.py;
what happens to a job is told through generator/signals.py.
"""

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from generator import jobfiles, queue, signals
from generator.errors import JobError
from generator.models import Job, JobKind, JobStatus, Page
from generator.thumbnails import screen_images_delete


def job_create(**brief) -> Job:
    """A job for a book made from this brief (the fields of
    generator.models.BookBrief: theme, child_name, age_group, ...), queued.
    Call it inside the transaction that decides the book is wanted: the task
    is queued after commit, and nothing is queued if it rolls back."""
    unknown = set(brief) - set(Job.BRIEF_FIELDS)
    if unknown:
        raise TypeError(f"not part of a brief: {', '.join(sorted(unknown))}")
    job = Job.objects.create(**brief, queued_at=timezone.now())
    transaction.on_commit(queue.tasks_enqueue)
    return job


def job_cancel(*, job_id: int | None, reason: str) -> bool:
    """Stop a job that is waiting or running (the book is no longer wanted).
    A running job's watcher (generator.heartbeat) sees it within
    JOB_WATCH_SECONDS: no new image call is made after that, and only the
    calls then in flight are paid for. False if there was nothing to stop."""
    if job_id is None:
        return False
    updated = Job.objects.filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        status=JobStatus.CANCELLED, error=reason, finished_at=timezone.now()
    )
    return bool(updated)


class _Unchanged(Exception):
    """Rolls back what the receivers wrote for a change that did not happen."""


def job_resume(*, job_id: int) -> bool:
    """A book stopped (cancelled) or failed is wanted again (its client got
    its payment back from a dispute): back in line with a fresh set of
    attempts, resuming from the pages it stored, none drawn twice. A worker
    still winding down the stopped job sees it is no longer its own. False,
    with nothing changed, for a job that is waiting, running or done.

    As in queue.job_requeue, the receivers lock their rows before the job's
    row is written (the order a refund takes: the client's row, then the job)."""
    stopped = [JobStatus.CANCELLED, JobStatus.FAILED]
    # A job whose files were deleted has no brief left: never drawn again.
    job = Job.objects.filter(pk=job_id, status__in=stopped, files_deleted_at__isnull=True).first()
    if job is None:
        return False
    try:
        with transaction.atomic():
            signals.job_requeued.send(sender=Job, job=job, reason="")
            resumed = Job.objects.filter(pk=job_id, status__in=stopped, files_deleted_at__isnull=True).update(
                status=JobStatus.QUEUED,
                attempts=0,
                error="",
                worker="",
                heartbeat_at=None,
                finished_at=None,
                queued_at=timezone.now(),
                # A fresh start: no storage wait carried over from before.
                not_before=None,
                storage_failures=0,
            )
            if not resumed:
                raise _Unchanged
            if job.kind == JobKind.BOOK:  # the preview lane polls
                transaction.on_commit(queue.tasks_enqueue)
    except _Unchanged:
        return False
    return True


def job_retry(*, job: Job) -> bool:
    """Staff retry of a failed job: a fresh set of attempts, same pages."""
    if job.status != JobStatus.FAILED:
        return False
    Job.objects.filter(pk=job.pk).update(attempts=0, storage_failures=0, queued_at=timezone.now())
    queue.job_requeue(job=job, reason="")
    return True


def pages_regenerate(*, job: Job, page_ids: list[int]) -> int:
    """Staff found bad pages: drop their images and the PDF, and queue the job
    to draw just those again and rebuild the book. Whoever asked for the
    book hears job_requeued now and job_ready when it is rebuilt."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in (JobStatus.DONE, JobStatus.FAILED):
            raise JobError(f"Job {job.pk} is {job.status}; wait until it is done or failed.")
        pages = list(Page.objects.filter(job=job, pk__in=page_ids))
        for page in pages:
            for kind in ("line_art", "colored"):
                _stored_delete(getattr(page, kind))
            page.error = ""
            page.save(update_fields=["line_art", "colored", "error"])
        if job.pdf:
            job.pdf.delete(save=False)
        job.attempts = 0
        job.queued_at = timezone.now()
        job.save(update_fields=["pdf", "attempts", "queued_at"])
        queue.images_recount(job.pk)
    queue.job_requeue(job=job, reason="")
    return len(pages)


def print_pdf_request(*, job: Job) -> None:
    """Staff asked for the print-shop PDF: the worker makes it (WeasyPrint
    stays out of the web process)."""
    from django_q.tasks import async_task

    if job.status != JobStatus.DONE:
        raise JobError("The book is not finished yet.")
    Job.objects.filter(pk=job.pk).update(print_pdf_requested_at=timezone.now())
    transaction.on_commit(lambda: async_task("generator.tasks.print_pdf_make", job.pk, group="print"))


# Previews ------------------------------------------------------------------


def preview_create(**brief) -> Job:
    """A preview of the book this brief makes: the cover and one scene,
    drawn on the preview lane (generator/lanes.py), which polls for it."""
    unknown = set(brief) - set(Job.BRIEF_FIELDS)
    if unknown:
        raise TypeError(f"not part of a brief: {', '.join(sorted(unknown))}")
    return Job.objects.create(**brief, kind=JobKind.PREVIEW, queued_at=timezone.now())


def preview_redraw(*, job: Job) -> None:
    """Another scene of the same plan, for a finished preview; the scenes
    drawn before stay stored (a book made from the preview keeps them)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.kind != JobKind.PREVIEW or job.status not in (JobStatus.DONE, JobStatus.FAILED):
            raise JobError("Only a finished preview can draw another scene.")
        job.preview_scene += 1
        job.attempts = 0
        job.queued_at = timezone.now()
        job.save(update_fields=["preview_scene", "attempts", "queued_at"])
    queue.job_requeue(job=job, reason="")


def preview_to_book(*, job: Job) -> Job:
    """The whole book of a preview: the same job (same plan, same seed, its
    images kept and never drawn again) made a book and put in the books'
    line. Call it inside the transaction that decides the book is wanted.
    A preview still being drawn finishes its images, then goes in line."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.kind != JobKind.PREVIEW:
        raise JobError(f"Job {job.pk} is not a preview.")
    job.kind = JobKind.BOOK
    job.attempts = 0
    job.queued_at = timezone.now()
    job.save(update_fields=["kind", "attempts", "queued_at"])
    if job.status != JobStatus.RUNNING:
        queue.job_requeue(job=job, reason="")
    return job


def _stored_delete(field: FieldFile) -> None:
    """Delete a stored file, and the screen-size images made from it."""
    if field:
        screen_images_delete(field.name)
        field.delete(save=False)


def job_discard(*, job_id: int) -> None:
    """Delete a job that is not running, and every file it stored."""
    with transaction.atomic():
        # Locked: an image being stored for it is stored, then deleted here.
        job = Job.objects.select_for_update().filter(pk=job_id).exclude(status=JobStatus.RUNNING).first()
        if job is None:
            return
        jobfiles.job_files_remove(job)
        job.delete()


def job_files_delete(*, job_id: int) -> bool:
    """Forget what a finished job was made from and what it made, keeping
    its row (a client may keep a record pointing at it): every image and
    PDF is deleted from storage, the pages (whose scenes may name the
    child) are deleted, and the brief is blanked. Refused (False) while the
    job is queued or running; True once nothing of it is stored. An image
    call of a stopped job still out when this runs stores nothing when it
    comes back (generator.jobfiles)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            return False
        jobfiles.job_files_remove(job)
        job.pages.all().delete()
        blank = {name: job._meta.get_field(name).get_default() for name in Job.BRIEF_FIELDS}
        for name, value in blank.items():
            setattr(job, name, value)
        # Cancelled: nothing can redraw, rebuild or retry a book whose brief is gone.
        job.status = JobStatus.CANCELLED
        job.error = "Deleted at the client's request."
        job.pdf_bytes = 0
        job.images_done = 0
        job.files_deleted_at = timezone.now()
        job.save(
            update_fields=[
                *blank,
                "cover",
                "pdf",
                "print_pdf",
                "status",
                "error",
                "pdf_bytes",
                "images_done",
                "files_deleted_at",
            ]
        )
    return True
