"""A job's files in storage: written only while the job keeps them, and
deleted all at once.

A client may have a job's files deleted (generator.services.job_files_delete)
while image calls are still out: a refund stops the book, and the calls
already made come back seconds later. So every file of a job is written by
job_file_store, which records it with the job's row locked, and only while
the job still keeps its files (its row exists and files_deleted_at is
unset). A deletion takes the same lock: it either comes first, and the file
is deleted again by its writer, or second, and finds the file recorded (or
in the job's folder) and deletes it.
"""

import logging
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from generator.errors import StorageUnavailable
from generator.models import Job

logger = logging.getLogger(__name__)

# What a write to storage raises when the store, not the file, is at fault:
# the local disk's OSError (ENOSPC, EDQUOT, EACCES, EROFS, EIO), and S3's
# errors through botocore (unreachable, throttled, access denied).
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


def job_folder(job: Job) -> str:
    """Where a job's images are stored (its PDFs are under books/)."""
    return f"jobs/{job.token}"


def job_files_kept(job_id: int) -> bool:
    """Lock the job's row (inside a transaction) and tell whether it still
    keeps its files: False once they were deleted, or the job with them."""
    return Job.objects.select_for_update().filter(pk=job_id, files_deleted_at__isnull=True).exists()


def job_file_store(*, job_id: int, name: str, data: bytes, record: Callable[[str], object]) -> str | None:
    """Store `data` under `name` (or the free name storage picks), then
    `record(stored_name)` with the job's row locked, if the job still
    keeps its files; else (deleted meanwhile) the file is deleted again and
    None returned. The write itself holds no lock: on object storage it is
    an API call. A file whose record fails is deleted again.
    StorageUnavailable if the storage refuses to write."""
    if not Job.objects.filter(pk=job_id, files_deleted_at__isnull=True).exists():
        logger.info("job %s: its files were deleted; %s is not stored", job_id, name)
        return None
    try:
        stored = default_storage.save(name, ContentFile(data))
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable(f"storage could not write {name}: {type(exc).__name__}: {exc}") from exc
    try:
        with transaction.atomic():
            kept = job_files_kept(job_id)
            if kept:
                record(stored)
    except BaseException:
        default_storage.delete(stored)
        raise
    if not kept:
        logger.info("job %s: its files were deleted while %s was written; deleted too", job_id, stored)
        default_storage.delete(stored)
        return None
    return stored


def job_files_remove(job: Job) -> None:
    """Delete from storage every image and PDF the job recorded, and
    whatever else is in its folder (an image stored by a worker killed
    before it could record it). Its rows are the caller's business."""
    for page in job.pages.all():
        for field in (page.line_art, page.colored):
            if field:
                field.delete(save=False)
    for field in (job.cover, job.pdf, job.print_pdf):
        if field:
            field.delete(save=False)
    _folder_empty(job_folder(job))


def _folder_empty(folder: str) -> None:
    """Delete every file under `folder`, its subfolders too (the screen-size
    images generator/thumbnails.py keeps in `screen/`)."""
    try:
        subfolders, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        default_storage.delete(f"{folder}/{name}")
    for subfolder in subfolders:
        _folder_empty(f"{folder}/{subfolder}")
